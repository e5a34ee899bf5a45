"""verify() never raises: the crashes property-based fuzzing found, one regression test each
(SVG encodings, truncated PNG chunks, presentations and documents of the wrong shape)."""

from __future__ import annotations

import zlib

import pytest
from fuzz_verify_helpers import (
    CREDENTIAL,
    ITXT,
    NOW,
    PNG,
    PRESENTATION,
    SVG,
    SVG_NS,
    check,
    png_with_itxt,
)

from credentials import baking
from credentials.did import Resolver
from credentials.errors import BakingError
from credentials.verify import verify


@pytest.mark.parametrize(
    "encoding",
    ["bogus", "rot13", "base64", "zip", "mbcs", "unicode_escape", "idna", "utf-7", "utf-16"],
)
def test_svg_declaring_an_unknown_or_binary_codec(encoding):
    # Was: LookupError out of expat's unknown-encoding handler.
    svg = f'<?xml version="1.0" encoding="{encoding}"?><svg {SVG_NS}/>'.encode()
    with pytest.raises(BakingError, match=r"^not an SVG image: "):
        baking.unbake_svg(svg)
    result = check(svg)
    assert result.verdict == "malformed"
    assert [p.type for p in result.errors] == ["baking-failed"]


def test_svg_given_as_text_with_a_surrogate_or_a_declaration():
    # Was: UnicodeEncodeError (lone surrogate) and LookupError (declared codec) out of unbaking.
    with pytest.raises(BakingError):
        baking.unbake_svg(f"<svg {SVG_NS}>\ud800</svg>")
    with pytest.raises(BakingError):
        baking.unbake_svg(f'<?xml version="1.0" encoding="bogus"?><svg {SVG_NS}/>')
    baked = SVG.decode()
    assert baking.unbake_svg(baked.replace('encoding="utf-8"', 'encoding="utf-16"')) == CREDENTIAL


@pytest.mark.parametrize(
    ("codec", "declared"),
    [("utf-16", "utf-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "utf-16"), ("utf-32", "utf-32")],
)
def test_utf16_and_utf32_svg_are_read(codec, declared):
    # A UTF-16 export (byte order mark and declaration) is an SVG, not "neither UTF-8 text nor
    # an image"; expat cannot read UTF-32, so the library decodes both itself.
    text = SVG.decode().replace('encoding="utf-8"', f'encoding="{declared}"')
    assert f'encoding="{declared}"' in text
    data = ("\ufeff" + text).encode(codec) if codec[-3:] in ("-le", "-be") else text.encode(codec)
    assert baking.unbake(data) == CREDENTIAL
    assert baking.unbake_svg(data) == CREDENTIAL
    result = check(data)
    assert result.format == "svg"
    assert result.verified, result.errors


@pytest.mark.parametrize(
    "itxt",
    [
        baking.PNG_KEYWORD,
        baking.PNG_KEYWORD + b"\x00",
        baking.PNG_KEYWORD + b"\x00\x00",
        baking.PNG_KEYWORD + b"\x00\x00\x00",
        baking.PNG_KEYWORD + b"\x00\x00\x00\x00",
        baking.PNG_KEYWORD + b"\x00\x01\x00\x00\x00",
        baking.PNG_KEYWORD + b"\x00\x01\x00\x00\x00" + zlib.compress(b'{"a": 1}')[:-3],
        ITXT[: len(ITXT) // 2],
    ],
)
def test_png_with_a_truncated_itxt_chunk(itxt):
    result = check(png_with_itxt(itxt))
    assert result.verdict == "malformed"
    assert [p.type for p in result.errors] == ["baking-failed"]


def test_png_whose_last_chunk_is_cut():
    result = check(PNG[:-6])
    assert [p.type for p in result.errors] == ["baking-failed"]


@pytest.mark.parametrize("carried", [1, None, 2.5, True, [1], [None, "x"], [[CREDENTIAL]]])
def test_presentation_carrying_a_non_credential(carried):
    # Was: TypeError (len() of an int) when verify() recursed into each carried item.
    result = check({**PRESENTATION, "verifiableCredential": carried})
    assert not result.verified
    assert all(not nested.verified for nested in result.credentials)


@pytest.mark.parametrize("value", [1, None, 2.5, [CREDENTIAL], object(), bytearray(b"{}")])
def test_verify_given_something_that_is_not_a_document(value):
    result = check(value)
    assert result.verdict == "malformed"


@pytest.mark.parametrize("member", [[], {}], ids=["list", "object"])
def test_type_with_a_member_that_is_not_a_string(member):
    document = {**CREDENTIAL, "type": ["VerifiableCredential", member]}
    result = verify(document, now=NOW, resolver=Resolver())
    assert result.verdict == "malformed"
