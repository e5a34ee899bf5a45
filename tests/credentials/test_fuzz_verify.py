"""verify() never raises: property-based fuzzing of every input form, plus the crashes it found.

The fuzzing is bounded and derandomized (same examples on every run, no example database) so
that it is fast and reproducible; raise ``FUZZ_EXAMPLES`` locally to search harder.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import struct
import warnings
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_credential, tiny_png

with warnings.catch_warnings():
    # On a failure Hypothesis imports libcst (to suggest a patch), which warns at import under
    # -W error and would hide the falsifying example behind an INTERNALERROR: import it now.
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials import baking
from credentials.data_integrity import add_proof
from credentials.did import Resolver
from credentials.errors import BakingError
from credentials.jwt import sign_jwt
from credentials.keys import KeyPair
from credentials.verify import VerificationResult, verify

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
TINY_SVG = f'<svg {SVG_NS} width="1" height="1"/>'.encode()

KEY = KeyPair.generate("Ed25519")
CREDENTIAL = add_proof(
    make_credential(issuer_id=KEY.did_key, now=NOW - timedelta(days=30)),
    KEY.signer(),
    created=NOW - timedelta(days=30),
)
TOKEN = sign_jwt(
    make_credential(issuer_id=KEY.did_key, now=NOW - timedelta(days=30)),
    KEY.signer(),
)
PRESENTATION = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiablePresentation"],
    "verifiableCredential": [
        CREDENTIAL,
        {"@context": ["https://www.w3.org/ns/credentials/v2"],
         "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{TOKEN}"},
    ],
}
PNG = baking.bake_png(tiny_png(), CREDENTIAL)
SVG = baking.bake_svg(TINY_SVG, CREDENTIAL)


def check(data) -> VerificationResult:
    """verify() on ``data``: it must answer, with a result, whatever ``data`` is."""
    result = verify(data, now=NOW, resolver=Resolver())
    assert isinstance(result, VerificationResult)
    assert result.verdict
    json.dumps(result.to_dict(), default=str)
    return result


def test_the_seeds_verify():
    for data in (CREDENTIAL, TOKEN, PRESENTATION, PNG, SVG):
        assert check(data).verified, data


# --- strategies -----------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from([
        "", "did:key:z", "did:web:", "https://", "data:,", "urn:uuid:x", "2026-13-45T99:00:00Z",
        "-999999-01-01T00:00:00Z", "VerifiableCredential", "VerifiablePresentation",
        "EnvelopedVerifiableCredential", "DataIntegrityProof", "eddsa-rdfc-2022", "z", "u",
        "https://www.w3.org/ns/credentials/v2", "@id", "@type", "@context", "a.b.c",
    ])
)
JSON_KEYS = st.sampled_from(["id", "type", "@context", "proof", "issuer", "credentialSubject",
                             "validFrom", "validUntil", "credentialStatus",
                             "verifiableCredential", "@id", "@type", "x"]) | st.text(max_size=8)


def _containers(children):
    # A def, not a multi-line lambda: hypothesis reads the function's source to check that it
    # uses its argument, and cannot parse a lambda cut over several lines.
    return st.lists(children, max_size=4) | st.dictionaries(JSON_KEYS, children, max_size=4)


json_values = st.recursive(scalars, _containers, max_leaves=12)


@st.composite
def mutated(draw, document):
    """``document`` with a few subtrees replaced, deleted or added."""
    document = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        node = document
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            child = node[draw(st.sampled_from(keys))]
            if not isinstance(child, dict | list) or not child:
                break
            node = child
        if isinstance(node, dict):
            keys = list(node)
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "add" or not keys:
                node[draw(st.text(max_size=10))] = draw(json_values)
            elif action == "delete":
                del node[draw(st.sampled_from(keys))]
            else:
                node[draw(st.sampled_from(keys))] = draw(json_values)
        elif isinstance(node, list):
            if node and draw(st.booleans()):
                node[draw(st.integers(min_value=0, max_value=len(node) - 1))] = draw(json_values)
            else:
                node.append(draw(json_values))
    return document


@st.composite
def mutated_bytes(draw, data: bytes, start: int = 0):
    """``data`` with a few bytes flipped, inserted or deleted at or after ``start``, or cut."""
    data = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if len(data) <= start:
            break
        at = draw(st.integers(min_value=start, max_value=len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=8))]
        else:
            del data[at:]
    return bytes(data)


def _chunk(chunk_type: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(chunk_type))
    return struct.pack(">I4s", len(data), chunk_type) + data + struct.pack(">I", crc)


def png_with_itxt(itxt: bytes) -> bytes:
    """A well-framed PNG (CRCs right) carrying ``itxt`` as its iTXt chunk's data."""
    png = tiny_png()
    after_ihdr = 8 + 25
    return png[:after_ihdr] + _chunk(b"iTXt", itxt) + png[after_ihdr:]


