"""JSON-LD processing: the bundled document loader and RDFC-1.0 canonicalization.

Two rules shape this module:

* The loader serves only contexts bundled in ``schemas/`` (plus documents a caller passes in
  explicitly). It never touches the network and never falls back to pyld's global loader: a
  verifier that fetched contexts at verification time could be made to accept a credential
  whose meaning an attacker changed by serving a different context.
* Canonicalization runs in "safe mode". pyld silently drops properties and types its contexts do
  not define (or map to null), relative IRIs, and IRIs that are not well-formed, so a signature
  would not cover them. We detect all of them (see :func:`to_nquads`) and raise
  :class:`~credentials.errors.UndefinedTermError` naming the term or value, as jsonld.js does in
  its safe mode.

Speed matters here (every proof canonicalizes twice), so :func:`to_nquads` differs from a plain
``pyld.jsonld.to_rdf`` call in three ways, each checked against plain pyld by the tests:

* Context processing is cached per loader, including the type-scoped contexts of the OB
  context, which pyld itself re-processes for every node (see :class:`_Processor`).
* Expanded documents made only of node objects, strings, booleans, integers and language-tagged
  or typed strings -- every credential we issue -- are turned into N-Quads by
  :func:`_simple_nquads`; anything else goes through pyld's own node map.
* RDFC-1.0 itself runs in pyoxigraph (native code) instead of pyld's pure-Python URDNA2015.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import pyoxigraph
from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import escape as _escape_literal
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
# One shared object, so the resolver can recognise it by identity (see _Resolver).
_SENTINEL_CONTEXT: dict = {"@vocab": _UNDEFINED_VOCAB}

# The test pyld (and jsonld.js) apply before emitting a triple: an IRI failing it is dropped.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_BOOLEAN = _XSD + "boolean"
_XSD_INTEGER = _XSD + "integer"
_XSD_DOUBLE = _XSD + "double"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Caches keyed by pyld's active-context ``_uuid``: uuid1 values are never reused within a
# process and frozen (processed) contexts never change, so an entry can never go stale; the
# caps only bound memory. Plain dicts: single operations are atomic under the GIL.
_IRI_CACHE_CAP = 50_000  # small entries: (uuid, term, base) -> IRI
_CONTEXT_CACHE_CAP = 256  # each entry holds processed contexts, ~tens of kB each
_iri_cache: dict[tuple, Any] = {}


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
        self._trusted: dict[int, dict] = objects
        self._uses_import = any("@import" in d for d in objects.values())
        # Indexed by override_protected: pyld caches a processed context per active context
        # only, and a context processed where protected terms may be overridden (a property's
        # scoped context) must not be reused where they may not (an embedded context).
        self._contexts = (_ContextCache(), _ContextCache())
        self._clones: dict[str, frozendict] = {}
        # pyld keeps each context's processed forms in a cachetools LRU, which is not safe to
        # share between threads; expansion is CPU-bound under the GIL, so this costs nothing.
        self._lock = threading.Lock()

    def __call__(self, url: str, options: object = None) -> dict:
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
        self.by_url: dict[str, list] = {}  # the loader's own URLs
        self.by_content: dict[str, ResolvedContext] = {}  # contexts documents carry


def _bounded_put(cache: dict, key: Any, value: Any, cap: int = _CONTEXT_CACHE_CAP) -> None:
    # Plain dicts (single operations are atomic under the GIL, unlike cachetools' LRU); the cap
    # only bounds memory, e.g. against documents that each carry a different inline context.
    if len(cache) >= cap:
        cache.clear()
    cache[key] = value


_bundled: DocumentLoader | None = None


def bundled_loader() -> DocumentLoader:
    """The loader over the contexts in ``schemas/``, shared process-wide so its cache is warm."""
    global _bundled  # one loader per process: its cache is the point
    if _bundled is None:
        _bundled = DocumentLoader(schemas.bundled_documents("contexts"))
    return _bundled


def _dicts_by_id(documents: Any) -> dict[int, dict]:
    found: dict[int, dict] = {}
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


class _Resolver(ContextResolver):
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

    def resolve(self, active_ctx, context, base, cycles=None):
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

    def _get(self, key):
        cache = self.loader._contexts[self.override_protected]
        if key in self.loader:
            return cache.by_url.get(key)
        return cache.by_content.get(key)

    def _cache_resolved_context(self, key, resolved, tag):
        cache = self.loader._contexts[self.override_protected]
        if key in self.loader:
            cache.by_url[key] = resolved
        else:
            _bounded_put(cache.by_content, key, resolved)
        return resolved


class _Processor(jsonld.JsonLdProcessor):
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
        if not isinstance(resolver, _Resolver):
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        outer = resolver.override_protected
        resolver.override_protected = bool(override_protected)
        try:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        finally:
            resolver.override_protected = outer

    def _expand_iri(
        self,
        active_ctx,
        value,
        base=None,
        vocab=False,
        local_ctx=None,
        defined=None,
    ):
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
        self, active_ctx, active_property, expanded_active_property, element, *args, **kwargs
    ):
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
    for key in sorted(element) if isinstance(element, dict) else ():
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


def _options(loader: DocumentLoader, base: str) -> dict:
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


def _copy_json(value: Any, seen_import: list[bool]) -> Any:
    """A copy of a JSON value (dicts and lists copied, scalars shared); notes any ``@import``."""
    if isinstance(value, dict):
        if "@import" in value:
            seen_import[0] = True
        return {k: _copy_json(v, seen_import) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v, seen_import) for v in value]
    return value


def _with_sentinel_vocab(document: Mapping[str, Any]) -> tuple[dict, bool]:
    contexts = document.get("@context")
    if contexts is None:
        raise CanonicalizationError("document has no @context")
    if not isinstance(contexts, list):
        contexts = [contexts]
    seen_import = [False]
    copied = _copy_json({**document, "@context": contexts}, seen_import)
    copied["@context"] = [_SENTINEL_CONTEXT, *copied["@context"]]
    return copied, seen_import[0]


def _expand(document: dict, options: dict) -> list:
    """pyld's ``expand`` for an in-memory document we already copied (pyld would copy again)."""
    active_ctx = _PROCESSOR._get_initial_context(options)
    expanded = _PROCESSOR._expand(active_ctx, None, document, options, inside_list=False)
    if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
        expanded = expanded["@graph"]
    elif expanded is None:
        expanded = []
    return expanded if isinstance(expanded, list) else [expanded]


