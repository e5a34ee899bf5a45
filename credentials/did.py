"""DIDs and controller documents: ``did:key``, ``did:web``, DID documents, and a resolver.

The resolver does no I/O of its own: ``did:web`` and ``https:`` documents come through an
injected fetcher (``Callable[[str], bytes]``). Verification methods are dereferenced as the W3C
Controlled Identifiers "retrieve verification method" algorithm describes: the document's
``id`` must be the URL it was resolved from, and the method's ``controller`` must be that
document, so a document cannot vouch for keys on behalf of someone else.

The identifiers and the documents we publish are in :mod:`credentials.did_methods`, re-exported
here; this module resolves and dereferences.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from credentials.did_methods import (
    DID_CONTEXTS,
    RELATIONSHIPS,
    did_document,
    did_key,
    did_key_document,
    did_web_from_url,
    did_web_to_url,
)
from credentials.errors import (
    CredentialsError,
    FetchError,
    ResolutionError,
)
from credentials.keys import ED25519, KeyPair

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

#: Largest DID/controller document accepted from a fetcher.
MAX_DOCUMENT_BYTES = 256 * 1024

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
