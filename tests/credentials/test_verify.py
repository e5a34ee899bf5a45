"""verify(): every input form, and each negative case giving its own specific error."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import timedelta

import pytest
from factories import make_credential, make_endorsement, tiny_png
from verify_helpers import NOW, _problems, _verify

from credentials import baking, status_list
from credentials.data_integrity import add_proof
from credentials.jwt import MAX_TOKEN_BYTES, sign_jwt
from credentials.keys import KeyPair
from credentials.multibase import b64url_encode
from credentials.verify import MAX_INPUT_BYTES

LIST_URL = "https://badges.example.org/status/1"


TINY_PNG = tiny_png()
TINY_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate("Ed25519")


def _signed(key: KeyPair, **overrides) -> dict:
    credential = make_credential(issuer_id=key.did_key, now=NOW - timedelta(days=30), **overrides)
    return add_proof(credential, key.signer(), created=NOW - timedelta(days=30))


def test_valid_credential_lists_every_check(key):
    result = _verify(_signed(key))
    assert result.verified, result.errors
    assert result.verdict == "valid"
    names = [c.name for c in result.checks]
    for expected in ("parse", "contexts", "types", "schema", "proof", "issuer", "validity",
                     "status"):
        assert expected in names
    assert not result.errors


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), "Un autre badge"),
        (("validFrom",), "2020-01-01T00:00:00Z"),
        (("credentialSubject", "achievement", "name"), "Expert"),
        (("credentialSubject", "result", 0, "achievedLevel"), "https://example.org/c2"),
        (("issuer", "name"), "Fake University"),
        (("credentialSubject", "identifier", 0, "identityHash"), "sha256$" + "0" * 64),
    ],
)
def test_any_field_tampered(key, path, value):
    tampered = _signed(key)
    node = tampered
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    result = _verify(tampered, check_schema=False)
    assert not result.verified
    assert result.verdict == "tampered"
    assert "signature-mismatch" in _problems(result)


def test_wrong_key_and_key_not_controlled_by_issuer(key):
    other = KeyPair.generate("Ed25519")
    signed = _signed(key)
    # Wrong key: the proof claims the issuer's key, the signature is someone else's.
    forged = add_proof(make_credential(issuer_id=key.did_key, now=NOW), other.signer(
        key.signer().verification_method), created=NOW)
    assert "signature-mismatch" in _problems(_verify(forged))
    # Key not controlled by the issuer: a valid signature by another party's key.
    swapped = deepcopy(signed)
    swapped["issuer"]["id"] = other.did_key
    resigned = add_proof({k: v for k, v in swapped.items() if k != "proof"}, key.signer(),
                         created=NOW, controller=other.did_key)
    result = _verify(resigned)
    assert "controller-mismatch" in _problems(result)
    assert result.verdict == "unknown-issuer"


def test_wrong_purpose(key):
    credential = make_credential(issuer_id=key.did_key, now=NOW)
    signed = add_proof(credential, key.signer(), created=NOW, proof_purpose="authentication")
    assert "wrong-proof-purpose" in _problems(_verify(signed))


def test_expired_and_not_yet_valid(key):
    expired = _signed(key, valid_until=NOW - timedelta(days=1))
    result = _verify(expired)
    assert (result.verdict, _problems(result)) == ("expired", {"expired"})
    future = make_credential(issuer_id=key.did_key, now=NOW + timedelta(days=2))
    result = _verify(add_proof(future, key.signer(), created=NOW))
    assert (result.verdict, _problems(result)) == ("not-yet-valid", {"not-yet-valid"})
    # Within the clock skew allowance, a credential issued "just now" elsewhere is valid.
    soon = make_credential(issuer_id=key.did_key, now=NOW + timedelta(minutes=2))
    assert _verify(add_proof(soon, key.signer(), created=NOW)).verified


def _status_list_credential(key: KeyPair, purpose: str, bits: status_list.StatusList) -> dict:
    unsigned = status_list.status_list_credential(
        f"{LIST_URL}/{purpose}", key.did_key, bits, purpose, valid_from=NOW - timedelta(days=60)
    )
    return add_proof(unsigned, key.signer(), created=NOW - timedelta(days=60))


@pytest.mark.parametrize(("purpose", "verdict"),
                         [("revocation", "revoked"), ("suspension", "suspended")])
def test_revoked_and_suspended(key, purpose, verdict):
    entry = status_list.status_entry(f"{LIST_URL}/{purpose}", 4242, purpose)
    signed = _signed(key, credential_status=entry)
    clear = _status_list_credential(key, purpose, status_list.StatusList())
    set_ = _status_list_credential(key, purpose, status_list.StatusList().set(4242, 1))

    ok = _verify(signed, fetch_status_list={f"{LIST_URL}/{purpose}": clear}.__getitem__)
    assert ok.verified, ok.errors
    result = _verify(signed, fetch_status_list={f"{LIST_URL}/{purpose}": set_}.__getitem__)
    assert (result.verdict, _problems(result)) == (verdict, {verdict})
    # No status source: the result says status was not checked rather than claiming "valid".
    unchecked = _verify(signed)
    assert unchecked.verified
    assert [w.type for w in unchecked.warnings] == ["status-not-checked"]


def test_status_list_signed_by_someone_else_is_not_trusted(key):
    entry = status_list.status_entry(f"{LIST_URL}/revocation", 7, "revocation")
    signed = _signed(key, credential_status=entry)
    forged_list = _status_list_credential(KeyPair.generate("Ed25519"), "revocation",
                                          status_list.StatusList())
    result = _verify(signed, fetch_status_list=lambda url: forged_list)
    assert not result.verified
    assert "status" in {p.check for p in result.errors}


def test_unknown_context_and_dropped_term(key):
    signed = _signed(key)
    unknown = deepcopy(signed)
    unknown["@context"].append("https://evil.example/context.json")
    result = _verify(unknown, check_schema=False)
    assert "unknown-context" in _problems(result)
    dropped = deepcopy(signed)
    dropped["credentialSubject"]["nickname"] = "Camille"
    result = _verify(dropped, check_schema=False)
    assert "undefined-term" in _problems(result)
    assert result.verdict == "tampered"


@pytest.mark.parametrize("proof_value", ["zIl0O", "z" + "1" * 90, "notmultibase", ""])
def test_malformed_proof_value(key, proof_value):
    broken = _signed(key)
    broken["proof"]["proofValue"] = proof_value
    assert "malformed-proof-value" in _problems(_verify(broken))


def _jwt_part(value) -> str:
    return b64url_encode(json.dumps(value).encode() if not isinstance(value, bytes) else value)


def _jwt_case(key: KeyPair, case: str) -> str:
    credential = make_credential(issuer_id=key.did_key, now=NOW)
    good = sign_jwt(credential, key.signer())
    header, payload, _ = good.split(".")
    if case == "bad base64":
        # Only base64url characters (so it is read as a JWT), but one character is not a
        # possible base64url length.
        return "a." + payload + ".c2ln"
    if case == "bad JSON header":
        return _jwt_part(b"not json") + "." + payload + ".c2ln"
    if case == "bad JSON payload":
        return header + "." + _jwt_part(b"not json") + ".c2ln"
    if case == "alg none":
        return _jwt_part({"alg": "none", "typ": "JWT"}) + "." + payload + "."
    if case == "unsupported alg":
        return _jwt_part({"alg": "HS256", "typ": "JWT"}) + "." + payload + ".c2ln"
    if case == "over the JWT limit":
        return header + "." + "A" * MAX_TOKEN_BYTES + ".c2ln"
    if case == "over the input limit":
        return header + "." + "A" * MAX_INPUT_BYTES + ".c2ln"
    if case == "wrong signature":
        # Same header and payload, signed by another key: the issuer's key does not verify it.
        forged = KeyPair.generate("Ed25519").sign(f"{header}.{payload}".encode())
        return f"{header}.{payload}.{b64url_encode(forged)}"
    raise AssertionError(case)


@pytest.mark.parametrize(("case", "problem", "check", "verdict"), [
    ("bad base64", "malformed-encoding", "parse", "malformed"),
    ("bad JSON header", "malformed-input", "parse", "malformed"),
    ("bad JSON payload", "malformed-input", "parse", "malformed"),
    ("alg none", "missing-proof", "proof", "invalid"),
    ("unsupported alg", "unsupported-cryptosuite", "proof", "invalid"),
    ("over the JWT limit", "input-too-large", "parse", "malformed"),
    ("over the input limit", "input-too-large", "parse", "malformed"),
    ("wrong signature", "signature-mismatch", "proof", "tampered"),
])
def test_malformed_jwt(key, case, problem, check, verdict):
    # Each reason a token is refused keeps its own slug through verify(), even when it is
    # found before the payload is read (it used to collapse into malformed-input).
    result = _verify(_jwt_case(key, case))
    assert not result.verified
    assert [(p.type, p.check) for p in result.errors] == [(problem, check)], result.errors
    assert result.verdict == verdict
    assert result.format == "jwt" or problem == "input-too-large"


def test_oversized_and_deeply_nested_input():
    result = _verify(b"{" + b" " * MAX_INPUT_BYTES + b"}")
    assert _problems(result) == {"input-too-large"}
    deep = '{"a":' * 10_000 + "1" + "}" * 10_000
    result = _verify(deep)
    assert _problems(result) == {"input-too-large"}
    nested: dict = {}
    node = nested
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    assert _problems(_verify(nested)) == {"input-too-large"}


def test_garbage_input_never_raises():
    for data in (b"", b"\x00\x01\x02", "null", "[]", "{", b"\x89PNG\r\n\x1a\n\x00", b"<svg",
                 {"@context": 5}, {"type": None, "proof": [None, 3]}):
        result = _verify(data)
        assert not result.verified
        assert result.errors


def test_jwt_form(key):
    credential = make_credential(issuer_id=key.did_key, now=NOW)
    token = sign_jwt(credential, key.signer())
    result = _verify(token)
    assert result.verified, result.errors
    assert result.format == "jwt"
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"),
                         signature])
    assert not _verify(tampered).verified


def test_baked_png_and_svg(key):
    signed = _signed(key)
    token = sign_jwt(make_credential(issuer_id=key.did_key, now=NOW), key.signer())
    for baked, fmt in [(baking.bake_png(TINY_PNG, signed), "png"),
                       (baking.bake_svg(TINY_SVG, signed), "svg"),
                       (baking.bake_png(TINY_PNG, token), "png"),
                       (baking.bake_svg(TINY_SVG, token), "svg")]:
        result = _verify(baked)
        assert result.verified, (fmt, result.errors)
        assert result.format == fmt
    assert _problems(_verify(TINY_PNG)) == {"baking-failed"}


def test_presentation(key):
    good, bad = _signed(key), _signed(key)
    bad["name"] = "changed"
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [good],
    }
    result = _verify(presentation)
    assert result.verified, result.errors
    assert [r.verified for r in result.credentials] == [True]
    result = _verify({**presentation, "verifiableCredential": [good, bad]})
    assert not result.verified
    assert [r.verified for r in result.credentials] == [True, False]


def test_embedded_endorsement_is_checked(key):
    endorser = KeyPair.generate("Ed25519")
    endorsement = add_proof(make_endorsement(endorser_id=endorser.did_key, now=NOW),
                            endorser.signer(), created=NOW)
    credential = make_credential(issuer_id=key.did_key, now=NOW)
    credential["credentialSubject"]["achievement"]["endorsement"] = [endorsement]
    result = _verify(add_proof(credential, key.signer(), created=NOW))
    assert result.verified, result.errors
    assert "endorsements" in [c.name for c in result.checks]
    broken = deepcopy(endorsement)
    broken["credentialSubject"]["endorsementComment"] = "changed"
    credential["credentialSubject"]["achievement"]["endorsement"] = [broken]
    result = _verify(add_proof(credential, key.signer(), created=NOW))
    assert _problems(result) == {"invalid-endorsement"}


def test_result_is_json_serialisable(key):
    result = _verify(_signed(key))
    json.dumps(result.to_dict())


# --- JSON Schema ---------------------------------------------------------------------------


def test_signed_credential_failing_the_schema(key):
    # Correctly signed by its issuer, but not an Open Badge: OB 3.0 requires achievement.criteria.
    credential = make_credential(issuer_id=key.did_key, now=NOW - timedelta(days=1))
    del credential["credentialSubject"]["achievement"]["criteria"]
    signed = add_proof(credential, key.signer(), created=NOW - timedelta(days=1))
    token = sign_jwt(credential, key.signer())
    for form in (signed, token):
        result = _verify(form)
        assert not result.verified
        assert [(p.type, p.check) for p in result.errors] == [("schema-invalid", "schema")]
        assert "/credentialSubject/achievement/criteria" in result.errors[0].detail
        assert result.verdict == "invalid"
        # The signature itself is fine: only the schema check failed.
        assert {c.name for c in result.checks if c.passed is True} >= {"proof", "issuer"}
        assert _verify(form, check_schema=False).verified
