"""eddsa-rdfc-2022: the W3C and 1EdTech test vectors reproduced byte for byte, and the W3C
proof set and proof chain vectors (VC Data Integrity §4.2, §4.5)."""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from data_integrity_helpers import CREATED

from credentials import multibase
from credentials.data_integrity import add_proof, covered_document, hash_data, verify_proofs
from credentials.did import Resolver
from credentials.errors import DocumentNotFound
from credentials.jsonld import bundled_loader, canonicalize, canonicalize_with_pyld
from credentials.keys import KeyPair

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def w3c(standards_dir: Path) -> Path:
    return standards_dir / "test-vectors" / "eddsa-rdfc-2022"


@pytest.fixture(scope="module")
def w3c_loader(standards_dir: Path):
    # The examples context is needed only by the W3C vector; the product does not bundle it.
    examples = json.loads(_read(standards_dir / "contexts/w3c/credentials-examples-v2.jsonld"))
    return bundled_loader().with_documents({EXAMPLES_V2: examples})


@pytest.fixture(scope="module")
def w3c_key(w3c: Path) -> KeyPair:
    pair = json.loads(_read(w3c / "keyPair.json"))
    return KeyPair.from_secret_multibase(pair["privateKeyMultibase"])


@pytest.fixture(scope="module")
def ob_vector(standards_dir: Path) -> dict:
    return json.loads(
        _read(standards_dir / "test-vectors/ob-v3p0-eddsa-rdfc-2022/transcribed-values.json")
    )


def _sha_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_w3c_vector_canonical_forms_hashes_and_signature(w3c, w3c_loader, w3c_key):
    unsigned = json.loads(_read(w3c / "unsigned.json"))
    proof_config = json.loads(_read(w3c / "proofConfigDataInt.json"))

    canon_doc = canonicalize(unsigned, w3c_loader)
    canon_proof = canonicalize(proof_config, w3c_loader)
    assert canon_doc == _read(w3c / "canonDocDataInt.txt")
    assert canon_proof == _read(w3c / "proofCanonDataInt.txt")
    assert _sha_hex(canon_doc) == _read(w3c / "docHashDataInt.txt").strip()
    assert _sha_hex(canon_proof) == _read(w3c / "proofHashDataInt.txt").strip()

    signed = add_proof(unsigned, w3c_key.signer(proof_config["verificationMethod"]),
                       created=CREATED, loader=w3c_loader, controller=unsigned["issuer"])
    expected = json.loads(_read(w3c / "signedDataInt.json"))
    assert signed == expected
    signature = multibase.decode_base58btc_multibase(signed["proof"]["proofValue"])
    assert signature.hex() == _read(w3c / "sigHexDataInt.txt").strip()
    assert signed["proof"]["proofValue"] == _read(w3c / "sigBTC58DataInt.txt").strip()


CITIZENSHIP_V4RC1 = "https://w3id.org/citizenship/v4rc1"


