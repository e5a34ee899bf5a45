"""VC-JWT as Open Badges 3.0 §8.2 defines it: the JWT payload is the credential itself plus
the registered claims ``iss`` (issuer id), ``jti`` (credential id), ``nbf`` (validFrom),
``sub`` (credentialSubject.id) and ``exp`` (validUntil).

Signing: EdDSA (Ed25519) or ES256 (P-256). Verification also accepts RS256 (RSA ≥ 2048 bits),
``Ed25519`` (the RFC 9864 name for EdDSA over Ed25519) and the legacy VC-JWT 1.1 form whose
credential sits in a ``vc`` claim. ``none``, HMAC and every other algorithm are refused.

Which key verifies a token (the header is attacker-controlled, so the key must be bound to the
credential's issuer, never merely named by the token):

* ``kid`` — a verification method URL (absolute, or ``#fragment`` relative to the issuer id),
  dereferenced through the injected :class:`~credentials.did.Resolver`. Its controller must be
  the issuer and its controller must list it under ``assertionMethod``.
* ``jwk`` (no ``kid``) — accepted only when the key is provably the issuer's: the issuer is the
  key's own ``did:key``, or the issuer is ``urn:ietf:params:oauth:jwk-thumbprint:sha-256:<t>``
  with the key's RFC 7638 thumbprint, or the issuer's resolved document lists a method with this
  key under ``assertionMethod``. When both are present, they must be the same key.
* neither — only when the issuer is a ``did:key`` (the DID is the key).

This module parses and verifies; signing lives in :mod:`credentials.jwt_signing` (re-exported
here) and the key-binding rules above in :mod:`credentials.jwt_binding`.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard

from credentials.did import Resolver
from credentials.errors import (
    CredentialsError,
    EncodingError,
    InputTooLargeError,
    MalformedInputError,
)
from credentials.jwt_binding import (
    _ENCODING,
    _INVALID,
    _MALFORMED,
    _TOO_LARGE,
    MAX_TOKEN_BYTES,
    _check_signature,
    _discover_key,
    _Problem,
)
from credentials.jwt_signing import _subject_id, sign_jwt
from credentials.keys import ED25519, P256, RSA
from credentials.models import issuer_id as credential_issuer_id
from credentials.multibase import b64url_decode

__all__ = [
    "DEFAULT_LEEWAY_SECONDS",
    "MAX_JSON_DEPTH",
    "MAX_TOKEN_BYTES",
    "PROBLEM_EXPIRED",
    "PROBLEM_NOT_YET_VALID",
    "PROBLEM_UNSIGNED",
    "PROBLEM_UNSUPPORTED_ALGORITHM",
    "JwtResult",
    "is_compact_jws",
    "sign_jwt",
    "verify_jwt",
]

MAX_JSON_DEPTH = 64
DEFAULT_LEEWAY_SECONDS = 60

#: Problem slugs for the two time checks (no error class in credentials.errors covers them).
PROBLEM_EXPIRED = "expired"
PROBLEM_NOT_YET_VALID = "not-yet-valid"
#: ``alg: none``: the token is an unsigned credential, which is what Data Integrity reports as
#: ``missing-proof``; one slug for both formats, so every consumer explains it the same way.
PROBLEM_UNSIGNED = "missing-proof"
#: An ``alg`` we do not verify (HS256, ES384, …). The JOSE ``alg`` plays the part a Data
#: Integrity ``cryptosuite`` does (the securing mechanism), so the slug is the one an unknown
#: cryptosuite gets: "signed with a method this verifier does not support".
PROBLEM_UNSUPPORTED_ALGORITHM = "unsupported-cryptosuite"

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_VERIFYING_ALG = {"EdDSA": ED25519, "Ed25519": ED25519, "ES256": P256, "RS256": RSA}
_CLAIMS = ("iss", "jti", "nbf", "sub", "exp", "iat")
_ACCEPTED_TYP = {"jwt", "vc+jwt", "vc+ld+jwt", "application/jwt"}


def is_compact_jws(text: str) -> bool:
    """Whether ``text`` has the shape of a compact JWS (three base64url parts, the signature
    possibly empty): what tells a VC-JWT from JSON text. Its content is judged by verify_jwt."""
    return _COMPACT_JWS.fullmatch(text) is not None


@dataclass(frozen=True)
class JwtResult:
    """Outcome of :func:`verify_jwt`. ``errors`` holds ``(problem, detail)`` pairs."""

    verified: bool
    credential: dict[str, Any] | None
    header: dict[str, Any] | None
    errors: list[tuple[str, str]] = field(default_factory=list)
    payload: dict[str, Any] | None = None
    verification_method: str | None = None


def verify_jwt(
    token: str | bytes,
    *,
    resolver: Resolver,
    now: datetime,
    leeway_seconds: int = DEFAULT_LEEWAY_SECONDS,
) -> JwtResult:
    """Verify a compact VC-JWT; never raises on bad input (see :class:`JwtResult`)."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    errors: list[tuple[str, str]] = []

    def fail(
        problem: str,
        detail: str,
        header: dict[str, Any] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> JwtResult:
        errors.append((problem, detail))
        return JwtResult(False, None, header, errors, payload)

    # -- parse ---------------------------------------------------------------------------------
    if isinstance(token, bytes | bytearray):
        if len(token) > MAX_TOKEN_BYTES:
            return fail(_TOO_LARGE, f"JWT is {len(token)} bytes, over the {MAX_TOKEN_BYTES} limit")
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError:
            return fail(_MALFORMED, "JWT contains non-ASCII bytes")
    if not isinstance(token, str):
        return fail(_MALFORMED, f"JWT must be a string, not {type(token).__name__}")
    if len(token) > MAX_TOKEN_BYTES:
        return fail(_TOO_LARGE, f"JWT is {len(token)} characters, over the {MAX_TOKEN_BYTES} limit")
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3:
        return fail(
            _MALFORMED,
            f"not a compact JWS: expected 3 dot-separated parts, found {len(parts)}"
            + (
                " (a 5-part token is encrypted JWE, which is not accepted)"
                if len(parts) == 5
                else ""
            ),
        )
    # Each error keeps its own slug (input-too-large, malformed-encoding, malformed-input), so
    # a caller can tell an oversized or mis-encoded token from one that is not JSON.
    try:
        header = _decode_json_part(parts[0], "header")
    except CredentialsError as exc:
        return fail(exc.problem, exc.detail)

    # -- header --------------------------------------------------------------------------------
    # Checked before the payload is even decoded: a token whose algorithm we refuse is refused
    # for that reason, whatever its payload holds.
    alg = header.get("alg")
    if alg == "none":
        return fail(
            PROBLEM_UNSIGNED,
            "alg 'none' is refused: the token is unsigned, and unsigned tokens are never accepted",
            header=header,
        )
    if not isinstance(alg, str):
        # RFC 7515 §4.1.1: alg is required and is a string; without it the JWS is malformed.
        return fail(_MALFORMED, f"JWT header has no 'alg' string (found {alg!r})", header=header)
    if alg not in _VERIFYING_ALG:
        return fail(
            PROBLEM_UNSUPPORTED_ALGORITHM,
            f"alg {alg!r} is not accepted (EdDSA, Ed25519, ES256, RS256)",
            header=header,
        )
    if "crit" in header:
        return fail(
            _INVALID,
            f"critical header parameters {header['crit']!r} are not understood",
            header=header,
        )
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _ACCEPTED_TYP):
        return fail(_INVALID, f"typ {typ!r} is not a credential JWT type", header=header)
    try:
        payload = _decode_json_part(parts[1], "payload")
    except CredentialsError as exc:
        return fail(exc.problem, exc.detail, header=header)
    try:
        b64url_decode(parts[2])
    except EncodingError as exc:
        return fail(_ENCODING, f"JWT signature is not base64url: {exc.detail}", header=header)

    # -- credential and claims -----------------------------------------------------------------
    credential = _credential_from_payload(payload)
    if not _is_credential(credential):
        return fail(
            _MALFORMED,
            "payload is not a verifiable credential (type lacks 'VerifiableCredential')",
            header=header,
            payload=payload,
        )
    issuer_id = credential_issuer_id(credential)
    iss = payload.get("iss")
    if issuer_id is None:
        errors.append((_INVALID, "credential has no issuer id"))
    if iss is None:
        errors.append((_INVALID, "'iss' claim is missing (OB 3.0 requires it)"))
    elif iss != issuer_id:
        errors.append((_INVALID, f"'iss' claim {iss!r} does not equal the issuer id {issuer_id!r}"))
    jti = payload.get("jti")
    if jti is not None and jti != credential.get("id"):
        errors.append((_INVALID, f"'jti' claim {jti!r} does not equal the credential id"))
    sub = payload.get("sub")
    if sub is not None and sub != _subject_id(credential):
        errors.append((_INVALID, f"'sub' claim {sub!r} does not equal credentialSubject.id"))
    errors.extend(_time_errors(payload, now, leeway_seconds))

    # -- key and signature ---------------------------------------------------------------------
    vm_id: str | None = None
    if issuer_id is not None and iss == issuer_id:
        try:
            key, vm_id = _discover_key(header, issuer_id, resolver)
        except (CredentialsError, _Problem) as exc:
            errors.append((exc.problem, exc.detail))
        else:
            expected = _VERIFYING_ALG[alg]
            if key.algorithm != expected:
                errors.append(
                    (_INVALID, f"alg {alg} cannot be used with the {key.algorithm} key {vm_id}")
                )
            else:
                problem = _check_signature(token, alg, key, vm_id)
                if problem is not None:
                    errors.append(problem)
    else:
        errors.append((_INVALID, "signature not checked: the token's issuer is not established"))

    return JwtResult(
        verified=not errors,
        credential=credential,
        header=header,
        errors=errors,
        payload=payload,
        verification_method=vm_id,
    )


