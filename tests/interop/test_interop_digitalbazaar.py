"""Interop with the Digital Bazaar stack (Node.js, npm registry, offline loader).

The JS stack's own rules (safe mode, proof sets); it accepts what we sign (eddsa-rdfc-2022,
eddsa-jcs-2022, status lists) and we accept what it signs. The scripts live in
``tests/interop/``; ``npm ci`` there installs the pinned packages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from digitalbazaar_helpers import did_key_of, js_sign, js_verify
from interop_node import NodeScriptError, multikey_pair, run_node

pytestmark = pytest.mark.interop


# Same instant as factories.DEFAULT_NOW (the example credentials' validFrom).
SIGNED_AT = datetime(2025, 10, 6, 9, 30, 0, tzinfo=UTC)
STATUS_LIST_URL = "https://badges.example.org/status/1"


def test_js_refuses_to_sign_undefined_terms():
    # jsonld.js "safe mode": a property that would be dropped by expansion is an error, and
    # the VC 2.0 context has no @vocab to catch it. (The W3C examples context does have one.)
    key = Ed25519PrivateKey.generate()
    secret, public = multikey_pair(key)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did_key_of(key),
        "credentialSubject": {"id": "did:example:subject", "notATerm": "dropped by expansion"},
    }
    with pytest.raises(NodeScriptError, match="Safe mode validation error") as raised:
        run_node("sign.mjs", {"credential": unsigned, "secretKeyMultibase": secret,
                              "publicKeyMultibase": public, "controller": did_key_of(key)})
    assert '"property":"notATerm"' in str(raised.value)


def test_js_proof_set_with_one_bad_proof():
    key = Ed25519PrivateKey.generate()
    did = did_key_of(key)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:subject"},
    }
    once = js_sign(unsigned, key, did, created="2024-01-01T00:00:00Z")
    twice = js_sign(once, key, did, created="2024-01-02T00:00:00Z")
    assert len(twice["proof"]) == 2
    twice["proof"][1]["proofValue"] = twice["proof"][0]["proofValue"]
    result = js_verify(twice)
    assert [p["verified"] for p in result["proofs"]] == [True, False]
    assert result["allProofsVerified"] is False
    # jsonld-signatures accepts a proof set when any one proof verifies (VC Data Integrity
    # wants all); if an upgrade changes this, the harness's `verified` changes meaning.
    assert result["verified"] is True


# --- our library <-> JS --------------------------------------------------------------------


@pytest.fixture(scope="module")
def ours():
    """The library parts under test; imported here so the vector tests run without them."""
    from factories import make_credential

    from credentials.data_integrity import add_proof, verify_proofs
    from credentials.did import Resolver, did_document
    from credentials.keys import KeyPair

    return {"add_proof": add_proof, "verify_proofs": verify_proofs, "Resolver": Resolver,
            "did_document": did_document, "KeyPair": KeyPair, "make_credential": make_credential}


def _our_signed(ours, key: Any = None, **make_args: Any) -> tuple[dict, Any]:
    key = key or ours["KeyPair"].generate("Ed25519")
    credential = ours["make_credential"](issuer_id=key.did_key, **make_args)
    signed = ours["add_proof"](credential, key.signer(), created=SIGNED_AT)
    return signed, key


def _now_for(credential: dict) -> str:
    # Inside the credential's validity window whatever today's date is.
    return credential.get("validFrom") or SIGNED_AT.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_our_credential_verifies_in_js(ours):
    signed, key = _our_signed(ours)
    result = js_verify(signed, now=_now_for(signed))
    assert result["errors"] == []
    assert result["verified"] is True
    assert result["proofs"][0]["verificationMethod"].startswith(key.did_key + "#")


def test_our_credential_tampered_fails_in_js(ours):
    signed, _ = _our_signed(ours)
    signed["credentialSubject"]["achievement"]["name"] += " (edited)"
    result = js_verify(signed, now=_now_for(signed))
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_our_did_web_credential_verifies_in_js_with_our_did_document(ours):
    # The service's set-up: did:web issuer, DID document we generate, a key retired by rotation
    # still listed for credentials it signed before.
    did = "did:web:badges.example.org"
    retired, active = ours["KeyPair"].generate("Ed25519"), ours["KeyPair"].generate("Ed25519")
    document = ours["did_document"](did, [("key-2024", retired, False), ("key-2025", active, True)])
    for key_id, key in (("key-2024", retired), ("key-2025", active)):
        credential = ours["make_credential"](issuer_id=did)
        signed = ours["add_proof"](credential, key.signer(f"{did}#{key_id}"), created=SIGNED_AT)
        result = js_verify(signed, {did: document}, now=_now_for(signed))
        assert result["errors"] == [], key_id
        assert result["verified"] is True


def _js_signed(ours) -> tuple[dict, str]:
    key = Ed25519PrivateKey.generate()
    did = did_key_of(key)
    unsigned = ours["make_credential"](issuer_id=did)
    return js_sign(unsigned, key, did, created="2025-10-06T09:30:00Z"), did


def test_js_signed_credential_verifies_with_ours(ours):
    signed, did = _js_signed(ours)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    checks = ours["verify_proofs"](signed, resolver=ours["Resolver"](), expected_controller=did)
    assert [(c.verified, c.problem) for c in checks] == [(True, None)]


def test_js_signed_did_web_credential_verifies_with_ours(ours):
    did = "did:web:partner.example.org"
    key = Ed25519PrivateKey.generate()
    public = ours["KeyPair"].from_public_multibase(multikey_pair(key)[1])
    document = ours["did_document"](did, [("key-1", public, True)])
    signed = js_sign(ours["make_credential"](issuer_id=did), key, did,
                     verificationMethod=f"{did}#key-1", created="2025-10-06T09:30:00Z")
    checks = ours["verify_proofs"](signed, resolver=ours["Resolver"](documents={did: document}),
                                   expected_controller=did)
    assert [(c.verified, c.problem) for c in checks] == [(True, None)]


def test_js_signed_tampered_credential_fails_with_ours(ours):
    signed, did = _js_signed(ours)
    signed["credentialSubject"]["achievement"]["name"] += " (edited)"
    checks = ours["verify_proofs"](signed, resolver=ours["Resolver"](), expected_controller=did)
    assert [(c.verified, c.problem) for c in checks] == [(False, "signature-mismatch")]


# --- status: our Bitstring Status List, checked by @digitalbazaar/vc-bitstring-status-list -----


@pytest.mark.parametrize("revoked", [False, True])
def test_our_status_list_is_honoured_in_js(ours, revoked):
    from credentials.status_list import StatusList, status_entry, status_list_credential

    key = ours["KeyPair"].generate("Ed25519")
    index = 4242
    status_list = StatusList().set(index, 1) if revoked else StatusList().set(index + 1, 1)
    list_credential = ours["add_proof"](
        status_list_credential(STATUS_LIST_URL, key.did_key, status_list, "revocation",
                               valid_from=SIGNED_AT),
        key.signer(), created=SIGNED_AT,
    )
    signed, _ = _our_signed(
        ours, key=key, credential_status=status_entry(STATUS_LIST_URL, index, "revocation")
    )

    result = js_verify(signed, {STATUS_LIST_URL: list_credential}, now=_now_for(signed))
    assert result["status"]["checked"] is True
    assert [e["set"] for e in result["status"]["entries"]] == [revoked]
    assert result["verified"] is (not revoked)
    if revoked:
        assert any("is set" in e for e in result["errors"])
    else:
        assert result["errors"] == []


def test_status_list_missing_fails_in_js(ours):
    from credentials.status_list import status_entry

    signed, _ = _our_signed(
        ours, credential_status=status_entry(STATUS_LIST_URL, 7, "revocation")
    )
    result = js_verify(signed, {}, now=_now_for(signed))
    assert result["verified"] is False
    assert any("BitstringStatusListCredential" in e for e in result["errors"])


# --- eddsa-jcs-2022 (@digitalbazaar/eddsa-jcs-2022-cryptosuite) ------------------------------


def _our_jcs_signed(ours) -> tuple[dict, Any]:
    key = ours["KeyPair"].generate("Ed25519")
    credential = ours["make_credential"](issuer_id=key.did_key)
    signed = ours["add_proof"](credential, key.signer(), created=SIGNED_AT,
                               cryptosuite="eddsa-jcs-2022")
    return signed, key


def test_our_jcs_credential_verifies_in_js(ours):
    signed, key = _our_jcs_signed(ours)
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    result = js_verify(signed, now=_now_for(signed))
    assert result["errors"] == []
    assert result["verified"] is True
    assert result["proofs"][0]["verificationMethod"].startswith(key.did_key + "#")
    signed["credentialSubject"]["achievement"]["name"] += " (edited)"
    result = js_verify(signed, now=_now_for(signed))
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_js_jcs_signed_credential_verifies_with_ours_and_equals_ours(ours):
    key = Ed25519PrivateKey.generate()
    did = did_key_of(key)
    unsigned = ours["make_credential"](issuer_id=did)
    signed = js_sign(unsigned, key, did, created="2025-10-06T09:30:00Z",
                     cryptosuite="eddsa-jcs-2022")
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["proof"]["@context"] == unsigned["@context"]
    checks = ours["verify_proofs"](signed, resolver=ours["Resolver"](), expected_controller=did)
    assert [(c.verified, c.problem) for c in checks] == [(True, None)]
    # Ed25519 is deterministic: the same key, document and options give the same proof.
    our_key = ours["KeyPair"].from_secret_multibase(multikey_pair(key)[0])
    mine = ours["add_proof"](unsigned, our_key.signer(), created=SIGNED_AT,
                             cryptosuite="eddsa-jcs-2022")
    assert mine == signed
    signed["credentialSubject"]["achievement"]["name"] += " (edited)"
    checks = ours["verify_proofs"](signed, resolver=ours["Resolver"](), expected_controller=did)
    assert [(c.verified, c.problem) for c in checks] == [(False, "signature-mismatch")]


def test_mixed_rdfc_and_jcs_proof_set_verifies_on_both_sides(ours):
    key = Ed25519PrivateKey.generate()
    did = did_key_of(key)
    rdfc = js_sign(ours["make_credential"](issuer_id=did), key, did,
                   created="2025-10-06T09:30:00Z")
    our_key = ours["KeyPair"].from_secret_multibase(multikey_pair(key)[0])
    both = ours["add_proof"](rdfc, our_key.signer(), created=SIGNED_AT,
                             cryptosuite="eddsa-jcs-2022")
    assert [p["cryptosuite"] for p in both["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    result = js_verify(both, now=_now_for(both))
    assert result["allProofsVerified"] is True, result["errors"]
    checks = ours["verify_proofs"](both, resolver=ours["Resolver"](), expected_controller=did)
    assert [c.verified for c in checks] == [True, True]
