"""Uploaded images (badge and issuer images): checked by content, sanitised, stored by hash.

Only PNG and SVG are accepted, and the type is decided by the bytes, never by the file name or
the declared content type:

* PNG: the signature, then every chunk walked (lengths, CRCs), ``IHDR`` first and valid
  (dimensions, bit depth / colour type), at least one ``IDAT``, ``IEND`` last with nothing after
  it (no polyglot tail).
* SVG: parsed with defusedxml (no DTD, no entities, no external references), the root must be
  an SVG ``<svg>`` element, and the tree is sanitised: scripts, ``foreignObject`` and other
  embedding elements, event-handler attributes (``on…``), links and references to anything but
  an in-document ``#fragment`` or a ``data:`` raster image, ``url(…)`` to outside resources,
  ``@import``, processing instructions and ``xml:base`` are removed. The sanitised document is
  what gets stored.

Files are stored under ``UPLOAD_DIR`` as ``<sha256 of the stored bytes>.<png|svg>``: identical
uploads share one file and a stored file never changes, so it is served with a long cache
lifetime. Writing is atomic (temporary file + rename). A file is written before the transaction
that references it commits; an upload whose transaction rolls back leaves an unreferenced but
harmless file (nobody can know its name without having its content).
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.dom import Node
from xml.dom.minidom import Element
from xml.parsers.expat import ExpatError

import defusedxml
import defusedxml.minidom

from badge_service.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"
#: Larger images are refused: browsers decode them in full, and badges are small.
MAX_DIMENSION = 10_000
#: Default of the IMAGE_MAX_PIXELS setting (env BADGE_IMAGE_MAX_PIXELS): a 4096×4096 image
#: (64 MiB once decoded as RGBA), far above any badge (Open Badges images are typically
#: 400–1024 px square) yet below Pillow's own decompression-bomb threshold, so a decoder never
#: sees a bigger image from us.
DEFAULT_MAX_PIXELS = 4096 * 4096
#: Deeper SVG trees are refused (real drawings are shallow; serialising is recursive).
MAX_SVG_DEPTH = 200
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
NAME = re.compile(r"^[0-9a-f]{64}\.(png|svg)$")
#: Served with SVG images: even opened directly, nothing in them can run or load.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
IMAGE_CSP = "default-src 'none'; sandbox"

# Valid (colour type -> bit depths) combinations of the PNG specification.
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
# Elements that run code or embed other documents; removed with everything inside them.
_DROP_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener",
                  "audio", "video", "canvas", "frame", "frameset", "applet", "base", "meta",
                  "link"}
_ANIMATIONS = {"set", "animate", "animatecolor", "animatemotion", "animatetransform", "discard"}
_SAFE_DATA_URL = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_URL_FUNCTION = re.compile(r"url\(\s*(['\"]?)\s*([^)'\"]*)", re.IGNORECASE)
_DANGEROUS_TEXT = re.compile(r"javascript:|vbscript:|@import|expression\s*\(|-moz-binding",
                             re.IGNORECASE)


@dataclass(frozen=True)
class CheckedImage:
    """An accepted image: the bytes to store (sanitised for SVG) and what was removed."""

    data: bytes
    kind: str  # "png" or "svg"
    width: int | None = None
    height: int | None = None
    removed: tuple[str, ...] = field(default=())

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


@dataclass(frozen=True)
class StoredImage:
    name: str  # "<sha256>.<ext>": the value models keep in their image_path column
    content_type: str
    size: int
    removed: tuple[str, ...] = ()


def _invalid(message: str, field_name: str) -> ValidationFailed:
    return ValidationFailed(f"the image is not valid: {message}",
                            [FieldError(message, field=field_name)])


# --- reading ---------------------------------------------------------------------------------


def read_limited(stream: IO[bytes], max_bytes: int, field_name: str = "image") -> bytes:
    """Read an upload stream, refusing (413) more than ``max_bytes`` without reading it all."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the file is larger than the limit of {max_bytes} bytes",
                              [FieldError(f"larger than {max_bytes} bytes", field=field_name)])
    return data


# --- checking --------------------------------------------------------------------------------


def configured_max_pixels() -> int:
    """The IMAGE_MAX_PIXELS setting of the running app (the default outside one).

    Read here rather than passed by each route, so no upload door can forget the limit."""
    from flask import current_app, has_app_context

    if has_app_context():
        return int(current_app.config.get("IMAGE_MAX_PIXELS") or DEFAULT_MAX_PIXELS)
    return DEFAULT_MAX_PIXELS


