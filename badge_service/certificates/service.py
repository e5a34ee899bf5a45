"""Printable PDF certificates: A4 landscape, French or English, with a QR code to the public
credential page and the signed credential embedded as a file attachment (``credential.json``),
so the PDF alone can be verified offline.

``render_certificate(data)`` is a pure function of plain data (:class:`CertificateData`) to PDF
bytes; ``certificate_data(credential, language, public_base_url)`` is the thin loader from an
:class:`~badge_service.tables.IssuedCredential`; ``extract_credential(pdf_bytes)`` reads the
embedded credential back (the verification page uses it for uploaded PDFs).

Fonts: every text is drawn with embedded Unicode TrueType fonts found at run time in the
system's font folders — DejaVu Sans/Serif for Latin, Greek, Cyrillic, Arabic, Hebrew…, then,
per run of characters DejaVu lacks, Noto (Indic and South-East Asian scripts), Nanum (Korean)
or Droid Sans Fallback (Chinese, Japanese): badge_service.formats.fonts lists which file covers what
and its Debian package. A missing font is a clear :class:`CertificateUnavailable` error naming
the package to install. Arabic is shaped with ``arabic-reshaper`` (contextual letter forms)
and put in visual order with ``python-bidi``, because reportlab draws characters as given;
Indic and Thai-like scripts are shaped by HarfBuzz (``uharfbuzz``) through reportlab. Limits:
emoji and scripts no font covers print as empty boxes; a paragraph mixing right-to-left text
with an Indic script is not shaped; right-to-left text is reordered as one line before
wrapping, which is right for names and short titles.

Long texts never overflow their box: each is set at the largest size that fits (from the
designed size down to a minimum), wrapped onto more lines if needed, and cut with an ellipsis
only as a last resort. All user text is escaped before reportlab's paragraph markup sees it.
"""

from __future__ import annotations

import io
import json
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats import fonts
from badge_service.formats.fonts import (
    CHAINS,
    REQUIRED_FONTS,
    CertificateUnavailable,
    check_fonts,
    runs,
)

__all__ = ["CHAINS", "CertificateUnavailable", "check_fonts", "runs"]  # re-exported

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph

    from badge_service.awards.models import IssuedCredential

LANGUAGES = ("fr", "en")
ATTACHMENT_NAME = "credential.json"
ATTACHMENT_MEDIA_TYPE = "application/vc+ld+json"
#: Largest PDF ``extract_credential`` reads, and largest embedded credential it decodes.
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024

class CertificateFileError(ValidationFailed):
    """The file is not a PDF certificate with an embedded credential that can be read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, [FieldError(detail, field="file")])


# --- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Competence:
    name: str
    code: str | None = None
    framework: str | None = None
    #: The level reached for this competence, when a result says so.
    level: str | None = None


@dataclass(frozen=True)
class Signatory:
    name: str
    #: "trainer" (who awarded it) or "issuer" (the organisation).
    role: str


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate shows, already in its language (``fr`` or ``en``)."""

    language: str
    participant: str
    achievement: str
    organisation: str
    issued: datetime
    #: The credential's id, which is also its public page (the QR code's target).
    credential_id: str
    #: The signed credential, embedded as ``credential.json``.
    credential: dict[str, Any]
    description: str | None = None
    achievement_code: str | None = None
    valid_until: datetime | None = None
    competences: tuple[Competence, ...] = ()
    #: The overall level reached (a result not tied to one competence).
    level: str | None = None
    signatories: tuple[Signatory, ...] = ()
    #: "active", "suspended" or "revoked": the last two print a watermark.
    state: str = "active"
    #: Short id printed in the footer (defaults to the last segment of ``credential_id``).
    reference: str | None = None
    #: Where the QR code points, when not the credential's id.
    public_url: str | None = None
    #: The language the competence and level texts were signed in, when not ``language``
    #: (their heading then says so).
    signed_language: str | None = None
    #: The participant's (and trainer's) names are the issuer's records, not in the signed
    #: credential (it identifies the holder by a hash of their email): the footer says so.
    names_unsigned: bool = False

    @property
    def url(self) -> str:
        return self.public_url or self.credential_id


