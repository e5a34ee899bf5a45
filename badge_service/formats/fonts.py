"""The fonts of PDF certificates: which installed TrueType file covers which script, and the
split of a text into runs, each drawn with the first font of a chain that has its glyphs.

reportlab has no font fallback of its own (a character its font lacks prints as the empty
"missing glyph" box), hence the chains below. Only TrueType-outline files are listed because
reportlab cannot embed CFF/PostScript-outline fonts: that rules out Noto CJK (Debian
``fonts-noto-cjk`` ships .ttc files with CFF outlines), so Chinese and Japanese come from
Droid Sans Fallback and Korean from Nanum Gothic.

Which file covers what (Debian package in brackets):

* DejaVu Sans / Serif, regular and bold (``fonts-dejavu-core``): Latin, Greek, Cyrillic,
  Armenian, Georgian, Hebrew, Arabic (shaped beforehand by arabic-reshaper, see
  certificates.visual).
* Noto Sans <Script>, regular and bold (``fonts-noto-core``): the scripts of :data:`SCRIPTS`
  — Devanagari (Hindi, Marathi, Nepali), Bengali, Gurmukhi, Gujarati, Tamil, Telugu,
  Kannada, Malayalam, Sinhala, Thai, Lao, Khmer, Myanmar, Ethiopic.
* Nanum Gothic, regular and bold (``fonts-nanum``): Korean Hangul (Droid Sans Fallback has
  none).
* Droid Sans Fallback (``fonts-droid-fallback``): Chinese and Japanese (Han, kana); it has no
  bold, so bold CJK prints regular.

Shaping: Indic and South-East Asian scripts need their letters reordered and combined
(Devanagari conjuncts, the i-vowel sign drawn before its consonant). reportlab does that
through HarfBuzz when the ``uharfbuzz`` package is importable; :func:`needs_shaping` says
when a paragraph should ask for it. Without uharfbuzz those scripts print with the right
glyphs but unjoined. Left: emoji and scripts none of these fonts cover print as boxes.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from badge_service.errors import ServiceError

#: Where fonts are looked for (recursively), in order.
FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts",
                              "/usr/share/fonts-droid-fallback")


class CertificateUnavailable(ServiceError):
    """The server cannot draw PDF certificates (a font it needs is not installed)."""

    status = 503
    problem = "certificate-unavailable"
    title = "PDF certificates are unavailable"


@dataclass(frozen=True)
class FontFile:
    filename: str
    package: str
    #: Drawn through HarfBuzz when available (the script needs reordering or conjuncts).
    shaped: bool = False


#: Noto Sans script families of fonts-noto-core: (role and file stem, needs shaping).
SCRIPTS = (("Devanagari", True), ("Bengali", True), ("Gurmukhi", True), ("Gujarati", True),
           ("Tamil", True), ("Telugu", True), ("Kannada", True), ("Malayalam", True),
           ("Sinhala", True), ("Thai", True), ("Lao", True), ("Khmer", True),
           ("Myanmar", True), ("Ethiopic", False))

#: Font role -> file. A role "x-bold" is the bold of "x".
FONT_FILES: dict[str, FontFile] = {
    "sans": FontFile("DejaVuSans.ttf", "fonts-dejavu-core"),
    "sans-bold": FontFile("DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "serif": FontFile("DejaVuSerif.ttf", "fonts-dejavu-core"),
    "serif-bold": FontFile("DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
    **{role: FontFile(f"NotoSans{name}-{weight}.ttf", "fonts-noto-core", shaped)
       for name, shaped in SCRIPTS
       for role, weight in ((name.lower(), "Regular"), (f"{name.lower()}-bold", "Bold"))},
    "hangul": FontFile("NanumGothic.ttf", "fonts-nanum"),
    "hangul-bold": FontFile("NanumGothicBold.ttf", "fonts-nanum"),
    "cjk": FontFile("DroidSansFallbackFull.ttf", "fonts-droid-fallback"),
}
#: The fonts every certificate needs; the others are loaded only for texts that need them.
REQUIRED_FONTS = ("sans", "sans-bold", "serif", "serif-bold")
_FALLBACK = (*(name.lower() for name, _shaped in SCRIPTS), "hangul")
_FALLBACK_BOLD = tuple(f"{role}-bold" for role in _FALLBACK)
#: For each style, the fonts tried in turn for each character.
CHAINS: dict[str, tuple[str, ...]] = {
    "sans": ("sans", *_FALLBACK, "cjk"),
    "sans-bold": ("sans-bold", *_FALLBACK_BOLD, "cjk"),
    "serif": ("serif", "sans", *_FALLBACK, "cjk"),
    "serif-bold": ("serif-bold", "sans-bold", *_FALLBACK_BOLD, "cjk"),
}
#: Characters that stay in the run they are in: space, and the joiners Indic and Persian
#: spelling uses between letters (a font change there would break the shaping).
_STICKY = {" ", "\u200c", "\u200d"}


@cache
def _find(filename: str) -> Path | None:
    for root in FONT_DIRS:
        if not os.path.isdir(root):
            continue
        for folder, _dirs, files in sorted(os.walk(root)):
            if filename in files:
                return Path(folder) / filename
    return None


def font_path(role: str) -> Path:
    """The installed file of a font role, or CertificateUnavailable naming its package."""
    file = FONT_FILES[role]
    path = _find(file.filename)
    if path is None:
        raise CertificateUnavailable(
            f"PDF certificates need the font {file.filename} (Debian package "
            f"{file.package}); it was not found in {', '.join(FONT_DIRS)}")
    return path


def check_fonts(roles: Iterable[str] = tuple(FONT_FILES)) -> dict[str, Path]:
    """The font files (raises CertificateUnavailable for the first one missing)."""
    return {role: font_path(role) for role in roles}


def installed(role: str) -> bool:
    return _find(FONT_FILES[role].filename) is not None


@cache
def font(role: str) -> Any:
    """The registered reportlab TTFont of a role (registered once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    loaded = TTFont(f"Certificate-{role}", str(font_path(role)))
    pdfmetrics.registerFont(loaded)
    return loaded


def covers(role: str, char: str) -> bool:
    """Whether the font of a role is installed and has a glyph for the character."""
    return installed(role) and ord(char) in font(role).face.charToGlyph


def runs(text: str, chain: Sequence[str]) -> list[tuple[str, str]]:
    """Split text into (font role, text) runs: each character in the first font of the chain
    that has it (spaces, joiners and combining marks stay with the run they are in, so a
    syllable is shaped by one font). A character no font has goes to the chain's first."""
    out: list[tuple[str, str]] = []
    for char in text:
        current = out[-1][0] if out else chain[0]
        if (char in _STICKY or unicodedata.category(char).startswith("M")) and out \
                and covers(current, char):
            role = current
        else:
            role = next((r for r in chain if covers(r, char)), chain[0])
        if out and out[-1][0] == role:
            out[-1] = (role, out[-1][1] + char)
        else:
            out.append((role, char))
    return out


def require(texts: Iterable[str], chain: Sequence[str]) -> None:
    """CertificateUnavailable naming the packages to install when a character of the texts is
    in no installed font of the chain and some of the chain's fonts are not installed (with
    every font installed, such a character — an emoji — prints as a box)."""
    missing = [role for role in chain if not installed(role)]
    if not missing:
        return
    for text in texts:
        for char in text:
            if char in _STICKY or any(covers(role, char) for role in chain):
                continue
            packages = sorted({FONT_FILES[role].package for role in missing})
            raise CertificateUnavailable(
                f"PDF certificates need a font for the character U+{ord(char):04X}; "
                f"install the Debian package(s) {', '.join(packages)}")


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def needs_shaping(parts: Iterable[tuple[str, str]]) -> bool:
    """Whether a paragraph of these runs should be shaped by HarfBuzz: some run is in a font
    that needs it, and no run is right-to-left — Arabic and Hebrew arrive already shaped and
    in visual order (certificates.visual), and HarfBuzz would reverse them a second time."""
    parts = list(parts)
    if not any(FONT_FILES[role].shaped for role, _text in parts) or not shaping_available():
        return False
    return not any(unicodedata.bidirectional(char) in ("R", "AL")
                   for _role, text in parts for char in text)
