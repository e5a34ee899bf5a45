"""Open Badges 3.0 baking: PNG iTXt and SVG element, both directions, with openbadgeslib interop."""

from __future__ import annotations

import json
import struct
import zlib
from xml.dom import Node
from xml.dom.minidom import parseString

import png as pypng  # openbadgeslib's PNG reader: an independent decoder for our output
import pytest
from openbadgeslib import baking as obl

from credentials.baking import (
    MAX_IMAGE_BYTES,
    OB3_NAMESPACE,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from credentials.errors import BakingError, InputTooLargeError

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "https://badges.example.org/credentials/5c1d",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:example:org", "type": ["Profile"], "name": "Académie de Lyon"},
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://badges.example.org/achievements/1",
            "type": ["Achievement"],
            "name": "Formateur·rice — niveau B1",
            # A CDATA section cannot contain this sequence: the SVG baker must cope.
            "description": "Cas limite: ]]> dans le texte, <balises> & entités",
        },
    },
}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl"

SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 64 64">
  <!-- badge artwork -->
  <title>Badge</title>
  <circle cx="32" cy="32" r="30" fill="#c33"/>
  <a xlink:href="https://badges.example.org"><text x="8" y="36">B1 &amp; more</text></a>
</svg>
"""


def chunk(chunk_type: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + chunk_type
        + data
        + struct.pack(">I", zlib.crc32(chunk_type + data))
    )


def make_png(width: int = 3, height: int = 2, extra: bytes = b"") -> bytes:
    """A tiny RGB PNG written by hand, so that the tests depend on no image library."""
    rows = b"".join(
        b"\x00" + b"".join(bytes([x * 40, y * 90, 200]) for x in range(width))
        for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def chunks_of(data: bytes) -> list[tuple[bytes, bytes]]:
    found, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        found.append((data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return found


def pixels(data: bytes) -> list[list[int]]:
    _width, _height, rows, _info = pypng.Reader(bytes=data).read()
    return [list(row) for row in rows]


def itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    body = zlib.compress(text) if compressed else text
    return chunk(b"iTXt", keyword + b"\x00" + bytes([int(compressed), 0]) + b"\x00\x00" + body)


# --- PNG -------------------------------------------------------------------------------------


def test_png_json_round_trip_and_chunk_layout():
    original = make_png()
    baked = bake_png(original, CREDENTIAL)
    assert unbake_png(baked) == CREDENTIAL
    assert unbake(baked) == CREDENTIAL
    layout = chunks_of(baked)
    assert [name for name, _ in layout] == [b"IHDR", b"iTXt", b"IDAT", b"IEND"]
    keyword, rest = layout[1][1].split(b"\x00", 1)
    assert keyword == b"openbadgecredential"
    # compression flag 0, method 0, empty language tag, empty translated keyword, then text.
    assert rest[:4] == b"\x00\x00\x00\x00"
    assert json.loads(rest[4:].decode("utf-8")) == CREDENTIAL
    compact = json.dumps(CREDENTIAL, ensure_ascii=False, separators=(",", ":"))
    assert rest[4:] == compact.encode("utf-8")
    # The image itself is untouched.
    assert pixels(baked) == pixels(original)


def test_png_jwt_round_trip():
    baked = bake_png(make_png(), JWT)
    assert unbake_png(baked) == JWT
    assert chunks_of(baked)[1][1] == b"openbadgecredential\x00\x00\x00\x00\x00" + JWT.encode()


def test_png_rebake_replaces_the_credential():
    once = bake_png(make_png(), CREDENTIAL)
    twice = bake_png(once, JWT)
    assert unbake_png(twice) == JWT
    assert [name for name, _ in chunks_of(twice)].count(b"iTXt") == 1
    assert bake_png(twice, JWT) == twice


def test_png_keeps_other_text_chunks():
    other = chunk(b"tEXt", b"Software\x00Inkscape")
    baked = bake_png(make_png(extra=other), JWT)
    assert (b"tEXt", b"Software\x00Inkscape") in chunks_of(baked)


def test_png_baked_by_openbadgeslib_unbakes():
    jwt_png = obl.bake_png(make_png(), JWT, keyword=obl.ITXT_KEYWORD_OB3)
    assert unbake_png(jwt_png) == JWT
    json_png = obl.bake_png(make_png(), json.dumps(CREDENTIAL), keyword=obl.ITXT_KEYWORD_OB3)
    assert unbake(json_png) == CREDENTIAL
    # And we can re-bake their image without ending up with two credentials.
    rebaked = bake_png(json_png, JWT)
    assert unbake_png(rebaked) == JWT
    assert obl.extract_png(rebaked, keyword=obl.ITXT_KEYWORD_OB3) == JWT


def test_openbadgeslib_unbakes_our_png():
    assert obl.extract_png(bake_png(make_png(), JWT), keyword=obl.ITXT_KEYWORD_OB3) == JWT
    text = obl.extract_png(bake_png(make_png(), CREDENTIAL), keyword=obl.ITXT_KEYWORD_OB3)
    assert json.loads(text) == CREDENTIAL


def test_png_compressed_chunk_from_other_bakers_is_read_with_a_cap():
    data = make_png(extra=itxt(b"openbadgecredential", JWT.encode(), compressed=True))
    assert unbake_png(data) == JWT
    bomb = make_png(extra=itxt(b"openbadgecredential", b"{" + b" " * 2_000_000, compressed=True))
    with pytest.raises(InputTooLargeError, match="inflates"):
        unbake_png(bomb, max_bytes=1_000_000)


def corrupt(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1 :]


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (lambda png: b"GIF89a" + png[6:], "not a PNG"),
        (lambda png: b"", "not a PNG"),
        (lambda png: corrupt(png, 8 + 8 + 2), "chunk IHDR CRC mismatch at offset 8"),
        (lambda png: corrupt(png, len(png) - 20), "chunk IDAT CRC mismatch at offset 33"),
        (lambda png: png[:-5], "truncated"),
        (lambda png: png[:-12], "no IEND"),
        (lambda png: png[:50], "truncated: chunk IDAT at offset 33 declares"),
        (lambda png: png + b"junk", "after IEND"),
        (lambda png: png[:8] + png[33:], "must start with IHDR"),
        (lambda png: png[:12] + b"IH?R" + png[16:], "invalid type"),
    ],
)
def test_malformed_png_is_refused_with_a_clear_error(make_bad, message):
    bad = make_bad(make_png())
    with pytest.raises(BakingError, match=message):
        unbake_png(bad)
    with pytest.raises(BakingError, match=message):
        bake_png(bad, JWT)


def test_png_without_credential():
    with pytest.raises(BakingError, match="no openbadgecredential"):
        unbake_png(make_png())
    ob2 = make_png(extra=itxt(b"openbadges", JWT.encode()))
    with pytest.raises(BakingError, match=r"Open Badges 2\.0"):
        unbake_png(ob2)


def test_png_with_two_credentials_is_ambiguous():
    twice = make_png(
        extra=itxt(b"openbadgecredential", JWT.encode())
        + itxt(b"openbadgecredential", b'{"id": "x"}')
    )
    with pytest.raises(BakingError, match="2 openbadgecredential chunks"):
        unbake_png(twice)
    assert unbake_png(bake_png(twice, CREDENTIAL)) == CREDENTIAL


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{"id": ', "not valid JSON"),
        (b"[1, 2]", "neither a JSON object nor a compact JWT"),
        (b"   ", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b"{" + b'"a":[' * 100_000, "nests too deeply|not valid JSON"),
    ],
)
def test_png_with_bad_payload(text, message):
    data = make_png(extra=itxt(b"openbadgecredential", text))
    with pytest.raises((BakingError, InputTooLargeError), match=message):
        unbake_png(data)


def test_oversized_png_is_refused():
    huge = b"\x89PNG\r\n\x1a\n" + bytes(MAX_IMAGE_BYTES)
    with pytest.raises(InputTooLargeError, match="exceeds"):
        unbake_png(huge)
    with pytest.raises(InputTooLargeError):
        unbake(huge)
    with pytest.raises(InputTooLargeError):
        bake_png(huge, JWT)
    small_limit = len(make_png()) + 10
    with pytest.raises(InputTooLargeError, match="baked PNG"):
        bake_png(make_png(), CREDENTIAL, max_bytes=small_limit)


def test_bake_refuses_strings_that_are_not_jwts():
    with pytest.raises(BakingError, match="compact JWT"):
        bake_png(make_png(), json.dumps(CREDENTIAL))
    with pytest.raises(BakingError, match="compact JWT"):
        bake_svg(SVG, "hello")


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


# --- sniffing --------------------------------------------------------------------------------


def test_unbake_sniffs_the_format():
    assert unbake(bake_png(make_png(), JWT)) == JWT
    assert unbake(b"\xef\xbb\xbf" + bake_svg(SVG, JWT)) == JWT
    bare = b"\n  <svg xmlns='http://www.w3.org/2000/svg'><g/></svg>"
    assert unbake(b"\n" + bake_svg(bare, JWT).split(b"?>", 1)[1]) == JWT
    with pytest.raises(BakingError, match="neither a PNG nor an SVG"):
        unbake(b"GIF89a...")
    with pytest.raises(BakingError, match="must be bytes"):
        unbake("<svg/>")  # type: ignore[arg-type]


# --- PDF ------------------------------------------------------------------------------------


def _plain_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 72, "a certificate")
    canvas.save()
    return buffer.getvalue()


def test_pdf_round_trip_and_unbake_recognises_pdfs():
    from credentials.baking import ATTACHMENT_NAME, bake_pdf, unbake_pdf

    credential = {"id": "urn:uuid:1", "name": "Zoë"}
    baked = bake_pdf(_plain_pdf(), credential)
    assert unbake_pdf(baked) == credential
    assert unbake(baked) == credential
    with pytest.raises(BakingError, match=f"already carries an attachment named {ATTACHMENT_NAME}"):
        bake_pdf(baked, credential)
    with pytest.raises(BakingError, match="credential object"):
        bake_pdf(_plain_pdf(), "a.b.c")
    with pytest.raises(BakingError, match="no embedded credential"):
        unbake_pdf(_plain_pdf())
    with pytest.raises(InputTooLargeError, match="larger than"):
        unbake_pdf(baked, max_bytes=1024)
