"""Open Badges 3.0 baking in SVG (openbadges:credential element), both directions, with
openbadgeslib interop, and hostile or malformed documents refused."""

from __future__ import annotations

import json
from xml.dom import Node
from xml.dom.minidom import parseString

import pytest
from baking_helpers import CREDENTIAL, JWT, SVG
from openbadgeslib import baking as obl

from credentials.baking import MAX_IMAGE_BYTES, OB3_NAMESPACE, bake_svg, unbake, unbake_svg
from credentials.errors import BakingError, InputTooLargeError

# --- SVG -------------------------------------------------------------------------------------


def other_nodes(svg: bytes) -> list[str]:
    """The root's children other than the baked credential, serialized, whitespace ignored."""
    root = parseString(svg).documentElement
    return [
        node.toxml()
        for node in root.childNodes
        if not (node.nodeType == Node.TEXT_NODE and not node.data.strip())
        and node.namespaceURI != OB3_NAMESPACE
    ]


def test_svg_json_round_trip_and_structure():
    baked = bake_svg(SVG, CREDENTIAL)
    assert unbake_svg(baked) == CREDENTIAL
    assert unbake(baked) == CREDENTIAL
    root = parseString(baked).documentElement
    assert root.getAttribute("xmlns:openbadges") == OB3_NAMESPACE
    first = root.firstChild
    assert first.nodeType == Node.ELEMENT_NODE
    assert (first.namespaceURI, first.localName) == (OB3_NAMESPACE, "credential")
    assert first.tagName == "openbadges:credential"
    assert not first.hasAttribute("verify")
    sections = first.childNodes
    assert sections
    assert all(node.nodeType == Node.CDATA_SECTION_NODE for node in sections)
    # "]]>" in the JSON forced a split into several CDATA sections.
    assert len(sections) == 2
    assert json.loads("".join(node.data for node in sections)) == CREDENTIAL
    # The rest of the document is kept.
    assert other_nodes(baked) == other_nodes(SVG)
    assert root.getAttribute("viewBox") == "0 0 64 64"
    assert b"<!DOCTYPE svg" in baked


def test_svg_jwt_round_trip():
    baked = bake_svg(SVG.decode(), JWT)
    assert unbake_svg(baked) == JWT
    element = parseString(baked).documentElement.firstChild
    assert element.getAttribute("verify") == JWT
    assert element.childNodes.length == 0


def test_svg_rebake_replaces_the_credential():
    twice = bake_svg(bake_svg(SVG, CREDENTIAL), JWT)
    assert unbake_svg(twice) == JWT
    assert twice.count(b"openbadges:credential") == 1
    assert other_nodes(twice) == other_nodes(SVG)


def test_svg_baked_by_openbadgeslib_unbakes():
    ob3 = {"element": obl.SVG_ELEMENT_OB3, "namespace": obl.SVG_NS_OB3}
    assert unbake_svg(obl.bake_svg(SVG, JWT, **ob3)) == JWT
    as_text = obl.bake_svg(SVG, json.dumps(CREDENTIAL), as_text=True, **ob3)
    assert unbake(as_text) == CREDENTIAL
    rebaked = bake_svg(as_text, JWT)
    assert unbake_svg(rebaked) == JWT
    assert rebaked.count(b"openbadges:credential") == 1


def test_openbadgeslib_unbakes_our_svg():
    element = obl.SVG_ELEMENT_OB3
    assert obl.extract_svg(bake_svg(SVG, JWT), element=element) == JWT
    text = obl.extract_svg(bake_svg(SVG, CREDENTIAL), element=element, text_fallback=True)
    assert json.loads(text) == CREDENTIAL


def test_svg_credential_under_another_prefix_is_found_by_namespace():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0">'
        b'<ob:credential verify="' + JWT.encode() + b'"/></svg>'
    )
    assert unbake_svg(svg) == JWT


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&secret;</openbadges:credential></svg>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg">&lol3;</svg>"""


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS])
def test_svg_entity_attacks_are_refused(payload):
    with pytest.raises(BakingError, match="entity"):
        unbake_svg(payload)
    with pytest.raises(BakingError, match="entity"):
        unbake(payload)
    with pytest.raises(BakingError, match="entity"):
        bake_svg(payload, JWT)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (SVG, r"no <openbadges:credential>"),
        (b"<html><body/></html>", "not an SVG.*'html'"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "not well-formed"),
        (b"<other:svg xmlns:other='urn:x'/>", "not an SVG"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='http://openbadges.org'>"
            b"<openbadges:credential verify='a.b.c'/></svg>",
            "no <openbadges:credential>",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='"
            + OB3_NAMESPACE.encode()
            + b'\'><openbadges:credential><![CDATA[{"id": ]]></openbadges:credential></svg>',
            "not valid JSON",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='"
            + OB3_NAMESPACE.encode()
            + b"'><openbadges:credential/><openbadges:credential/></svg>",
            "2 <openbadges:credential>",
        ),
    ],
)
def test_svg_unbake_errors(svg, message):
    with pytest.raises(BakingError, match=message):
        unbake_svg(svg)


def test_svg_bake_errors():
    with pytest.raises(BakingError, match="not an SVG"):
        bake_svg(b"<html/>", JWT)
    ob2 = b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='http://openbadges.org'/>"
    with pytest.raises(BakingError, match="already binds prefix 'openbadges'"):
        bake_svg(ob2, JWT)


def test_oversized_svg_is_refused():
    big = SVG.replace(b"<title>", b"<!--" + b" " * MAX_IMAGE_BYTES + b"--><title>")
    with pytest.raises(InputTooLargeError, match="exceeds"):
        unbake_svg(big)
    with pytest.raises(InputTooLargeError):
        bake_svg(big, JWT)
    with pytest.raises(InputTooLargeError):
        unbake(big)


def test_deeply_nested_svg_fails_cleanly():
    deep = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<g>" * 50_000 + b"</g>" * 50_000
    deep += b"</svg>"
    with pytest.raises(BakingError, match="no <openbadges:credential>"):
        unbake_svg(deep)
    with pytest.raises(InputTooLargeError, match="too deeply"):
        bake_svg(deep, JWT)