def test_w3c_employ_vector_hashes_signature_and_proof_value(w3c, w3c_key):
    """vc-di-eddsa's second vector, ``employ/`` (document ``../employmentAuth.json``, key
    ``../keyPair.json``): every step from the published canonical forms to the proofValue.

    The document's canonical form cannot be recomputed here: it needs the context
    https://w3id.org/citizenship/v4rc1, which ``../shared/standards`` does not include (its
    README says so) and no registry package we use ships. The loader refuses the document
    rather than canonicalizing it without that context.
    """
    employ = w3c / "employ"
    unsigned = json.loads(_read(w3c / "employmentAuth.json"))
    proof_config = json.loads(_read(employ / "proofConfigDataInt.json"))
    canon_doc = _read(employ / "canonDocDataInt.txt")
    canon_proof = _read(employ / "proofCanonDataInt.txt")
    assert unsigned["@context"] == proof_config["@context"] == [
        "https://www.w3.org/ns/credentials/v2", CITIZENSHIP_V4RC1
    ]
    with pytest.raises(DocumentNotFound) as missing:
        canonicalize(unsigned, bundled_loader())
    assert missing.value.url == CITIZENSHIP_V4RC1

    # Proof canon: the proof options use only credentials-v2 terms, which that context
    # protects (a later context cannot redefine them), so v2 alone fixes their meaning.
    options = {k: v for k, v in proof_config.items() if k != "@context"}
    v2_only = {**options, "@context": proof_config["@context"][:1]}
    assert canonicalize(v2_only) == canon_proof

    # Hashes, the combined hash, the signature and the proofValue, byte for byte.
    assert _sha_hex(canon_doc) == _read(employ / "docHashDataInt.txt").strip()
    assert _sha_hex(canon_proof) == _read(employ / "proofHashDataInt.txt").strip()
    combined = hash_data(canon_proof, canon_doc)
    assert combined.hex() == _read(employ / "combinedHashDataInt.txt").strip()
    signer = w3c_key.signer(proof_config["verificationMethod"])
    signature = signer.sign(combined)
    assert signature.hex() == _read(employ / "sigHexDataInt.txt").strip()
    proof_value = multibase.encode_base58btc_multibase(signature)
    assert proof_value == _read(employ / "sigBTC58DataInt.txt").strip()
    assert w3c_key.verify(signature, combined)

    # The signed document is the unsigned one plus exactly that proof.
    signed = json.loads(_read(employ / "signedDataInt.json"))
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned
    assert signed["proof"] == {**options, "proofValue": proof_value}


def test_w3c_vector_verifies_and_input_is_not_mutated(w3c, w3c_loader):
    signed = json.loads(_read(w3c / "signedDataInt.json"))
    before = deepcopy(signed)
    [check] = verify_proofs(signed, resolver=Resolver(), loader=w3c_loader)
    assert check.verified, check.detail
    assert signed == before


def test_pyoxigraph_and_pyld_agree_on_every_vector(w3c, w3c_loader, ob_vector):
    for document in (json.loads(_read(w3c / "unsigned.json")), ob_vector["unsignedCredential"]):
        assert canonicalize(document, w3c_loader) == canonicalize_with_pyld(document, w3c_loader)


def test_1edtech_ob_vector(standards_dir, ob_vector):
    folder = standards_dir / "test-vectors/ob-v3p0-eddsa-rdfc-2022"
    unsigned = ob_vector["unsignedCredential"]
    options = ob_vector["proofOptions"]
    assert canonicalize(unsigned) == _read(folder / "document-canon.txt")
    assert canonicalize({**options, "@context": unsigned["@context"]}) == _read(
        folder / "proof-canon.txt"
    )
    key = KeyPair.from_secret_multibase(ob_vector["secretKeyMultibase"])
    assert key.public_multibase == ob_vector["publicKeyMultibase"]
    signed = add_proof(unsigned, key.signer(options["verificationMethod"]),
                       created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC))
    assert signed["proof"]["proofValue"] == ob_vector["proofValue"]
    signature = multibase.decode_base58btc_multibase(signed["proof"]["proofValue"])
    assert signature.hex() == ob_vector["signatureHex"]


def _proof(credential: dict) -> dict:
    proof = credential["proof"]
    return proof[0] if isinstance(proof, list) else proof


def _did_web_resolver_for(credential: dict) -> Resolver:
    vm_id = _proof(credential)["verificationMethod"]
    did = vm_id.split("#", 1)[0]
    key = vm_id.split("#", 1)[1]
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": key}
        ],
        "assertionMethod": [vm_id],
    }
    return Resolver(documents={did: document})


