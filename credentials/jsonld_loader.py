"""The JSON-LD document loader: bundled contexts only, never the network.

The loader serves only contexts bundled in ``schemas/`` (plus documents a caller passes in
explicitly). It never touches the network and never falls back to pyld's global loader: a
verifier that fetched contexts at verification time could be made to accept a credential whose
meaning an attacker changed by serving a different context.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from frozendict import frozendict
from pyld.resolved_context import ResolvedContext

import schemas

from .errors import DocumentNotFound

__all__ = ["DocumentLoader", "bundled_loader"]

# Prepended as the first context while canonicalizing: a term that no context defines expands
# under this IRI (unless a later context sets its own @vocab: VC 2.0 maps such terms to its
# catch-all "issuer-dependent" vocabulary, which we flag too), and any relative IRI resolves
# under the sentinel base, so both become visible in the output instead of silently
# disappearing. `.invalid` is reserved (RFC 2606): no real document
# uses these IRIs. When neither shows up, the quads equal those of the unmodified document.
_UNDEFINED_VOCAB = "https://undefined-term.invalid/#"
_RELATIVE_BASE = "https://relative-iri.invalid/"
_ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
_FLAGGED = re.compile(
    "<(?:"
    + "|".join(re.escape(p) for p in (_UNDEFINED_VOCAB, _RELATIVE_BASE, _ISSUER_DEPENDENT))
    + r")([^>]*)>"
)
# One shared object, so the resolver can recognise it by identity (see _Resolver).
_SENTINEL_CONTEXT: dict[str, Any] = {"@vocab": _UNDEFINED_VOCAB}


class DocumentLoader:
    """A pyld document loader over a fixed set of documents, keyed by URL.

    Each loader owns its resolved-context caches, so contexts processed for one loader are never
    served to another (pyld's module-level cache is keyed by URL only).
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents = dict(documents)
        self._copies = False
        self._init_caches(trusted=True)

    def _init_caches(self, *, trusted: bool) -> None:
        # Every dict inside the loader's documents, by id. The loader keeps the documents alive,
        # so an id here can never be reused by another object; the resolver still checks
        # identity (`is`) before trusting one. Document-supplied contexts never get in here.
        objects = _dicts_by_id(self._documents.values()) if trusted else {}
        objects[id(_SENTINEL_CONTEXT)] = _SENTINEL_CONTEXT
        self._trusted: dict[int, dict[str, Any]] = objects
        self._uses_import = any("@import" in d for d in objects.values())
        # Indexed by override_protected: pyld caches a processed context per active context
        # only, and a context processed where protected terms may be overridden (a property's
        # scoped context) must not be reused where they may not (an embedded context).
        self._contexts = (_ContextCache(), _ContextCache())
        self._clones: dict[str, frozendict[str, Any]] = {}
        # pyld keeps each context's processed forms in a cachetools LRU, which is not safe to
        # share between threads; expansion is CPU-bound under the GIL, so this costs nothing.
        self._lock = threading.Lock()

    def __call__(self, url: str, options: object = None) -> dict[str, Any]:
        try:
            document = self._documents[url]
        except KeyError:
            raise DocumentNotFound(url) from None
        if self._copies:
            document = deepcopy(document)
        # "static" lets pyld cache the resolved context (and its processed forms) across calls;
        # bundled documents never change while the process runs.
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}

    def __contains__(self, url: object) -> bool:
        return url in self._documents

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._documents)

    def with_documents(self, extra: Mapping[str, Any]) -> DocumentLoader:
        """A new loader serving these documents too (e.g. a test vector's example context)."""
        return DocumentLoader({**self._documents, **extra})

    def _isolated(self) -> DocumentLoader:
        """A loader over the same documents that hands out private copies, with empty caches.

        For documents pyld would otherwise modify in place: its ``@import`` handling merges
        the importing context into the imported document and caches the result under the
        imported URL, which would change every later expansion that uses that URL.
        """
        isolated = DocumentLoader.__new__(DocumentLoader)
        isolated._documents = self._documents
        isolated._copies = True
        isolated._init_caches(trusted=False)
        return isolated


class _ContextCache:
    """Resolved contexts (with their processed forms) of one loader."""

    __slots__ = ("by_content", "by_id", "by_url")

    def __init__(self) -> None:
        self.by_id: dict[int, ResolvedContext] = {}  # the loader's own objects
        self.by_url: dict[str, list[Any]] = {}  # the loader's own URLs
        self.by_content: dict[str, ResolvedContext] = {}  # contexts documents carry


_bundled: DocumentLoader | None = None


def bundled_loader() -> DocumentLoader:
    """The loader over the contexts in ``schemas/``, shared process-wide so its cache is warm."""
    global _bundled  # one loader per process: its cache is the point
    if _bundled is None:
        _bundled = DocumentLoader(schemas.bundled_documents("contexts"))
    return _bundled


def _dicts_by_id(documents: Any) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    stack = list(documents)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if id(item) not in found:
                found[id(item)] = item
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
