"""What a Data Integrity proof is and what it covers, shared by signing and verifying.

The proof vocabulary (type, cryptosuites, purpose), the outcome of checking one proof, the
proofs of a document, the ``eddsa-rdfc-2022`` hashing step, and the document a proof covers
in a proof set or a proof chain (VC Data Integrity §4). Changes when those rules change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import jcs_suite
from .errors import MalformedProofError
from .jsonld import DocumentLoader, canonicalize

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
JCS_CRYPTOSUITE = jcs_suite.CRYPTOSUITE
CRYPTOSUITES = (CRYPTOSUITE, JCS_CRYPTOSUITE)
ASSERTION_METHOD = "assertionMethod"

@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one proof of a document. ``problem`` is None when verified."""

    index: int
    verified: bool
    verification_method: str | None = None
    controller: str | None = None
    proof_purpose: str | None = None
    created: str | None = None
    problem: str | None = None
    detail: str = ""


def _proofs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    """The bytes an ``eddsa-rdfc-2022`` signature covers, from the two canonical N-Quads texts.

    vc-di-eddsa §3.3.4 "Hashing": SHA-256 of the canonical proof configuration, then SHA-256 of
    the canonical document (proof first). Public so the spec's test vectors can check this step
    on their published canonical forms alone.
    """
    proof_hash = hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
    doc_hash = hashlib.sha256(canonical_document.encode("utf-8")).digest()
    return proof_hash + doc_hash


def _hash_data(
    unsecured: Mapping[str, Any], proof_config: Mapping[str, Any], loader: DocumentLoader
) -> bytes:
    # The document first, as before: its errors (an undefined term) are the ones to report.
    canonical_document = canonicalize(unsecured, loader)
    return hash_data(canonicalize(proof_config, loader), canonical_document)


def covered_document(
    document: Mapping[str, Any], previous_proof: str | Sequence[str] | None
) -> dict[str, Any]:
    """The document a new or checked proof covers.

    For a proof set, that is the document without any proof. For a proof chain, the proofs that
    ``previousProof`` names are part of what is signed, so they stay (VC Data Integrity §4.2 step
    5.3 and §4.5 step 3.3): ``proof`` becomes the list of those proofs, in ``previousProof``
    order, a list even for one (as the W3C ``proofChainTempDoc2`` vector shows; it matters for
    JCS, not for RDF, where one value and a list of one are the same graph).
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous_proof:
        wanted = [previous_proof] if isinstance(previous_proof, str) else previous_proof
        # A hostile document may put anything here; only ids (strings) can name a proof.
        if not isinstance(wanted, list | tuple) or not all(isinstance(pid, str) for pid in wanted):
            raise MalformedProofError(
                f"previousProof must be a proof id or a list of them, not {previous_proof!r}"
            )
        by_id = {p.get("id"): p for p in _proofs(document) if isinstance(p, dict)}
        missing = [pid for pid in wanted if pid not in by_id]
        if missing:
            # VC Data Integrity §4.2 step 5 / §4.5 step 3.2: every proof a chained proof names
            # must be present, or the chain is broken (someone removed the earlier proof it
            # signed over).
            raise MalformedProofError(
                f"previousProof {missing[0]!r} names no proof of this document"
            )
        chained = [by_id[pid] for pid in wanted]
        unsecured["proof"] = chained
    return unsecured
