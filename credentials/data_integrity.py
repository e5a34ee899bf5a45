"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022`` cryptosuites.

vc-di-eddsa 1.0. ``eddsa-rdfc-2022`` (§3.2) is implemented here: RDFC-1.0 canonicalization of
the document (without its ``proof``) and of the proof configuration (the proof options with the
document's ``@context``), SHA-256 of each, Ed25519 over ``proofHash || docHash``, ``proofValue``
= ``z`` + base58btc. ``eddsa-jcs-2022`` (§3.3) hashes JCS (RFC 8785) forms instead; its steps
are in :mod:`credentials.jcs_suite`. :func:`add_proof` takes the suite per call (rdfc by
default); :func:`verify_proofs` chooses by each proof's ``cryptosuite``.
Proof sets and proof chains (``previousProof``) follow VC Data Integrity §4.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from . import jcs_suite, multibase
from .errors import CredentialsError, MalformedProofError, ProofError, SigningError
from .jsonld import DocumentLoader, bundled_loader, canonicalize, to_nquads

if TYPE_CHECKING:
    from .did import Resolver

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
JCS_CRYPTOSUITE = jcs_suite.CRYPTOSUITE
CRYPTOSUITES = (CRYPTOSUITE, JCS_CRYPTOSUITE)
ASSERTION_METHOD = "assertionMethod"


class Signer(Protocol):
    """What signing needs from a key: the verification method it signs as, and a signature."""

    verification_method: str
    algorithm: str

    def sign(self, data: bytes) -> bytes: ...


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


def format_datetime(moment: datetime) -> str:
    """XML Schema dateTime in whole seconds UTC, as proofs and OB 3.0 credentials carry it."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proofs(document: Mapping[str, Any]) -> list[dict]:
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
) -> dict:
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


def add_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    created: datetime,
    loader: DocumentLoader | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    controller: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    cryptosuite: str = CRYPTOSUITE,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
) -> dict:
    """Return a copy of ``document`` with a Data Integrity proof added.

    ``cryptosuite`` is ``"eddsa-rdfc-2022"`` (the default) or ``"eddsa-jcs-2022"``. With
    ``previous_proof`` (a proof id or a list of them, which must be proofs of ``document``) the
    new proof is a link of a proof chain and covers those proofs too.

    ``challenge`` and ``domain`` (proof options, so signed) bind a holder's presentation to one
    verifier's request (VC Data Integrity §2.1).

    ``controller`` is the verification method's controller; by default, the DID (or URL) before
    the ``#`` of ``signer.verification_method``. It must be the document's issuer: a verifier
    would reject a proof made by a key the issuer does not control, so we refuse to make one.
    The exception is a chained proof (``previous_proof``): a witness may sign over the issuer's
    proof with its own key (see :func:`verify_proofs`).
    Raises :class:`SigningError` or :class:`~credentials.errors.UndefinedTermError`.
    """
    if cryptosuite not in CRYPTOSUITES:
        raise SigningError(f"unknown cryptosuite {cryptosuite!r}; one of {', '.join(CRYPTOSUITES)}")
    if signer.algorithm != "Ed25519":
        raise SigningError(f"{cryptosuite} needs an Ed25519 key, not {signer.algorithm}")
    if "@context" not in document:
        raise SigningError("document has no @context")
    controller = controller or signer.verification_method.split("#", 1)[0]
    issuer = _issuer_id(document)
    if issuer is not None and issuer != controller and not previous_proof:
        raise SigningError(
            f"verification method {signer.verification_method!r} is controlled by "
            f"{controller!r}, not by the issuer {issuer!r}"
        )
    loader = loader or bundled_loader()
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": format_datetime(created),
        "verificationMethod": signer.verification_method,
        "proofPurpose": proof_purpose,
    }
    if proof_id:
        options = {"id": proof_id, **options}
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain if isinstance(domain, str) else list(domain)
    if previous_proof:
        options["previousProof"] = (
            previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        )
    try:
        unsecured = covered_document(document, previous_proof)
    except ProofError as exc:
        # Signing over a chain link that is not there is a caller error, reported as one.
        raise SigningError(exc.detail) from None
    if cryptosuite == JCS_CRYPTOSUITE:
        # JCS signs the JSON, but this library's readers read it as JSON-LD: refuse, as for rdfc,
        # a term the contexts do not define (a JSON-LD reader would drop it).
        to_nquads(unsecured, loader)
        proof = jcs_suite.proof_options(options, unsecured)
        try:
            signature = signer.sign(jcs_suite.create_hash(unsecured, proof))
        except CredentialsError as exc:
            if isinstance(exc, SigningError):
                raise
            raise SigningError(exc.detail) from None
    else:
        proof_config = {**options, "@context": document["@context"]}
        signature = signer.sign(_hash_data(unsecured, proof_config, loader))
        proof = dict(options)
    proof["proofValue"] = multibase.encode_base58btc_multibase(signature)
    # A JSON round trip is a deep copy (credentials are JSON) several times faster than
    # copy.deepcopy; the caller's document stays untouched, and shares nothing with the result
    # (the proof's @context and previousProof would otherwise be the caller's lists).
    proof = json.loads(json.dumps(proof))
    secured = json.loads(json.dumps(document))
    existing = _proofs(document)
    secured["proof"] = [*_proofs(secured), proof] if existing else proof
    return secured


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


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


def _bind_controller(proofs: list, checks: list[ProofCheck], expected: str) -> list[ProofCheck]:
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

