"""Verifying Data Integrity proofs: each proof on its own, then the issuer rule over the set.

See :func:`verify_proofs`; the cryptosuites are described in :mod:`credentials.data_integrity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import jcs_suite, multibase
from .errors import CredentialsError, ProofError
from .jsonld import DocumentLoader, bundled_loader, to_nquads
from .proofs import (
    ASSERTION_METHOD,
    CRYPTOSUITES,
    JCS_CRYPTOSUITE,
    PROOF_TYPE,
    ProofCheck,
    _hash_data,
    _proofs,
    covered_document,
)

if TYPE_CHECKING:
    from .did import Resolver


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: Resolver,
    loader: DocumentLoader | None = None,
    expected_purpose: str = ASSERTION_METHOD,
    expected_controller: str | None = None,
) -> list[ProofCheck]:
    """Check every proof of ``document``; one :class:`ProofCheck` each. Never raises.

    Each proof is checked on its own (VC Data Integrity §4.5): its suite, purpose and signature,
    the signature covering the proofs its ``previousProof`` names (a name with no proof fails).

    ``expected_controller`` (normally the credential's issuer id) must control the verification
    method of every proof, except a *witness*: a proof by another controller that is a link of a
    proof chain reaching a verified proof of ``expected_controller`` (its ``previousProof``
    names that proof, or a witness proof that does). Without a verified proof of
    ``expected_controller`` every proof by another controller fails as ``controller-mismatch``.
    A document without a proof gives one failed check.
    """
    loader = loader or bundled_loader()
    proofs = _proofs(document)
    if not proofs:
        return [ProofCheck(0, False, problem="missing-proof", detail="the document has no proof")]
    checks = [
        _verify_one(document, i, proof, resolver, loader, expected_purpose)
        for i, proof in enumerate(proofs)
    ]
    if expected_controller is None:
        return checks
    return _bind_controller(proofs, checks, expected_controller)


def _bind_controller(
    proofs: list[Any], checks: list[ProofCheck], expected: str
) -> list[ProofCheck]:
    """Apply the issuer rule of :func:`verify_proofs` to checks made without it."""
    pairs = list(zip(proofs, checks, strict=True))
    # Ids of verified proofs that speak for the expected controller: its own, then witnesses.
    trusted = {
        pid for proof, check in pairs
        if check.verified and check.controller == expected and (pid := _proof_id(proof))
    }
    chained: set[int] = set()  # proofs by another controller that sign over a trusted proof
    changed = True
    while changed:
        changed = False
        for proof, check in pairs:
            if check.index in chained or check.controller == expected:
                continue
            if trusted.intersection(_previous_ids(proof)):
                chained.add(check.index)
                pid = _proof_id(proof)
                if check.verified and pid:
                    trusted.add(pid)
                changed = True
    bound = []
    for proof, check in pairs:
        if check.controller is None or check.controller == expected:
            bound.append(check)
        elif check.index in chained and check.verified:
            bound.append(replace(
                check,
                detail=f"{check.detail} (witness proof: its key is controlled by "
                f"{check.controller}, not by the issuer, and it signs over the issuer's proof)",
            ))
        elif check.problem == "purpose-not-authorized" or (
            not check.verified and _previous_ids(proof)
        ):
            # A failing chain link (bad signature, dangling previousProof …) reports its own
            # failure: that is what is wrong with it, whoever signed it.
            bound.append(check)
        else:
            bound.append(replace(
                check,
                verified=False,
                problem="controller-mismatch",
                detail=f"{check.verification_method} is controlled by {check.controller}, not by "
                f"the issuer {expected}",
            ))
    return bound


def _proof_id(proof: Any) -> str | None:
    pid = proof.get("id") if isinstance(proof, dict) else None
    return pid if isinstance(pid, str) else None


def _previous_ids(proof: Any) -> list[str]:
    previous = proof.get("previousProof") if isinstance(proof, dict) else None
    ids = [previous] if isinstance(previous, str) else previous
    return [pid for pid in ids if isinstance(pid, str)] if isinstance(ids, list) else []


def _verify_one(
    document: Mapping[str, Any],
    index: int,
    proof: Any,
    resolver: Resolver,
    loader: DocumentLoader,
    expected_purpose: str,
) -> ProofCheck:
    def fail(problem: str, detail: str, **known: Any) -> ProofCheck:
        return ProofCheck(index, False, problem=problem, detail=detail, **known)

    if not isinstance(proof, dict):
        return fail("malformed-proof", f"proof {index} is not an object")
    vm_id = proof.get("verificationMethod")
    purpose = proof.get("proofPurpose")
    known = {
        "verification_method": vm_id if isinstance(vm_id, str) else None,
        "proof_purpose": purpose if isinstance(purpose, str) else None,
        "created": proof.get("created") if isinstance(proof.get("created"), str) else None,
    }
    if proof.get("type") != PROOF_TYPE:
        return fail("unsupported-proof-type", f"proof type {proof.get('type')!r}", **known)
    suite = proof.get("cryptosuite")
    if suite not in CRYPTOSUITES:
        return fail("unsupported-cryptosuite", f"cryptosuite {proof.get('cryptosuite')!r}", **known)
    if not isinstance(vm_id, str) or not vm_id:
        return fail("malformed-proof", "proof has no verificationMethod", **known)
    if purpose != expected_purpose:
        return fail(
            "wrong-proof-purpose",
            f"proofPurpose is {purpose!r}, {expected_purpose!r} is required",
            **known,
        )
    if known["created"] is not None and not jcs_suite.is_datetime(known["created"]):
        return fail("malformed-proof", f"created {known['created']!r} is not a dateTime", **known)
    proof_value = proof.get("proofValue")
    try:
        if not isinstance(proof_value, str):
            raise ProofError("proof has no proofValue")
        signature = multibase.decode_base58btc_multibase(proof_value)
        if len(signature) != 64:
            raise ProofError(f"proofValue decodes to {len(signature)} bytes, 64 expected")
    except CredentialsError as exc:
        return fail("malformed-proof-value", exc.detail, **known)

    proof_context = proof.get("@context")
    if proof_context is not None and not jcs_suite.starts_with(
        document.get("@context"), proof_context
    ):
        return fail(
            "context-mismatch",
            "the proof's @context is not a prefix of the document's @context",
            **known,
        )
    try:
        vm = resolver.resolve_verification_method(vm_id)
    except CredentialsError as exc:
        return fail(exc.problem, exc.detail, **known)
    known["controller"] = vm.controller
    if expected_purpose not in vm.relationships:
        return fail(
            "purpose-not-authorized",
            f"{vm_id} is not listed under {expected_purpose} by its controller {vm.controller}",
            **known,
        )
    if vm.key.algorithm != "Ed25519":
        return fail(
            "wrong-key-type", f"{vm_id} is a {vm.key.algorithm} key, Ed25519 needed", **known
        )

    try:
        unsecured = covered_document(document, proof.get("previousProof"))
        if suite == JCS_CRYPTOSUITE:
            hash_data = jcs_suite.verify_hash(unsecured, proof)
            if "@context" in unsecured:
                # As for rdfc: no term a JSON-LD reader would drop (see add_proof).
                to_nquads(unsecured, loader)
        else:
            options = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
            proof_config = {**options, "@context": document.get("@context")}
            hash_data = _hash_data(unsecured, proof_config, loader)
    except CredentialsError as exc:
        return fail(exc.problem, exc.detail, **known)
    if not vm.key.verify(signature, hash_data):
        return fail(
            "signature-mismatch",
            "the signature does not match the document: it was changed after signing, "
            "or signed with another key",
            **known,
        )
    return ProofCheck(index, True, detail="signature verified", **known)
