"""The shapes the VC-API and ``POST /api/v1/verify`` accept for a credential or presentation.

Checked before anything is verified, so that a request the client got wrong is a 400 (422 on
``/api/v1/verify``, like its other input errors) naming the member, not a verification verdict:

* an object, or a string only when it is what a string can carry, a compact JWS/JWT (VC-JWT).
  JSON text inside a JSON string is a client's double encoding; reading it would verify
  something the client did not send as a credential, so it is refused.
* an ``EnvelopedVerifiableCredential``/``EnvelopedVerifiablePresentation`` (VCDM 2.0 §4.13):
  its ``id`` is a ``data:`` URL whose data is the JWT, which is what gets verified.
* ``proof``, when present, is an object or a non-empty array of objects: ``proof: null`` or
  ``proof: 5`` is not an unsigned document, it is a malformed one.
"""

from __future__ import annotations

from typing import Any

from badge_service.errors import FieldError, ServiceError
from credentials.jwt import is_compact_jws

_ENVELOPED = frozenset({"EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"})


def _types(value: dict[str, Any]) -> list[Any]:
    types = value.get("type")
    return types if isinstance(types, list) else [types]


def has_type(value: Any, wanted: str) -> bool:
    return isinstance(value, dict) and wanted in _types(value)


def document(value: Any, field: str, error: type[ServiceError] = ServiceError,
             what: str = "a credential") -> dict[str, Any] | str:
    """``value`` as the verifier takes it (an object or a JWT), or ``error`` naming ``field``."""
    if isinstance(value, dict) and _ENVELOPED & {t for t in _types(value) if isinstance(t, str)}:
        ident = value.get("id")
        token = ident.split(",", 1)[1] if isinstance(ident, str) and ident.startswith(
            "data:") and "," in ident else None
        if token is None or not is_compact_jws(token.strip()):
            raise error(f"{field} is enveloped: its id must be a data: URL carrying a JWT", [
                FieldError("must be data:application/vc+jwt,<JWT> (or vp+jwt)",
                           field=f"{field}.id")])
        return token.strip()
    if isinstance(value, str):
        if is_compact_jws(value.strip()):
            return value.strip()
        raise error(f"{field} is a string but not a compact JWS/JWT", [FieldError(
            f"must be {what} as a JSON object, or a VC-JWT; JSON text inside a string is "
            "not accepted", field=field)])
    if not isinstance(value, dict) or not value:
        raise error(f"give {what} to verify", [FieldError(
            f"is required: {what} as a JSON object, or a VC-JWT", field=field)])
    if "proof" in value:
        proof = value["proof"]
        proofs = proof if isinstance(proof, list) else [proof]
        if not proofs or not all(isinstance(p, dict) for p in proofs):
            raise error(f"{field}.proof is malformed", [FieldError(
                "must be an object or an array of objects (leave it out when unsigned)",
                field=f"{field}.proof")])
    return value


def request_option(options: dict[str, Any], name: str) -> str | None:
    """A string option (challenge, domain), or a 400 naming ``options.<name>``."""
    value = options.get(name)
    if value is None or (isinstance(value, str) and value):
        return value
    raise ServiceError(f"options.{name} must be a non-empty string", [FieldError(
        "must be a non-empty string", field=f"options.{name}")])
