"""Signing a credential as a compact VC-JWT (Open Badges 3.0 §8.2).

The payload is the credential plus the registered claims derived from it (``iss``, ``jti``,
``nbf``, ``sub``, ``exp`` and, when asked, ``iat``). The signature comes from the same
:class:`~credentials.data_integrity.Signer` that :func:`~credentials.data_integrity.add_proof`
takes, so one key backend signs both formats; the JWS is assembled here (RFC 7515 compact
serialization) rather than by a JOSE library, which would need the private key itself.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from credentials.errors import CredentialsError, SigningError
from credentials.keys import ED25519, P256, KeyPair
from credentials.models import issuer_id as credential_issuer_id
from credentials.multibase import b64url_encode

if TYPE_CHECKING:
    from credentials.data_integrity import Signer

__all__ = ["sign_jwt"]

_SIGNING_ALG = {ED25519: "EdDSA", P256: "ES256"}


def sign_jwt(
    credential: Mapping[str, Any],
    signer: Signer,
    *,
    embed_jwk: bool = False,
    now: datetime | None = None,
) -> str:
    """Sign ``credential`` as a compact VC-JWT with ``signer`` (e.g. ``KeyPair.signer(vm)``).

    Header: ``alg`` (EdDSA or ES256, from the signer's key algorithm), ``typ: JWT`` and
    ``kid`` (the signer's verification method) or, when ``embed_jwk``, the signer's public
    ``jwk`` instead (for issuers the key itself identifies). ``now``, when given, becomes ``iat``.
    """
    if not isinstance(credential, Mapping):
        raise SigningError(f"credential must be a JSON object, not {type(credential).__name__}")
    if not callable(getattr(signer, "sign", None)) or not isinstance(
        getattr(signer, "verification_method", None), str
    ):
        # A bare KeyPair (the former argument) has no verification method to name as kid.
        raise SigningError(
            "signer must be a Signer, e.g. KeyPair.signer(), made from the private key"
        )
    alg = _SIGNING_ALG.get(signer.algorithm)
    if alg is None:
        raise SigningError(f"cannot sign a VC-JWT with a {signer.algorithm} key")
    issuer_id = credential_issuer_id(credential)
    if issuer_id is None:
        raise SigningError("credential has no issuer id; VC-JWT needs it for 'iss'")
    kid = None if embed_jwk else signer.verification_method
    if kid is not None:
        _check_kid_for_signing(kid, issuer_id, signer)

    claims: dict[str, Any] = {"iss": issuer_id}
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    valid_from = credential.get("validFrom", credential.get("issuanceDate"))
    if valid_from is not None:
        claims["nbf"] = _numeric_date(valid_from, "validFrom")
    subject_id = _subject_id(credential)
    if subject_id is not None:
        claims["sub"] = subject_id
    valid_until = credential.get("validUntil", credential.get("expirationDate"))
    if valid_until is not None:
        claims["exp"] = _numeric_date(valid_until, "validUntil")
    if now is not None:
        claims["iat"] = _numeric_date(now, "now")
    for name, value in claims.items():
        if name in credential and credential[name] != value:
            raise SigningError(
                f"credential property {name!r} conflicts with the JWT claim derived for it"
            )

    payload = {**copy.deepcopy(dict(credential)), **claims}
    try:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SigningError(f"credential is not JSON-serialisable: {exc}") from None
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    if embed_jwk:
        header["jwk"] = signer.public_jwk()
    # The header as JOSE libraries write it (ASCII, compact), so tokens stay byte for byte
    # what they were when joserfc serialised them.
    signing_input = (
        b64url_encode(json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode())
        + "."
        + b64url_encode(body.encode("utf-8"))
    )
    try:
        # Ed25519 signs raw; a P-256 Signer returns raw r || s over SHA-256, as ES256 wants.
        signature = signer.sign(signing_input.encode("ascii"))
    except CredentialsError as exc:
        if isinstance(exc, SigningError):
            raise
        raise SigningError(exc.detail) from None
    return signing_input + "." + b64url_encode(signature)


def _check_kid_for_signing(kid: str, issuer_id: str, signer: Signer) -> None:
    if not isinstance(kid, str) or not kid:
        raise SigningError(f"kid must be a non-empty string, not {kid!r}")
    if kid.startswith("#"):
        return
    base, has_fragment, _ = kid.partition("#")
    if base.startswith("did:key:") and base != KeyPair.from_public_jwk(signer.public_jwk()).did_key:
        raise SigningError(f"kid {kid} names a different key than the one signing")
    if has_fragment and base != issuer_id:
        raise SigningError(
            f"kid {kid} is not a verification method of the issuer {issuer_id}; "
            "verifiers require the issuer to control the signing key"
        )


def _numeric_date(value: Any, name: str) -> int:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise SigningError(f"{name} {value!r} is not an ISO 8601 date-time") from None
    else:
        raise SigningError(f"{name} must be a date-time string, not {type(value).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SigningError(f"{name} {value!r} has no timezone offset")
    return math.floor(moment.timestamp())


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    """``credentialSubject.id`` of a single-subject credential: the ``sub`` claim."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    subject_id = subject.get("id") if isinstance(subject, Mapping) else None
    return subject_id if isinstance(subject_id, str) else None
