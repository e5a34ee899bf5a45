"""The ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa 1.0 §3.3), without key handling.

The algorithms of the Recommendation, step by step: the document and the proof configuration are
canonicalized with the JSON Canonicalization Scheme (RFC 8785, the ``rfc8785`` package), each is
hashed with SHA-256 and the signature covers ``proofHash || docHash``. Unlike ``eddsa-rdfc-2022``
the proof carries the document's ``@context`` itself (§3.3.1 step 2), so the proof configuration
needs no context added (§3.3.5).

:mod:`credentials.data_integrity` chooses this suite by ``proof.cryptosuite``, handles proof sets
and chains, resolves keys and signs; this module only computes what is hashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import rfc8785

from .errors import CanonicalizationError, MalformedProofError

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises :class:`~credentials.errors.CanonicalizationError` for what JCS cannot represent
    (integers beyond ±2**53, NaN, non-string keys, lone surrogates, non-JSON types).
    """
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalizationError(f"JSON Canonicalization (RFC 8785) failed: {exc}") from None
    except RecursionError:
        raise CanonicalizationError("the document is nested too deeply to canonicalize") from None


def _check_options(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise MalformedProofError(
            f"an {CRYPTOSUITE} proof needs type {PROOF_TYPE!r} and cryptosuite {CRYPTOSUITE!r}"
        )


def transform(unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """§3.3.3 Transformation: the JCS form of the unsecured document."""
    _check_options(options)
    return jcs(unsecured)


def proof_configuration(options: Mapping[str, Any]) -> bytes:
    """§3.3.5 Proof Configuration: the JCS form of the proof options (``proofValue`` excluded).

    ``options`` already holds the ``@context`` (§3.3.1 step 2 put it in the proof); nothing is
    added here.
    """
    config = {k: v for k, v in options.items() if k != "proofValue"}
    _check_options(config)
    created = config.get("created")
    if created is not None and not is_datetime(created):
        raise MalformedProofError(f"created {created!r} is not an XML Schema dateTime")
    return jcs(config)


def hash_data(canonical_proof_config: bytes, transformed_document: bytes) -> bytes:
    """§3.3.4 Hashing: ``SHA-256(proofConfig) || SHA-256(document)``, 64 bytes."""
    return (
        hashlib.sha256(canonical_proof_config).digest()
        + hashlib.sha256(transformed_document).digest()
    )


def proof_options(options: Mapping[str, Any], unsecured: Mapping[str, Any]) -> dict[str, Any]:
    """§3.3.1 steps 1-2: the new proof (still without ``proofValue``) made from ``options``.

    A clone of the options with ``@context`` set to the document's, when it has one.
    """
    proof = dict(options)
    if "@context" in unsecured:
        proof["@context"] = unsecured["@context"]
    return proof


def create_hash(unsecured: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    """§3.3.1 steps 3-5: what the signature (§3.3.6, Ed25519 over it) covers."""
    canonical_config = proof_configuration(proof)
    return hash_data(canonical_config, transform(unsecured, proof))


def verify_hash(unsecured: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    """§3.3.2 steps 1-7 for one proof of ``unsecured`` (the document as the proof covers it).

    ``unsecured`` is the document without its proofs (or, for a chained proof, with only the
    proofs it names). Returns the bytes the signature must match. Raises
    :class:`~credentials.errors.MalformedProofError` when the proof's ``@context`` does not match
    the document's, or a :class:`~credentials.errors.CanonicalizationError`.
    """
    proof_opts = {k: v for k, v in proof.items() if k != "proofValue"}
    document = dict(unsecured)
    if "@context" in proof_opts:
        # Step 4.1: the document's @context must start with the proof's, in the same order.
        if not starts_with(document.get("@context"), proof_opts["@context"]):
            raise ContextMismatch("the proof's @context is not a prefix of the document's")
        # Stricter than the Recommendation: a context appended after signing is not covered by
        # the signature (step 4.2 would drop it), yet it changes what a JSON-LD reader sees.
        if _as_list(document.get("@context")) != _as_list(proof_opts["@context"]):
            raise ContextMismatch(
                "the document has @context entries the proof does not cover (added after signing)"
            )
        # Step 4.2.
        document["@context"] = proof_opts["@context"]
    transformed = transform(document, proof_opts)  # step 5
    canonical_config = proof_configuration(proof_opts)  # step 6
    return hash_data(canonical_config, transformed)  # step 7


class ContextMismatch(MalformedProofError):
    """The proof's ``@context`` does not match the document's."""

    problem = "context-mismatch"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def starts_with(document_context: Any, proof_context: Any) -> bool:
    """Whether ``document_context`` begins with every entry of ``proof_context``, in order."""
    doc = _as_list(document_context)
    prefix = _as_list(proof_context)
    return doc[: len(prefix)] == prefix


def is_datetime(value: Any) -> bool:
    """An XML Schema dateTime with a time zone (what proofs carry)."""
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None
