"""Printable PDF certificates, the renderer: A4 landscape, French or English, with a QR code to
the public credential page and the signed credential embedded as a file attachment
(``credential.json``, see :func:`credentials.baking.bake_pdf`), so the PDF alone can be
verified offline.

``render_certificate(data)`` is a pure function of plain data (:class:`CertificateData`) to PDF
bytes: no Flask, no database, no domain model (badge_service.certificates.service builds the
data from an issued credential).

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

Modules: :mod:`.data` (the plain data, labels), :mod:`.text` (sanitising, shaping, fitting;
its ``CHAINS`` is the font chain every paragraph uses), :mod:`.qr`, :mod:`.render` (the page).
"""

from __future__ import annotations

from badge_service.formats.fonts import CHAINS, CertificateUnavailable, check_fonts, runs
from badge_service.locale import LANGUAGES

from .data import LABELS, CertificateData, Competence, Signatory, format_date
from .qr import qr_matrix
from .render import render_certificate
from .text import TextStyle, clean, fit, markup, visual

__all__ = [
    "CHAINS",
    "LABELS",
    "LANGUAGES",
    "CertificateData",
    "CertificateUnavailable",
    "Competence",
    "Signatory",
    "TextStyle",
    "check_fonts",
    "clean",
    "fit",
    "format_date",
    "markup",
    "qr_matrix",
    "render_certificate",
    "runs",
    "visual",
]
