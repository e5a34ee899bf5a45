"""verify() on proof sets and proof chains: every proof checked, each by a key the issuer
controls (with the Digital Bazaar verifier agreeing on a foreign proof)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import make_credential
from verify_helpers import NOW, _problems, _verify

from credentials.data_integrity import add_proof
from credentials.did import Resolver, did_document
from credentials.errors import SigningError
from credentials.keys import KeyPair

# --- proof sets and proof chains through verify() -------------------------------------------

WEB_DID = "did:web:badges.example.org:issuers:lille"


@pytest.fixture(scope="module")
def web_issuer() -> tuple[KeyPair, KeyPair, Resolver]:
    """A did:web issuer with two assertion keys (e.g. one per signing service)."""
    first, second = KeyPair.generate("Ed25519"), KeyPair.generate("Ed25519")
    document = did_document(WEB_DID, [("key-1", first, True), ("key-2", second, True)])
    return first, second, Resolver(documents={WEB_DID: document})


def _two_proofs(web_issuer, *, chained: bool) -> dict:
    first, second, _ = web_issuer
    credential = make_credential(issuer_id=WEB_DID, now=NOW - timedelta(days=2))
    once = add_proof(credential, first.signer(f"{WEB_DID}#key-1"), created=NOW - timedelta(days=2),
                     proof_id="urn:uuid:7a8c4f3e-proof-1")
    return add_proof(once, second.signer(f"{WEB_DID}#key-2"), created=NOW - timedelta(days=1),
                     proof_id="urn:uuid:7a8c4f3e-proof-2",
                     previous_proof="urn:uuid:7a8c4f3e-proof-1" if chained else None)


@pytest.mark.parametrize("chained", [False, True], ids=["proof set", "proof chain"])
def test_two_proofs_by_the_issuers_keys_verify(web_issuer, chained):
    signed = _two_proofs(web_issuer, chained=chained)
    assert len(signed["proof"]) == 2
    assert ("previousProof" in signed["proof"][1]) is chained
    result = _verify(signed, resolver=web_issuer[2])
    assert result.verified, result.errors
    proofs = [c for c in result.checks if c.name == "proof"]
    assert [c.passed for c in proofs] == [True, True]
    assert "#key-1" in proofs[0].detail
    assert "#key-2" in proofs[1].detail


@pytest.mark.parametrize("chained", [False, True], ids=["proof set", "proof chain"])
def test_tampered_document_with_two_proofs_fails_every_proof(web_issuer, chained):
    tampered = _two_proofs(web_issuer, chained=chained)
    tampered["credentialSubject"]["achievement"]["name"] = "Expert"
    result = _verify(tampered, resolver=web_issuer[2])
    assert not result.verified
    assert result.verdict == "tampered"
    assert [(p.type, p.check) for p in result.errors] == [("signature-mismatch", "proof")] * 2


def test_chain_whose_previous_proof_was_removed(web_issuer):
    chained = _two_proofs(web_issuer, chained=True)
    # Drop the first proof: the second one signed over it, so the chain is broken.
    chained["proof"] = [chained["proof"][1]]
    result = _verify(chained, resolver=web_issuer[2])
    assert not result.verified
    assert [(p.type, p.check) for p in result.errors] == [("malformed-proof", "proof")]
    assert "previousProof 'urn:uuid:7a8c4f3e-proof-1' names no proof" in result.errors[0].detail
    # An earlier link that is there but changed breaks the chained proof too.
    altered = _two_proofs(web_issuer, chained=True)
    altered["proof"][0]["created"] = "2020-01-01T00:00:00Z"
    result = _verify(altered, resolver=web_issuer[2])
    assert [p.type for p in result.errors] == ["signature-mismatch", "signature-mismatch"]


def test_garbage_previous_proof_never_raises(web_issuer):
    signed = _two_proofs(web_issuer, chained=True)
    for garbage in ({"id": "x"}, [1, 2], 7, [["urn:uuid:7a8c4f3e-proof-1"]]):
        signed["proof"][1]["previousProof"] = garbage
        result = _verify(signed, resolver=web_issuer[2])
        assert "malformed-proof" in _problems(result), garbage


def test_every_proof_of_a_set_must_be_by_a_key_the_issuer_controls(web_issuer):
    """A proof set is verified only when every assertionMethod proof is the issuer's.

    Per proof, this is the rule of the Digital Bazaar ``vc`` library (CredentialIssuancePurpose:
    the verification method's controller must be the credential's issuer). Over the set, we
    follow VC Data Integrity and require every proof to verify, where jsonld-signatures accepts
    a set when any one proof does (tests/interop/test_interop_digitalbazaar.py pins that
    difference).
    A third party vouching for a badge does so with an endorsement, not a proof on the issuer's
    credential; a proof we cannot attribute to the issuer is reported, never ignored.
    """
    first, _, resolver = web_issuer
    stranger = KeyPair.generate("Ed25519")
    credential = make_credential(issuer_id=WEB_DID, now=NOW - timedelta(days=2))
    once = add_proof(credential, first.signer(f"{WEB_DID}#key-1"), created=NOW - timedelta(days=2))
    # add_proof refuses to make this proof; a forger passes controller= to get one anyway.
    with pytest.raises(SigningError, match="not by the issuer"):
        add_proof(once, stranger.signer(), created=NOW)
    cosigned = add_proof(once, stranger.signer(), created=NOW, controller=WEB_DID)
    result = _verify(cosigned, resolver=resolver)
    assert not result.verified
    assert result.verdict == "unknown-issuer"
    assert [c.passed for c in result.checks if c.name == "proof"] == [True]
    assert [(p.type, p.check) for p in result.errors] == [("controller-mismatch", "issuer")]
    assert stranger.did_key in result.errors[0].detail


@pytest.mark.interop
def test_digital_bazaar_refuses_the_same_foreign_proof():
    # Backs the docstring above with the independent verifier: per proof, @digitalbazaar/vc
    # refuses a proof whose key the issuer does not control, as we do.
    from interop_node import run_node

    issuer, stranger = KeyPair.generate("Ed25519"), KeyPair.generate("Ed25519")
    credential = make_credential(issuer_id=issuer.did_key, now=NOW - timedelta(days=2))
    once = add_proof(credential, issuer.signer(), created=NOW - timedelta(days=2))
    cosigned = add_proof(once, stranger.signer(), created=NOW, controller=issuer.did_key)
    js = run_node("verify.mjs", {"credential": cosigned, "now": "2026-06-01T12:00:00Z"})
    assert [p["verified"] for p in js["proofs"]] == [True, False]
    assert any("controller" in e for e in js["proofs"][1]["errors"]), js["proofs"][1]
    ours = _verify(cosigned)
    assert [p.type for p in ours.errors] == ["controller-mismatch"]
    assert js["allProofsVerified"] is ours.verified is False
