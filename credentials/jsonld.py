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

This module is the front door; the parts live in :mod:`credentials.jsonld_loader` (the loader),
:mod:`credentials.jsonld_processor` (pyld's resolver and processor, cached and in safe mode) and
:mod:`credentials.jsonld_nquads` (expanded documents to N-Quads).
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import pyoxigraph
from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from .errors import CanonicalizationError, DocumentNotFound, UndefinedTermError
from .jsonld_loader import (
    _FLAGGED,
    _RELATIVE_BASE,
    _SENTINEL_CONTEXT,
    DocumentLoader,
    bundled_loader,
)
from .jsonld_nquads import _NotSimple, _pyld_nquads, _refuse_dropped_iris, _simple_nquads
from .jsonld_processor import _expand, _options
from .jsonld_processor import _Processor as _Processor  # tests patch it here

__all__ = [
    "DocumentLoader",
    "bundled_loader",
    "canonicalize",
    "canonicalize_nquads",
    "canonicalize_with_pyld",
    "to_nquads",
]


def _copy_json(value: Any, seen_import: list[bool]) -> Any:
    """A copy of a JSON value (dicts and lists copied, scalars shared); notes any ``@import``."""
    if isinstance(value, dict):
        if "@import" in value:
            seen_import[0] = True
        return {k: _copy_json(v, seen_import) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v, seen_import) for v in value]
    return value


def _with_sentinel_vocab(document: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    contexts = document.get("@context")
    if contexts is None:
        raise CanonicalizationError("document has no @context")
    if not isinstance(contexts, list):
        contexts = [contexts]
    seen_import = [False]
    copied = _copy_json({**document, "@context": contexts}, seen_import)
    copied["@context"] = [_SENTINEL_CONTEXT, *copied["@context"]]
    return copied, seen_import[0]


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
        # Without an output file, serialize returns the bytes (it is typed for both cases).
        assert serialized is not None
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
    # Untyped pyld; with a "format" option, normalize returns the N-Quads text.
    nquads: str = jsonld.JsonLdProcessor().normalize(deepcopy(dict(document)), options)
    return nquads


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
