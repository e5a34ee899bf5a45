"""Shared by the tests/credentials/test_fuzz_verify*.py modules (no tests here): the fuzzing
settings, the seed documents (a credential, a JWT, a presentation, baked PNG and SVG), the
Hypothesis strategies that alter them, and ``check``, the never-raises assertion on verify().

The fuzzing is bounded and derandomized (same examples on every run, no example database) so
that it is fast and reproducible; raise ``FUZZ_EXAMPLES`` locally to search harder.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import warnings
import zlib
from datetime import UTC, datetime, timedelta

from factories import make_credential, tiny_png

with warnings.catch_warnings():
    # On a failure Hypothesis imports libcst (to suggest a patch), which warns at import under
    # -W error and would hide the falsifying example behind an INTERNALERROR: import it now.
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from credentials import baking
from credentials.data_integrity import add_proof
from credentials.did import Resolver
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
