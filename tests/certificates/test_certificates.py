"""PDF certificates: the page (A4 landscape, both languages, any script, long and hostile
names), the embedded credential (extracts and verifies), the QR code (rendered to pixels and
decoded by a real decoder), and the public route.

The fonts (Debian fonts-dejavu-core, fonts-noto-core, fonts-nanum, fonts-droid-fallback) and
the tools that read the page
back (pdftoppm from poppler-utils, zbarimg from zbar-tools) are installed by .ci/run: under
CI their absence fails these tests; elsewhere they skip and say what to install.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import unicodedata
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from certificates_helpers import need, squeezed, text_of
from issuing_helpers import NOW, issuing_context
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from badge_service.awards.service import issuing
from badge_service.certificates import service as certificates
from badge_service.certificates.service import (
    CertificateData,
    CertificateFileError,
    CertificateUnavailable,
    Competence,
    Signatory,
    extract_credential,
    render_certificate,
)
from badge_service.clock import utcnow
from badge_service.formats import fonts as font_files
from badge_service.formats.certificate_pdf import text as certificate_text
from credentials.did import Resolver
from credentials.verify import verify

BASE = "https://badges.example.org"
CREDENTIAL_ID = f"{BASE}/credentials/6f1c8a52-3d7e-4b1a-9c55-0e2f4a6b8c9d"


@pytest.fixture(scope="session")
def tools() -> None:
    need(shutil.which("pdftoppm") is not None, "pdftoppm (Debian package poppler-utils)")
    need(shutil.which("zbarimg") is not None, "zbarimg (Debian package zbar-tools)")


def sample(**changes) -> CertificateData:  # type: ignore[no-untyped-def]
    data = CertificateData(
        language="fr",
        participant="Zoë Ñúñez-Åström",
        achievement="Concevoir des ressources numériques",
        description="Sélectionner, créer et partager des ressources éducatives.",
        achievement_code="DCE-2",
        organisation="TechnofuturTIC — eduLAB",
        issued=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
        valid_until=datetime(2029, 9, 15, 10, 0, tzinfo=UTC),
        credential_id=CREDENTIAL_ID,
        credential={"id": CREDENTIAL_ID, "type": ["VerifiableCredential"], "name": "é"},
        competences=(Competence("Sélection de ressources numériques", "2.1",
                                level="B1 – Intégrateur"),
                     Competence("Gestion et protection des ressources", "2.3")),
        signatories=(Signatory("Dominique Formateur", "trainer"),
                     Signatory("TechnofuturTIC — eduLAB", "issuer")),
    )
    return replace(data, **changes)


def render_png(pdf: bytes, folder: Path, dpi: int = 150, gray: bool = False) -> Path:
    source = folder / "certificate.pdf"
    source.write_bytes(pdf)
    options = ["-gray"] if gray else []
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", *options,
                    str(source), str(folder / "page")], check=True, timeout=60)
    return folder / "page.png"


def decode_qr(png: Path) -> list[str]:
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True,
                            text=True, timeout=60)
    return [line for line in result.stdout.splitlines() if line]


def margins_are_blank(png: Path, dpi: int) -> bool:
    """No ink between the decorative frame and the content area (where overflowing text
    would land): the strips from 31 pt to 60 pt (sides), 56 pt (top) and 40 pt (bottom, below
    the footer) from the edges are white."""
    from PIL import Image

    image = Image.open(png).convert("L")
    width, height = image.size

    def px(points: float) -> int:
        return round(points * dpi / 72)

    near = px(31)
    strips = [(near, near, px(60), height - near),
              (width - px(60), near, width - near, height - near),
              (near, near, width - near, px(56)),
              (near, height - px(40), width - near, height - near)]
    return all(image.crop(box).getextrema()[0] >= 245 for box in strips)


# --- the page --------------------------------------------------------------------------------


def test_a4_landscape_in_french_and_english(fonts):
    for language, title, earned in (("fr", "CERTIFICAT DE RÉUSSITE", "a obtenu le badge"),
                                    ("en", "CERTIFICATE OF ACHIEVEMENT", "has earned the badge")):
        pdf = render_certificate(sample(language=language))
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(landscape(A4), abs=0.01)
        assert box.width > box.height
        text = text_of(pdf)
        for expected in (title, earned, "Zoë Ñúñez-Åström", "Concevoir des ressources numériques",
                         "Dominique Formateur", "TechnofuturTIC — eduLAB", "2.1",
                         "Sélection de ressources numériques", "B1 – Intégrateur",
                         "6f1c8a52-3d7e-4b1a-9c55-0e2f4a6b8c9d"):
            assert expected in text, (language, expected)
    french, english = text_of(render_certificate(sample())), text_of(
        render_certificate(sample(language="en")))
    assert "Délivré le 15 septembre 2026" in french
    assert "Valable jusqu’au 15 septembre 2029" in french
    assert "Issued on 15 September 2026" in english
    assert "Valid until 15 September 2029" in english
    assert "Compétences certifiées" in french
    assert "Certified competences" in english


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


@pytest.mark.parametrize("name", [
    "Maria-Magdalena Alexandrina Konstantinopoulou-Van den Bergh de la Tour d'Auvergne "
    "y Fernández-Villaverde Oppenheimer-Schwarzenegger Wolfeschlegelsteinhausenbergerdorff",
    "W" * 240,  # one unbreakable "word"
    "王小明" * 60,
    ("Ééé " * 200).strip(),  # so long that even the smallest size must cut it
], ids=["many-words", "one-long-word", "cjk", "cut"])
def test_long_names_never_overflow(fonts, tools, tmp_path, name):
    pdf = render_certificate(sample(participant=name, achievement="Badge " * 40,
                                    description="Très long. " * 80,
                                    competences=tuple(Competence("Compétence " * 12, f"C{i}")
                                                      for i in range(40))))
    png = render_png(pdf, tmp_path, dpi=72, gray=True)
    assert margins_are_blank(png, 72)
    text = squeezed(text_of(pdf))
    if len(name) < 700:
        assert squeezed(name) in text
    else:
        assert squeezed(name)[:200] in text
        assert "…" in text
    assert "autre(s)compétence(s)" in text  # the table gave way, it did not overflow


def test_fit_shrinks_then_wraps_within_the_box(fonts):
    style = certificates.TextStyle("serif-bold", 34, 11, single_line_until=22)
    short = certificates.fit("Anna", style, 600, 78)
    assert short.style.fontSize == 34
    longer = certificates.fit("Anna Karenina Oblonskaïa Vronskaïa Levina", style, 600, 78)
    _w, h = longer.wrap(600, 78)
    assert 22 <= longer.style.fontSize < 34
    assert len(longer.blPara.lines) == 1
    assert h <= 78
    longest = certificates.fit("Anna Karenina " * 12, style, 600, 78)
    _w, h = longest.wrap(600, 78)
    assert longest.style.fontSize < 22
    assert len(longest.blPara.lines) > 1
    assert h <= 78


def test_user_text_is_printed_literally(fonts):
    hostile = '<b>&amp;</b> <font name="Courier">x</font> & <br/>'
    pdf = render_certificate(sample(participant=hostile, achievement=hostile,
                                    organisation=hostile,
                                    competences=(Competence(hostile, "<i>"),)))
    text = text_of(pdf)
    assert text.count('<b>&amp;</b> <font name="Courier">x</font> & <br/>') >= 3
    assert "<i>" in text


def test_control_characters_are_dropped(fonts):
    text = text_of(render_certificate(sample(participant="Anna\x00\x07\u202e Karenina")))
    assert "Anna Karenina" in text


def test_revoked_and_suspended_are_marked(fonts):
    assert "RÉVOQUÉ" in text_of(render_certificate(sample(state="revoked")))
    assert "SUSPENDED" in text_of(render_certificate(sample(state="suspended", language="en")))
    assert "RÉVOQUÉ" not in text_of(render_certificate(sample()))


def test_output_is_deterministic_and_dated_from_the_credential(fonts):
    first, second = render_certificate(sample()), render_certificate(sample())
    assert first == second
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata["/CreationDate"].startswith("D:20260915100000")
    assert "Zoë Ñúñez-Åström" in metadata.title
    assert render_certificate(sample(language="en")) != first


def test_a_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(font_files, "FONT_DIRS", (str(tmp_path),))
    font_files._find.cache_clear()
    try:
        with pytest.raises(CertificateUnavailable) as info:
            certificates.check_fonts()
        assert "fonts-dejavu-core" in info.value.detail
        assert info.value.status == 503
    finally:
        font_files._find.cache_clear()


def test_levels_and_competences_from_the_credential_json():
    level_a = "https://ex.org/levels/a"
    level_b = "https://ex.org/levels/b"
    document = {"credentialSubject": {
        "achievement": {
            "alignment": [{"targetName": "Lire", "targetCode": "L1",
                           "targetUrl": "https://ex.org/c/1"},
                          {"targetName": "Écrire", "targetUrl": "https://ex.org/c/2"}],
            "resultDescription": [
                {"id": "urn:rd:1", "alignment": [{"targetUrl": "https://ex.org/c/2"}],
                 "rubricCriterionLevel": [{"id": level_a, "name": "Expert", "level": "C1"}]},
                {"id": "urn:rd:2",
                 "rubricCriterionLevel": [{"id": level_b, "name": "Intégrateur (B1)",
                                           "level": "B1"}]}]},
        "result": [{"resultDescription": "urn:rd:1", "achievedLevel": level_a},
                   {"resultDescription": "urn:rd:2", "achievedLevel": level_b}]}}
    competences, level = certificates.competences_of(document, "fr")
    assert competences == [Competence("Lire", "L1"), Competence("Écrire", level="C1 – Expert")]
    assert level == "Intégrateur (B1)"


# --- the embedded credential -----------------------------------------------------------------


def test_the_credential_is_an_associated_file(fonts):
    data = sample()
    pdf = render_certificate(data)
    assert extract_credential(pdf) == data.credential
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["credential.json"]
    assert json.loads(reader.attachments["credential.json"][0]) == data.credential
    root = reader.trailer["/Root"]
    [filespec] = root["/AF"]
    filespec = filespec.get_object()
    assert filespec["/AFRelationship"] == "/Source"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/application/vc+ld+json"


def _pdf_with(attachments: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 72, "not a certificate")
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    for name, content in attachments.items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a PDF"),
    (b"PK\x03\x04 a zip file", "not a PDF"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 50, "malformed"),
    (_pdf_with({}), "no embedded credential"),
    (_pdf_with({"credential.json": b"{not json"}), "not valid UTF-8 JSON"),
    (_pdf_with({"credential.json": b"[1, 2]"}), "not a JSON object"),
    (_pdf_with({"a.json": b"{}", "b.json": b"{}"}), "several JSON attachments"),
    (_pdf_with({"credential.json": b'{"x": "' + b"y" * 3000 + b'"}'}), "too large"),
])
def test_extract_refuses_what_it_cannot_read(content, message):
    with pytest.raises(CertificateFileError) as info:
        extract_credential(content, max_credential_bytes=2000)
    assert message in info.value.detail
    assert info.value.errors[0].field == "file"


def _pdf_with_compressed(name: str, content: bytes) -> bytes:
    """A PDF whose attachment is Flate-compressed and declares no size (as a hostile one)."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_with({}))))
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    reference = writer._add_object(stream.flate_encode())
    filespec = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"),
        NameObject("/F"): TextStringObject(name),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): reference})}))
    writer.root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/EmbeddedFiles"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject(name), filespec])})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_extract_refuses_oversized_files_and_compression_bombs():
    with pytest.raises(CertificateFileError, match="larger than"):
        extract_credential(b"%PDF-1.7\n" + b" " * 2048, max_bytes=1024)
    bomb = _pdf_with_compressed("credential.json", b"{" + b" " * 50_000_000 + b"}")
    assert len(bomb) < 200_000
    with pytest.raises(CertificateFileError, match="too large"):
        extract_credential(bomb)
    small = _pdf_with_compressed("credential.json", b'{"id": "urn:x"}')
    assert extract_credential(small) == {"id": "urn:x"}


