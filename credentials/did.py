"""DIDs and controller documents: ``did:key``, ``did:web``, DID documents, and a resolver.

The resolver does no I/O of its own: ``did:web`` and ``https:`` documents come through an
injected fetcher (``Callable[[str], bytes]``). Verification methods are dereferenced as the W3C
Controlled Identifiers "retrieve verification method" algorithm describes: the document's
``id`` must be the URL it was resolved from, and the method's ``controller`` must be that
document, so a document cannot vouch for keys on behalf of someone else.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from credentials.errors import (
    CredentialsError,
    FetchError,
    KeyError_,
    ResolutionError,
)
from credentials.keys import ED25519, KEY_ID_PATTERN, KeyPair

__all__ = [
    "DID_CONTEXTS",
    "MAX_DOCUMENT_BYTES",
    "RELATIONSHIPS",
    "Resolver",
    "VerificationMethod",
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

#: Largest DID/controller document accepted from a fetcher.
MAX_DOCUMENT_BYTES = 256 * 1024

_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_DID_WEB_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")
_IPV4 = re.compile(r"[0-9.]+")

Fetcher = Callable[[str], bytes]


@dataclass(frozen=True)
class VerificationMethod:
    """A dereferenced verification method and the relationships its controller gives it."""

    id: str
    type: str
    controller: str
    key: KeyPair
    relationships: frozenset[str]


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


# ---------------------------------------------------------------------------------------------
# Resolver


class Resolver:
    """Resolves ``did:key`` locally and ``did:web``/``https:`` documents via ``fetcher``.

    ``documents`` pre-seeds ``{did_or_url: document}`` (e.g. the CLI's ``--did-doc``); they are
    used before any fetch and must still carry the matching ``id``. An instance remembers what
    it fetched (so one verification fetches a document once); nothing is cached globally.
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self._fetcher = fetcher
        self._max_bytes = max_document_bytes
        self._documents: dict[str, dict[str, Any]] = {}
        for url, document in (documents or {}).items():
            if not isinstance(document, Mapping):
                raise ResolutionError(f"pre-seeded document for {url!r} is not a JSON object")
            self._documents[_strip_fragment(url)] = copy.deepcopy(dict(document))
        self._fetched: dict[str, dict[str, Any]] = {}

    # -- documents ----------------------------------------------------------------------------

    def resolve(self, did_or_url: str) -> dict[str, Any]:
        """The DID document, controller document or verification-method document (a copy)."""
        if not isinstance(did_or_url, str) or not did_or_url:
            raise ResolutionError(f"cannot resolve {did_or_url!r}: not a DID or URL")
        base = _strip_fragment(did_or_url)
        document = self._documents.get(base) or self._fetched.get(base)
        if document is None:
            document = self._resolve_uncached(base)
            self._fetched[base] = document
        _check_document_id(document, base)
        return copy.deepcopy(document)

    def _resolve_uncached(self, base: str) -> dict[str, Any]:
        if base.startswith("did:key:"):
            return did_key_document(base)
        if base.startswith("did:web:"):
            return self._fetch_json(did_web_to_url(base), base)
        if base.startswith("https://"):
            return self._fetch_json(base, base)
        if base.startswith("did:"):
            method = base.split(":", 2)[1]
            raise ResolutionError(
                f"cannot resolve {base}: DID method {method!r} is not supported (did:key, did:web)",
                did=base,
            )
        raise ResolutionError(
            f"cannot resolve {base!r}: only did:key, did:web and https URLs are supported",
            url=base,
        )

    def _fetch_json(self, url: str, subject: str) -> dict[str, Any]:
        if self._fetcher is None:
            raise ResolutionError(
                f"no fetcher configured to retrieve {url} (needed to resolve {subject}); "
                "pass the document explicitly (e.g. --did-doc) or configure a fetcher",
                url=url,
            )
        try:
            data = self._fetcher(url)
        except FetchError:
            raise
        except Exception as exc:  # a misbehaving fetcher must not crash verification
            raise FetchError(
                f"fetching {url} failed: {type(exc).__name__}: {exc}", url=url
            ) from exc
        if not isinstance(data, bytes | bytearray):
            raise FetchError(f"fetcher returned {type(data).__name__} for {url}, not bytes")
        if len(data) > self._max_bytes:
            raise FetchError(
                f"document at {url} is {len(data)} bytes, over the {self._max_bytes}-byte limit",
                url=url,
            )
        try:
            document = json.loads(bytes(data))
        except (ValueError, RecursionError) as exc:
            raise ResolutionError(f"document at {url} is not valid JSON: {exc}", url=url) from None
        if not isinstance(document, dict):
            raise ResolutionError(f"document at {url} is not a JSON object", url=url)
        return document

    # -- verification methods -----------------------------------------------------------------

    def resolve_verification_method(self, vm_id: str) -> VerificationMethod:
        """Dereference ``vm_id`` to its key, controller and verification relationships.

        A bare ``did:key`` stands for its single method. An ``https`` URL without fragment may
        name a standalone verification-method document; its controller's document must then list
        it, and supplies the relationships.
        """
        if not isinstance(vm_id, str) or not vm_id:
            raise ResolutionError(f"verification method id {vm_id!r} is not a string")
        base, _, fragment = vm_id.partition("#")
        if base.startswith("did:key:") and not fragment:
            fragment = base[len("did:key:") :]
        document = self.resolve(base)
        if not fragment:
            return self._standalone_method(vm_id, document)
        full_id = f"{base}#{fragment}"
        method = _find_method(document, full_id)
        if method is None:
            raise ResolutionError(
                f"{document['id']} has no verification method {full_id}", vm=full_id
            )
        controller = method.get("controller")
        if controller != document["id"]:
            raise ResolutionError(
                f"verification method {full_id} names controller {controller!r}, not the "
                f"document it was found in ({document['id']}); it cannot be trusted for it",
                vm=full_id,
            )
        return VerificationMethod(
            id=full_id,
            type=_method_type(method, full_id),
            controller=controller,
            key=_method_key(method, full_id),
            relationships=_relationships(document, full_id),
        )

    def _standalone_method(self, vm_id: str, method: dict[str, Any]) -> VerificationMethod:
        if "verificationMethod" in method or not isinstance(method.get("type"), str):
            raise ResolutionError(
                f"{vm_id} is a controller document, not a verification method; "
                "the verification method id needs a '#fragment'",
                vm=vm_id,
            )
        controller = method.get("controller")
        if not isinstance(controller, str) or not controller:
            raise ResolutionError(f"verification method {vm_id} has no controller", vm=vm_id)
        key = _method_key(method, vm_id)
        controller_document = self.resolve(controller)
        relationships = _relationships(controller_document, vm_id)
        listed = _find_method(controller_document, vm_id)
        if listed is None and not relationships:
            raise ResolutionError(
                f"controller {controller} does not list verification method {vm_id}; "
                "it cannot be trusted for that controller",
                vm=vm_id,
            )
        if listed is not None and _method_key(listed, vm_id) != key:
            raise ResolutionError(
                f"controller {controller} lists a different key for {vm_id}", vm=vm_id
            )
        return VerificationMethod(
            id=vm_id,
            type=_method_type(method, vm_id),
            controller=controller,
            key=key,
            relationships=relationships,
        )


def _strip_fragment(value: str) -> str:
    return value.partition("#")[0]


def _check_document_id(document: Mapping[str, Any], base: str) -> None:
    found = document.get("id")
    if found != base:
        raise ResolutionError(
            f"document resolved for {base} has id {found!r}; the id must equal the DID or URL "
            "it was retrieved from",
            did=base,
        )


def _absolute(reference: str, document_id: str) -> str:
    return document_id + reference if reference.startswith("#") else reference


def _entries(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _find_method(document: Mapping[str, Any], full_id: str) -> dict[str, Any] | None:
    document_id = document.get("id", "")
    candidates = _entries(document.get("verificationMethod"))
    for relationship in RELATIONSHIPS:
        candidates += [e for e in _entries(document.get(relationship)) if isinstance(e, dict)]
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        ref = candidate.get("id")
        if isinstance(ref, str) and _absolute(ref, document_id) == full_id:
            method = dict(candidate)
            if isinstance(method.get("controller"), str):
                method["controller"] = _absolute(method["controller"], document_id)
            return method
    return None


def _relationships(document: Mapping[str, Any], full_id: str) -> frozenset[str]:
    document_id = document.get("id", "")
    found = set()
    for relationship in RELATIONSHIPS:
        for entry in _entries(document.get(relationship)):
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and _absolute(ref, document_id) == full_id:
                found.add(relationship)
    return frozenset(found)


def _method_type(method: Mapping[str, Any], vm_id: str) -> str:
    kind = method.get("type")
    if not isinstance(kind, str):
        raise ResolutionError(f"verification method {vm_id} has no type", vm=vm_id)
    return kind


def _method_key(method: Mapping[str, Any], vm_id: str) -> KeyPair:
    kind = _method_type(method, vm_id)
    try:
        if kind in ("Multikey", "Ed25519VerificationKey2020"):
            value = method.get("publicKeyMultibase")
            if not isinstance(value, str):
                raise ResolutionError(f"{kind} {vm_id} has no publicKeyMultibase", vm=vm_id)
            key = KeyPair.from_public_multibase(value)
            if kind == "Ed25519VerificationKey2020" and key.algorithm != ED25519:
                raise ResolutionError(f"{vm_id} is {kind} but holds a {key.algorithm} key")
            return key
        if kind in ("JsonWebKey", "JsonWebKey2020"):
            jwk = method.get("publicKeyJwk")
            if not isinstance(jwk, Mapping):
                raise ResolutionError(f"{kind} {vm_id} has no publicKeyJwk", vm=vm_id)
            return KeyPair.from_public_jwk(jwk)
    except ResolutionError:
        raise
    except CredentialsError as exc:
        raise ResolutionError(
            f"verification method {vm_id} has an unusable key: {exc.detail}", vm=vm_id
        ) from None
    raise ResolutionError(
        f"verification method {vm_id} has unsupported type {kind!r} (Multikey, JsonWebKey, "
        "JsonWebKey2020, Ed25519VerificationKey2020)",
        vm=vm_id,
    )
