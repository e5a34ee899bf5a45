"""VC-JWT (Open Badges 3.0 §8.2): signing, RS256 and legacy `vc` tokens, and interoperability
with openbadgeslib."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt_helpers import (
    NOW,
    VALID_FROM_TS,
    WEB_DID,
    WEB_URL,
    FakeFetcher,
    claims_payload,
    craft,
    make_credential,
    problems,
    split,
    verify,
)
from openbadgeslib.ob3 import OB3Signer, OB3Verifier
from openbadgeslib.ob3.credential import OpenBadgeCredential

from credentials.did import Resolver
from credentials.errors import SigningError
from credentials.jwt import PROBLEM_UNSUPPORTED_ALGORITHM, sign_jwt
from credentials.keys import KeyPair
from credentials.multibase import b64url_decode

# -- signing -------------------------------------------------------------------------------------


def test_eddsa_round_trip_and_claims() -> None:
    key = KeyPair.generate()
    credential = make_credential(key.did_key, validUntil="2030-01-01T00:00:00Z")
    original = copy.deepcopy(credential)
    token = sign_jwt(credential, key.signer(), now=NOW)
    assert credential == original  # input untouched
    header, payload = split(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": key.did_key_vm}
    assert payload["iss"] == key.did_key
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == "did:example:claire"
    assert payload["nbf"] == VALID_FROM_TS
    assert payload["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert payload["iat"] == int(NOW.timestamp())
    assert {
        k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf", "exp", "iat")
    } == credential

    result = verify(token)
    assert result.verified, result.errors
    assert result.errors == []
    assert result.credential == credential
    assert result.header == header
    assert result.verification_method == key.did_key_vm


def test_es256_round_trip() -> None:
    key = KeyPair.generate("P-256")
    token = sign_jwt(make_credential(key.did_key), key.signer())
    header, _ = split(token)
    assert header["alg"] == "ES256"
    assert len(b64url_decode(token.split(".")[2])) == 64  # raw r || s, not DER
    result = verify(token)
    assert result.verified, result.errors


def test_sub_omitted_without_subject_id_and_string_issuer() -> None:
    key = KeyPair.generate()
    credential = make_credential(key.did_key, issuer=key.did_key)
    del credential["credentialSubject"]["id"]
    token = sign_jwt(credential, key.signer())
    _, payload = split(token)
    assert "sub" not in payload
    assert payload["iss"] == key.did_key
    assert verify(token).verified


def test_embedded_jwk_with_did_key_issuer() -> None:
    key = KeyPair.generate("P-256")
    token = sign_jwt(make_credential(key.did_key), key.signer(), embed_jwk=True)
    header, _ = split(token)
    assert header == {"alg": "ES256", "typ": "JWT", "jwk": key.to_public_jwk()}
    result = verify(token)
    assert result.verified, result.errors
    assert result.verification_method == key.did_key_vm


def test_sign_errors() -> None:
    key = KeyPair.generate()
    other = KeyPair.generate()
    with pytest.raises(SigningError, match="no issuer id"):
        sign_jwt(
            {k: v for k, v in make_credential(key.did_key).items() if k != "issuer"}, key.signer()
        )
    with pytest.raises(SigningError, match="private key"):
        sign_jwt(make_credential(key.did_key), key.public_only())
    with pytest.raises(SigningError, match="different key"):
        sign_jwt(make_credential(key.did_key), key.signer(other.did_key_vm))
    with pytest.raises(SigningError, match="not a verification method of the issuer"):
        sign_jwt(make_credential(WEB_DID), key.signer("did:web:elsewhere.example#k"))
    with pytest.raises(SigningError, match="conflicts"):
        sign_jwt(make_credential(key.did_key, iss="did:example:someone-else"), key.signer())
    with pytest.raises(SigningError, match="no timezone"):
        sign_jwt(make_credential(key.did_key, validFrom="2025-01-01T00:00:00"), key.signer())
    with pytest.raises(SigningError, match="not an ISO 8601"):
        sign_jwt(make_credential(key.did_key, validFrom="yesterday"), key.signer())
    with pytest.raises(SigningError, match="JSON-serialisable"):
        sign_jwt(make_credential(key.did_key, extra={1, 2}), key.signer())
    with pytest.raises(SigningError, match="JSON object"):
        sign_jwt(["not", "a", "credential"], key.signer())  # type: ignore[arg-type]


# -- RS256 and legacy tokens ---------------------------------------------------------------------


def test_rs256_verification_with_jwk_verification_method() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = KeyPair.from_key_object(private)
    document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": WEB_DID,
        "verificationMethod": [
            {
                "id": f"{WEB_DID}#rsa-1",
                "type": "JsonWebKey2020",
                "controller": WEB_DID,
                "publicKeyJwk": public.to_public_jwk(),
            }
        ],
        "assertionMethod": ["#rsa-1"],
    }
    resolver = Resolver(FakeFetcher({WEB_URL: document}))

    def sign(data: bytes) -> bytes:
        return private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    payload = claims_payload(make_credential(WEB_DID))
    token = craft({"alg": "RS256", "typ": "JWT", "kid": f"{WEB_DID}#rsa-1"}, payload, sign)
    result = verify(token, resolver)
    assert result.verified, result.errors
    assert result.verification_method == f"{WEB_DID}#rsa-1"
    # The same key under alg PS256 or HS256 is refused up front.
    for alg in ("PS256", "HS256"):
        bad = craft({"alg": alg, "kid": f"{WEB_DID}#rsa-1"}, payload, sign)
        assert problems(verify(bad, resolver)) == [PROBLEM_UNSUPPORTED_ALGORITHM]
    # RS256 with an embedded JWK listed by the issuer.
    embedded = craft({"alg": "RS256", "jwk": public.to_public_jwk()}, payload, sign)
    assert verify(embedded, resolver).verified


def test_legacy_vc_claim() -> None:
    key = KeyPair.generate()
    inner = make_credential(key.did_key)
    issuer_less = {k: v for k, v in inner.items() if k not in ("issuer", "id")}
    issuer_less["credentialSubject"] = {
        k: v for k, v in inner["credentialSubject"].items() if k != "id"
    }
    payload = {
        "vc": issuer_less,
        "iss": key.did_key,
        "jti": inner["id"],
        "sub": "did:example:claire",
        "nbf": VALID_FROM_TS,
    }
    token = craft({"alg": "EdDSA", "typ": "JWT", "kid": key.did_key_vm}, payload, key.sign)
    result = verify(token)
    assert result.verified, result.errors
    assert result.credential["issuer"] == key.did_key
    assert result.credential["id"] == inner["id"]
    assert result.credential["credentialSubject"]["id"] == "did:example:claire"
    assert "vc" not in result.credential
    # A legacy vc whose embedded issuer disagrees with iss is caught.
    payload["vc"] = {**issuer_less, "issuer": "did:example:other"}
    token = craft({"alg": "EdDSA", "kid": key.did_key_vm}, payload, key.sign)
    assert "invalid-jwt" in problems(verify(token))


# -- interoperability with openbadgeslib (PyPI) --------------------------------------------------


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
def test_openbadgeslib_verifies_our_tokens(algorithm: str) -> None:
    key = KeyPair.generate(algorithm)
    for embed in (False, True):
        token = sign_jwt(make_credential(key.did_key), key.signer(), embed_jwk=embed)
        verified = OB3Verifier.for_issuer_did(key.did_key).verify(token)
        assert verified.issuer.id == key.did_key
        assert verified.id == make_credential(key.did_key)["id"]


@pytest.mark.parametrize(("algorithm", "alg"), [("Ed25519", "EdDSA"), ("P-256", "ES256")])
def test_we_verify_openbadgeslib_tokens(algorithm: str, alg: str) -> None:
    key = KeyPair.generate(algorithm)
    credential = make_credential(key.did_key)
    signer = OB3Signer(key.cryptography_key(private=True), alg)
    token = signer.sign(OpenBadgeCredential.from_vc_document(credential))
    result = verify(token)
    assert result.verified, result.errors
    assert result.header["alg"] == alg
    assert result.credential["issuer"]["id"] == key.did_key
    assert result.credential["credentialSubject"]["achievement"]["name"] == "Ressources numériques"
