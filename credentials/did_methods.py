"""DID identifiers and the documents we publish: ``did:key`` and ``did:web`` (their syntax and
the URL a ``did:web`` resolves to) and the DID document of an issuer's keys.

Pure functions of the identifier or the keys: no resolution, no fetching (see
:class:`credentials.did.Resolver`). Changes when a DID method's rules or our published
documents change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from credentials.errors import (
    CredentialsError,
    KeyError_,
    ResolutionError,
)
from credentials.keys import KEY_ID_PATTERN, KeyPair

__all__ = [
    "DID_CONTEXTS",
    "RELATIONSHIPS",
    "did_document",
    "did_key",
    "did_key_document",
    "did_web_from_url",
    "did_web_to_url",
]

#: Contexts of the DID documents we generate. ``did/v1`` is not bundled for JSON-LD processing;
#: we never JSON-LD-process DID documents, so that is fine, and verifiers expect it.
DID_CONTEXTS = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")

RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_DID_WEB_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")
_IPV4 = re.compile(r"[0-9.]+")


# ---------------------------------------------------------------------------------------------
# did:key


def did_key(key: KeyPair) -> str:
    """The ``did:key`` of a public key."""
    return key.did_key


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a ``did:key`` (one Multikey method in every relationship)."""
    key = _did_key_public(did)
    vm_id = f"{did}#{key.public_multibase}"
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_multibase,
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def _did_key_public(did: str) -> KeyPair:
    if not isinstance(did, str) or not did.startswith("did:key:"):
        raise ResolutionError(f"{did!r} is not a did:key", did=did)
    multibase = did[len("did:key:") :]
    try:
        key = KeyPair.from_public_multibase(multibase)
    except CredentialsError as exc:
        raise ResolutionError(f"invalid did:key {did!r}: {exc.detail}", did=did) from None
    if key.public_multibase != multibase:  # pragma: no cover - base58 is canonical
        raise ResolutionError(f"did:key {did!r} is not in canonical form", did=did)
    return key


# ---------------------------------------------------------------------------------------------
# did:web


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of a ``did:web`` DID document (did:web method spec §3.2).

    ``did:web:example.com`` → ``https://example.com/.well-known/did.json``;
    ``did:web:example.com:user:alice`` → ``https://example.com/user/alice/did.json``;
    ``did:web:example.com%3A3000`` → ``https://example.com:3000/.well-known/did.json``.
    """
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise ResolutionError(f"{did!r} is not a did:web DID", did=did)
    specific = did[len("did:web:") :]
    bad = next((ch for ch in specific if ch in "/?#"), None)
    if bad is not None:
        raise ResolutionError(
            f"did:web {did!r} contains {bad!r}; pass the DID without path, query or fragment",
            did=did,
        )
    host_part, *segments = specific.split(":")
    host, _, port = unquote(host_part).partition(":")
    if "%" in host_part and not re.fullmatch(r"[^%]+%3[Aa][0-9]+", host_part):
        raise ResolutionError(
            f"did:web {did!r}: only the port separator may be percent-encoded in the host",
            did=did,
        )
    _check_host(host, did)
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ResolutionError(f"did:web {did!r} has an invalid port {port!r}", did=did)
    for segment in segments:
        _check_segment(segment, did)
    authority = f"{host}:{port}" if port else host
    if not segments:
        return f"https://{authority}/.well-known/did.json"
    return f"https://{authority}/{'/'.join(segments)}/did.json"


def did_web_from_url(base_url: str) -> str:
    """The ``did:web`` whose document is served under ``base_url`` (inverse of the above).

    ``https://example.com`` → ``did:web:example.com``; ``https://example.com:3000/org/a`` →
    ``did:web:example.com%3A3000:org:a`` (document at ``…/org/a/did.json``).
    """
    if not isinstance(base_url, str):
        raise ResolutionError(f"base URL must be a string, not {type(base_url).__name__}")
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError as exc:
        raise ResolutionError(f"invalid base URL {base_url!r}: {exc}", url=base_url) from None
    if parts.scheme != "https":
        raise ResolutionError(
            f"did:web documents are served over https; {base_url!r} is not an https URL",
            url=base_url,
        )
    if parts.username is not None or parts.password is not None:
        raise ResolutionError(f"base URL {base_url!r} must not contain credentials", url=base_url)
    if parts.query or parts.fragment:
        raise ResolutionError(
            f"base URL {base_url!r} must not have a query or fragment", url=base_url
        )
    host = parts.hostname or ""
    _check_host(host, base_url)
    specific = host if port in (None, 443) else f"{host}%3A{port}"
    path = parts.path.removeprefix("/").removesuffix("/")
    segments = path.split("/") if path else []
    encoded = []
    for segment in segments:
        if not segment:
            raise ResolutionError(f"base URL {base_url!r} has an empty path segment")
        # Only idchars may appear in a DID; ':' in particular would split the segment.
        value = quote(unquote(segment), safe="")
        value = value.replace("~", "%7E")
        _check_segment(value, base_url)
        encoded.append(value)
    return "did:web:" + ":".join([specific, *encoded])


def _check_host(host: str, where: str) -> None:
    labels = host.split(".")
    if not host or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ResolutionError(f"{where!r} does not name a valid host ({host!r})", did=where)
    if _IPV4.fullmatch(host):
        raise ResolutionError(f"{where!r}: did:web must use a domain name, not an IP address")


def _check_segment(segment: str, where: str) -> None:
    if not _DID_WEB_SEGMENT.fullmatch(segment):
        raise ResolutionError(f"{where!r} has an invalid path segment {segment!r}", did=where)
    decoded = unquote(segment)
    if decoded in (".", "..") or "/" in decoded:
        raise ResolutionError(
            f"{where!r} has a path segment {segment!r} that would escape its directory",
            did=where,
        )


# ---------------------------------------------------------------------------------------------
# DID documents we publish


def did_document(did: str, keys: Iterable[tuple[str, KeyPair, bool]]) -> dict[str, Any]:
    """A DID document for ``did`` listing ``(key_id, KeyPair, active)`` as Multikey methods.

    Every key, retired ones included, stays in ``assertionMethod`` so credentials signed before a
    rotation still verify; only active keys are listed under ``authentication``.
    """
    if not isinstance(did, str) or not did.startswith("did:") or "#" in did:
        raise ResolutionError(f"{did!r} is not a DID (without fragment)", did=did)
    methods: list[dict[str, str]] = []
    assertion: list[str] = []
    authentication: list[str] = []
    seen_ids: set[str] = set()
    seen_keys: set[KeyPair] = set()
    for key_id, key, active in keys:
        if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
            raise KeyError_(f"invalid key id {key_id!r} for a DID URL fragment", key_id=key_id)
        if key_id in seen_ids:
            raise KeyError_(f"key id {key_id!r} appears twice", key_id=key_id)
        if key in seen_keys:
            raise KeyError_(f"key {key_id!r} repeats a public key already listed", key_id=key_id)
        seen_ids.add(key_id)
        seen_keys.add(key)
        vm_id = f"{did}#{key_id}"
        methods.append(
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_multibase,
            }
        )
        assertion.append(vm_id)
        if active:
            authentication.append(vm_id)
    if not methods:
        raise KeyError_(f"a DID document for {did} needs at least one key")
    document: dict[str, Any] = {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": assertion,
    }
    if authentication:
        document["authentication"] = authentication
    return document
