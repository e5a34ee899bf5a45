"""Text on the certificate: sanitising, right-to-left shaping and ordering, one font per run of
characters, and paragraphs fitted to their box (shrunk, wrapped, cut with an ellipsis last)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from badge_service.formats import fonts
from badge_service.formats.fonts import CHAINS, runs

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph


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