def _decode_json_part(part: str, what: str) -> dict[str, Any]:
    try:
        raw = b64url_decode(part)
    except EncodingError as exc:
        raise EncodingError(f"JWT {what} is not base64url: {exc.detail}") from None
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise InputTooLargeError(f"JWT {what} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInputError(f"JWT {what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedInputError(f"JWT {what} is not a JSON object")
    if _depth(value) > MAX_JSON_DEPTH:
        raise InputTooLargeError(f"JWT {what} nests deeper than {MAX_JSON_DEPTH} levels")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            # RFC 7519 §4: parsers must reject or take the last; taking one silently lets a
            # token mean different things to different verifiers.
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _credential_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    legacy = payload.get("vc")
    if isinstance(legacy, dict):
        # VC-JWT 1.1 moves issuer, id and subject id into registered claims; put them back.
        credential = copy.deepcopy(legacy)
        if "issuer" not in credential and isinstance(payload.get("iss"), str):
            credential["issuer"] = payload["iss"]
        if "id" not in credential and isinstance(payload.get("jti"), str):
            credential["id"] = payload["jti"]
        subject = credential.get("credentialSubject")
        if (
            isinstance(subject, dict)
            and "id" not in subject
            and isinstance(payload.get("sub"), str)
        ):
            credential["credentialSubject"] = {**subject, "id": payload["sub"]}
        return credential
    return {name: copy.deepcopy(value) for name, value in payload.items() if name not in _CLAIMS}


def _is_credential(credential: Mapping[str, Any]) -> bool:
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types
    return isinstance(types, list) and "VerifiableCredential" in types


def _time_errors(payload: Mapping[str, Any], now: datetime, leeway: int) -> list[tuple[str, str]]:
    errors = []
    moment = now.timestamp()
    for name in ("nbf", "exp", "iat"):
        value = payload.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors.append((_INVALID, f"'{name}' claim must be a NumericDate, not {value!r}"))
    nbf, exp = payload.get("nbf"), payload.get("exp")
    if _is_number(nbf) and moment + leeway < nbf:
        errors.append(
            (
                PROBLEM_NOT_YET_VALID,
                f"token is not valid before {_iso(nbf)} ('nbf'); now {_iso(moment)}",
            )
        )
    if _is_number(exp) and moment - leeway >= exp:
        errors.append(
            (PROBLEM_EXPIRED, f"token expired at {_iso(exp)} ('exp'); now {_iso(moment)}")
        )
    return errors


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _iso(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return repr(timestamp)
