"""eddsa-jcs-2022 (vc-di-eddsa 1.0 §3.3): the W3C test vector step by step, then round trips.

The vector (w3c/vc-di-eddsa TestVectors/eddsa-jcs-2022, see shared/standards/README.md) signs the
same ``unsigned.json`` with the same ``keyPair.json`` as the eddsa-rdfc-2022 one.
"""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_credential

from credentials import jcs_suite, multibase
from credentials.data_integrity import JCS_CRYPTOSUITE, add_proof, verify_proofs
from credentials.did import Resolver
from credentials.errors import SigningError, UndefinedTermError
from credentials.jsonld import bundled_loader
from credentials.keys import KeyPair
from credentials.verify import verify

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def vectors(standards_dir: Path) -> Path:
    return standards_dir / "test-vectors" / "eddsa-jcs-2022"


@pytest.fixture(scope="module")
def shared(standards_dir: Path) -> Path:
    # keyPair.json and unsigned.json are shared with the rdfc vector (README: "The jcs vector
    # uses the same keyPair.json and unsigned.json as the rdfc one").
    return standards_dir / "test-vectors" / "eddsa-rdfc-2022"


@pytest.fixture(scope="module")
def loader(standards_dir: Path):
    examples = json.loads(_read(standards_dir / "contexts/w3c/credentials-examples-v2.jsonld"))
    return bundled_loader().with_documents({EXAMPLES_V2: examples})


@pytest.fixture(scope="module")
def w3c_key(shared: Path) -> KeyPair:
    pair = json.loads(_read(shared / "keyPair.json"))
    key = KeyPair.from_secret_multibase(pair["privateKeyMultibase"])
    assert key.did_key == "did:key:" + pair["publicKeyMultibase"]
    return key


@pytest.fixture(scope="module")
def unsigned(shared: Path) -> dict:
    return json.loads(_read(shared / "unsigned.json"))


@pytest.fixture(scope="module")
def signed(vectors: Path) -> dict:
    return json.loads(_read(vectors / "signedJCS.json"))


def _sign_vector(unsigned: dict, w3c_key: KeyPair, loader) -> dict:
    # The vector's issuer is an https URL that does not control the did:key: say so explicitly.
    return add_proof(unsigned, w3c_key.signer(), created=CREATED, loader=loader,
                     controller=unsigned["issuer"], cryptosuite=JCS_CRYPTOSUITE)


# --- §3.3.3 Transformation, §3.3.5 Proof Configuration, §3.3.4 Hashing ----------------------


def test_transformation_is_the_jcs_of_the_unsecured_document(vectors, unsigned):
    canonical = jcs_suite.transform(unsigned, {"type": "DataIntegrityProof",
                                               "cryptosuite": "eddsa-jcs-2022"})
    assert canonical == (vectors / "canonDocJCS.txt").read_bytes()


def test_proof_configuration_is_the_jcs_of_the_options(vectors):
    config = json.loads(_read(vectors / "proofConfigJCS.json"))
    assert jcs_suite.proof_configuration(config) == (vectors / "proofCanonJCS.txt").read_bytes()


def test_hashes_match_the_vector(vectors):
    canonical_doc = (vectors / "canonDocJCS.txt").read_bytes()
    canonical_config = (vectors / "proofCanonJCS.txt").read_bytes()
    assert hashlib.sha256(canonical_doc).hexdigest() == _read(vectors / "docHashJCS.txt").strip()
    assert (hashlib.sha256(canonical_config).hexdigest()
            == _read(vectors / "proofHashJCS.txt").strip())
    combined = jcs_suite.hash_data(canonical_config, canonical_doc)
    assert combined.hex() == _read(vectors / "combinedHashJCS.txt").strip()
    # proofHash first, then docHash (§3.3.4 step 3).
    assert combined[:32] == hashlib.sha256(canonical_config).digest()


# --- §3.3.1 Create Proof, §3.3.6 Proof Serialization ----------------------------------------