def to_nquads(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """The document's RDF dataset as (non-canonical) N-Quads, refusing undefined terms."""
    loader = loader or bundled_loader()
    try:
        prepared, uses_import = _with_sentinel_vocab(document)
        if uses_import or loader._uses_import:
            loader = loader._isolated()
        options = _options(loader, _RELATIVE_BASE)
        with loader._lock:
            expanded = _expand(prepared, options)
        try:
            nquads = _simple_nquads(expanded)
        except _NotSimple:
            _refuse_dropped_iris(expanded)
            nquads = _pyld_nquads(expanded, options)
    except (DocumentNotFound, UndefinedTermError, CanonicalizationError):
        raise
    except jsonld.JsonLdError as exc:
        cause = _document_not_found(exc)
        if cause is not None:
            raise cause from None
        raise CanonicalizationError(f"JSON-LD processing failed: {_describe(exc)}") from None
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
        raise CanonicalizationError(f"JSON-LD processing failed: {type(exc).__name__}") from None
    match = _FLAGGED.search(nquads)
    if match:
        relative = match.group(0).startswith("<" + _RELATIVE_BASE)
        raise UndefinedTermError(match.group(1) or match.group(0), relative_iri=relative)
    return nquads


def _pyld_nquads(expanded: list, options: dict) -> str:
    """The rest of pyld's ``to_rdf`` (3.3) after expansion: node map, triples, N-Quads."""
    issuer = IdentifierIssuer("_:b")
    node_map: dict = {"@default": {}}
    _PROCESSOR._create_node_map(expanded, node_map, "@default", issuer)
    dataset = {}
    for graph_name, graph in sorted(node_map.items()):
        if graph_name == "@default" or _ABSOLUTE_IRI.match(graph_name):
            dataset[graph_name] = _PROCESSOR._graph_to_rdf(graph, issuer, options)
    return _PROCESSOR.to_nquads(dataset)


class _NotSimple(Exception):
    """The expanded document uses a construct :func:`_simple_nquads` leaves to pyld."""


def _absolute(iri: str) -> str:
    # pyld drops a triple whose IRI fails this test; dropping silently is what safe mode forbids.
    if not _ABSOLUTE_IRI.match(iri):
        raise UndefinedTermError(iri, relative_iri=True)
    return iri


def _simple_nquads(expanded: list) -> str:
    """N-Quads of an expanded document made only of node objects and simple literals.

    Produces the same triples as pyld's node map + ``_graph_to_rdf`` + ``to_nquads`` (up to blank
    node labels and line order, which canonicalization erases), for the subset it accepts:
    node objects with ``@id``, ``@type`` and properties; values that are node objects or
    ``@value`` objects holding a string (plain, typed or language-tagged), a boolean or an
    integer. Anything else -- lists, graphs, reverse properties, ``@included``, ``@index``,
    ``@direction``, JSON literals, doubles -- raises :class:`_NotSimple` and goes to pyld.
    """
    lines: list[str] = []
    labels: dict[str, str] = {}

    def blank(label: str | None = None) -> str:
        if label is not None:
            issued = labels.get(label)
            if issued is None:
                issued = labels[label] = f"_:b{len(labels)}"
            return issued
        # A key no document label can be (they start with "_:"), so fresh nodes never collide.
        return blank(f"fresh {len(labels)}")

    def reference(iri: str) -> str:
        if iri.startswith("_:"):
            return blank(iri)
        return f"<{_absolute(iri)}>"

    def node(item: dict) -> str:
        node_id = item.get("@id")
        if node_id is None:
            subject = blank()
        elif type(node_id) is str:
            subject = reference(node_id)
        else:
            raise _NotSimple
        for key, values in item.items():
            if key == "@id":
                continue
            if type(values) is not list:
                raise _NotSimple
            if key == "@type":
                for type_ in values:
                    if type(type_) is not str:
                        raise _NotSimple
                    lines.append(f"{subject} {_RDF_TYPE} {reference(type_)} .\n")
                continue
            if key.startswith("@"):
                raise _NotSimple
            if key.startswith("_:"):
                # pyld drops blank-node predicates (no generalized RDF): a dropped property.
                raise UndefinedTermError(key)
            predicate = f"<{_absolute(key)}>"
            for value in values:
                if type(value) is not dict:
                    raise _NotSimple
                if "@value" in value:
                    obj = _literal(value)
                elif "@list" in value or "@set" in value:
                    raise _NotSimple
                else:
                    obj = node(value)
                lines.append(f"{subject} {predicate} {obj} .\n")
        return subject

    for item in expanded:
        if type(item) is not dict or "@value" in item or "@list" in item:
            raise _NotSimple
        node(item)
    return "".join(lines)


def _literal(item: dict) -> str:
    """One ``@value`` object as an N-Quads literal, exactly as pyld writes it."""
    if not item.keys() <= {"@value", "@type", "@language"}:
        raise _NotSimple
    value = item["@value"]
    datatype = item.get("@type")
    language = item.get("@language")
    if datatype is not None and (
        type(datatype) is not str
        or datatype.startswith(("@", "_:"))
        or datatype in (_XSD_DOUBLE, _RDF_LANGSTRING)
    ):
        raise _NotSimple
    kind = type(value)
    if kind is str:
        lexical = value
    elif kind is bool:
        lexical = "true" if value else "false"
        datatype = datatype or _XSD_BOOLEAN
    elif kind is int and abs(value) < 10**21:
        lexical = str(value)
        datatype = datatype or _XSD_INTEGER
    else:
        raise _NotSimple
    if language is not None:
        if kind is not str or datatype is not None or type(language) is not str or not language:
            raise _NotSimple
        return f'"{_escape_literal(lexical)}"@{language}'
    if datatype is None or datatype == _XSD_STRING:
        return f'"{_escape_literal(lexical)}"'
    return f'"{_escape_literal(lexical)}"^^<{datatype}>'


def _refuse_dropped_iris(item: Any) -> None:
    """Raise if pyld's RDF conversion would silently drop an IRI of this expanded document."""
    if isinstance(item, list):
        for entry in item:
            _refuse_dropped_iris(entry)
        return
    if not isinstance(item, dict) or "@value" in item:
        return
    for key, value in item.items():
        if key == "@id":
            if isinstance(value, str) and not value.startswith("_:"):
                _absolute(value)
        elif key == "@type":
            for type_ in value if isinstance(value, list) else [value]:
                if isinstance(type_, str) and not type_.startswith("_:"):
                    _absolute(type_)
        elif key == "@reverse" and isinstance(value, dict):
            for reverse_key, entries in value.items():
                _refuse_dropped_predicate(reverse_key)
                _refuse_dropped_iris(entries)
        elif key.startswith("@"):
            _refuse_dropped_iris(value)
        else:
            _refuse_dropped_predicate(key)
            _refuse_dropped_iris(value)


def _refuse_dropped_predicate(key: str) -> None:
    if key.startswith("_:"):
        raise UndefinedTermError(key)
    _absolute(key)


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode, bundled contexts only)."""
    return canonicalize_nquads(to_nquads(document, loader))


def canonicalize_nquads(nquads: str) -> str:
    """RDFC-1.0 of an N-Quads dataset.

    pyoxigraph's native RDFC-1.0 is several times faster than pyld's pure-Python URDNA2015 and
    gives byte-identical output (tests compare both on every vector and on our credentials),
    except that it escapes control characters as RDFC-1.0 requires and pyld does not.
    """
    try:
        dataset = pyoxigraph.Dataset(
            pyoxigraph.parse(nquads.encode("utf-8"), format=pyoxigraph.RdfFormat.N_QUADS)
        )
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError) as exc:
        raise CanonicalizationError(f"RDF canonicalization failed: {exc}") from None
    # Canonical N-Quads: one quad per line, lines in code point order. Split on "\n" only (a
    # literal's own newlines are escaped; str.splitlines would also split at U+2028, U+0085…).
    lines = [line + "\n" for line in serialized.decode("utf-8").split("\n") if line]
    lines.sort()
    return "".join(lines)


def canonicalize_with_pyld(document: Mapping[str, Any], loader: DocumentLoader | None) -> str:
    """Reference path used by tests to cross-check :func:`canonicalize`: plain pyld.

    pyld's stock processor and URDNA2015, with a fresh context cache and private copies of the
    loader's documents, so nothing :func:`canonicalize` caches (or pyld modifies) is shared.
    No safe-mode checks here: it is what pyld alone produces.
    """
    loader = (loader or bundled_loader())._isolated()
    options = {
        "documentLoader": loader,
        "contextResolver": ContextResolver(LRUCache(maxsize=100), loader),
        "base": "",
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
    }
    return jsonld.JsonLdProcessor().normalize(deepcopy(dict(document)), options)


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
