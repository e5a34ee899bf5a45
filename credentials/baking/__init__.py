"""Open Badges 3.0 baking: a credential carried inside its badge image (PNG or SVG), or inside
a printable PDF certificate.

PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``, uncompressed, holding the
credential's JSON or its compact JWT. SVG: an ``<openbadges:credential>`` element in namespace
``https://purl.imsglobal.org/ob/v3p0``, first child of the root, holding the JSON as CDATA or the
JWT in its ``verify`` attribute. PDF: a ``credential.json`` associated file (not part of Open
Badges; our certificates carry one so that the paper alone can be verified). Unbaking runs on
untrusted uploads, so sizes are capped and every structural defect is reported as a
:class:`BakingError` saying what and where.

One module per container (:mod:`.png`, :mod:`.svg`, :mod:`.pdf`), what they share in
:mod:`.common`; every public name is importable from ``credentials.baking``.
"""

from __future__ import annotations

from credentials.errors import BakingError

from .common import MAX_IMAGE_BYTES, Credential
from .pdf import (
    ATTACHMENT_MEDIA_TYPE,
    ATTACHMENT_NAME,
    MAX_CREDENTIAL_BYTES,
    MAX_PDF_BYTES,
    bake_pdf,
    is_pdf,
    unbake_pdf,
)
from .png import OB2_PNG_KEYWORD, PNG_KEYWORD, PNG_SIGNATURE, bake_png, unbake_png
from .svg import OB3_NAMESPACE, SVG_NAMESPACE, XMLNS_NAMESPACE, bake_svg, unbake_svg, xml_head

__all__ = [
    "ATTACHMENT_MEDIA_TYPE",
    "ATTACHMENT_NAME",
    "MAX_CREDENTIAL_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_PDF_BYTES",
    "OB2_PNG_KEYWORD",
    "OB3_NAMESPACE",
    "PNG_KEYWORD",
    "PNG_SIGNATURE",
    "SVG_NAMESPACE",
    "XMLNS_NAMESPACE",
    "Credential",
    "bake_pdf",
    "bake_png",
    "bake_svg",
    "is_pdf",
    "unbake",
    "unbake_pdf",
    "unbake_png",
    "unbake_svg",
    "xml_head",
]


def unbake(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> Credential:
    """The credential baked into a PNG or SVG image or a PDF, whichever ``data`` is."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BakingError(f"image must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data, max_bytes=max_bytes)
    if is_pdf(data):
        return unbake_pdf(data, max_bytes=max_bytes)
    if xml_head(data).startswith(b"<"):
        return unbake_svg(data, max_bytes=max_bytes)
    raise BakingError("image is neither a PNG nor an SVG")