def test_create_proof_reproduces_the_signed_vector(vectors, unsigned, signed, w3c_key, loader):
    original = deepcopy(unsigned)
    ours = _sign_vector(unsigned, w3c_key, loader)
    assert unsigned == original  # the input is not mutated
    ours["proof"]["@context"].append("changed")  # and shares nothing with the result
    assert unsigned == original
    ours["proof"]["@context"].pop()
    assert ours == signed
    # Same proof members in the same order as the vector (JSON order is not signed, but equal
    # output is the easiest review).
    assert list(ours["proof"]) == list(signed["proof"])
    # §3.3.1 step 2: the proof carries the document's @context; the options are the vector's.
    config = json.loads(_read(vectors / "proofConfigJCS.json"))
    assert {k: v for k, v in ours["proof"].items() if k != "proofValue"} == config
    # §3.3.6: Ed25519 over the 64 hash bytes; proofValue = "z" + base58btc of the signature.
    signature = multibase.decode_base58btc_multibase(ours["proof"]["proofValue"])
    assert signature.hex() == _read(vectors / "sigHexJCS.txt").strip()
    assert ours["proof"]["proofValue"] == _read(vectors / "sigBTC58JCS.txt").strip()
    combined = bytes.fromhex(_read(vectors / "combinedHashJCS.txt").strip())
    assert w3c_key.signer().sign(combined) == signature


# --- §3.3.2 Verify Proof ----------------------------------------------------------------------


def test_signed_vector_verifies_and_is_not_mutated(signed, loader):
    original = deepcopy(signed)
    [check] = verify_proofs(signed, resolver=Resolver(), loader=loader)
    assert check.verified, check
    assert check.verification_method == signed["proof"]["verificationMethod"]
    assert signed == original


def _tampered(signed: dict, change) -> dict:
    copy = deepcopy(signed)
    change(copy)
    return copy