LABELS = {
    "fr": {
        "title": "Certificat de réussite",
        "certifies": "Ce certificat atteste que",
        "earned": "a obtenu le badge",
        "competences": "Compétences certifiées",
        "code": "Code",
        "competence": "Compétence",
        "level": "Niveau atteint",
        "more": "… et {n} autre(s) compétence(s) : voir la page publique",
        "issued": "Délivré le",
        "valid_until": "Valable jusqu’au",
        "no_expiry": "Sans date d’expiration",
        "trainer": "Formateur ou formatrice",
        "issuer": "Organisme émetteur",
        "verify": "Vérifier l’authenticité",
        "reference": "Identifiant du justificatif",
        "embedded": "Ce PDF contient le justificatif Open Badges 3.0 signé (credential.json).",
        "names_unsigned": "Ce PDF contient le justificatif Open Badges 3.0 signé "
                          "(credential.json) ; les noms du titulaire et du formateur sont fournis "
                          "par l’émetteur, hors justificatif signé.",
        "holder_unsigned": "Ce PDF contient le justificatif Open Badges 3.0 signé "
                           "(credential.json) ; le nom du titulaire est fourni par l’émetteur, "
                           "hors justificatif signé.",
        "as_signed": "{label} (texte signé, en {language})",
        "languages": {"fr": "français", "en": "anglais"},
        "revoked": "RÉVOQUÉ",
        "suspended": "SUSPENDU",
        "subject": "Certificat Open Badges",
        "holder": "Titulaire du badge",
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                   "septembre", "octobre", "novembre", "décembre"],
    },
    "en": {
        "title": "Certificate of achievement",
        "certifies": "This is to certify that",
        "earned": "has earned the badge",
        "competences": "Certified competences",
        "code": "Code",
        "competence": "Competence",
        "level": "Level reached",
        "more": "… and {n} more competence(s): see the public page",
        "issued": "Issued on",
        "valid_until": "Valid until",
        "no_expiry": "Does not expire",
        "trainer": "Trainer",
        "issuer": "Issuing organisation",
        "verify": "Verify authenticity",
        "reference": "Credential ID",
        "embedded": "This PDF contains the signed Open Badges 3.0 credential (credential.json).",
        "names_unsigned": "This PDF contains the signed Open Badges 3.0 credential "
                          "(credential.json); the holder’s and trainer’s names are supplied by "
                          "the issuer, not part of the signed credential.",
        "holder_unsigned": "This PDF contains the signed Open Badges 3.0 credential "
                           "(credential.json); the holder’s name is supplied by the issuer, not "
                           "part of the signed credential.",
        "as_signed": "{label} (as signed, in {language})",
        "languages": {"fr": "French", "en": "English"},
        "revoked": "REVOKED",
        "suspended": "SUSPENDED",
        "subject": "Open Badges certificate",
        "holder": "Badge holder",
        "months": ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"],
    },
}


def format_date(value: datetime, language: str) -> str:
    month = LABELS[language]["months"][value.month - 1]
    if language == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year}"
    return f"{value.day} {month} {value.year}"


# --- fonts (badge_service.formats.fonts: which file covers which script) ------------------

def _font(role: str) -> Any:
    return fonts.font(role)


def _covers(role: str, char: str) -> bool:
    return fonts.covers(role, char)


# --- text: sanitising, bidi, font runs, fitting ----------------------------------------------

_RTL = {"R", "AL"}
#: Format characters kept by clean(): zero-width (non-)joiners are part of Indic and Persian
#: spelling; the other format characters (bidi overrides…) could disguise a name.
_JOINERS = {"\u200c", "\u200d"}


