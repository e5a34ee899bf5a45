"""Open Badges 3.0 baking: a credential carried inside its badge image (PNG or SVG).

PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``, uncompressed, holding the
credential's JSON or its compact JWT. SVG: an ``<openbadges:credential>`` element in namespace
``https://purl.imsglobal.org/ob/v3p0``, first child of the root, holding the JSON as CDATA or the
JWT in its ``verify`` attribute. Unbaking runs on untrusted uploads, so sizes are capped and
every structural defect is reported as a :class:`BakingError` saying what and where.
"""

from __future__ import annotations

import codecs
import json
import re
import struct
import zlib
from collections.abc import Mapping
from typing import Any
from xml.dom import Node
from xml.dom.minidom import Document, Element
from xml.parsers.expat import ExpatError

import defusedxml
import defusedxml.minidom

from .errors import BakingError, InputTooLargeError
from .jwt import is_compact_jws

#: Largest image we bake or unbake.
MAX_IMAGE_BYTES = 10 * 1024 * 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB2_PNG_KEYWORD = b"openbadges"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/"

_CHUNK_TYPE = re.compile(rb"[A-Za-z]{4}")
# PNG limits chunk lengths to 2**31 - 1 so that they fit a signed 32-bit integer.
_MAX_CHUNK_LENGTH = 2**31 - 1

Credential = dict[str, Any] | str


# --- payload --------------------------------------------------------------------------------


def _payload_text(credential: Mapping[str, Any] | str) -> str:
    """The text to embed: compact JSON for a credential object, the JWT itself for a string."""
    if isinstance(credential, str):
        if not is_compact_jws(credential):
            raise BakingError(
                "a credential given as a string must be a compact JWT (header.payload.signature)"
            )
        return credential
    if isinstance(credential, Mapping):
        try:
            return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise BakingError(f"credential cannot be serialized as JSON: {exc}") from exc
    raise BakingError(
        f"credential must be a dict or a compact JWT, got {type(credential).__name__}"
    )


