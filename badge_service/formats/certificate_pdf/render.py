"""The page: A4 landscape, frame, texts, signatures, footer, competences table, QR code and
watermark, drawn with reportlab; the signed credential attached last (credentials.baking)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from badge_service.formats import fonts
from badge_service.formats.fonts import REQUIRED_FONTS, check_fonts
from badge_service.locale import LANGUAGES
from credentials.baking import bake_pdf

from . import text as _text
from .data import LABELS, CertificateData, format_date
from .qr import _draw_qr
from .text import TextStyle, _draw, _font, _paragraph, clean, fit, visual

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


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
    # The regular and bold fallbacks come from the same packages: one chain tells which (read
    # from the text module, where the font chains of every paragraph are looked up).
    fonts.require([visual(clean(text)) for text in texts], _text.CHAINS["serif-bold"])


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
    return bake_pdf(buffer.getvalue(), data.credential, date=data.issued)


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