@pytest.mark.parametrize("name", ["simple-did-key-method.json", "simple-did-web-method.json"])
def test_1edtech_validator_signed_credentials_verify(standards_dir, name):
    credential = json.loads(_read(standards_dir / "test-vectors/1edtech-validator-signed" / name))
    resolver = Resolver()
    if not _proof(credential)["verificationMethod"].startswith("did:key:"):
        resolver = _did_web_resolver_for(credential)
    [check] = verify_proofs(credential, resolver=resolver)
    assert check.verified, check.detail
    tampered = deepcopy(credential)
    tampered["name"] = tampered.get("name", "") + "!"
    [check] = verify_proofs(tampered, resolver=resolver)
    assert not check.verified
    assert check.problem == "signature-mismatch"


def test_validator_fixture_issuer_binding(standards_dir):
    # The 1EdTech fixtures' signatures are good, but only the URL-keyed one is signed by a key
    # its issuer controls; the did:key one names a urn:uuid issuer. We report that binding.
    folder = standards_dir / "test-vectors/1edtech-validator-signed"
    bound = json.loads(_read(folder / "simple-did-web-method.json"))
    [check] = verify_proofs(bound, resolver=_did_web_resolver_for(bound),
                            expected_controller=bound["issuer"]["id"])
    assert check.verified, check.detail
    unbound = json.loads(_read(folder / "simple-did-key-method.json"))
    [check] = verify_proofs(unbound, resolver=Resolver(),
                            expected_controller=unbound["issuer"]["id"])
    assert check.problem == "controller-mismatch"


# --- proof sets and chains: the W3C vectors (vc-di-eddsa TestVectors/proof-set-chain) ---------
# VC Data Integrity 1.0 §4.2 (add proof set/chain) and §4.5 (verify proof sets and chains).


@pytest.fixture(scope="module")
def psc(standards_dir: Path) -> Path:
    return standards_dir / "test-vectors" / "proof-set-chain"


def _json(path: Path) -> dict:
    return json.loads(_read(path))


@pytest.fixture(scope="module")
def psc_keys(psc: Path) -> dict[str, KeyPair]:
    pairs = _json(psc / "multiKeyPairs.json")
    return {name: KeyPair.from_secret_multibase(pair["privateKeyMultibase"])
            for name, pair in pairs.items()}


def _add_as_vector(document: dict, key: KeyPair, config: dict, loader) -> dict:
    assert key.did_key_vm == config["verificationMethod"]
    created = datetime.fromisoformat(config["created"].replace("Z", "+00:00"))
    # The vector's issuer (an https URL) controls none of the did:keys: say so explicitly.
    return add_proof(document, key.signer(), created=created, loader=loader,
                     controller=document["issuer"], proof_id=config.get("id"),
                     previous_proof=config.get("previousProof"))


def test_w3c_proof_set_vectors(psc, psc_keys, w3c_loader):
    unsigned = _json(psc / "unsigned.json")
    first = _add_as_vector(unsigned, psc_keys["keyPair1"], _json(psc / "proofSetConfig1.json"),
                           w3c_loader)
    assert first["proof"] == _json(psc / "proofSetConfigSigned1.json")
    assert first == _json(psc / "signedProofSet1.json")
    # §4.2 without previousProof: the second proof does not cover the first; both are kept.
    both = _add_as_vector(first, psc_keys["keyPair2"], _json(psc / "proofSetConfig2.json"),
                          w3c_loader)
    assert both["proof"][1] == _json(psc / "proofSetConfigSigned2.json")
    assert both == _json(psc / "signedProofSet2.json")
    assert "proof" not in unsigned
    assert not isinstance(first["proof"], list)
    checks = verify_proofs(_json(psc / "signedProofSet2.json"), resolver=Resolver(),
                           loader=w3c_loader)
    assert [c.verified for c in checks] == [True, True]
    # A proof set member does not depend on the others: dropping one leaves the other valid.
    dropped = {**both, "proof": [both["proof"][1]]}
    assert [c.verified for c in verify_proofs(dropped, resolver=Resolver(),
                                              loader=w3c_loader)] == [True]


