"""JSON-LD processing: the bundled document loader and RDFC-1.0 canonicalization.

Two rules shape this module:

* The loader serves only contexts bundled in ``schemas/`` (plus documents a caller passes in
  explicitly). It never touches the network and never falls back to pyld's global loader: a
  verifier that fetched contexts at verification time could be made to accept a credential
  whose meaning an attacker changed by serving a different context.
* Canonicalization runs in "safe mode". pyld silently drops properties and types its contexts do
  not define, and relative IRIs, so a signature would not cover them. We detect both (see
  :func:`to_nquads`) and raise :class:`~credentials.errors.UndefinedTermError` naming the term.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import pyoxigraph
from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

import schemas

from .errors import CanonicalizationError, DocumentNotFound, UndefinedTermError

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


class DocumentLoader:
    """A pyld document loader over a fixed set of documents, keyed by URL.

    Each loader owns its resolved-context cache, so contexts processed for one loader are never
    served to another (pyld's module-level cache is keyed by URL only).
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents = dict(documents)
        self.context_cache: LRUCache = LRUCache(maxsize=256)
        self._bundled_objects = _objects_by_id(self._documents.values())
        self._bundled_resolved: dict[int, ResolvedContext] = {}
        self._clone_cache: LRUCache = LRUCache(maxsize=1024)

    def __call__(self, url: str, options: object = None) -> dict:
        try:
            document = self._documents[url]
        except KeyError:
            raise DocumentNotFound(url) from None
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


_bundled: DocumentLoader | None = None


def bundled_loader() -> DocumentLoader:
    """The loader over the contexts in ``schemas/``, shared process-wide so its cache is warm."""
    global _bundled  # noqa: PLW0603 - one immutable loader per process; its cache is the point
    if _bundled is None:
        _bundled = DocumentLoader(schemas.bundled_documents("contexts"))
    return _bundled


def _objects_by_id(documents: Any) -> dict[int, dict]:
    found: dict[int, dict] = {}
    stack = list(documents)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found[id(item)] = item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class _Resolver(ContextResolver):
    def __init__(self, loader: DocumentLoader) -> None:
        super().__init__(loader.context_cache, loader)
        self.loader = loader

    def resolve(self, active_ctx, context, base, cycles=None):  # noqa: ANN001, ANN201
        if (
            isinstance(context, dict)
            and self.loader._bundled_objects.get(id(context)) is context
            and "@context" not in context
        ):
            resolved = self.loader._bundled_resolved.get(id(context))
            if resolved is None:
                resolved = self.loader._bundled_resolved[id(context)] = ResolvedContext(context)
            return [resolved]
        return super().resolve(active_ctx, context, base, cycles)


class _Processor(jsonld.JsonLdProcessor):
    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        resolver = options.get("contextResolver")
        if (
            not propagate
            and isinstance(resolver, _Resolver)
            and isinstance(active_ctx, frozendict)
            and "_uuid" in active_ctx
            and not active_ctx.get("previousContext")
            and isinstance(local_ctx, dict)
            and "@context" not in local_ctx
            and local_ctx.get("@propagate") is not True
        ):
            cache = resolver.loader._clone_cache
            clone = cache.get(active_ctx["_uuid"])
            if clone is None:
                clone = self._clone_active_context(active_ctx)
                clone["previousContext"] = active_ctx
                clone["_uuid"] = str(uuid.uuid1())
                clone = cache[active_ctx["_uuid"]] = frozendict(clone)
            active_ctx = clone
        return super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        if local_ctx is None and vocab and type(value) is str and type(active_ctx) is frozendict:
            key = (active_ctx["_uuid"], value, base)
            try:
                return _IRI_MEMO[key]
            except KeyError:
                pass
            result = super()._expand_iri(active_ctx, value, base, vocab)
            if len(_IRI_MEMO) > 100000:
                _IRI_MEMO.clear()
            _IRI_MEMO[key] = result
            return result
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)


_IRI_MEMO = {}
_PROCESSOR = _Processor()


def _options(loader: DocumentLoader, base: str) -> dict:
    return {
        "documentLoader": loader,
        "contextResolver": _Resolver(loader),
        "base": base,
        "format": "application/n-quads",
        "safe": True,
    }


def _with_sentinel_vocab(document: Mapping[str, Any]) -> dict:
    contexts = document.get("@context")
    if contexts is None:
        raise CanonicalizationError("document has no @context")
    if not isinstance(contexts, list):
        contexts = [contexts]
    return {**document, "@context": [{"@vocab": _UNDEFINED_VOCAB}, *contexts]}


def to_nquads(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """The document's RDF dataset as (non-canonical) N-Quads, refusing undefined terms."""
    loader = loader or bundled_loader()
    try:
        nquads = _PROCESSOR.to_rdf(_with_sentinel_vocab(document), _options(loader, _RELATIVE_BASE))
    except DocumentNotFound:
        raise
    except jsonld.JsonLdError as exc:
        cause = _document_not_found(exc)
        if cause is not None:
            raise cause from None
        raise CanonicalizationError(f"JSON-LD processing failed: {_describe(exc)}") from None
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise CanonicalizationError(f"JSON-LD processing failed: {type(exc).__name__}") from None
    match = _FLAGGED.search(nquads)
    if match:
        relative = match.group(0).startswith("<" + _RELATIVE_BASE)
        raise UndefinedTermError(match.group(1) or match.group(0), relative_iri=relative)
    return nquads


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, bundled contexts only)."""
    return canonicalize_nquads(to_nquads(document, loader))


def canonicalize_nquads(nquads: str) -> str:
    """RDFC-1.0 of an N-Quads dataset.

    pyoxigraph's native RDFC-1.0 is several times faster than pyld's pure-Python URDNA2015 and
    gives byte-identical output (tests compare both on every vector and on our credentials).
    """
    try:
        dataset = pyoxigraph.Dataset(
            pyoxigraph.parse(nquads.encode("utf-8"), format=pyoxigraph.RdfFormat.N_QUADS)
        )
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    except (SyntaxError, ValueError) as exc:
        raise CanonicalizationError(f"RDF canonicalization failed: {exc}") from None
    lines = sorted(f"{quad} .\n" for quad in dataset)
    return "".join(lines)


def canonicalize_with_pyld(document: Mapping[str, Any], loader: DocumentLoader | None) -> str:
    """Reference path (pyld's URDNA2015) used by tests to cross-check :func:`canonicalize`."""
    loader = loader or bundled_loader()
    options = {
        "documentLoader": loader,
        "contextResolver": ContextResolver(LRUCache(maxsize=256), loader),
        "base": "",
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
    }
    return jsonld.normalize(deepcopy(dict(document)), options)


def _document_not_found(exc: BaseException) -> DocumentNotFound | None:
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DocumentNotFound):
            return current
        details = getattr(current, "details", None)
        if isinstance(details, dict):
            cause = details.get("cause")
            if isinstance(cause, BaseException):
                found = _document_not_found(cause)
                if found:
                    return found
        current = current.__cause__ or current.__context__
    return None


def _describe(exc: BaseException) -> str:
    """The innermost JSON-LD error's message and code; no Python internals."""
    current: BaseException = exc
    while isinstance(current.__cause__, jsonld.JsonLdError):
        current = current.__cause__
    code = getattr(current, "code", None)
    message = str(getattr(current, "message", "") or current.args[0] if current.args else "")
    return f"{message} ({code})" if code else message
