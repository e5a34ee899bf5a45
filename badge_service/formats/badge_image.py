"""The default badge, drawn from the achievement name when a credential names no picture.

A pure renderer: plain data in (names, a seed), bytes out (SVG or PNG), so the drawing can be
reused and tested without the application. Both forms share one design: the same wrapped,
shortened lines and the same colour per achievement, so the PNG that link previews show (they
ignore SVG) looks like the SVG the page shows.
"""

from __future__ import annotations

import colorsys
import re
import textwrap
import zlib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

# Characters XML 1.0 cannot carry at all (the default badge is XML).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_BADGE_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _name_and_lines(name: str) -> tuple[str, list[str]]:
    """The cleaned name and its lines on the badge (at most four, the last shortened)."""
    name = XML_INVALID.sub("", " ".join(name.split())) or "Badge"
    lines = textwrap.wrap(name, width=18, break_long_words=True) or ["Badge"]
    if len(lines) > 4:
        lines = lines[:4]
        lines[-1] = lines[-1][:16].rstrip() + "…"
    return name, lines


def _rgb(seed: str) -> tuple[float, float, float]:
    # A colour of its own per achievement, dark enough for white text.
    hue = (zlib.crc32(seed.encode("utf-8")) % 360) / 360
    return colorsys.hls_to_rgb(hue, 0.32, 0.55)


def _short(subtitle: str) -> str:
    return subtitle if len(subtitle) <= 32 else subtitle[:31].rstrip() + "…"


def default_badge_svg(name: str, subtitle: str | None = None, *, seed: str = "") -> bytes:
    """A plain round badge with the achievement name (escaped, wrapped, shortened)."""
    name, lines = _name_and_lines(name)
    subtitle = XML_INVALID.sub("", " ".join((subtitle or "").split()))
    size = 30 if len(lines) <= 2 else 26
    step = size + 6
    top = 200 - (len(lines) - 1) * step / 2 + size / 3
    fill = "#" + "".join(f"{round(c * 255):02x}" for c in _rgb(seed))
    spans = "".join(
        f'<tspan x="200" y="{top + index * step:.0f}">{escape(line)}</tspan>'
        for index, line in enumerate(lines))
    sub = ""
    if subtitle:
        sub = (f'<text x="200" y="330" text-anchor="middle" font-family="sans-serif" '
               f'font-size="16" fill="#ffffff">{escape(_short(subtitle))}</text>')
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" '
        f'viewBox="0 0 400 400" role="img" aria-label={quoteattr(name)}>'
        f"<title>{escape(name)}</title>"
        f'<circle cx="200" cy="200" r="196" fill={quoteattr(fill)}/>'
        '<circle cx="200" cy="200" r="176" fill="none" stroke="#ffffff" stroke-width="5" '
        'stroke-opacity="0.6"/>'
        f'<text text-anchor="middle" font-family="sans-serif" font-size="{size}" '
        f'font-weight="700" fill="#ffffff">{spans}</text>'
        f"{sub}</svg>\n"
    )
    return svg.encode("utf-8")


def _badge_font(size: int) -> Any:
    from PIL import ImageFont

    for path in _BADGE_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def default_badge_png(name: str, subtitle: str | None = None, *, seed: str = "") -> bytes:
    """The default badge as a PNG (the same design as :func:`default_badge_svg`): link
    previews (LinkedIn, Facebook) ignore SVG, and a PNG can carry a baked credential too."""
    import io

    from PIL import Image, ImageDraw

    _, lines = _name_and_lines(name)
    fill = tuple(round(c * 255) for c in _rgb(seed))
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 396, 396), fill=fill)
    draw.ellipse((24, 24, 376, 376), outline=(255, 255, 255, 160), width=5)
    font = _badge_font(30 if len(lines) <= 2 else 26)
    step = font.size + 6
    top = 200 - (len(lines) - 1) * step / 2
    for index, line in enumerate(lines):
        draw.text((200, top + index * step), line, font=font, fill="white", anchor="mm")
    if subtitle:
        subtitle = " ".join(subtitle.split())
        draw.text((200, 325), _short(subtitle), font=_badge_font(16), fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
