"""VC-JWT (Open Badges 3.0 §8.2): hostile tokens — tampering, wrong keys, time claims, refused
algorithms and headers, malformed and oversized input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from jwt_helpers import (
    NOW,
    claims_payload,
    craft,
    make_credential,
    problems,
    verify,
)

from credentials.did import Resolver
from credentials.jwt import (
    MAX_TOKEN_BYTES,
    PROBLEM_EXPIRED,
    PROBLEM_NOT_YET_VALID,
    PROBLEM_UNSIGNED,
    PROBLEM_UNSUPPORTED_ALGORITHM,
    sign_jwt,
    verify_jwt,
)
from credentials.keys import KeyPair
from credentials.multibase import b64url_decode, b64url_encode

# -- tampering, wrong keys, time -----------------------------------------------------------------


def test_tampered_payload_and_signature() -> None:
    key = KeyPair.generate()
    token = sign_jwt(make_credential(key.did_key), key.signer())
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["achievement"]["name"] = "Something grander"
    tampered = ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])
    result = verify(tampered)
    assert not result.verified
    assert problems(result) == ["signature-mismatch"]
    assert result.credential["credentialSubject"]["achievement"]["name"] == "Something grander"
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert problems(verify(".".join([header, payload, flipped]))) == ["signature-mismatch"]


def test_wrong_key() -> None:
    issuer, other = KeyPair.generate(), KeyPair.generate()
    payload = claims_payload(make_credential(issuer.did_key))
    token = craft({"alg": "EdDSA", "kid": issuer.did_key_vm}, payload, other.sign)
    assert problems(verify(token)) == ["signature-mismatch"]


def test_alg_key_mismatch() -> None:
    key = KeyPair.generate()
    payload = claims_payload(make_credential(key.did_key))
    token = craft({"alg": "ES256", "kid": key.did_key_vm}, payload, key.sign)
    result = verify(token)
    assert problems(result) == ["invalid-jwt"]
    assert "cannot be used with the Ed25519 key" in result.errors[0][1]


def test_rfc9864_ed25519_alg_name_accepted() -> None:
    key = KeyPair.generate()
    token = craft(
        {"alg": "Ed25519", "kid": key.did_key_vm},
        claims_payload(make_credential(key.did_key)),
        key.sign,
    )
    assert verify(token).verified


def test_iss_jti_sub_must_match() -> None:
    key = KeyPair.generate()
    credential = make_credential(key.did_key)
    for claims, fragment in (
        ({"iss": "did:example:someone"}, "'iss' claim"),
        ({"jti": "urn:uuid:other"}, "'jti' claim"),
        ({"sub": "did:example:other"}, "'sub' claim"),
    ):
        token = craft(
            {"alg": "EdDSA", "kid": key.did_key_vm}, claims_payload(credential, **claims), key.sign
        )
        result = verify(token)
        assert not result.verified
        assert any(fragment in detail for _, detail in result.errors), result.errors
    missing_iss = claims_payload(credential)
    del missing_iss["iss"]
    result = verify(craft({"alg": "EdDSA", "kid": key.did_key_vm}, missing_iss, key.sign))
    assert any("'iss' claim is missing" in detail for _, detail in result.errors)


def test_expired_and_not_yet_valid_with_leeway() -> None:
    key = KeyPair.generate()
    expires = "2025-06-01T11:59:00Z"  # one minute before NOW
    token = sign_jwt(make_credential(key.did_key, validUntil=expires), key.signer())
    assert problems(verify(token, leeway_seconds=0)) == [PROBLEM_EXPIRED]
    assert verify(token, leeway_seconds=120).verified
    assert problems(verify(token, now=NOW + timedelta(days=1), leeway_seconds=120)) == [
        PROBLEM_EXPIRED
    ]

    future = sign_jwt(
        make_credential(key.did_key, validFrom="2025-06-01T12:05:00Z"), key.signer()
    )
    result = verify(future, leeway_seconds=60)
    assert problems(result) == [PROBLEM_NOT_YET_VALID]
    assert "2025-06-01T12:05:00Z" in result.errors[0][1]
    assert verify(future, leeway_seconds=600).verified
    # Non-numeric dates are refused, not ignored.
    odd = craft(
        {"alg": "EdDSA", "kid": key.did_key_vm},
        claims_payload(make_credential(key.did_key), exp="2030-01-01"),
        key.sign,
    )
    assert problems(verify(odd)) == ["invalid-jwt"]


def test_rejects_none_and_unknown_algorithms() -> None:
    key = KeyPair.generate()
    payload = claims_payload(make_credential(key.did_key))
    encoded = b64url_encode(json.dumps(payload).encode())
    unsigned = b64url_encode(b'{"alg":"none","typ":"JWT"}') + "." + encoded + "."
    result = verify(unsigned)
    # An unsigned token is an unsigned credential: the slug Data Integrity uses for one.
    assert PROBLEM_UNSIGNED == "missing-proof"
    assert problems(result) == [PROBLEM_UNSIGNED]
    assert "'none' is refused" in result.errors[0][1]
    assert result.credential is None
    # The algorithm is refused before the payload is read: garbage after it changes nothing.
    assert problems(verify(b64url_encode(b'{"alg":"none"}') + ".!!!.")) == [PROBLEM_UNSIGNED]
    assert PROBLEM_UNSUPPORTED_ALGORITHM == "unsupported-cryptosuite"
    for header in ({"alg": "HS256"}, {"alg": "ES384"}, {"alg": "NONE"}, {"alg": "PS256"}):
        token = b64url_encode(json.dumps(header).encode()) + "." + encoded + ".c2ln"
        assert problems(verify(token)) == [PROBLEM_UNSUPPORTED_ALGORITHM], header
        assert problems(verify(token.replace(encoded, "e30"))) == [
            PROBLEM_UNSUPPORTED_ALGORITHM
        ], header
    # No alg string at all: the JWS header itself is malformed (RFC 7515 §4.1.1).
    for header in ({"alg": None}, {}, {"alg": ["EdDSA"]}):
        token = b64url_encode(json.dumps(header).encode()) + "." + encoded + ".c2ln"
        assert problems(verify(token)) == ["malformed-input"], header


def test_refuses_crit_and_foreign_typ() -> None:
    key = KeyPair.generate()
    payload = claims_payload(make_credential(key.did_key))
    crit = craft(
        {"alg": "EdDSA", "kid": key.did_key_vm, "crit": ["exp"], "exp": 1}, payload, key.sign
    )
    assert problems(verify(crit)) == ["invalid-jwt"]
    at = craft({"alg": "EdDSA", "kid": key.did_key_vm, "typ": "at+jwt"}, payload, key.sign)
    assert problems(verify(at)) == ["invalid-jwt"]
    vc = craft({"alg": "EdDSA", "kid": key.did_key_vm, "typ": "vc+jwt"}, payload, key.sign)
    assert verify(vc).verified


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        b64url_encode(b"not json") + ".e30.c2ln",
        b64url_encode(b"[1]") + ".e30.c2ln",
        b64url_encode(b'{"alg":"EdDSA","alg":"none"}') + ".e30.c2ln",
        b64url_encode(b'{"alg":"EdDSA"}') + "." + b64url_encode(b"\xff\xfe") + ".c2ln",
        b64url_encode(b'{"alg":"EdDSA"}') + ".e30.c2ln",  # {} is not a credential
        "é.é.é".encode(),
        12345,
        None,
    ],
)
def test_malformed_tokens_never_raise(token: Any) -> None:
    result = verify(token)
    assert not result.verified
    assert result.credential is None
    assert problems(result) == ["malformed-input"], result.errors


@pytest.mark.parametrize(
    ("token", "part"),
    [
        ("!!!.e30.sig", "header"),
        ("a.e30.c2ln", "header"),  # one character: an impossible base64url length
        (b64url_encode(b'{"alg":"EdDSA"}') + ".e3+0.c2ln", "payload"),
        (b64url_encode(b'{"alg":"EdDSA"}') + ".e30.c2ln=", "signature"),
    ],
)
def test_parts_that_are_not_base64url(token: str, part: str) -> None:
    result = verify(token)
    assert result.credential is None
    assert problems(result) == ["malformed-encoding"], result.errors
    assert f"JWT {part} is not base64url" in result.errors[0][1]


def test_oversized_and_deeply_nested_tokens() -> None:
    huge = "a" * (MAX_TOKEN_BYTES + 1)
    assert problems(verify(huge)) == ["input-too-large"]
    assert problems(verify(huge.encode())) == ["input-too-large"]
    key = KeyPair.generate()
    deep: Any = "bottom"
    for _ in range(200):
        deep = {"n": deep}
    payload = claims_payload(make_credential(key.did_key), deep=deep)
    result = verify(craft({"alg": "EdDSA", "kid": key.did_key_vm}, payload, key.sign))
    assert problems(result) == ["input-too-large"]
    very_deep = (
        b64url_encode(b'{"alg":"EdDSA"}')
        + "."
        + b64url_encode(b"[" * 100_000 + b"]" * 100_000)
        + ".c2ln"
    )
    assert problems(verify(very_deep)) == ["input-too-large"]


def test_verify_requires_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_jwt("a.b.c", resolver=Resolver(), now=datetime(2025, 1, 1))  # naive on purpose
