"""pyld, made fast and safe for canonicalization: a caching context resolver and processor.

Context processing is cached per loader, including the type-scoped contexts of the OB context,
which pyld itself re-processes for every node (see :class:`_Processor`); a key pyld would drop
while expanding raises :class:`~credentials.errors.UndefinedTermError` instead.
"""

from __future__ import annotations

import uuid
from typing import Any

from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

from .errors import UndefinedTermError
from .jsonld_loader import DocumentLoader

# Caches keyed by pyld's active-context ``_uuid``: uuid1 values are never reused within a
# process and frozen (processed) contexts never change, so an entry can never go stale; the
# caps only bound memory. Plain dicts: single operations are atomic under the GIL.
_IRI_CACHE_CAP = 50_000  # small entries: (uuid, term, base) -> IRI
_CONTEXT_CACHE_CAP = 256  # each entry holds processed contexts, ~tens of kB each
_iri_cache: dict[tuple[Any, ...], Any] = {}


def _bounded_put(
    cache: dict[Any, Any], key: Any, value: Any, cap: int = _CONTEXT_CACHE_CAP
) -> None:
    # Plain dicts (single operations are atomic under the GIL, unlike cachetools' LRU); the cap
    # only bounds memory, e.g. against documents that each carry a different inline context.
    if len(cache) >= cap:
        cache.clear()
    cache[key] = value


# pyld ships no type information: its classes are Any to mypy.
class _Resolver(ContextResolver):  # type: ignore[misc]
    """pyld's context resolver, caching in the loader (see :class:`_ContextCache`).

    pyld keys an inline context (e.g. a type-scoped context inside the OB context) by its
    canonical JSON, recomputed on every use. The loader's own objects are keyed by identity
    instead: they are immutable for the loader's lifetime, so this cannot confuse two contexts.
    Everything else -- in particular contexts a document carries -- keeps pyld's content key.
    """

    def __init__(self, loader: DocumentLoader) -> None:
        super().__init__(None, loader)
        self.loader = loader
        #: Set by :class:`_Processor` around each context it processes.
        self.override_protected = False

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        if (
            type(context) is dict
            and "@context" not in context
            and self.loader._trusted.get(id(context)) is context
        ):
            by_id = self.loader._contexts[self.override_protected].by_id
            resolved = by_id.get(id(context))
            if resolved is None:
                resolved = by_id[id(context)] = ResolvedContext(context)
            return [resolved]
        return super().resolve(active_ctx, context, base, cycles)

    def _get(self, key: Any) -> Any:
        cache = self.loader._contexts[self.override_protected]
        if key in self.loader:
            return cache.by_url.get(key)
        return cache.by_content.get(key)

    def _cache_resolved_context(self, key: Any, resolved: Any, tag: Any) -> Any:
        cache = self.loader._contexts[self.override_protected]
        if key in self.loader:
            cache.by_url[key] = resolved
        else:
            _bounded_put(cache.by_content, key, resolved)
        return resolved


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]  # untyped pyld, as above
    """pyld's processor with two caches and a safe-mode hook; used only by this module.

    pyld's globals are left untouched: other users of pyld in the process see stock behaviour.

    * A type-scoped context is applied with ``@propagate: false``: pyld then clones the active
      context into a child with a fresh ``_uuid``, so its processed-context cache, keyed by that
      uuid, never hits and the context is re-processed for every node. We reuse one clone per
      parent context, which makes the cache hit; the clone is identical to the one pyld would
      build (same mappings, same ``previousContext``).
    * Term/IRI expansion against a frozen (processed) context is memoised: its result depends
      only on that context, the value and the base.
    * A key pyld drops while expanding raises :class:`UndefinedTermError` naming it.
    """

    def _process_context(
        self, active_ctx: Any, local_ctx: Any, options: Any, override_protected: Any = False,
        propagate: Any = True, validate_scoped: Any = True, cycles: Any = None,
    ) -> Any:
        resolver = options.get("contextResolver")
        if (
            not propagate
            and isinstance(resolver, _Resolver)
            and type(active_ctx) is frozendict
            and "_uuid" in active_ctx
            and not active_ctx.get("previousContext")
            and _may_not_propagate(local_ctx)
        ):
            clones = resolver.loader._clones
            clone = clones.get(active_ctx["_uuid"])
            if clone is None:
                child = self._clone_active_context(active_ctx)
                child["previousContext"] = active_ctx
                child["_uuid"] = str(uuid.uuid1())
                # Frozen: pyld never writes to an active context it did not just create, and
                # if it ever tried, we would rather fail than share a modified clone.
                clone = frozendict(child)
                _bounded_put(clones, active_ctx["_uuid"], clone)
            active_ctx = clone
        args = (active_ctx, local_ctx, options, override_protected, propagate, validate_scoped,
                cycles)
        if not isinstance(resolver, _Resolver):
            return super()._process_context(*args)
        outer = resolver.override_protected
        resolver.override_protected = bool(override_protected)
        try:
            return super()._process_context(*args)
        finally:
            resolver.override_protected = outer

    def _expand_iri(
        self, active_ctx: Any, value: Any, base: Any = None, vocab: Any = False,
        local_ctx: Any = None, defined: Any = None,
    ) -> Any:
        if vocab and local_ctx is None and type(active_ctx) is frozendict:
            # The hot path of expansion (hundreds of calls per credential): one lookup on a hit.
            try:
                return _iri_cache[active_ctx["_uuid"], value, base]
            except (KeyError, TypeError):
                pass
            result = super()._expand_iri(active_ctx, value, base, vocab)
            if type(value) is str and "_uuid" in active_ctx:
                _bounded_put(_iri_cache, (active_ctx["_uuid"], value, base), result, _IRI_CACHE_CAP)
            return result
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)

    def _expand_object(
        self, active_ctx: Any, active_property: Any, expanded_active_property: Any,
        element: Any, *args: Any, **kwargs: Any,
    ) -> Any:
        try:
            return super()._expand_object(
                active_ctx, active_property, expanded_active_property, element, *args, **kwargs
            )
        except _DroppedProperty as dropped:
            # Innermost frame: the one whose element holds the key; name it from there.
            key = _dropped_key(self, active_ctx, element, dropped.expanded)
            raise UndefinedTermError(key) from None