def _parse_payload(text: str, where: str) -> Credential:
    """The embedded credential: a JSON object, or a compact JWT string."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except RecursionError as exc:
            raise InputTooLargeError(f"credential JSON in {where} nests too deeply") from exc
        except ValueError as exc:
            raise BakingError(f"credential in {where} is not valid JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise BakingError(f"credential in {where} is not a JSON object")
        return parsed
    if is_compact_jws(stripped):
        return stripped
    if not stripped:
        raise BakingError(f"credential in {where} is empty")
    raise BakingError(f"credential in {where} is neither a JSON object nor a compact JWT")


def _check_size(data: bytes, max_bytes: int, kind: str) -> None:
    if len(data) > max_bytes:
        raise InputTooLargeError(
            f"{kind} of {len(data)} bytes exceeds the {max_bytes}-byte limit", size=len(data)
        )


# --- PNG ------------------------------------------------------------------------------------


class _Chunk:
    __slots__ = ("data", "offset", "type")

    def __init__(self, chunk_type: bytes, data: bytes, offset: int) -> None:
        self.type = chunk_type
        self.data = data
        self.offset = offset


def _read_png(png: bytes, max_bytes: int) -> list[_Chunk]:
    """Split a PNG into its chunks, checking signature, lengths, CRCs and IHDR…IEND framing."""
    if not isinstance(png, bytes | bytearray | memoryview):
        raise BakingError(f"PNG must be bytes, got {type(png).__name__}")
    png = bytes(png)
    _check_size(png, max_bytes, "PNG image")
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image: the 8-byte PNG signature is missing")
    chunks: list[_Chunk] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if offset == len(png):
            raise BakingError(f"PNG is truncated: no IEND chunk before end of file at {offset}")
        if offset + 12 > len(png):
            raise BakingError(
                f"PNG is truncated: chunk header at offset {offset} needs 12 bytes, "
                f"{len(png) - offset} remain"
            )
        length, chunk_type = struct.unpack_from(">I4s", png, offset)
        if not _CHUNK_TYPE.fullmatch(chunk_type):
            raise BakingError(f"PNG chunk at offset {offset} has an invalid type {chunk_type!r}")
        name = chunk_type.decode("ascii")
        if length > _MAX_CHUNK_LENGTH:
            raise BakingError(f"PNG chunk {name} at offset {offset} declares length {length}")
        end = offset + 12 + length
        if end > len(png):
            raise BakingError(
                f"PNG is truncated: chunk {name} at offset {offset} declares {length} data "
                f"bytes, {len(png) - offset - 12} remain"
            )
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", png, offset + 8 + length)
        if zlib.crc32(data, zlib.crc32(chunk_type)) != crc:
            raise BakingError(f"PNG chunk {name} CRC mismatch at offset {offset}")
        if not chunks and chunk_type != b"IHDR":
            raise BakingError(f"PNG must start with IHDR, found {name} at offset {offset}")
        if chunk_type == b"IHDR" and (chunks or length != 13):
            raise BakingError(f"PNG has a misplaced or malformed IHDR chunk at offset {offset}")
        chunks.append(_Chunk(chunk_type, data, offset))
        offset = end
        if chunk_type == b"IEND":
            break
    if offset != len(png):
        # Bytes after IEND are not part of the image; refusing them keeps a baked badge from
        # smuggling a second payload that some other reader might pick up.
        raise BakingError(f"PNG has {len(png) - offset} unexpected bytes after IEND at {offset}")
    return chunks


def _write_png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    parts = [PNG_SIGNATURE]
    for chunk_type, data in chunks:
        crc = zlib.crc32(data, zlib.crc32(chunk_type))
        parts.append(struct.pack(">I4s", len(data), chunk_type))
        parts.append(data)
        parts.append(struct.pack(">I", crc))
    return b"".join(parts)


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def _parse_itxt(chunk: _Chunk, max_bytes: int) -> str:
    """The text of an ``openbadgecredential`` iTXt chunk (PNG spec §11.3.4.5 layout)."""
    where = f"PNG chunk iTXt at offset {chunk.offset}"
    parts = chunk.data.split(b"\x00", 1)
    if len(parts) != 2 or len(parts[1]) < 2:
        raise BakingError(f"{where} is malformed: no compression flag after the keyword")
    rest = parts[1]
    flag, method = rest[0], rest[1]
    fields = rest[2:].split(b"\x00", 2)
    if len(fields) != 3:
        raise BakingError(
            f"{where} is malformed: language tag and translated keyword must be NUL-terminated"
        )
    text = fields[2]
    if flag == 1:
        # OB 3.0 forbids compression when baking, but other bakers have used it; read it with
        # a cap so that a small chunk cannot inflate into gigabytes.
        if method != 0:
            raise BakingError(f"{where} uses unknown compression method {method}")
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(text, max_bytes + 1)
        except zlib.error as exc:
            raise BakingError(f"{where} holds corrupt compressed text: {exc}") from exc
        if len(inflated) > max_bytes or inflater.unconsumed_tail:
            raise InputTooLargeError(f"{where} inflates beyond the {max_bytes}-byte limit")
        if not inflater.eof:
            # A cut zlib stream still inflates to a prefix: refuse it rather than read part of
            # a credential (its end, or its checksum, is missing).
            raise BakingError(f"{where} holds truncated compressed text")
        text = inflated
    elif flag != 0:
        raise BakingError(f"{where} has an invalid compression flag {flag}")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError(f"{where} text is not UTF-8: {exc}") from exc


def bake_png(
    png: bytes, credential: Mapping[str, Any] | str, *, max_bytes: int = MAX_IMAGE_BYTES
) -> bytes:
    """``png`` with ``credential`` in an ``openbadgecredential`` iTXt chunk right after IHDR.

    A credential already baked into the image is replaced, never duplicated.
    """
    text = _payload_text(credential)
    chunks = _read_png(png, max_bytes)
    itxt = PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    kept = [
        (chunk.type, chunk.data)
        for chunk in chunks
        if not (chunk.type == b"iTXt" and _itxt_keyword(chunk.data) == PNG_KEYWORD)
    ]
    # Right after IHDR: a reader that stops at the first matching chunk finds it before the
    # image data, and it is valid there for every PNG (iTXt may appear anywhere before IEND).
    baked = _write_png([kept[0], (b"iTXt", itxt), *kept[1:]])
    _check_size(baked, max_bytes, "baked PNG image")
    return baked


def unbake_png(png: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> Credential:
    """The credential baked into ``png``: a dict (JSON) or a str (compact JWT)."""
    chunks = _read_png(png, max_bytes)
    found = [
        chunk
        for chunk in chunks
        if chunk.type == b"iTXt" and _itxt_keyword(chunk.data) == PNG_KEYWORD
    ]
    if not found:
        hint = ""
        if any(
            chunk.type in (b"iTXt", b"tEXt") and _itxt_keyword(chunk.data) == OB2_PNG_KEYWORD
            for chunk in chunks
        ):
            hint = " (it carries an Open Badges 2.0 'openbadges' chunk instead)"
        raise BakingError(f"PNG has no openbadgecredential iTXt chunk{hint}")
    if len(found) > 1:
        # The spec forbids a second chunk; which one a reader picks would decide the result.
        offsets = ", ".join(str(chunk.offset) for chunk in found)
        raise BakingError(f"PNG has {len(found)} openbadgecredential chunks (offsets {offsets})")
    chunk = found[0]
    return _parse_payload(_parse_itxt(chunk, max_bytes), f"PNG chunk iTXt at offset {chunk.offset}")


# --- SVG ------------------------------------------------------------------------------------


# Byte order marks of the encodings an SVG may come in besides UTF-8. UTF-32 first: its
# little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def xml_head(data: bytes, size: int = 512) -> bytes:
    """The first ``size`` bytes of ``data`` as UTF-8, for sniffing: text in UTF-16 or UTF-32
    (with a byte order mark) is transcoded, a UTF-8 mark and leading white space dropped."""
    head = bytes(data[: size * 4])
    for bom, codec in _BOMS:
        if head.startswith(bom):
            head = head.decode(codec, errors="ignore").encode("utf-8")
            break
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:size]


_XML_DECLARED_ENCODING = re.compile(
    rb"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""", re.ASCII
)
# Codecs Python knows that are not character sets: they rewrite text (escapes, IDNA…), so they
# make no sense in an XML declaration, and expat would run them on every byte of the image.
_NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined", "utf-7"}
)


