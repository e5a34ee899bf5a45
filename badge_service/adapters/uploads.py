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
  ``@import``, processing instructions and ``xml:base`` are removed (adapters.svg_sanitiser).
  The sanitised document is what gets stored.

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

from badge_service.adapters import svg_sanitiser

# The SVG rules live in adapters.svg_sanitiser; their names stay importable from here.
from badge_service.adapters.svg_sanitiser import (  # noqa: F401 - re-exported
    MAX_SVG_DEPTH,
    SVG_NS,
    XHTML_NS,
    XLINK_NS,
    XML_NS,
    XMLNS_NS,
)
from badge_service.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Larger images are refused: browsers decode them in full, and badges are small.
MAX_DIMENSION = 10_000
#: Default of the IMAGE_MAX_PIXELS setting (env BADGE_IMAGE_MAX_PIXELS): a 4096×4096 image
#: (64 MiB once decoded as RGBA), far above any badge (Open Badges images are typically
#: 400–1024 px square) yet below Pillow's own decompression-bomb threshold, so a decoder never
#: sees a bigger image from us.
DEFAULT_MAX_PIXELS = 4096 * 4096
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
NAME = re.compile(r"^[0-9a-f]{64}\.(png|svg)$")
#: Served with SVG images: even opened directly, nothing in them can run or load.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
IMAGE_CSP = "default-src 'none'; sandbox"

# Valid (colour type -> bit depths) combinations of the PNG specification.
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


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
        text, removed = svg_sanitiser.sanitise_svg(data)
    except svg_sanitiser.RefusedSvg as exc:
        raise _invalid(str(exc), field_name) from None
    return CheckedImage(text, "svg", removed=removed)


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