class _DroppedProperty(Exception):
    def __init__(self, expanded: str | None) -> None:
        super().__init__(expanded)
        self.expanded = expanded


def _refuse_dropped_property(expanded: str | None) -> None:
    # pyld calls this for each key it drops while expanding: a term its context maps to null, a
    # keyword-like "@foo", or a term expanding to no absolute IRI (e.g. "my term" with a space
    # under our sentinel @vocab). jsonld.js's safe mode refuses all of these as well.
    raise _DroppedProperty(expanded)


def _dropped_key(processor: _Processor, active_ctx: Any, element: Any, expanded: Any) -> str:
    keys: list[str] = sorted(element) if isinstance(element, dict) else []
    for key in keys:
        if key != "@context" and processor._expand_iri(active_ctx, key, vocab=True) == expanded:
            return key
    return str(expanded)


def _may_not_propagate(local_ctx: Any) -> bool:
    # The shape pyld's type-scoped contexts take: one object. pyld decides @propagate from the
    # first context itself; leave anything that could say "true" to pyld's own path.
    return (
        type(local_ctx) is dict
        and "@context" not in local_ctx
        and local_ctx.get("@propagate") is not True
    )


_PROCESSOR = _Processor(on_property_dropped=_refuse_dropped_property)


def _options(loader: DocumentLoader, base: str) -> dict[str, Any]:
    return {
        "documentLoader": loader,
        "contextResolver": _Resolver(loader),
        "base": base,
        "format": "application/n-quads",
        "processingMode": "json-ld-1.1",
        "isFrame": False,
        "keepFreeFloatingNodes": False,
        "extractAllScripts": False,
        "produceGeneralizedRdf": False,
    }


def _expand(document: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    """pyld's ``expand`` for an in-memory document we already copied (pyld would copy again)."""
    active_ctx = _PROCESSOR._get_initial_context(options)
    expanded = _PROCESSOR._expand(active_ctx, None, document, options, inside_list=False)
    if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
        expanded = expanded["@graph"]
    elif expanded is None:
        expanded = []
    return expanded if isinstance(expanded, list) else [expanded]
