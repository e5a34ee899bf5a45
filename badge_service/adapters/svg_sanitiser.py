"""The SVG sanitiser of uploaded images: what an SVG may keep to be shown on our pages.

Parsed with defusedxml (no DTD, no entities, no external references), the root must be an SVG
``<svg>`` element, and the tree is sanitised: scripts, ``foreignObject`` and other embedding
elements, event-handler attributes (``on…``), links and references to anything but an
in-document ``#fragment`` or a ``data:`` raster image, ``url(…)`` to outside resources,
``@import``, processing instructions and ``xml:base`` are removed. Kept apart from the upload
checks and storage (adapters.uploads) because it changes for another reason: a new way for a
drawing to run code or load something.
"""

from __future__ import annotations

import re
from xml.dom import Node
from xml.dom.minidom import Element
from xml.parsers.expat import ExpatError

import defusedxml
import defusedxml.minidom

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"

#: Deeper SVG trees are refused (real drawings are shallow; serialising is recursive).
MAX_SVG_DEPTH = 200
# Elements that run code or embed other documents; removed with everything inside them.
_DROP_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener",
                  "audio", "video", "canvas", "frame", "frameset", "applet", "base", "meta",
                  "link"}
_ANIMATIONS = {"set", "animate", "animatecolor", "animatemotion", "animatetransform", "discard"}
_SAFE_DATA_URL = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_URL_FUNCTION = re.compile(r"url\(\s*(['\"]?)\s*([^)'\"]*)", re.IGNORECASE)
_DANGEROUS_TEXT = re.compile(r"javascript:|vbscript:|@import|expression\s*\(|-moz-binding",
                             re.IGNORECASE)


class RefusedSvg(Exception):
    """An SVG that cannot be made safe; the message says why (the caller names the field)."""


def sanitise_svg(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The sanitised document and what was removed (each reason once, in order), or
    :class:`RefusedSvg` when the file cannot be made safe."""
    try:
        document = defusedxml.minidom.parseString(data, forbid_dtd=True, forbid_entities=True,
                                                  forbid_external=True)
    except defusedxml.DTDForbidden:
        raise RefusedSvg("the SVG declares a DTD (<!DOCTYPE …>), which is not accepted") from None
    except defusedxml.EntitiesForbidden:
        raise RefusedSvg("the SVG declares entities, which are not accepted") from None
    except defusedxml.DefusedXmlException:
        raise RefusedSvg("the SVG refers to external resources") from None
    except (ExpatError, ValueError, UnicodeDecodeError) as exc:
        raise RefusedSvg(f"the SVG is not well-formed XML ({exc})") from None
    root = document.documentElement
    if root is None or root.namespaceURI != SVG_NS or root.localName != "svg":
        name = root.tagName if root is not None else "none"
        raise RefusedSvg(f"the root element is <{name}>, not an SVG <svg> element "
                         f"(xmlns=\"{SVG_NS}\")")
    removed: list[str] = []
    for node in list(document.childNodes):
        if node.nodeType in (Node.PROCESSING_INSTRUCTION_NODE, Node.DOCUMENT_TYPE_NODE):
            document.removeChild(node)
            removed.append("processing instruction")
    _clean_tree(root, removed)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + root.toxml()
    return text.encode("utf-8"), tuple(dict.fromkeys(removed))


def _clean_tree(root: Element, removed: list[str]) -> None:
    """Sanitise in place, iteratively; refuse trees deeper than MAX_SVG_DEPTH."""
    stack: list[tuple[Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_SVG_DEPTH:
            raise RefusedSvg(f"the SVG nests elements more than {MAX_SVG_DEPTH} levels deep")
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