def _check_declared_encoding(data: bytes) -> None:
    """Refuse, as a BakingError, an XML declaration naming an encoding that cannot be read.

    Expat reads UTF-8, UTF-16, ISO-8859-1 and US-ASCII itself; for any other name it asks
    Python's codecs, which raise LookupError for an unknown name (or a binary codec like zip).
    """
    found = _XML_DECLARED_ENCODING.match(data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n"))
    if not found:
        return
    name = found.group(1).decode("ascii", errors="replace")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise BakingError(
            f"not an SVG image: its XML declaration names an unknown encoding {name!r}"
        ) from None
    if not codec._is_text_encoding or codec.name in _NOT_CHARSETS:  # type: ignore[attr-defined]
        raise BakingError(
            f"not an SVG image: its XML declaration names {name!r}, which is not a "
            "character encoding"
        )


def _svg_source(svg: bytes | str, max_bytes: int) -> bytes | str:
    """What to hand the XML parser: bytes as they are, text (given as str, or bytes with a
    UTF-16/UTF-32 byte order mark) as a str, whose XML declaration then names no encoding."""
    if isinstance(svg, str):
        try:
            size = len(svg.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise BakingError(f"not an SVG image: the text is not Unicode ({exc})") from exc
        if size > max_bytes:
            raise InputTooLargeError(
                f"SVG image of {size} bytes exceeds the {max_bytes}-byte limit", size=size
            )
        return svg
    if not isinstance(svg, bytes | bytearray | memoryview):
        raise BakingError(f"SVG must be bytes or str, got {type(svg).__name__}")
    data = bytes(svg)
    _check_size(data, max_bytes, "SVG image")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # Expat reads UTF-16 but not UTF-32; decoding here treats both the same way.
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise BakingError(f"not an SVG image: the text is not {codec} ({exc})") from exc
    _check_declared_encoding(data)
    return data


def _parse_svg(svg: bytes | str, max_bytes: int) -> Document:
    source = _svg_source(svg, max_bytes)
    try:
        # Entity declarations (billion laughs, XXE) and external references are refused; a
        # plain DOCTYPE, common in exported SVG files, is allowed.
        document = defusedxml.minidom.parseString(
            source, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.EntitiesForbidden as exc:
        raise BakingError(
            f"SVG declares XML entity {exc.name!r}; entity declarations are refused"
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise BakingError(f"SVG refused: {exc}") from exc
    except ExpatError as exc:
        raise BakingError(f"not an SVG image: XML is not well-formed ({exc})") from exc
    except LookupError as exc:
        # Expat asks Python for a codec it does not know itself: an unknown name, or one that
        # is not a text encoding (rot13, base64, zip…).
        raise BakingError(
            f"not an SVG image: its XML declaration names an encoding that cannot be read ({exc})"
        ) from exc
    except (ValueError, UnicodeError) as exc:
        raise BakingError(f"not an SVG image: {exc}") from exc
    root = document.documentElement
    if root is None or root.localName != "svg" or root.namespaceURI not in (SVG_NAMESPACE, None):
        name = root.tagName if root is not None else "nothing"
        raise BakingError(f"not an SVG image: the root element is {name!r}, not <svg>")
    return document


def _credential_elements(document: Document) -> list[Element]:
    found: list[Element] = []
    # Iterative walk: a hostile, deeply nested SVG must not exhaust the Python stack.
    stack = [document.documentElement]
    while stack:
        node = stack.pop()
        if node.namespaceURI == OB3_NAMESPACE and node.localName == "credential":
            found.append(node)
        stack.extend(
            child for child in reversed(node.childNodes) if child.nodeType == Node.ELEMENT_NODE
        )
    return found


def _cdata_pieces(text: str) -> list[str]:
    """``text`` cut so that no piece contains ``]]>``, the one sequence CDATA cannot hold."""
    segments = text.split("]]>")
    last = len(segments) - 1
    return [
        (">" if i else "") + segment + ("]]" if i < last else "")
        for i, segment in enumerate(segments)
    ]


def bake_svg(
    svg: bytes | str, credential: Mapping[str, Any] | str, *, max_bytes: int = MAX_IMAGE_BYTES
) -> bytes:
    """``svg`` (UTF-8 output) with an ``<openbadges:credential>`` as the root's first child.

    JSON goes in CDATA, a JWT in the ``verify`` attribute. A credential already baked into the
    image is replaced. The rest of the document is kept node for node; the serialisation (XML
    declaration, attribute quoting) is normalised.
    """
    text = _payload_text(credential)
    # No document.unlink() here or below: it recurses over the tree, and the garbage collector
    # reclaims the DOM's reference cycles anyway.
    document = _parse_svg(svg, max_bytes)
    root = document.documentElement
    bound = root.getAttributeNS(XMLNS_NAMESPACE, "openbadges")
    if bound and bound != OB3_NAMESPACE:
        raise BakingError(
            f"SVG root already binds prefix 'openbadges' to {bound!r} "
            f"(Open Badges 2.0?); cannot declare {OB3_NAMESPACE!r} on it"
        )
    for old in _credential_elements(document):
        old.parentNode.removeChild(old)
    root.setAttributeNS(XMLNS_NAMESPACE, "xmlns:openbadges", OB3_NAMESPACE)
    element = document.createElementNS(OB3_NAMESPACE, "openbadges:credential")
    if isinstance(credential, str):
        element.setAttribute("verify", text)
    else:
        for piece in _cdata_pieces(text):
            element.appendChild(document.createCDATASection(piece))
    root.insertBefore(element, root.firstChild)
    try:
        baked = document.toxml(encoding="utf-8")
    except RecursionError as exc:
        raise InputTooLargeError("SVG nests elements too deeply to serialise") from exc
    _check_size(baked, max_bytes, "baked SVG image")
    return baked


def unbake_svg(svg: bytes | str, *, max_bytes: int = MAX_IMAGE_BYTES) -> Credential:
    """The credential baked into ``svg``: a dict (JSON) or a str (compact JWT)."""
    document = _parse_svg(svg, max_bytes)
    found = _credential_elements(document)
    if not found:
        raise BakingError(
            f"SVG has no <openbadges:credential> element in namespace {OB3_NAMESPACE}"
        )
    if len(found) > 1:
        raise BakingError(f"SVG has {len(found)} <openbadges:credential> elements")
    element = found[0]
    if element.hasAttribute("verify"):
        return _parse_payload(element.getAttribute("verify"), "SVG verify attribute")
    text = "".join(
        child.data
        for child in element.childNodes
        if child.nodeType in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE)
    )
    return _parse_payload(text, "SVG <openbadges:credential>")


# --- either ---------------------------------------------------------------------------------


def unbake(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> Credential:
    """The credential baked into a PNG or SVG image, whichever ``data`` is."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BakingError(f"image must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data, max_bytes=max_bytes)
    if xml_head(data).startswith(b"<"):
        return unbake_svg(data, max_bytes=max_bytes)
    raise BakingError("image is neither a PNG nor an SVG")
