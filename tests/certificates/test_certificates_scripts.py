"""PDF certificates in any script: names render and extract, every script is drawn with a font
that has it (real glyphs, never boxes), Arabic and Indic text is shaped."""

from __future__ import annotations

import io
import unicodedata

import pytest
from certificate_render_helpers import sample
from certificates_helpers import text_of
from pypdf import PdfReader

from badge_service.certificates import service as certificates
from badge_service.certificates.service import Signatory, render_certificate
from badge_service.formats import fonts as font_files
from badge_service.formats.certificate_pdf import text as certificate_text


@pytest.mark.parametrize("name", ["Zoë Ñúñez-Åström", "Δημήτρης Παπαδόπουλος",
                                  "Анна Каренина", "王小明", "Ngọc Đặng Thị"])
def test_names_in_any_script_render_and_extract(fonts, name):
    text = text_of(render_certificate(sample(participant=name)))
    assert unicodedata.normalize("NFC", name) in unicodedata.normalize("NFC", text)


def test_arabic_is_shaped_and_extracts(fonts):
    name = "محمد"
    text = text_of(render_certificate(sample(participant=f"{name} بن سلمان")))
    # The page carries the shaped letter forms (presentation forms) in display order, which
    # is what a PDF draws; normalised, they give the letters back.
    normalised = unicodedata.normalize("NFKC", text)
    assert name in normalised or name[::-1] in normalised
    shaped = certificates.visual(name)
    assert shaped != name
    assert unicodedata.normalize("NFKC", shaped[::-1]) == name


def test_every_script_is_drawn_with_a_font_that_has_it(fonts):
    for text in ("Zoë", "Δημήτρης", "Анна", "王小明", certificates.visual("محمد"), *SCRIPTS):
        for role, part in certificates.runs(text, certificates.CHAINS["serif-bold"]):
            assert all(certificates._covers(role, char) for char in part), (text, role)


#: A name in each script our users write (one per font of badge_service.formats.fonts).
SCRIPTS = {
    "Korean": "김민준", "Hindi": "प्रिया शर्मा", "Marathi": "सुनील पाटील",
    "Bengali": "প্রিয়া দাস", "Tamil": "முருகன் செல்வம்", "Telugu": "శ్రీనివాస్",
    "Kannada": "ಕಾವ್ಯಾ", "Malayalam": "അനന്തു", "Gujarati": "જયેશ", "Punjabi": "ਹਰਪ੍ਰੀਤ",
    "Sinhala": "නිමල්", "Thai": "สมชาย ใจดี", "Lao": "ສົມພອນ", "Khmer": "សុខា",
    "Burmese": "အောင်မြင့်", "Amharic": "አበበ በቀለ", "Arabic": "محمد بن سلمان",
    "Hebrew": "דוד לוי", "Chinese": "王小明", "Japanese": "さくら カタカナ 山田",
    "Russian": "Анна Каренина", "Greek": "Δημήτρης", "Georgian": "გიორგი",
    "Armenian": "Արամ", "Vietnamese": "Ngọc Đặng Thị",
}


def missing_glyphs(pdf: bytes) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """The (font, code) pairs the page draws with the missing-glyph box (glyph 0, .notdef),
    and how many glyphs it draws in each font. Reads what a viewer would: the codes of every
    text-showing operator, looked up in the cmap of the embedded font subset."""
    from fontTools.ttLib import TTFont
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    missing: list[tuple[str, int]] = []
    drawn: dict[str, int] = {}
    for page in reader.pages:
        glyphs = {}
        for name, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor.get_object().get("/FontFile2") if descriptor else None
            if embedded is None:  # a standard PDF font: has every glyph of its encoding
                continue
            face = TTFont(io.BytesIO(embedded.get_object().get_data()))
            cmap = face["cmap"].tables[0].cmap
            glyphs[name] = (str(font["/BaseFont"]).split("+")[-1],
                            {code: face.getGlyphID(glyph) for code, glyph in cmap.items()})
        current = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"TJ", b"'", b'"') and current in glyphs:
                base, cmap = glyphs[current]
                for string in (operands[0] if operator == b"TJ" else operands[-1:]):
                    if isinstance(string, int | float):
                        continue
                    raw = (string.get_original_bytes() if hasattr(string, "get_original_bytes")
                           else bytes(string))
                    drawn[base] = drawn.get(base, 0) + len(raw)
                    missing += [(base, code) for code in raw if cmap.get(code, 0) == 0]
    return missing, drawn


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_script_prints_real_glyphs(fonts, script):
    name = SCRIPTS[script]
    pdf = render_certificate(sample(participant=name, achievement=f"{name} — badge",
                                    signatories=(Signatory(name, "trainer"),)))
    missing, _drawn = missing_glyphs(pdf)
    assert missing == [], (script, missing)


def test_the_glyph_check_sees_missing_fonts(fonts, monkeypatch):
    """The check above fails when only DejaVu draws the page (the fallback fonts removed from
    every chain): each script DejaVu lacks then prints boxes."""
    only_dejavu = {style: tuple(r for r in chain if r in font_files.REQUIRED_FONTS)
                   for style, chain in font_files.CHAINS.items()}
    monkeypatch.setattr(certificate_text, "CHAINS", only_dejavu)
    for script in ("Korean", "Hindi", "Chinese", "Thai", "Tamil", "Bengali", "Japanese"):
        missing, _drawn = missing_glyphs(render_certificate(sample(participant=SCRIPTS[script])))
        assert missing, script
    for script in ("Russian", "Greek", "Arabic", "Hebrew"):  # DejaVu's own scripts
        assert missing_glyphs(render_certificate(sample(participant=SCRIPTS[script])))[0] == []


def test_indic_scripts_are_shaped(fonts):
    """With HarfBuzz (uharfbuzz), प्रिया शर्मा is drawn with conjunct and reordered glyphs:
    fewer glyphs than characters (प्र is one glyph, the reph of र्मा joins the next letter)."""
    pytest.importorskip("uharfbuzz")
    name = SCRIPTS["Hindi"]
    _missing, drawn = missing_glyphs(render_certificate(sample(participant=name)))
    letters = len(name.replace(" ", ""))
    assert 0 < drawn["NotoSansDevanagari-Bold"] < letters