ITXT = baking.PNG_KEYWORD + b"\x00\x00\x00\x00\x00" + json.dumps(CREDENTIAL).encode()
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


# --- the crashes fuzzing found, one regression test each ------------------------------------


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


# --- through the service: the VC-API and /api/v1/verify never answer 500 ------------------

WEB = settings(FUZZ, max_examples=max(EXAMPLES // 3, 10),
               suppress_health_check=[*FUZZ.suppress_health_check,
                                      HealthCheck.function_scoped_fixture])


def _post(client, path, **kwargs):
    response = client.post(path, **kwargs)  # TESTING propagates what would be a 500
    assert response.status_code < 500, response.get_data(as_text=True)
    return response


@WEB
@given(st.one_of(mutated(CREDENTIAL), json_values, st.just(TOKEN[:-4]), st.text(max_size=40)))
def test_vcapi_credentials_verify_never_500(client, document):
    _post(client, "/credentials/verify", json={"verifiableCredential": document})


@WEB
@given(st.one_of(mutated(PRESENTATION), json_values,
                 st.builds(lambda carried: {**PRESENTATION, "verifiableCredential": carried},
                           json_values)))
def test_vcapi_presentations_verify_never_500(client, document):
    _post(client, "/presentations/verify", json={"verifiablePresentation": document,
                                                 "options": {"challenge": "x"}})


@WEB
@given(st.lists(st.one_of(mutated(CREDENTIAL), json_values), min_size=1, max_size=3))
def test_api_verify_json_never_500(client, credentials):
    response = _post(client, "/api/v1/verify", json={"credentials": credentials, "lang": "en"})
    if response.status_code == 200:
        assert len(response.json["results"]) >= 1


@WEB
@given(st.one_of(mutated_bytes(PNG, start=8), mutated_bytes(SVG), st.binary(max_size=64),
                 st.builds(png_with_itxt, mutated_bytes(ITXT))))
def test_api_verify_upload_never_500(client, data):
    _post(client, "/api/v1/verify", content_type="multipart/form-data",
          data={"files": [(io.BytesIO(data), "badge")], "lang": "en"})


@pytest.mark.parametrize("carried", [1, None, [1, "x"], [[]]])
def test_vcapi_presentation_carrying_a_non_credential_is_a_400(client, carried):
    # Was a 500 (TypeError in verify()).
    response = client.post("/presentations/verify", json={"verifiablePresentation": {
        **PRESENTATION, "verifiableCredential": carried}})
    assert response.status_code == 400
    assert response.json["verified"] is False
    assert response.mimetype == "application/json"


@pytest.mark.parametrize(
    "data",
    [
        f'<?xml version="1.0" encoding="bogus"?><svg {SVG_NS}/>'.encode(),
        f'<?xml version="1.0" encoding="rot13"?><svg {SVG_NS}/>'.encode(),
        png_with_itxt(baking.PNG_KEYWORD + b"\x00\x01\x00\x00\x00"
                      + zlib.compress(json.dumps(CREDENTIAL).encode())[:-40]),
    ],
    ids=["bogus-encoding", "rot13", "cut-compressed-itxt"],
)
def test_api_verify_upload_of_a_broken_image_says_why(client, data):
    # Was the catch-all "the verification could not be completed" card (LookupError logged).
    response = client.post("/api/v1/verify", content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(data), "badge")], "lang": "en"})
    assert response.status_code == 200
    [report] = response.json["results"]
    assert report["verdict"] == "malformed"
    assert [e["type"] for e in report["errors"]] == ["baking-failed"]


def test_api_verify_upload_of_a_utf16_svg(client):
    data = SVG.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    response = client.post("/api/v1/verify", content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(data), "badge.svg")], "lang": "en"})
    assert response.status_code == 200
    [report] = response.json["results"]
    # The library reads it (test_utf16_and_utf32_svg_are_read); the upload's own sniffing
    # (services.verification.sniff) does not know UTF-16 yet and calls it unsupported.
    assert report["verdict"] == "malformed"
