"""VC-JWT (Open Badges 3.0 §8.2): did:web issuers, key rotation, and binding the signing key to
the issuer (kid, embedded JWK, thumbprint URNs, verification relationships)."""

from __future__ import annotations

from jwt_helpers import (
    WEB_DID,
    WEB_URL,
    FakeFetcher,
    claims_payload,
    craft,
    make_credential,
    problems,
    split,
    verify,
    web_setup,
)

from credentials.did import Resolver, did_document
from credentials.jwt import sign_jwt
from credentials.keys import KeyPair

# -- did:web issuers, rotation, key binding ------------------------------------------------------


def test_did_web_issuer_with_kid_including_retired_key() -> None:
    retired, active, resolver, fetcher = web_setup()
    for key, key_id in ((active, "key-2025"), (retired, "key-2024")):
        token = sign_jwt(make_credential(WEB_DID), key.signer(f"{WEB_DID}#{key_id}"))
        result = verify(token, resolver)
        assert result.verified, result.errors
        assert result.verification_method == f"{WEB_DID}#{key_id}"
    relative = sign_jwt(make_credential(WEB_DID), active.signer("#key-2025"))
    assert verify(relative, resolver).verified
    assert set(fetcher.calls) == {WEB_URL}


def test_embedded_jwk_must_be_listed_by_did_web_issuer() -> None:
    _, active, resolver, _ = web_setup()
    listed = sign_jwt(make_credential(WEB_DID), active.signer(), embed_jwk=True)
    result = verify(listed, resolver)
    assert result.verified, result.errors
    assert result.verification_method == f"{WEB_DID}#key-2025"

    stranger = KeyPair.generate("P-256")
    token = sign_jwt(make_credential(stranger.did_key), stranger.signer(), embed_jwk=True)
    _, payload = split(token)
    forged_payload = claims_payload(make_credential(WEB_DID))
    forged = craft(
        {"alg": "ES256", "typ": "JWT", "jwk": stranger.to_public_jwk()},
        forged_payload,
        stranger.sign,
    )
    result = verify(forged, resolver)
    assert not result.verified
    assert problems(result) == ["unknown-key"]
    assert payload["iss"] == stranger.did_key


def test_embedded_jwk_must_match_did_key_issuer_and_kid() -> None:
    issuer, attacker = KeyPair.generate(), KeyPair.generate()
    payload = claims_payload(make_credential(issuer.did_key))
    forged = craft({"alg": "EdDSA", "jwk": attacker.to_public_jwk()}, payload, attacker.sign)
    assert problems(verify(forged)) == ["unknown-key"]
    mixed = craft(
        {"alg": "EdDSA", "kid": issuer.did_key_vm, "jwk": attacker.to_public_jwk()},
        payload,
        issuer.sign,
    )
    assert problems(verify(mixed)) == ["invalid-jwt"]
    private_jwk = {**issuer.to_public_jwk(), "d": "AAAA"}
    leaked = craft({"alg": "EdDSA", "jwk": private_jwk}, payload, issuer.sign)
    result = verify(leaked)
    assert problems(result) == ["invalid-jwt"]
    assert "private key members" in result.errors[0][1]


def test_thumbprint_urn_issuer() -> None:
    key = KeyPair.generate()
    issuer = f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{key.jwk_thumbprint()}"
    good = craft(
        {"alg": "EdDSA", "jwk": key.to_public_jwk()},
        claims_payload(make_credential(issuer)),
        key.sign,
    )
    assert verify(good).verified
    other = KeyPair.generate()
    bad = craft(
        {"alg": "EdDSA", "jwk": other.to_public_jwk()},
        claims_payload(make_credential(issuer)),
        other.sign,
    )
    assert problems(verify(bad)) == ["unknown-key"]


def test_no_kid_no_jwk() -> None:
    key = KeyPair.generate()
    payload = claims_payload(make_credential(key.did_key))
    assert verify(
        craft({"alg": "EdDSA"}, payload, key.sign)
    ).verified  # did:key: the DID is the key
    _, active, resolver, _ = web_setup()
    web = craft({"alg": "ES256"}, claims_payload(make_credential(WEB_DID)), active.sign)
    assert problems(verify(web, resolver)) == ["unknown-key"]


def test_kid_controlled_by_someone_else() -> None:
    _, _, resolver, _ = web_setup()
    attacker = KeyPair.generate()
    token = craft(
        {"alg": "EdDSA", "kid": attacker.did_key_vm},
        claims_payload(make_credential(WEB_DID)),
        attacker.sign,
    )
    result = verify(token, resolver)
    assert problems(result) == ["controller-mismatch"]
    assert attacker.did_key in result.errors[0][1]


def test_foreign_kid_is_refused_before_any_fetch() -> None:
    _, active, resolver, fetcher = web_setup()
    token = craft(
        {"alg": "ES256", "kid": "https://evil.example/keys#1"},
        claims_payload(make_credential(WEB_DID)),
        active.sign,
    )
    assert problems(verify(token, resolver)) == ["controller-mismatch"]
    assert fetcher.calls == []


def test_https_issuer_with_standalone_key_document() -> None:
    key = KeyPair.generate()
    profile, key_url = "https://issuer.example/profile", "https://issuer.example/keys/1"
    fetcher = FakeFetcher(
        {
            key_url: {
                "id": key_url,
                "type": "Multikey",
                "controller": profile,
                "publicKeyMultibase": key.public_multibase,
            },
            profile: {"id": profile, "assertionMethod": [key_url]},
        }
    )
    token = sign_jwt(make_credential(profile), key.signer(key_url))
    result = verify(token, Resolver(fetcher))
    assert result.verified, result.errors
    assert result.verification_method == key_url


def test_kid_not_an_assertion_method() -> None:
    key = KeyPair.generate()
    document = did_document(WEB_DID, [("auth-only", key, True)])
    document["assertionMethod"] = []
    resolver = Resolver(FakeFetcher({WEB_URL: document}))
    token = craft(
        {"alg": "EdDSA", "kid": f"{WEB_DID}#auth-only"},
        claims_payload(make_credential(WEB_DID)),
        key.sign,
    )
    result = verify(token, resolver)
    assert problems(result) == ["purpose-not-authorized"]
    assert "authentication" in result.errors[0][1]


def test_kid_not_resolvable() -> None:
    key = KeyPair.generate()
    token = sign_jwt(make_credential(WEB_DID), key.signer(f"{WEB_DID}#key-1"))
    result = verify(token)  # no fetcher
    assert problems(result) == ["resolution-failed"]
    assert "no fetcher configured" in result.errors[0][1]
    result = verify(token, Resolver(FakeFetcher({})))
    assert problems(result) == ["fetch-failed"]
    _, _, resolver, _ = web_setup()
    result = verify(token, resolver)
    assert problems(result) == ["resolution-failed"]
    assert "has no verification method" in result.errors[0][1]
