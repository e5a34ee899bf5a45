"""eddsa-rdfc-2022 on our own credentials: round trips, proof sets and chains, the issuer's
key, refusals, and the witness rule for chained proofs."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime

import pytest
from data_integrity_helpers import CREATED
from factories import make_credential

from credentials import multibase
from credentials.data_integrity import add_proof, verify_proofs
from credentials.did import Resolver
from credentials.errors import SigningError, UndefinedTermError
from credentials.keys import KeyPair
from credentials.verify import verify

# --- our own credentials ------------------------------------------------------------------


@pytest.fixture
def key() -> KeyPair:
    return KeyPair.generate("Ed25519")


def _credential(issuer: str) -> dict:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:9d3c1e2a-7d8e-4f3a-9a53-1c2b3d4e5f60",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Lille Learning Lab"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Concevoir un enseignement",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example.org/achievements/concevoir",
                "type": ["Achievement"],
                "name": "Concevoir un enseignement",
                "description": "Atelier du Lille Learning Lab — « évaluer des acquis »",
                "criteria": {"narrative": "A participé à l'atelier."},
            },
        },
    }


def test_round_trip_proof_set_and_chain(key):
    credential = _credential(key.did_key)
    now = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    signed = add_proof(credential, key.signer(), created=now, proof_id="urn:proof:1")
    assert signed["proof"]["created"] == "2026-03-01T12:00:00Z"
    assert "proof" not in credential
    second = KeyPair.generate("Ed25519")
    # Proof set: a co-signer's proof is independent of the first one.
    both = add_proof(signed, second.signer(), created=now, controller=key.did_key)
    assert len(both["proof"]) == 2
    checks = verify_proofs(both, resolver=Resolver())
    assert [c.verified for c in checks] == [True, True]
    # Proof chain: the second proof covers the first; dropping the first breaks it.
    chained = add_proof(signed, second.signer(), created=now, controller=key.did_key,
                        previous_proof="urn:proof:1")
    assert [c.verified for c in verify_proofs(chained, resolver=Resolver())] == [True, True]
    broken = deepcopy(chained)
    broken["proof"][0]["created"] = "2026-03-01T12:00:01Z"
    checks = verify_proofs(broken, resolver=Resolver())
    assert [c.verified for c in checks] == [False, False]


def test_chain_link_that_is_missing(key):
    signed = add_proof(_credential(key.did_key), key.signer(), created=CREATED,
                       proof_id="urn:proof:1")
    # Signing over a link that is not there is refused, as a signing error.
    with pytest.raises(SigningError, match="previousProof 'urn:proof:2' names no proof"):
        add_proof(signed, key.signer(), created=CREATED, previous_proof="urn:proof:2")
    chained = add_proof(signed, key.signer(), created=CREATED, proof_id="urn:proof:2",
                        previous_proof="urn:proof:1")
    assert [c.verified for c in verify_proofs(chained, resolver=Resolver())] == [True, True]
    # Verifying a chain whose earlier link was removed names that link.
    broken = {**chained, "proof": [chained["proof"][1]]}
    [check] = verify_proofs(broken, resolver=Resolver(), expected_controller=key.did_key)
    assert (check.verified, check.problem) == (False, "malformed-proof")
    assert "previousProof 'urn:proof:1' names no proof" in check.detail
    # A previousProof that is not a proof id, or a list of them, is malformed: never a crash.
    for garbage in (7, {"id": "urn:proof:1"}, [None], True):
        odd = deepcopy(chained)
        odd["proof"][1]["previousProof"] = garbage
        checks = verify_proofs(odd, resolver=Resolver())
        assert [c.problem for c in checks] == [None, "malformed-proof"], garbage


def test_issuer_must_control_the_key(key):
    other = KeyPair.generate("Ed25519")
    with pytest.raises(SigningError, match="not by the issuer"):
        add_proof(_credential(other.did_key), key.signer(), created=CREATED)
    # A verifier catches a proof whose key the issuer does not control.
    forged = add_proof(_credential(other.did_key), key.signer(), created=CREATED,
                       controller=other.did_key)
    [check] = verify_proofs(forged, resolver=Resolver(), expected_controller=other.did_key)
    assert check.problem == "controller-mismatch"


def test_refuses_to_sign_a_dropped_term(key):
    credential = _credential(key.did_key)
    credential["credentialSubject"]["achievement"]["favouriteColour"] = "blue"
    with pytest.raises(UndefinedTermError) as info:
        add_proof(credential, key.signer(), created=CREATED)
    assert info.value.term == "favouriteColour"


def test_wrong_purpose_and_malformed_proof_value(key):
    signed = add_proof(_credential(key.did_key), key.signer(), created=CREATED,
                       proof_purpose="authentication")
    [check] = verify_proofs(signed, resolver=Resolver())
    assert check.problem == "wrong-proof-purpose"
    signed = add_proof(_credential(key.did_key), key.signer(), created=CREATED)
    for bad in ("zNot0Base58", "uAAAA", "z" + "1" * 10):
        broken = deepcopy(signed)
        broken["proof"]["proofValue"] = bad
        [check] = verify_proofs(broken, resolver=Resolver())
        assert check.problem == "malformed-proof-value", bad


# --- the witness rule: a chain may carry a proof by a key that is not the issuer's ------------


def _witnessed(key: KeyPair, witness: KeyPair, document: dict | None = None) -> dict:
    document = document if document is not None else _credential(key.did_key)
    signed = add_proof(document, key.signer(), created=CREATED, proof_id="urn:proof:issuer")
    # A chained proof may be made with a key the issuer does not control: it is a witness.
    return add_proof(signed, witness.signer(), created=CREATED, proof_id="urn:proof:witness",
                     previous_proof="urn:proof:issuer")


def test_witness_proof_chained_to_the_issuer_proof_is_accepted(key):
    witness = KeyPair.generate("Ed25519")
    witnessed = _witnessed(key, witness)
    checks = verify_proofs(witnessed, resolver=Resolver(), expected_controller=key.did_key)
    assert [c.verified for c in checks] == [True, True]
    assert (checks[0].controller, checks[1].controller) == (key.did_key, witness.did_key)
    assert "witness proof" in checks[1].detail
    # A witness of the witness (transitively chained to the issuer's proof) is accepted too.
    notary = KeyPair.generate("Ed25519")
    twice = add_proof(witnessed, notary.signer(), created=CREATED,
                      previous_proof="urn:proof:witness")
    checks = verify_proofs(twice, resolver=Resolver(), expected_controller=key.did_key)
    assert [c.verified for c in checks] == [True, True, True]


def test_witness_rule_refusals(key):
    witness = KeyPair.generate("Ed25519")
    witnessed = _witnessed(key, witness)
    # Not chained (a plain member of the proof set): the issuer must control its key.
    signed = {**witnessed, "proof": witnessed["proof"][0]}
    stranger = add_proof(signed, witness.signer(), created=CREATED, controller=key.did_key)
    checks = verify_proofs(stranger, resolver=Resolver(), expected_controller=key.did_key)
    assert [c.problem for c in checks] == [None, "controller-mismatch"]
    # The issuer's own proof fails: nothing speaks for the issuer, the witness link fails too.
    forged = deepcopy(witnessed)
    forged["proof"][0]["created"] = "2023-02-24T23:36:39Z"
    assert [c.problem for c in verify_proofs(forged, resolver=Resolver(),
                                             expected_controller=key.did_key)] == [
        "signature-mismatch", "signature-mismatch"]
    # The issuer's proof removed: the witness's previousProof dangles.
    alone = {**witnessed, "proof": [witnessed["proof"][1]]}
    [check] = verify_proofs(alone, resolver=Resolver(), expected_controller=key.did_key)
    assert check.problem == "malformed-proof"
    assert "names no proof" in check.detail
    # Only strangers, no proof by the issuer: every proof is refused, chained or not.
    other = KeyPair.generate("Ed25519")
    first = add_proof(_credential(key.did_key), other.signer(), created=CREATED,
                      controller=key.did_key, proof_id="urn:proof:other")
    only_strangers = add_proof(first, witness.signer(), created=CREATED,
                               previous_proof="urn:proof:other")
    assert [c.problem for c in verify_proofs(only_strangers, resolver=Resolver(),
                                             expected_controller=key.did_key)] == [
        "controller-mismatch", "controller-mismatch"]
    # A witness whose own signature fails is a failing link: the document is refused.
    bad = deepcopy(witnessed)
    value = bad["proof"][1]["proofValue"]
    signature = bytearray(multibase.decode_base58btc_multibase(value))
    signature[0] ^= 1
    bad["proof"][1]["proofValue"] = multibase.encode_base58btc_multibase(bytes(signature))
    assert [c.problem for c in verify_proofs(bad, resolver=Resolver(),
                                             expected_controller=key.did_key)] == [
        None, "signature-mismatch"]


def test_witness_proof_end_to_end(key):
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    badge = make_credential(issuer_id=key.did_key, now=now)
    witnessed = _witnessed(key, KeyPair.generate("Ed25519"), badge)
    result = verify(witnessed, now=now, resolver=Resolver())
    assert result.verified, result.errors
    # The same proof outside a chain is a stranger's: the issuer check fails.
    unchained = deepcopy(witnessed)
    del unchained["proof"][1]["previousProof"]
    result = verify(unchained, now=now, resolver=Resolver())
    assert not result.verified
    # (Its signature breaks too, previousProof being signed; the issuer rule is reported first.)
    assert {p.type for p in result.errors} == {"controller-mismatch"}
