"""Open Badges 3.0 baking in PNG (iTXt chunk), both directions, with openbadgeslib interop,
and malformed or oversized images refused."""

from __future__ import annotations

import json
import struct
import zlib

import png as pypng  # openbadgeslib's PNG reader: an independent decoder for our output
import pytest
from baking_helpers import CREDENTIAL, JWT, SVG, chunk, make_png
from openbadgeslib import baking as obl

from credentials.baking import MAX_IMAGE_BYTES, bake_png, bake_svg, unbake, unbake_png
from credentials.errors import BakingError, InputTooLargeError


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
