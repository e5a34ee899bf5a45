"""verify() never raises: property-based fuzzing of every input form (JSON, text, bytes, JWT,
presentations, baked PNG and SVG), starting from seeds that verify.

The fuzzing is bounded and derandomized (same examples on every run, no example database) so
that it is fast and reproducible; raise ``FUZZ_EXAMPLES`` locally to search harder.
"""

from __future__ import annotations

import base64
import contextlib
import json

from fuzz_verify_helpers import (
    CREDENTIAL,
    FUZZ,
    ITXT,
    PNG,
    PRESENTATION,
    SVG,
    TOKEN,
    check,
    json_values,
    mutated,
    mutated_bytes,
    png_with_itxt,
)
from hypothesis import given
from hypothesis import strategies as st

from credentials import baking
from credentials.errors import BakingError


def test_the_seeds_verify():
    for data in (CREDENTIAL, TOKEN, PRESENTATION, PNG, SVG):
        assert check(data).verified, data


ENCODINGS = st.sampled_from([
    "utf-8", "UTF-16", "utf-32", "latin-1", "bogus", "rot13", "hex", "base64", "zip", "uu",
    "bz2", "quopri", "utf-7", "idna", "punycode", "undefined", "unicode_escape", "mbcs", "",
    "cp037", "shift_jis",
]) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", max_size=12)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_parts():
    header, payload, signature = TOKEN.split(".")
    pad = lambda part: part + "=" * (-len(part) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(header))),
            json.loads(base64.urlsafe_b64decode(pad(payload))), signature)


# --- properties -----------------------------------------------------------------------------


@FUZZ
@given(mutated(CREDENTIAL), st.sampled_from(["object", "text", "bytes"]))
def test_mutated_credential(document, form):
    text = json.dumps(document)
    check({"object": document, "text": text, "bytes": text.encode()}[form])


@FUZZ
@given(mutated(PRESENTATION))
def test_mutated_presentation(document):
    check(document)


@FUZZ
@given(st.lists(json_values, max_size=4) | json_values)
def test_presentation_carrying_anything(carried):
    check({**PRESENTATION, "verifiableCredential": carried})


@FUZZ
@given(json_values)
def test_any_json_value(value):
    check(value)
    check(json.dumps(value))


@FUZZ
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_any_bytes_or_text(data):
    check(data)


@FUZZ
@given(mutated_bytes(PNG, start=8))
def test_mutated_png(data):
    check(data)


@FUZZ
@given(mutated_bytes(ITXT))
def test_mutated_itxt_chunk_with_a_valid_crc(itxt):
    check(png_with_itxt(itxt))


@FUZZ
@given(mutated_bytes(SVG))
def test_mutated_svg(data):
    check(data)


@FUZZ
@given(ENCODINGS, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "latin-1"]))
def test_svg_declaring_any_encoding(declared, actual):
    text = f'<?xml version="1.0" encoding="{declared}"?>' + SVG.decode().split("?>", 1)[1]
    try:
        data = text.encode(actual)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    check(data)
    with contextlib.suppress(BakingError):  # whatever the declaration: that, or a credential
        baking.unbake_svg(data)


@FUZZ
@given(st.text(max_size=80))
def test_mutated_jwt_text(noise):
    check(TOKEN[: len(TOKEN) // 2] + noise)
    check(noise + "." + TOKEN)


@FUZZ
@given(mutated({"header": _jwt_parts()[0], "payload": _jwt_parts()[1]}))
def test_jwt_with_mutated_header_and_payload(parts):
    _, _, signature = _jwt_parts()
    header = _b64(json.dumps(parts.get("header")).encode())
    payload = _b64(json.dumps(parts.get("payload")).encode())
    token = f"{header}.{payload}.{signature}"
    check(token)
    check({**PRESENTATION, "verifiableCredential": [
        {"type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}"}]})