@pytest.mark.parametrize(("change", "problem"), [
    # The document: any JSON change counts under JCS, even one RDF would not see.
    (lambda d: d.update(name="Forged Credential"), "signature-mismatch"),
    (lambda d: d["credentialSubject"].update(alumniOf="Another School"), "signature-mismatch"),
    (lambda d: d.update(validFrom="2023-01-01T00:00:00.000Z"), "signature-mismatch"),
    (lambda d: d["type"].reverse(), "signature-mismatch"),
    # The proof options are signed too (§3.3.5).
    (lambda d: d["proof"].update(created="2024-02-24T23:36:38Z"), "signature-mismatch"),
    (lambda d: d["proof"].pop("@context"), "signature-mismatch"),
    (lambda d: d["proof"].update(id="urn:uuid:added"), "signature-mismatch"),
    (lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022"), "signature-mismatch"),
    (lambda d: d["proof"].update(proofValue="z" + "1" * 60), "malformed-proof-value"),
    (lambda d: d["proof"].update(cryptosuite="eddsa-jcs-2019"), "unsupported-cryptosuite"),
    # §3.3.2 step 4.1: the document's @context must start with the proof's.
    (lambda d: d["proof"].update({"@context": [EXAMPLES_V2, VC_V2]}), "context-mismatch"),
    (lambda d: d.update({"@context": [VC_V2]}), "context-mismatch"),
    # Stricter than step 4.2: a context appended after signing is refused, not ignored.
    (lambda d: d["@context"].append("https://w3id.org/security/data-integrity/v2"),
     "context-mismatch"),
    # What JCS cannot represent (I-JSON integers) is refused, not raised.
    (lambda d: d.update(name=2**60), "canonicalization-failed"),
])
def test_tampering_is_refused(signed, loader, change, problem):
    [check] = verify_proofs(_tampered(signed, change), resolver=Resolver(), loader=loader)
    assert not check.verified
    assert check.problem == problem, check


def test_an_undefined_term_is_refused_when_signing_and_verifying():
    # As for rdfc: a JSON-LD reader would drop the term, so it is not what the issuer vouches for.
    key = KeyPair.generate("Ed25519")
    credential = make_credential(issuer_id=key.did_key, now=NOW)
    credential["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(UndefinedTermError):
        add_proof(credential, key.signer(), created=NOW, cryptosuite=JCS_CRYPTOSUITE)
    # A foreign signer that signed such a JSON: the signature holds, the term is still refused.
    proof = jcs_suite.proof_options(
        {"type": "DataIntegrityProof", "cryptosuite": JCS_CRYPTOSUITE,
         "created": "2026-06-01T12:00:00Z", "verificationMethod": key.did_key_vm,
         "proofPurpose": "assertionMethod"}, credential)
    proof["proofValue"] = multibase.encode_base58btc_multibase(
        key.signer().sign(jcs_suite.create_hash(credential, proof)))
    [check] = verify_proofs({**credential, "proof": proof}, resolver=Resolver())
    assert check.problem == "undefined-term"


def test_suite_is_chosen_per_call_and_rdfc_stays_the_default(unsigned, w3c_key, loader):
    rdfc = add_proof(unsigned, w3c_key.signer(), created=CREATED, loader=loader,
                     controller=unsigned["issuer"])
    assert rdfc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "@context" not in rdfc["proof"]
    with pytest.raises(SigningError, match="unknown cryptosuite"):
        add_proof(unsigned, w3c_key.signer(), created=CREATED, loader=loader,
                  controller=unsigned["issuer"], cryptosuite="eddsa-2022")
    # A proof set mixing both suites: each proof is verified with its own.
    both = _sign_vector(rdfc, w3c_key, loader)
    suites = [p["cryptosuite"] for p in both["proof"]]
    assert suites == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    assert [c.verified for c in verify_proofs(both, resolver=Resolver(), loader=loader)] == [
        True, True]


def test_jcs_proof_chain(unsigned, w3c_key, loader):
    witness = KeyPair.generate("Ed25519")
    first = add_proof(unsigned, w3c_key.signer(), created=CREATED, loader=loader,
                      controller=unsigned["issuer"], proof_id="urn:proof:1",
                      cryptosuite=JCS_CRYPTOSUITE)
    chained = add_proof(first, witness.signer(), created=CREATED, loader=loader,
                        previous_proof=("urn:proof:1",), cryptosuite=JCS_CRYPTOSUITE)
    assert chained["proof"][1]["previousProof"] == ["urn:proof:1"]  # a tuple is written as JSON
    assert [c.verified for c in verify_proofs(chained, resolver=Resolver(), loader=loader)] == [
        True, True]
    # The second link covers the first: changing the first proof breaks it (and the first).
    changed = deepcopy(chained)
    changed["proof"][0]["created"] = "2023-02-25T00:00:00Z"
    checks = verify_proofs(changed, resolver=Resolver(), loader=loader)
    assert [c.problem for c in checks] == ["signature-mismatch", "signature-mismatch"]
    # Removing the first proof leaves a dangling previousProof.
    dangling = {**chained, "proof": [chained["proof"][1]]}
    [check] = verify_proofs(dangling, resolver=Resolver(), loader=loader)
    assert check.problem == "malformed-proof"
    assert "names no proof" in check.detail


# --- end to end through credentials.verify.verify ---------------------------------------------


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    return KeyPair.generate("Ed25519")


def _badge(issuer_key: KeyPair) -> dict:
    credential = make_credential(issuer_id=issuer_key.did_key, now=NOW - timedelta(days=30))
    return add_proof(credential, issuer_key.signer(), created=NOW - timedelta(days=30),
                     cryptosuite=JCS_CRYPTOSUITE)


def test_an_open_badge_signed_with_jcs_verifies_end_to_end(issuer_key):
    badge = _badge(issuer_key)
    result = verify(badge, now=NOW, resolver=Resolver())
    assert result.verified, result.errors
    assert result.verdict == "valid"


def test_jcs_badge_passes_the_proof_and_issuer_checks_end_to_end(issuer_key):
    badge = _badge(issuer_key)
    assert badge["proof"]["@context"] == badge["@context"]
    for data in (badge, json.dumps(badge).encode()):  # as a dict and as an uploaded JSON file
        result = verify(data, now=NOW, resolver=Resolver())
        checks = {(c.name, c.passed) for c in result.checks if c.name in ("proof", "issuer")}
        assert checks == {("proof", True), ("issuer", True)}, result.checks
        # Nothing else fails but the form rule described above (nothing at all once fixed).
        assert {(p.type, p.detail.split(":")[0]) for p in result.errors} <= {
            ("unbound-form", "/proof/@context")}, result.errors


def test_end_to_end_tampering_and_wrong_issuer_are_refused(issuer_key):
    badge = _badge(issuer_key)
    forged = deepcopy(badge)
    forged["credentialSubject"]["achievement"]["name"] = "Another achievement"
    result = verify(forged, now=NOW, resolver=Resolver())
    assert not result.verified
    assert "signature-mismatch" in {p.type for p in result.errors}
    # A JCS proof by a key the issuer does not control.
    other = KeyPair.generate("Ed25519")
    stranger = add_proof(make_credential(issuer_id=issuer_key.did_key, now=NOW),
                         other.signer(), created=NOW, controller=issuer_key.did_key,
                         cryptosuite=JCS_CRYPTOSUITE)
    result = verify(stranger, now=NOW, resolver=Resolver())
    assert not result.verified
    assert "controller-mismatch" in {p.type for p in result.errors}