def check_image(data: bytes, *, max_bytes: int, field_name: str = "image",
                max_pixels: int | None = None) -> CheckedImage:
    """The image to store, or an error naming the field: 413 too large, 415 neither PNG nor
    SVG, 422 a broken or unacceptable PNG/SVG (including a PNG whose header declares more than
    ``max_pixels`` pixels — default: :func:`configured_max_pixels` — refused from the header,
    before any decoding: a few kB of compressed zeros can declare gigabytes of pixels)."""
    if max_pixels is None:
        max_pixels = configured_max_pixels()
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the file is larger than the limit of {max_bytes} bytes",
                              [FieldError(f"larger than {max_bytes} bytes", field=field_name)])
    if not data:
        raise _invalid("the file is empty", field_name)
    if data.startswith(PNG_SIGNATURE):
        width, height = _check_png(data, field_name, max_pixels)
        _check_with_pillow(data, width, height, max_pixels, field_name)
        return CheckedImage(data, "png", width, height)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _sanitise_svg(data, field_name)
    raise UnsupportedMediaType(
        "only PNG and SVG images are accepted, and this file's content is neither",
        [FieldError("not a PNG or SVG image (checked by content, not by name)",
                    field=field_name)])


def _too_many_pixels(width: int, height: int, max_pixels: int,
                     field_name: str) -> ValidationFailed:
    return _invalid(f"the PNG is {width}×{height} pixels ({width * height / 1e6:.1f} megapixels);"
                    f" at most {max_pixels:,} pixels ({max_pixels / 1e6:.1f} megapixels) are "
                    f"accepted — save a smaller image", field_name)


def _check_with_pillow(data: bytes, width: int, height: int, max_pixels: int,
                       field_name: str) -> None:
    """A second reading of the header by a real decoder, which must agree with ours.

    ``Image.open`` reads the header only (no pixel data is decoded). Pillow's own
    decompression-bomb guard (``Image.MAX_IMAGE_PIXELS``, process-wide, left as it is) raises
    DecompressionBombError — or, where warnings are errors, DecompressionBombWarning — before
    anything is decoded; both mean "too many pixels" here.
    """
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            size = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(width, height, max_pixels, field_name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _invalid("the PNG cannot be read by an image decoder", field_name) from None
    if size != (width, height) or size[0] * size[1] > max_pixels:
        raise _invalid("the PNG header cannot be read consistently", field_name)


def _check_png(data: bytes, field_name: str, max_pixels: int) -> tuple[int, int]:
    offset = len(PNG_SIGNATURE)
    seen_idat = False
    width = height = 0
    index = 0
    while True:
        if offset + 8 > len(data):
            raise _invalid("the PNG is truncated (no IEND chunk)", field_name)
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        end = offset + 8 + length + 4
        if length > 2**31 - 1 or end > len(data):
            raise _invalid(f"the PNG chunk at byte {offset} is truncated", field_name)
        if not re.fullmatch(rb"[A-Za-z]{4}", kind):
            raise _invalid(f"the PNG has an invalid chunk type at byte {offset}", field_name)
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4:end])
        if zlib.crc32(kind + body) != crc:
            raise _invalid(f"the PNG chunk {kind.decode()} at byte {offset} is corrupt (CRC)",
                           field_name)
        if index == 0:
            if kind != b"IHDR" or length != 13:
                raise _invalid("the PNG does not start with a valid IHDR header", field_name)
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(
                ">IIBBBBB", body)
            # The pixel count decides the decoded size, whatever the file's size: checked
            # first, from the header alone.
            if width * height > max_pixels:
                raise _too_many_pixels(width, height, max_pixels, field_name)
            if not (1 <= width <= MAX_DIMENSION and 1 <= height <= MAX_DIMENSION):
                raise _invalid(f"the PNG is {width}×{height} pixels; each side must be 1 to "
                               f"{MAX_DIMENSION}", field_name)
            if depth not in _PNG_DEPTHS.get(colour, set()):
                raise _invalid(f"the PNG header has an invalid colour type {colour} / bit "
                               f"depth {depth}", field_name)
            if compression != 0 or filtering != 0 or interlace not in (0, 1):
                raise _invalid("the PNG header has invalid compression, filter or interlace "
                               "methods", field_name)
        elif kind == b"IHDR":
            raise _invalid("the PNG has more than one IHDR header", field_name)
        if kind == b"IDAT":
            seen_idat = True
        index += 1
        offset = end
        if kind == b"IEND":
            break
    if not seen_idat:
        raise _invalid("the PNG has no image data (IDAT)", field_name)
    if offset != len(data):
        raise _invalid("the PNG has data after its end (IEND); only plain PNG files are "
                       "accepted", field_name)
    return width, height


# --- SVG -------------------------------------------------------------------------------------


def _sanitise_svg(data: bytes, field_name: str) -> CheckedImage:
    try:
        document = defusedxml.minidom.parseString(data, forbid_dtd=True, forbid_entities=True,
                                                  forbid_external=True)
    except defusedxml.DTDForbidden:
        raise _invalid("the SVG declares a DTD (<!DOCTYPE …>), which is not accepted",
                       field_name) from None
    except defusedxml.EntitiesForbidden:
        raise _invalid("the SVG declares entities, which are not accepted", field_name) from None
    except defusedxml.DefusedXmlException:
        raise _invalid("the SVG refers to external resources", field_name) from None
    except (ExpatError, ValueError, UnicodeDecodeError) as exc:
        raise _invalid(f"the SVG is not well-formed XML ({exc})", field_name) from None
    root = document.documentElement
    if root is None or root.namespaceURI != SVG_NS or root.localName != "svg":
        name = root.tagName if root is not None else "none"
        raise _invalid(f"the root element is <{name}>, not an SVG <svg> element "
                       f"(xmlns=\"{SVG_NS}\")", field_name)
    removed: list[str] = []
    for node in list(document.childNodes):
        if node.nodeType in (Node.PROCESSING_INSTRUCTION_NODE, Node.DOCUMENT_TYPE_NODE):
            document.removeChild(node)
            removed.append("processing instruction")
    _clean_tree(root, removed, field_name)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + root.toxml()
    return CheckedImage(text.encode("utf-8"), "svg", removed=tuple(dict.fromkeys(removed)))