def test_w3c_proof_chain_vectors(psc, psc_keys, w3c_loader):
    proof_set = _json(psc / "signedProofSet2.json")
    config1 = _json(psc / "proofChainConfig1.json")
    config2 = _json(psc / "proofChainConfig2.json")
    # §4.2 step 5 / §4.5 step 3.3: what a chained proof covers is the document with only the
    # proofs its previousProof names (the vector's intermediate documents).
    assert covered_document(proof_set, config1["previousProof"]) == _json(
        psc / "proofChainTempDoc1.json")
    chain1 = _add_as_vector(proof_set, psc_keys["keyPair3"], config1, w3c_loader)
    assert chain1["proof"][2] == _json(psc / "proofChainConfigSigned1.json")
    assert chain1 == _json(psc / "signedProofChain1.json")
    assert covered_document(chain1, config2["previousProof"]) == _json(
        psc / "proofChainTempDoc2.json")
    chain2 = _add_as_vector(chain1, psc_keys["keyPair4"], config2, w3c_loader)
    assert chain2["proof"][3] == _json(psc / "proofChainConfigSigned2.json")
    assert chain2 == _json(psc / "signedProofChain2.json")
    for name in ("signedProofChain1.json", "signedProofChain2.json"):
        checks = verify_proofs(_json(psc / name), resolver=Resolver(), loader=w3c_loader)
        assert all(c.verified for c in checks), (name, checks)


def _chain_problems(document: dict, loader, **kwargs) -> list[str | None]:
    return [c.problem for c in verify_proofs(document, resolver=Resolver(), loader=loader,
                                             **kwargs)]


def test_w3c_proof_chain_refuses_failing_and_dangling_links(psc, w3c_loader):
    chain = _json(psc / "signedProofChain2.json")
    # A changed earlier proof fails itself and every link that signed over it.
    changed = deepcopy(chain)
    changed["proof"][1]["created"] = "2023-02-24T23:36:39Z"
    assert _chain_problems(changed, w3c_loader) == [
        None, "signature-mismatch", "signature-mismatch", None]
    # §4.5 step 3.2: a previousProof naming no proof of the set fails (a link was removed).
    no_middle = {**chain, "proof": [p for i, p in enumerate(chain["proof"]) if i != 2]}
    problems = _chain_problems(no_middle, w3c_loader)
    assert problems == [None, None, "malformed-proof"]
    no_first = {**chain, "proof": chain["proof"][1:]}
    assert _chain_problems(no_first, w3c_loader) == [None, "malformed-proof", None]
    # Reordering the set changes nothing: links are found by id, not by position.
    reordered = {**chain, "proof": list(reversed(chain["proof"]))}
    assert _chain_problems(reordered, w3c_loader) == [None] * 4
    # previousProof is signed: pointing a link elsewhere breaks it.
    repointed = deepcopy(chain)
    repointed["proof"][3]["previousProof"] = chain["proof"][0]["id"]
    assert _chain_problems(repointed, w3c_loader)[3] == "signature-mismatch"


def test_w3c_chain_and_the_issuer_rule(psc, psc_keys, w3c_loader):
    chain = _json(psc / "signedProofChain2.json")
    # The vector's issuer controls none of the keys: no proof speaks for it, all are refused.
    assert _chain_problems(chain, w3c_loader, expected_controller=chain["issuer"]) == [
        "controller-mismatch"] * 4
    # Were keyPair1 the issuer's: proof 2 is a stranger's member of the set (refused), proofs
    # 3 and 4 are witnesses chained to proof 1 (accepted).
    issuer = psc_keys["keyPair1"].did_key
    checks = verify_proofs(chain, resolver=Resolver(), loader=w3c_loader,
                           expected_controller=issuer)
    assert [c.problem for c in checks] == [None, "controller-mismatch", None, None]
    assert "witness proof" in checks[2].detail
    assert "witness proof" in checks[3].detail
