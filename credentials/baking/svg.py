"""SVG baking: an ``<openbadges:credential>`` element in namespace
``https://purl.imsglobal.org/ob/v3p0``, first child of the root, holding the JSON as CDATA or the
JWT in its ``verify`` attribute (Open Badges 3.0 §5.3.2)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any
from xml.dom import Node
from xml.dom.minidom import Document, Element
from xml.parsers.expat import ExpatError

import defusedxml
import defusedxml.minidom

from credentials.errors import BakingError, InputTooLargeError

from .common import MAX_IMAGE_BYTES, Credential, _check_size, _parse_payload, _payload_text

OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/"


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
    if not codec._is_text_encoding or codec.name in _NOT_CHARSETS:
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


def _parse_svg(svg: bytes | str, max_bytes: int) -> tuple[Document, Element]:
    """The parsed document and its ``<svg>`` root (returned too: the DOM types it optional)."""
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
    return document, root


def _credential_elements(root: Element) -> list[Element]:
    found: list[Element] = []
    # Iterative walk: a hostile, deeply nested SVG must not exhaust the Python stack.
    stack = [root]
    while stack:
        node = stack.pop()
        if node.namespaceURI == OB3_NAMESPACE and node.localName == "credential":
            found.append(node)
        stack.extend(
            # minidom's element nodes (nodeType ELEMENT_NODE) are exactly its Element instances.
            child for child in reversed(node.childNodes) if isinstance(child, Element)
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
    document, root = _parse_svg(svg, max_bytes)
    bound = root.getAttributeNS(XMLNS_NAMESPACE, "openbadges")
    if bound and bound != OB3_NAMESPACE:
        raise BakingError(
            f"SVG root already binds prefix 'openbadges' to {bound!r} "
            f"(Open Badges 2.0?); cannot declare {OB3_NAMESPACE!r} on it"
        )
    for old in _credential_elements(root):
        # Always set: a credential element found below the root has a parent.
        if old.parentNode is not None:
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
    _document, root = _parse_svg(svg, max_bytes)
    found = _credential_elements(root)
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