def _clean_tree(root: Element, removed: list[str], field_name: str) -> None:
    """Sanitise in place, iteratively; refuse trees deeper than MAX_SVG_DEPTH."""
    stack: list[tuple[Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_SVG_DEPTH:
            raise _invalid(f"the SVG nests elements more than {MAX_SVG_DEPTH} levels deep",
                           field_name)
        _clean_attributes(element, removed)
        if (element.localName or "").lower() == "style":
            _clean_style(element, removed)
        for child in list(element.childNodes):
            if child.nodeType == Node.PROCESSING_INSTRUCTION_NODE:
                element.removeChild(child)
                removed.append("processing instruction")
            elif child.nodeType == Node.ELEMENT_NODE:
                reason = _drop_reason(child)
                if reason:
                    element.removeChild(child)
                    removed.append(reason)
                else:
                    stack.append((child, depth + 1))


def _drop_reason(element: Element) -> str | None:
    local = (element.localName or element.tagName or "").lower()
    if element.namespaceURI == XHTML_NS:
        return f"embedded HTML <{local}>"
    if local in _DROP_ELEMENTS:
        return f"<{element.localName}> element"
    if local in _ANIMATIONS:
        target = element.getAttribute("attributeName").lower()
        if target.endswith("href") or target.startswith("on") or not target:
            return f"<{element.localName}> animating {target or 'an attribute'}"
    return None


def _reference_ok(value: str) -> bool:
    value = value.strip()
    return value.startswith("#") or bool(_SAFE_DATA_URL.match(value))


def _clean_attributes(element: Element, removed: list[str]) -> None:
    for attr in list(element.attributes.values()):
        if attr.namespaceURI == XMLNS_NS or attr.name == "xmlns" or attr.name.startswith(
                "xmlns:"):
            continue
        local = (attr.localName or attr.name).lower()
        value = attr.value or ""
        reason = None
        if local.startswith("on"):
            reason = f"event handler attribute {attr.name}"
        elif local == "href" or local == "src":
            if not _reference_ok(value):
                reason = f"external reference {attr.name}"
        elif attr.namespaceURI == XML_NS and local == "base":
            reason = "xml:base"
        elif _DANGEROUS_TEXT.search(value):
            reason = f"script in attribute {attr.name}"
        else:
            for match in _URL_FUNCTION.finditer(value):
                if not _reference_ok(match.group(2)):
                    reason = f"external url() in attribute {attr.name}"
                    break
        if reason:
            element.removeAttributeNode(attr)
            removed.append(reason)


def _clean_style(element: Element, removed: list[str]) -> None:
    css = "".join(child.data for child in element.childNodes
                  if child.nodeType in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE))
    bad = bool(_DANGEROUS_TEXT.search(css)) or any(
        not _reference_ok(match.group(2)) for match in _URL_FUNCTION.finditer(css))
    if bad:
        for child in list(element.childNodes):
            element.removeChild(child)
        removed.append("style sheet with imports or external url()")


# --- storing and serving -------------------------------------------------------------------


def store(checked: CheckedImage, upload_dir: str | os.PathLike[str]) -> StoredImage:
    """Write the checked image under its content hash (idempotent, atomic)."""
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{hashlib.sha256(checked.data).hexdigest()}.{checked.kind}"
    path = directory / name
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(checked.data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return StoredImage(name, checked.content_type, len(checked.data), checked.removed)


def store_image(data: bytes, *, upload_dir: str | os.PathLike[str], max_bytes: int,
                field_name: str = "image", max_pixels: int | None = None) -> StoredImage:
    """Check (see :func:`check_image`) then store; returns the stored file's name."""
    return store(check_image(data, max_bytes=max_bytes, field_name=field_name,
                             max_pixels=max_pixels), upload_dir)


def path_of(upload_dir: str | os.PathLike[str], name: str) -> Path | None:
    """The file of a stored image name, or None for a name that is not one of ours."""
    if not NAME.match(name or ""):
        return None
    path = Path(upload_dir) / name
    return path if path.is_file() else None


def content_type_of(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[-1]]


def public_url(public_base_url: str, name: str) -> str:
    """Where a stored image is served (the route is in badge_service.programmes.views)."""
    return f"{public_base_url}/uploads/{name}"


def response_headers(name: str) -> dict[str, str]:
    """Headers of a served image: exact type, no sniffing, nothing active, cache forever."""
    return {
        "Content-Type": content_type_of(name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SVG_CSP if name.endswith(".svg") else IMAGE_CSP,
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Disposition": "inline",
    }
