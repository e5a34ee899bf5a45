"""Which key verifies a VC-JWT, and checking its signature with that key.

The header is attacker-controlled, so the key must be bound to the credential's issuer, never
merely named by the token (the rules are listed in :mod:`credentials.jwt`). Changes when the
key-binding rules or the accepted JOSE algorithms change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError, UnsupportedAlgorithmError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from credentials.errors import (
    EncodingError,
    InputTooLargeError,
    JwtError,
    KeyError_,
    MalformedInputError,
    ResolutionError,
)
from credentials.keys import ED25519, P256, RSA, KeyPair

if TYPE_CHECKING:
    from credentials.did import Resolver, VerificationMethod

MAX_TOKEN_BYTES = 1024 * 1024
_THUMBPRINT_URN = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:"


# Problem slugs, shared with Data Integrity checks so the verifier maps both formats alike.
_MALFORMED = MalformedInputError.problem  # not a well-formed JWT or credential
_ENCODING = EncodingError.problem  # a part is not base64url
_INVALID = JwtError.problem  # well-formed, but refused (alg, claims, key type)
_TOO_LARGE = InputTooLargeError.problem
_SIGNATURE = "signature-mismatch"
_CONTROLLER = "controller-mismatch"
_PURPOSE = "purpose-not-authorized"
_UNKNOWN_KEY = "unknown-key"


class _Problem(Exception):
    """A verification failure with its problem slug; never escapes :func:`verify_jwt`."""

    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


class _Registry(jws.JWSRegistry):
    """joserfc's registry with our own algorithm policy and size limits.

    joserfc warns on every use of ``EdDSA`` because RFC 9864 deprecates the polymorphic name;
    Open Badges 3.0 and the verifiers we interoperate with still specify ``EdDSA``, and the
    ``algorithms`` allow-list below already pins exactly what we accept, so the warning is
    dropped here instead of by a process-wide warnings filter.
    """

    max_header_length = 64 * 1024
    max_payload_length = MAX_TOKEN_BYTES
    max_signature_length = 1024

    def get_alg(self, name: str) -> Any:
        if name not in self.algorithms or not self.allowed or name not in self.allowed:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return self.algorithms[name]


def _discover_key(
    header: Mapping[str, Any], issuer_id: str, resolver: Resolver
) -> tuple[KeyPair, str]:
    kid = header.get("kid")
    jwk = header.get("jwk")
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise _Problem(_INVALID, f"kid must be a non-empty string, not {kid!r}")
        vm_id = issuer_id + kid if kid.startswith("#") else kid
        base, has_fragment, _ = vm_id.partition("#")
        if has_fragment and base != issuer_id:
            # Its controller would be `base`, never the issuer: refuse before fetching anything
            # an attacker named. (A fragment-less kid may be a standalone key document whose
            # controller is checked after retrieval.)
            raise _Problem(
                _CONTROLLER,
                f"kid {kid} is a key of {base}, not of the issuer {issuer_id}",
            )
        method = resolver.resolve_verification_method(vm_id)
        _check_binding(method, issuer_id)
        if jwk is not None and _jwk_key(jwk) != method.key:
            raise _Problem(_INVALID, f"header jwk and kid {kid} name different keys")
        return method.key, method.id
    if jwk is not None:
        key = _jwk_key(jwk)
        if issuer_id.startswith("did:key:"):
            if key.algorithm == RSA or key.did_key != issuer_id:
                raise _Problem(_UNKNOWN_KEY, f"header jwk is not the key of the issuer {issuer_id}")
            return key, key.did_key_vm
        if issuer_id.startswith(_THUMBPRINT_URN):
            if key.jwk_thumbprint() != issuer_id[len(_THUMBPRINT_URN) :]:
                raise _Problem(
                    _UNKNOWN_KEY, "header jwk thumbprint does not match the issuer's thumbprint URN"
                )
            return key, issuer_id
        return key, _listed_method(key, issuer_id, resolver)
    if issuer_id.startswith("did:key:"):
        method = resolver.resolve_verification_method(issuer_id)
        return method.key, method.id
    raise _Problem(
        _UNKNOWN_KEY,
        f"header has neither kid nor jwk, and the issuer {issuer_id} is not a did:key; "
        "no key can be bound to the issuer",
    )


def _check_binding(method: VerificationMethod, issuer_id: str) -> None:
    if method.controller != issuer_id:
        raise _Problem(
            _CONTROLLER,
            f"key {method.id} is controlled by {method.controller}, not by the issuer {issuer_id}",
        )
    if "assertionMethod" not in method.relationships:
        raise _Problem(
            _PURPOSE,
            f"key {method.id} is not listed under assertionMethod by its controller "
            f"(listed under: {', '.join(sorted(method.relationships)) or 'nothing'})",
        )


def _listed_method(key: KeyPair, issuer_id: str, resolver: Resolver) -> str:
    document = resolver.resolve(issuer_id)
    references = document.get("assertionMethod")
    references = references if isinstance(references, list) else [references]
    for reference in references:
        ref = reference.get("id") if isinstance(reference, dict) else reference
        if not isinstance(ref, str):
            continue
        vm_id = issuer_id + ref if ref.startswith("#") else ref
        base, has_fragment, _ = vm_id.partition("#")
        if has_fragment and base != issuer_id:
            continue  # a key inside another document is never controlled by the issuer
        try:
            method = resolver.resolve_verification_method(vm_id)
        except ResolutionError:
            continue
        if method.key == key and method.controller == issuer_id:
            return method.id
    raise _Problem(
        _UNKNOWN_KEY,
        f"header jwk is not among the assertion keys of the issuer {issuer_id}; an embedded "
        "key proves nothing unless the issuer lists it",
    )


def _jwk_key(jwk: Any) -> KeyPair:
    try:
        return KeyPair.from_public_jwk(jwk)
    except KeyError_ as exc:
        raise _Problem(_INVALID, f"header jwk is unusable: {exc.detail}") from None


def _jose_key(key: KeyPair, *, private: bool) -> Any:
    material = key.cryptography_key(private=private)
    if key.algorithm == ED25519:
        return OKPKey.import_key(material)
    if key.algorithm == P256:
        return ECKey.import_key(material)
    return RSAKey.import_key(material)


def _check_signature(token: str, alg: str, key: KeyPair, vm_id: str) -> tuple[str, str] | None:
    registry = _Registry(algorithms=[alg], strict_check_header=False)
    try:
        jws.deserialize_compact(token, _jose_key(key, private=False), registry=registry)
    except BadSignatureError:
        return (_SIGNATURE, f"signature does not verify with key {vm_id}")
    except (JoseError, ValueError, TypeError) as exc:
        return (_INVALID, f"JWS could not be verified: {exc}")
    return None