def clean(text: str | None) -> str:
    """NFC, control characters dropped, runs of white space made one space."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if c.isspace() else c for c in text
                   if c.isspace() or c in _JOINERS
                   or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    return " ".join(text.split())


def visual(text: str) -> str:
    """Right-to-left text shaped (Arabic letter forms) and put in display order."""
    kinds = {unicodedata.bidirectional(c) for c in text}
    if not kinds & _RTL:
        return text
    from bidi import get_display

    if "AL" in kinds:
        import arabic_reshaper

        text = arabic_reshaper.reshape(text)
    return get_display(text)


def markup(text: str, style: str) -> tuple[str, bool]:
    """Paragraph markup for plain user text (escaped, in visual order, one font per run), and
    whether the paragraph must be shaped by HarfBuzz (fonts.needs_shaping)."""
    parts = runs(visual(clean(text)), CHAINS[style])
    return ("".join(f'<font name="{_font(role).fontName}">{escape(part)}</font>'
                    for role, part in parts), fonts.needs_shaping(parts))


@dataclass(frozen=True)
class TextStyle:
    style: str = "sans"  # a CHAINS key
    size: float = 10
    min_size: float = 7
    color: str = "#1d2b45"
    align: str = "center"  # left, center, right
    leading: float = 1.22
    #: Shrink (down to this size) before wrapping onto a second line.
    single_line_until: float | None = None


def _paragraph(text: str, style: TextStyle, size: float) -> Paragraph:
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    alignment = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}[style.align]
    content, shaping = markup(text, style.style)
    ps = ParagraphStyle("certificate", fontName=_font(CHAINS[style.style][0]).fontName,
                        fontSize=size, leading=size * style.leading, textColor=style.color,
                        alignment=alignment, splitLongWords=1, allowWidows=1,
                        shaping=int(shaping))
    return Paragraph(content, ps)


def _lines(paragraph: Paragraph) -> int:
    return len(getattr(paragraph.blPara, "lines", ())) or 1


def fit(text: str, style: TextStyle, width: float, height: float) -> Paragraph:
    """A paragraph of ``text`` that fits ``width`` x ``height``: the largest size from
    ``style.size`` down to ``style.min_size`` (one line preferred down to
    ``single_line_until``), cut with an ellipsis only if even the smallest size overflows."""
    sizes = []
    size = style.size
    while size >= style.min_size - 1e-6:
        sizes.append(round(size, 2))
        size -= 0.5 if style.size <= 14 else 1
    one_line_floor = style.single_line_until
    if one_line_floor is not None:
        for size in sizes:
            if size < one_line_floor:
                break
            paragraph = _paragraph(text, style, size)
            _w, h = paragraph.wrap(width, height)
            if h <= height and _lines(paragraph) == 1:
                return paragraph
    for size in sizes:
        if one_line_floor is not None and size > one_line_floor:
            continue
        paragraph = _paragraph(text, style, size)
        _w, h = paragraph.wrap(width, height)
        if h <= height:
            return paragraph
    # Last resort: the longest prefix (binary search) that fits at the smallest size.
    text = clean(text)
    low, high = 0, len(text)
    best = _paragraph("…", style, sizes[-1])
    best.wrap(width, height)
    while low < high:
        middle = (low + high + 1) // 2
        paragraph = _paragraph(text[:middle].rstrip() + "…", style, sizes[-1])
        _w, h = paragraph.wrap(width, height)
        if h <= height:
            low, best = middle, paragraph
        else:
            high = middle - 1
    return best


def _draw(canvas: Canvas, paragraph: Paragraph, x: float, top: float, width: float,
          height: float | None = None) -> float:
    """Draw a paragraph (already fitted) with its top at ``top``; returns its height."""
    _w, h = paragraph.wrap(width, height if height is not None else 10_000)
    paragraph.drawOn(canvas, x, top - h)
    return h


# --- QR code ---------------------------------------------------------------------------------


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code modules of ``url`` (error correction M), without quiet zone."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """A vector QR code in the square (x, y, size), with its 4-module quiet zone inside."""
    matrix = qr_matrix(url)
    count = len(matrix)
    module = size / (count + 8)
    canvas.saveState()
    canvas.setFillColor("#ffffff")
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor("#000000")
    origin_x, origin_y = x + 4 * module, y + size - 4 * module
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        column = 0
        while column < count:
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < count and cells[column]:
                column += 1
            path.rect(origin_x + start * module, origin_y - (row + 1) * module,
                      (column - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


# --- rendering -------------------------------------------------------------------------------

NAVY = "#1d2b45"
ACCENT = "#23527c"
GOLD = "#b08d3c"
GREY = "#5b6577"
LIGHT = "#e9edf3"


def _fonts_for(data: CertificateData) -> None:
    """Check the fonts this certificate needs are installed (clear error naming the package
    if one is missing); fallback fonts matter only for texts with characters DejaVu lacks."""
    check_fonts(REQUIRED_FONTS)
    texts = [data.participant, data.achievement, data.description or "", data.organisation,
             data.level or "", *(s.name for s in data.signatories),
             *(c.name + (c.code or "") + (c.level or "") for c in data.competences)]
    # The regular and bold fallbacks come from the same packages: one chain tells which.
    fonts.require([visual(clean(text)) for text in texts], CHAINS["serif-bold"])


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF bytes, with the signed credential attached."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    if data.language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {data.language!r}")
    _fonts_for(data)
    labels = LABELS[data.language]
    page_width, page_height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_width, page_height), invariant=1,
                    lang=data.language, pageCompression=1)
    title = f"{labels['title']} — {clean(data.achievement)} — {clean(data.participant)}"
    canvas.setTitle(title)
    canvas.setAuthor(clean(data.organisation))
    canvas.setSubject(labels["subject"])
    canvas.setCreator("badge_service")
    canvas.setKeywords(["Open Badges 3.0", data.credential_id])
    # The file identifier: derived from what is printed, not from the clock or randomness.
    document = getattr(canvas, "_doc", None)
    if document is not None and hasattr(document, "updateSignature"):
        document.updateSignature(f"{data.credential_id} {data.language} {data.state}")

    _draw_frame(canvas, page_width, page_height)
    left, right = 64.0, page_width - 64.0
    width = right - left
    top = page_height - 58.0

    # Organisation, title.
    top -= _draw(canvas, fit(data.organisation, TextStyle("sans-bold", 13, 8, ACCENT),
                             width, 34), left, top, width) + 8
    top -= _draw(canvas, fit(labels["title"].upper(),
                             TextStyle("serif-bold", 25, 16, NAVY), width, 34),
                 left, top, width) + 4
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.line(page_width / 2 - 60, top - 2, page_width / 2 + 60, top - 2)
    top -= 14
    top -= _draw(canvas, fit(labels["certifies"], TextStyle("sans", 11, 9, GREY), width, 16),
                 left, top, width) + 6
    # The participant: large, one line if it fits at 22 pt or more, else wrapped.
    name_box = 78.0
    name = fit(data.participant, TextStyle("serif-bold", 34, 11, NAVY,
                                           single_line_until=22, leading=1.15),
               width - 40, name_box)
    _w, name_height = name.wrap(width - 40, name_box)
    name_top = top - max(0.0, (min(name_box, 46.0) - name_height) / 2)
    _draw(canvas, name, left + 20, name_top, width - 40, name_box)
    top -= max(name_height, min(name_box, 46.0)) + 6
    top -= _draw(canvas, fit(labels["earned"], TextStyle("sans", 11, 9, GREY), width, 16),
                 left, top, width) + 4
    achievement = clean(data.achievement)
    if data.achievement_code and data.achievement_code not in achievement:
        achievement = f"{achievement} ({clean(data.achievement_code)})"
    top -= _draw(canvas, fit(achievement, TextStyle("sans-bold", 18, 10, ACCENT,
                                                    single_line_until=14), width, 46),
                 left, top, width) + 3
    if data.description:
        top -= _draw(canvas, fit(data.description, TextStyle("sans", 9.5, 7, GREY),
                                 width - 80, 36), left + 40, top, width - 80) + 4

    # The bottom band: signatories and dates (left), QR code (right), footer.
    band_top = 150.0
    qr_size = 92.0
    qr_x = right - qr_size
    _draw_qr(canvas, data.url, qr_x, 56, qr_size)
    _draw(canvas, fit(labels["verify"], TextStyle("sans-bold", 8, 6, NAVY, "center"),
                      qr_size + 40, 12), qr_x - 20, 56 + qr_size + 13, qr_size + 40)
    _draw_signatures(canvas, data, labels, left, qr_x - 24, band_top)
    _draw_footer(canvas, data, labels, left, qr_x - 24)

    # The competences, in the space left between the description and the band.
    _draw_competences(canvas, data, labels, left + 30, width - 60, top - 6, band_top + 20)

    if data.state in ("revoked", "suspended"):
        _draw_watermark(canvas, labels[data.state], page_width, page_height)
    canvas.showPage()
    canvas.save()
    return _attach(buffer.getvalue(), data)


def _draw_frame(canvas: Canvas, width: float, height: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2.2)
    canvas.rect(20, 20, width - 40, height - 40, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.7)
    canvas.rect(27, 27, width - 54, height - 54, stroke=1, fill=0)
    # Corner marks.
    canvas.setFillColor(GOLD)
    for cx, cy in ((27, 27), (width - 27, 27), (27, height - 27), (width - 27, height - 27)):
        canvas.circle(cx, cy, 3, stroke=0, fill=1)
    canvas.restoreState()


def _draw_signatures(canvas: Canvas, data: CertificateData, labels: dict, left: float,
                     right: float, top: float) -> None:
    """Dates, then one signature block per signatory (name above a rule, role below)."""
    issued = f"{labels['issued']} {format_date(data.issued, data.language)}"
    until = (f"{labels['valid_until']} {format_date(data.valid_until, data.language)}"
             if data.valid_until else labels["no_expiry"])
    _draw(canvas, fit(f"{issued}  ·  {until}", TextStyle("sans", 9.5, 7, NAVY, "left"),
                      right - left, 14), left, top, right - left)
    blocks = list(data.signatories)[:3]
    if not blocks:
        return
    gap = 24.0
    block_width = min(230.0, (right - left - gap * (len(blocks) - 1)) / len(blocks))
    rule_y = 96.0
    for index, signatory in enumerate(blocks):
        x = left + index * (block_width + gap)
        name = fit(signatory.name, TextStyle("serif-bold", 12, 7, NAVY, "left"),
                   block_width, 30)
        name.wrap(block_width, 30)
        name.drawOn(canvas, x, rule_y + 5)
        canvas.setStrokeColor(GREY)
        canvas.setLineWidth(0.5)
        canvas.line(x, rule_y, x + block_width, rule_y)
        _draw(canvas, fit(labels.get(signatory.role, signatory.role),
                          TextStyle("sans", 8.5, 6, GREY, "left"), block_width, 12),
              x, rule_y - 3, block_width)


def _draw_footer(canvas: Canvas, data: CertificateData, labels: dict, left: float,
                 right: float) -> None:
    reference = data.reference or data.credential_id.rstrip("/").rsplit("/", 1)[-1]
    _draw(canvas, fit(f"{labels['reference']} : {reference}" if data.language == "fr"
                      else f"{labels['reference']}: {reference}",
                      TextStyle("sans", 7.5, 6, GREY, "left"), right - left, 11),
          left, 74, right - left)
    _draw(canvas, fit(data.url, TextStyle("sans", 7.5, 5.5, GREY, "left"), right - left, 11),
          left, 63, right - left)
    embedded = labels["embedded"]
    if data.names_unsigned:
        trainer = any(s.role == "trainer" for s in data.signatories)
        embedded = labels["names_unsigned" if trainer else "holder_unsigned"]
    _draw(canvas, fit(embedded, TextStyle("sans", 7, 5.5, GREY, "left"),
                      right - left, 11), left, 52, right - left)


def _draw_competences(canvas: Canvas, data: CertificateData, labels: dict, x: float,
                      width: float, top: float, bottom: float) -> None:
    """The competences table (code, competence, level), at the largest type size that fits;
    if even the smallest is too big, the last rows give way to a "… and N more" line."""
    available = top - bottom
    if available < 30 or not (data.competences or data.level):
        return
    count = len(data.competences)
    attempts = [(size, count) for size in (9.0, 8.5, 8.0, 7.5, 7.0)]
    attempts += [(7.0, shown) for shown in range(count - 1, -1, -1)]
    for size, shown in attempts:
        table = _competence_table(data, labels, shown, width, size)
        _w, h = table.wrap(width, available)
        if h <= available:
            # A short table sits a little lower, between the texts and the signatures.
            table.drawOn(canvas, x, top - h - min((available - h) / 3, 18))
            return


def _competence_table(data: CertificateData, labels: dict, shown: int, width: float,
                      size: float) -> Any:
    from reportlab.platypus import Table, TableStyle

    head = TextStyle("sans-bold", size, size, "#ffffff", "left")
    body = TextStyle("sans", size, size, NAVY, "left")
    strong = TextStyle("sans-bold", size, size, NAVY, "left")
    note = TextStyle("sans", size, size, GREY, "left")
    competences = data.competences
    per_competence = any(c.level for c in competences)
    code_width = 62.0
    level_width = 130.0 if per_competence else 0.0
    widths = [code_width, width - code_width - level_width] + (
        [level_width] if per_competence else [])
    columns = len(widths)
    colon = " : " if data.language == "fr" else ": "

    def cell(text: str | None, style: TextStyle) -> Any:
        return _paragraph(text, style, style.size) if text else ""

    heading = labels["competences"]
    if data.signed_language and data.signed_language != data.language:
        heading = labels["as_signed"].format(label=heading, language=labels["languages"].get(
            data.signed_language, data.signed_language))
    rows: list[list[Any]] = [[cell(labels["code"], head), cell(heading, head)]
                             + ([cell(labels["level"], head)] if per_competence else [])]
    for competence in competences[:shown]:
        rows.append([cell(competence.code, body), cell(competence.name, body)]
                    + ([cell(competence.level, body)] if per_competence else []))
    commands: list[tuple] = []
    if shown < len(competences):
        rows.append(["", cell(labels["more"].format(n=len(competences) - shown), note)]
                    + [""] * (columns - 2))
    if data.level:
        rows.append([cell(f"{labels['level']}{colon}{data.level}", strong)]
                    + [""] * (columns - 1))
        commands.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
    table = Table(rows, colWidths=widths)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), size),  # empty cells as high as the others
        ("LEADING", (0, 0), (-1, -1), size * 1.22),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, LIGHT),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        *commands,
    ]))
    return table


def _draw_watermark(canvas: Canvas, text: str, width: float, height: float) -> None:
    canvas.saveState()
    canvas.setFillColor("#c0392b")
    canvas.setFillAlpha(0.22)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(24)
    canvas.setFont(_font("sans-bold").fontName, 96)
    canvas.drawCentredString(0, -30, text)
    canvas.restoreState()


# --- the embedded credential -----------------------------------------------------------------


def _pdf_date(value: datetime) -> str:
    return value.strftime("D:%Y%m%d%H%M%S+00'00'")


def _attach(pdf: bytes, data: CertificateData) -> bytes:
    """Add the signed credential as an associated file (PDF 2.0 / PDF/A-3 style: named in
    /EmbeddedFiles and /AF, relationship /Source) and set the document dates from the
    credential, so the output depends only on the data."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, NumberObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    payload = json.dumps(data.credential, ensure_ascii=False, indent=2).encode("utf-8")
    attachment = writer.add_attachment(ATTACHMENT_NAME, payload)
    attachment.subtype = NameObject("/" + ATTACHMENT_MEDIA_TYPE)
    attachment.description = TextStringObject("Open Badges 3.0 credential (signed)")
    attachment.associated_file_relationship = NameObject("/Source")
    attachment.size = NumberObject(len(payload))
    attachment.modification_date = data.issued
    filespec = attachment.pdf_object
    filespec[NameObject("/UF")] = TextStringObject(ATTACHMENT_NAME)
    writer.root_object[NameObject("/AF")] = ArrayObject([filespec.indirect_reference])
    writer.add_metadata({"/CreationDate": _pdf_date(data.issued),
                         "/ModDate": _pdf_date(data.issued)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _walk_names(node: Any, depth: int = 0, budget: list[int] | None = None
                ) -> Iterable[tuple[str, Any]]:
    """(name, value) pairs of a PDF name tree, bounded in depth and size."""
    budget = budget if budget is not None else [1000]
    if depth > 20:
        raise CertificateFileError("the PDF's attachment list is nested too deeply")
    node = node.get_object()
    names = node.get("/Names")
    if names is not None:
        names = names.get_object()
        for index in range(0, len(names) - 1, 2):
            budget[0] -= 1
            if budget[0] < 0:
                raise CertificateFileError("the PDF has too many attachments")
            yield str(names[index].get_object()), names[index + 1]
    for kid in node.get("/Kids") or ():
        yield from _walk_names(kid, depth + 1, budget)


def _attachment_stream(filespec: Any) -> Any:
    filespec = filespec.get_object()
    embedded = filespec.get("/EF")
    if embedded is None:
        return None
    embedded = embedded.get_object()
    stream = embedded.get("/UF") or embedded.get("/F")
    return stream.get_object() if stream is not None else None


def _media_type(stream: Any) -> str:
    subtype = stream.get("/Subtype")
    return str(subtype)[1:] if subtype is not None else ""


def extract_credential(pdf_bytes: bytes, *, max_bytes: int = MAX_PDF_BYTES,
                       max_credential_bytes: int = MAX_CREDENTIAL_BYTES) -> dict[str, Any]:
    """The credential embedded in a PDF certificate (``credential.json``, or the one JSON
    attachment), as a dict — not verified: pass it to ``credentials.verify.verify``.

    Raises CertificateFileError (a ValidationFailed) with a plain message for anything else:
    too large, not a PDF, a malformed PDF, no or several candidate attachments, an attachment
    too large once decompressed, or one that is not a JSON object."""
    if not isinstance(pdf_bytes, bytes | bytearray):
        raise CertificateFileError("the certificate must be given as bytes")
    if len(pdf_bytes) > max_bytes:
        raise CertificateFileError(
            f"the PDF is larger than {max_bytes // (1024 * 1024)} MB")
    if not bytes(pdf_bytes[:1024]).lstrip().startswith(b"%PDF-"):
        raise CertificateFileError("the file is not a PDF (it does not start with %PDF-)")
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import PyPdfError

    limit = max_credential_bytes + 1
    try:
        import warnings

        with warnings.catch_warnings(), apply_configuration(
                zlib_maximum_output_length=limit, lzw_maximum_output_length=limit,
                run_length_maximum_output_length=limit, brotli_maximum_output_length=limit,
                jbig2_maximum_output_length=limit,
                array_based_stream_maximum_output_length=limit,
                maximum_declared_stream_length=max_bytes,
                stream_decoding_work_maximum_length=8 * limit):
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(bytes(pdf_bytes)))
            if reader.is_encrypted:
                raise CertificateFileError("the PDF is encrypted; certificates are not")
            root = reader.trailer["/Root"].get_object()
            names = root.get("/Names")
            tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
            candidates: list[tuple[str, Any]] = []
            if tree is not None:
                for name, filespec in _walk_names(tree):
                    stream = _attachment_stream(filespec)
                    if stream is None:
                        continue
                    media = _media_type(stream)
                    if name == ATTACHMENT_NAME or name.lower().endswith(".json") or \
                            media in (ATTACHMENT_MEDIA_TYPE, "application/ld+json",
                                      "application/json"):
                        candidates.append((name, stream))
            exact = [c for c in candidates if c[0] == ATTACHMENT_NAME]
            if exact:
                candidates = exact[:1]
            if not candidates:
                raise CertificateFileError(
                    f"the PDF has no embedded credential ({ATTACHMENT_NAME}); only "
                    "certificates downloaded from a badge page carry one")
            if len(candidates) > 1:
                raise CertificateFileError(
                    "the PDF has several JSON attachments and none is named "
                    f"{ATTACHMENT_NAME}; cannot tell which is the credential")
            declared = candidates[0][1].get("/Params", {}).get("/Size")
            if isinstance(declared, int) and declared > max_credential_bytes:
                raise CertificateFileError("the embedded credential is too large")
            content = candidates[0][1].get_data()
    except CertificateFileError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, zlib.error, OSError, AssertionError) as exc:
        limit_hit = "limit" in str(exc).lower() or "exceed" in str(exc).lower()
        if limit_hit:
            raise CertificateFileError("the embedded credential is too large") from exc
        raise CertificateFileError("the PDF is malformed and cannot be read") from exc
    if len(content) > max_credential_bytes:
        raise CertificateFileError("the embedded credential is too large")
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CertificateFileError("the embedded credential is not valid UTF-8 JSON") from exc
    if not isinstance(document, dict):
        raise CertificateFileError("the embedded credential is not a JSON object")
    return document