def test_extract_accepts_a_single_json_attachment_under_another_name():
    assert extract_credential(_pdf_with({"badge.json": b'{"id": "urn:x"}'})) == {"id": "urn:x"}


# --- issued credentials over HTTP (SQLite and PostgreSQL) ------------------------------------


def _award(app, session, world, **row):  # type: ignore[no-untyped-def]
    person = world.participants[0]
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(person.email, **row)],
                           issuing=issuing_context(app, notify=False))
    session.commit()
    return result.outcomes[0].credential


def test_certificate_of_an_issued_credential(app, session, client, world, fonts, tools,
                                             tmp_path):
    credential = _award(app, session, world, narrative="Très bon portfolio.")
    person = world.participants[0]
    url = f"/credentials/{credential.id}/certificate.pdf"
    public_url = f"{BASE}/credentials/{credential.id}"

    response = client.get(f"{url}?lang=fr")  # anonymous: the certificate is public
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert "sandbox" not in response.headers["Content-Security-Policy"]
    pdf = response.data
    text = text_of(pdf)
    assert person.display_name in text
    assert world.units[0].name_i18n["fr"] in text
    assert world.trainer.display_name in text
    assert str(credential.id) in text

    english = text_of(client.get(f"{url}?lang=en").data)
    assert person.display_name in english
    assert world.units[0].name_i18n["en"] in english
    assert "CERTIFICATE OF ACHIEVEMENT" in english

    # The attachment is the signed credential, and it verifies on its own.
    document = extract_credential(pdf)
    assert document == credential.document
    result = verify(document, now=utcnow(), resolver=Resolver(),
                    fetch_status_list=lambda url: _status_list(client, url))
    assert result.verified, result.errors

    # The QR code, as pixels, decodes to the public page.
    assert decode_qr(render_png(pdf, tmp_path)) == [public_url]

    # Caching: revalidated with the ETag.
    again = client.get(f"{url}?lang=fr", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    download = client.get(f"{url}?lang=fr&download=1")
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")


def _status_list(client, url: str) -> dict:  # type: ignore[no-untyped-def]
    assert url.startswith(BASE)
    response = client.get(url[len(BASE):])
    assert response.status_code == 200
    return response.json


def test_certificate_route_errors_and_status(app, session, client, world, fonts):
    credential = _award(app, session, world)
    url = f"/credentials/{credential.id}/certificate.pdf"
    bad = client.get(f"{url}?lang=de", headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.json["errors"] == [{"field": "lang", "message": "must be fr or en"}]
    missing = client.get(f"/credentials/{uuid.uuid4()}/certificate.pdf")
    assert missing.status_code == 404
    # Without ?lang=: the browser's language, else the recipient's.
    assert "CERTIFICATE OF ACHIEVEMENT" in text_of(
        client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"}).data)
    default = client.get(url)
    assert "CERTIFICAT DE RÉUSSITE" in text_of(default.data)
    assert "Accept-Language" in default.vary
    issuing.change_status(session, world.trainer, [credential], "revoke", reason="fraude",
                          now=NOW)
    session.commit()
    assert "RÉVOQUÉ" in text_of(client.get(f"{url}?lang=fr").data)
