"""VC-JWT (Open Badges 3.0 §8.2): signing, verification, key binding, and hostile tokens."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from openbadgeslib.ob3 import OB3Signer, OB3Verifier
from openbadgeslib.ob3.credential import OpenBadgeCredential

from credentials.did import Resolver, did_document
from credentials.errors import FetchError, SigningError
from credentials.jwt import (
    MAX_TOKEN_BYTES,
    PROBLEM_EXPIRED,
    PROBLEM_NOT_YET_VALID,
    PROBLEM_UNSIGNED,
    PROBLEM_UNSUPPORTED_ALGORITHM,
    JwtResult,
    sign_jwt,
    verify_jwt,
)
from credentials.keys import KeyPair
from credentials.multibase import b64url_decode, b64url_encode

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
VALID_FROM = "2025-01-15T08:30:00Z"
VALID_FROM_TS = int(datetime(2025, 1, 15, 8, 30, tzinfo=UTC).timestamp())
WEB_DID = "did:web:badges.example.org"
WEB_URL = "https://badges.example.org/.well-known/did.json"


def make_credential(issuer_id: str, **changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3f1c2f8e-0d7b-4a7e-9b1a-5b7f0c1d2e3f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "Académie d'exemple"},
        "validFrom": VALID_FROM,
        "name": "Ressources numériques (B1)",
        "credentialSubject": {
            "id": "did:example:claire",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example.org/achievements/digcompedu-2-b1",
                "type": ["Achievement"],
                "name": "Ressources numériques",
                "description": "Sélectionner, créer et partager des ressources numériques.",
                "criteria": {"narrative": "Portfolio évalué par deux formateurs."},
            },
        },
    }
    credential.update(changes)
    return credential


class FakeFetcher:
    def __init__(self, responses: dict[str, Any]) -> None:
        self.responses = responses
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if url not in self.responses:
            raise FetchError(f"404 for {url}", url=url)
        return json.dumps(self.responses[url]).encode()


def craft(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    """A compact JWS built without joserfc, so verification is checked independently."""
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    return signing_input + "." + b64url_encode(sign(signing_input.encode()))


def claims_payload(credential: dict[str, Any], **claims: Any) -> dict[str, Any]:
    issuer = credential["issuer"]
    base = {
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": VALID_FROM_TS,
    }
    return {**credential, **base, **claims}


def verify(token: str | bytes, resolver: Resolver | None = None, **kwargs: Any) -> JwtResult:
    return verify_jwt(token, resolver=resolver or Resolver(), now=kwargs.pop("now", NOW), **kwargs)


def problems(result: JwtResult) -> list[str]:
    return [problem for problem, _ in result.errors]


def split(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


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


# -- did:web issuers, rotation, key binding ------------------------------------------------------


def web_setup() -> tuple[KeyPair, KeyPair, Resolver, FakeFetcher]:
    retired, active = KeyPair.generate(), KeyPair.generate("P-256")
    document = did_document(WEB_DID, [("key-2024", retired, False), ("key-2025", active, True)])
    fetcher = FakeFetcher({WEB_URL: document})
    return retired, active, Resolver(fetcher), fetcher


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
