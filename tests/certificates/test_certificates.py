"""PDF certificates: the page (A4 landscape, both languages, long and hostile names that never
overflow, status marks, deterministic output).

The fonts (Debian fonts-dejavu-core, fonts-noto-core, fonts-nanum, fonts-droid-fallback) and
the tools that read the page back (pdftoppm from poppler-utils, zbarimg from zbar-tools) are
installed by .ci/run: under CI their absence fails these tests; elsewhere they skip and say
what to install.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from certificate_render_helpers import render_png, sample
from certificates_helpers import squeezed, text_of
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape

from badge_service.certificates import service as certificates
from badge_service.certificates.service import (
    CertificateUnavailable,
    Competence,
    render_certificate,
)
from badge_service.formats import fonts as font_files


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