# --- the loader from an issued credential ----------------------------------------------------


def _text(value: Any, language: str) -> str | None:
    """A plain string from a Text value (a string, or a language map)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        chosen = value.get(language) or next(iter(value.values()))
        return chosen if isinstance(chosen, str) else None
    return None


def _level_names(achievement: dict[str, Any], language: str) -> dict[str, str]:
    names = {}
    for description in achievement.get("resultDescription") or ():
        for level in (description or {}).get("rubricCriterionLevel") or ():
            label = _text(level.get("name"), language) or level.get("level") or ""
            code = level.get("level")
            if code and code not in label:
                label = f"{code} – {label}"
            if level.get("id"):
                names[level["id"]] = label
    return names


def competences_of(document: dict[str, Any], language: str) -> tuple[list[Competence],
                                                                        str | None]:
    """The competences (alignments, with levels from results tied to them) and the overall
    level reached (results tied to no alignment) of a credential."""
    subject = document.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    achievement = subject.get("achievement") or {}
    levels = _level_names(achievement, language)
    descriptions = {d.get("id"): d for d in achievement.get("resultDescription") or ()
                    if isinstance(d, dict)}
    by_target: dict[str, str] = {}
    overall = []
    for result in subject.get("result") or ():
        if not isinstance(result, dict):
            continue
        label = levels.get(result.get("achievedLevel") or "") or result.get("value")
        if not label:
            continue
        aligned = list(result.get("alignment") or ())
        description = descriptions.get(result.get("resultDescription"))
        if description:
            aligned += list(description.get("alignment") or ())
        targets = [a.get("targetUrl") for a in aligned if isinstance(a, dict)]
        if targets:
            for target in targets:
                by_target[target] = label
        else:
            overall.append(label)
    competences = []
    for alignment in achievement.get("alignment") or ():
        if not isinstance(alignment, dict):
            continue
        competences.append(Competence(
            name=_text(alignment.get("targetName"), language) or "",
            code=alignment.get("targetCode"),
            framework=_text(alignment.get("targetFramework"), language),
            level=by_target.get(alignment.get("targetUrl") or "")))
    return competences, (", ".join(overall) or None)


def certificate_data(credential: IssuedCredential, language: str,
                     public_base_url: str) -> CertificateData:
    """The plain data of an issued credential's certificate in ``language``.

    Every text comes from the signed credential, never from today's definitions: the
    achievement's name and description in ``language`` when it has that edition (``related``,
    signed), the competences, level and issuer's name as signed (in the achievement's main
    language, which the competences' heading then names). The names of the participant (the
    public one, never an email address) and of the trainer are not in the credential; the
    footer says they are the issuer's."""
    from badge_service.awards.service.issuing import credential_url
    from badge_service.delivery.service import signed_texts
    from badge_service.delivery.service.pages import public_recipient_name
    from credentials.verify import parse_datetime

    if language not in LANGUAGES:
        raise ValidationFailed("unknown certificate language",
                               [FieldError("must be fr or en", field="lang")])
    document = credential.document
    achievement = signed_texts.achievement_of(document)
    name, description = signed_texts.edition(document, language)
    competences, level = competences_of(document, language)
    org_name = signed_texts.issuer_name(document)
    signatories = []
    if credential.awarded_by is not None:
        trainer = public_recipient_name(credential.awarded_by)
        if trainer:
            signatories.append(Signatory(trainer, "trainer"))
    if org_name:
        signatories.append(Signatory(org_name, "issuer"))
    participant = public_recipient_name(credential.recipient) or LABELS[language]["holder"]
    # Signed dates; the row holds the same moments, kept only for a document without them.
    issued = (parse_datetime(document.get("awardedDate"))
              or parse_datetime(document.get("validFrom")) or credential.issued_at)
    code = achievement.get("humanCode")
    return CertificateData(
        language=language,
        participant=participant,
        achievement=name,
        description=description or None,
        achievement_code=code if isinstance(code, str) else None,
        organisation=org_name,
        issued=issued,
        valid_until=parse_datetime(document.get("validUntil")),
        credential_id=document.get("id") or credential_url(public_base_url, credential.id),
        public_url=credential_url(public_base_url, credential.id),
        credential=document,
        competences=tuple(competences),
        level=level,
        signatories=tuple(signatories),
        state=credential.state,
        reference=str(credential.id),
        signed_language=signed_texts.main_language(document),
        names_unsigned=True,
    )


def certificate_pdf(credential: IssuedCredential, language: str,
                    public_base_url: str) -> bytes:
    return render_certificate(certificate_data(credential, language, public_base_url))

