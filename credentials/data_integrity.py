"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022`` cryptosuites.

vc-di-eddsa 1.0. ``eddsa-rdfc-2022`` (§3.2) is implemented here: RDFC-1.0 canonicalization of
the document (without its ``proof``) and of the proof configuration (the proof options with the
document's ``@context``), SHA-256 of each, Ed25519 over ``proofHash || docHash``, ``proofValue``
= ``z`` + base58btc. ``eddsa-jcs-2022`` (§3.3) hashes JCS (RFC 8785) forms instead; its steps
are in :mod:`credentials.jcs_suite`. :func:`add_proof` takes the suite per call (rdfc by
default); :func:`verify_proofs` chooses by each proof's ``cryptosuite``.
Proof sets and proof chains (``previousProof``) follow VC Data Integrity §4.

This module signs (:func:`add_proof`); what a proof is and covers is in :mod:`credentials.proofs`
and checking proofs in :mod:`credentials.proof_verification`, both re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from . import jcs_suite, multibase
from .errors import CredentialsError, ProofError, SigningError
from .jsonld import DocumentLoader, bundled_loader, to_nquads
from .models import issuer_id
from .proof_verification import verify_proofs
from .proofs import (
    ASSERTION_METHOD,
    CRYPTOSUITE,
    CRYPTOSUITES,
    JCS_CRYPTOSUITE,
    PROOF_TYPE,
    ProofCheck,
    _hash_data,
    _proofs,
    covered_document,
    hash_data,
)

__all__ = [
    "ASSERTION_METHOD",
    "CRYPTOSUITE",
    "CRYPTOSUITES",
    "JCS_CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofCheck",
    "Signer",
    "add_proof",
    "covered_document",
    "format_datetime",
    "hash_data",
    "verify_proofs",
]


class Signer(Protocol):
    """What signing needs from a key: the verification method it signs as, and a signature.

    One Signer serves both formats (:func:`add_proof` and :func:`credentials.jwt.sign_jwt`),
    so a key backend is written once. ``algorithm`` is the key's (``Ed25519``, ``P-256``): it
    picks the JOSE ``alg``. ``public_jwk`` is the public key, which a VC-JWT may embed and
    whose ``did:key`` a ``kid`` is checked against; a backend never has to expose the private key.
    """

    # Read-only properties, so frozen dataclasses (KeySigner) and plain attributes both fit.
    @property
    def verification_method(self) -> str: ...

    @property
    def algorithm(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...

    def public_jwk(self) -> dict[str, str]: ...


def format_datetime(moment: datetime) -> str:
    """XML Schema dateTime in whole seconds UTC, as proofs and OB 3.0 credentials carry it."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
) -> dict[str, Any]:
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
    # An empty issuer id is refused below like any other (it is not the controller).
    issuer = issuer_id(document, allow_empty=True)
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
    secured: dict[str, Any] = json.loads(json.dumps(document))
    existing = _proofs(document)
    secured["proof"] = [*_proofs(secured), proof] if existing else proof
    return secured
