"""Refuse documents whose JSON keys do not say what their signature covers.

A Data Integrity proof covers the RDF graph (RDFC-1.0), not the JSON. Many JSON texts give the
same graph: a term written as its full IRI (``"https://www.w3.org/2018/credentials#validUntil"``
instead of ``"validUntil"``), an inline ``@context`` aliasing a term (``"expires"``), a value
object (``{"@value": …}``), ``"@type"`` instead of ``"type"``. The signature verifies for all of
them, but every check after it (status, validity period, issuer, types, schema) and every page
reads plain JSON keys. Rewritten that way, a revoked and expired credential would read as having
no status entry and no end date: "valid".

So verification accepts only the *bound form*: every key of every node is a term of the
bundled contexts (or ``@context``), so what a check or a page reads under a key is what the
graph binds to that key's IRI. Concretely (each rule closes one rewrite; the tests try them all):

* no key containing ``:`` (full or compact IRIs) and no keyword keys (``@id``, ``@type``,
  ``@graph``, ``@included``, ``@reverse``, ``@nest``, ``@list``, …) outside value objects;
* value objects only with ``@language``/``@direction``, and only under human-text properties
  (a name in two languages is legitimate VC 2.0; a typed ``@value`` for ``validUntil`` is not);
* ``type`` values are terms, not IRIs (a full-IRI type would switch off the type-scoped context
  and the Open Badges checks keyed on it);
* ``@context`` only at the top (and, for eddsa-jcs-2022, in a proof as a leading part of the
  document's own, which defines the same terms); inline context objects may add new terms of
  their own but not alias a keyword, reuse a bundled term's name or IRI, point into the
  VC/OB/security vocabularies, act as a prefix, carry scoped contexts, or set ``@vocab``,
  ``@base`` or ``@import``.

The first context must be the VC one (checked by :mod:`credentials.verify`); VC and OB contexts
are ``@protected``, so with bundled contexts only, reordering the rest cannot change what a
term means. What stays allowed is an issuer's own extension terms, which no check reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .jsonld import DocumentLoader

# Properties holding text for people, where a language-tagged value object is legitimate
# (VC 2.0 §11.1). Checks never read these; pages show them.
HUMAN_TEXT = frozenset(
    {"name", "description", "narrative", "genre", "audience", "fieldOfStudy",
     "specialization", "tag", "humanCode", "title", "caption", "creditsAvailable"}
)
_VALUE_KEYS = frozenset({"@value", "@language", "@direction"})
_INLINE_KEYWORDS = frozenset({"@version", "@language", "@direction", "@protected"})
# Vocabularies whose meaning the checks and pages rely on: an inline term must not point there.
_RESERVED_NAMESPACES = (
    "https://www.w3.org/2018/credentials",
    "https://www.w3.org/ns/credentials/",
    "https://purl.imsglobal.org/spec/",
    "https://w3id.org/security",
    "https://w3id.org/vc/",
    "https://schema.org/",
    "http://schema.org/",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
)
# JSON-LD 1.1 §4.4.2: a simple term whose IRI ends with one of these can serve as a prefix.
_GEN_DELIMS = tuple(":/?#[]@")
# Values that are documents of their own (a presentation's credentials, an embedded
# EndorsementCredential): each carries its own @context and is verified, and walked, on its own.
_EMBEDDED_DOCUMENTS = frozenset({"verifiableCredential", "endorsement"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")  # RFC 3986 §3.1; a term there is a prefix
_INDEX_CACHE: dict[frozenset[str], _TermIndex] = {}


class _TermIndex:
    """Term names, their IRIs, and @json-typed terms, over every context a loader serves."""

    def __init__(self, loader: DocumentLoader) -> None:
        self.names: set[str] = set()
        self.iris: set[str] = set()
        self.json_terms: set[str] = set()
        for url in sorted(loader.urls):
            try:
                document = loader(url)["document"]
            except Exception:  # noqa: S112 -- a loader entry that is not a context has no terms
                continue
            if isinstance(document, Mapping):
                self._walk(document.get("@context"), {})

    def _walk(self, context: Any, prefixes: dict[str, str]) -> None:
        if isinstance(context, list):
            for item in context:
                self._walk(item, prefixes)
            return
        if not isinstance(context, Mapping):
            return
        local = dict(prefixes)
        for term, definition in context.items():
            if isinstance(definition, str):
                local[term] = definition
        for term, definition in context.items():
            if term.startswith("@"):
                continue
            self.names.add(term)
            iri = definition.get("@id") if isinstance(definition, Mapping) else definition
            if isinstance(iri, str):
                self.iris.add(_expand(iri, local))
            if isinstance(definition, Mapping):
                if definition.get("@type") == "@json":
                    self.json_terms.add(term)
                self._walk(definition.get("@context"), local)


def _expand(iri: str, prefixes: Mapping[str, str]) -> str:
    prefix, sep, rest = iri.partition(":")
    if sep and not rest.startswith("//") and isinstance(prefixes.get(prefix), str):
        return prefixes[prefix] + rest
    return iri


def _index(loader: DocumentLoader) -> _TermIndex:
    key = loader.urls
    index = _INDEX_CACHE.get(key)
    if index is None:
        if len(_INDEX_CACHE) > 32:  # test loaders with extra documents; bound memory
            _INDEX_CACHE.clear()
        index = _INDEX_CACHE[key] = _TermIndex(loader)
    return index


def unbound_reason(document: Mapping[str, Any], loader: DocumentLoader) -> str | None:
    """Why ``document``'s JSON keys may not say what its graph says; None if they do."""
    index = _index(loader)
    contexts = document.get("@context")
    for position, context in enumerate(contexts if isinstance(contexts, list) else [contexts]):
        if isinstance(context, Mapping):
            reason = _inline_context_reason(context, index)
            if reason:
                return f"@context[{position}]: {reason}"
        elif not isinstance(context, str):
            return f"@context[{position}] is neither a context URL nor a context object"
    # Iterative walk (documents are depth-limited already, but a stack costs nothing here).
    stack: list[tuple[str, Any, str | None]] = [("", document, None)]
    while stack:
        path, node, parent_key = stack.pop()
        if isinstance(node, list):
            stack.extend((f"{path}[{i}]", item, parent_key) for i, item in enumerate(node))
            continue
        if not isinstance(node, Mapping):
            continue
        if "@value" in node:
            reason = _value_object_reason(node, parent_key)
            if reason:
                return f"{path or '/'}: {reason}"
            continue
        for key, value in node.items():
            where = f"{path}/{key}"
            if key == "@context":
                if path and not (_PROOF_PATH.fullmatch(path)
                                 and _leading(contexts, value)):
                    return f"{where}: embedded contexts are not accepted (only a top-level one)"
                continue
            if key.startswith("@"):
                return (f"{where}: the keyword {key} is used as a key; write the term "
                        "its context defines (e.g. id, type)")
            if ":" in key:
                return (f"{where}: a property written as an IRI; write the term its context "
                        "defines, so that what is checked is what was signed")
            if key == "type":
                reason = _type_reason(value)
                if reason:
                    return f"{where}: {reason}"
            if key in index.json_terms:
                continue  # a JSON literal: its keys are data, not terms
            if key in _EMBEDDED_DOCUMENTS and _all_documents(value):
                continue
            stack.append((where, value, key))
    return None


# eddsa-jcs-2022 puts the document's @context in each proof (vc-di-eddsa §3.3.1 step 2) and
# verification requires the document's to start with it (§3.3.2 step 4.1): the same contexts in
# the same order define the same terms, so the proof's keys still mean what the document's mean.
_PROOF_PATH = re.compile(r"/proof(\[[0-9]+\])?")


def _leading(contexts: Any, candidate: Any) -> bool:
    """``candidate`` is the document's ``@context`` or a leading part of it."""
    whole = contexts if isinstance(contexts, list) else [contexts]
    part = candidate if isinstance(candidate, list) else [candidate]
    return 0 < len(part) <= len(whole) and whole[:len(part)] == part


def _all_documents(value: Any) -> bool:
    items = value if isinstance(value, list) else [value]
    return all(isinstance(item, Mapping) and "@context" in item for item in items)


def _value_object_reason(node: Mapping[str, Any], parent_key: str | None) -> str | None:
    extra = set(node) - _VALUE_KEYS
    if extra:
        return (f"a value object with {', '.join(sorted(extra))}; only language-tagged "
                "text is accepted")
    if parent_key not in HUMAN_TEXT:
        return (f"a value object under {parent_key!r}; value objects are accepted only for "
                "human-readable text (names, descriptions)")
    if not isinstance(node.get("@value"), str):
        return "a value object whose @value is not text"
    return None


def _type_reason(value: Any) -> str | None:
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, str):
            return "a type that is not a string"
        if ":" in item:
            return f"the type {item!r} is written as an IRI; write the term its context defines"
    return None


def _inline_context_reason(context: Mapping[str, Any], index: _TermIndex) -> str | None:
    for term, definition in context.items():
        if term.startswith("@"):
            if term not in _INLINE_KEYWORDS:
                return f"an inline context setting {term} is not accepted"
            continue
        if term in index.names:
            return f"an inline context redefines the term {term!r} of a bundled context"
        if ":" in term:
            return f"an inline context defines the IRI-like term {term!r}"
        # Checked below for what it is: a definition's "@id" may be any JSON value.
        iri: object
        if isinstance(definition, str):
            iri = definition
        elif isinstance(definition, Mapping):
            allowed = {"@id", "@type", "@container", "@language", "@direction", "@protected"}
            extra = set(definition) - allowed
            if extra:
                return (f"the inline term {term!r} uses {', '.join(sorted(extra))}, "
                        "which is not accepted")
            if definition.get("@container") not in (None, "@set", "@list", "@language"):
                return f"the inline term {term!r} uses an index or id container"
            iri = definition.get("@id")
        else:
            return f"the inline term {term!r} has no IRI"
        if not isinstance(iri, str) or not iri:
            return f"the inline term {term!r} has no IRI"
        if iri.startswith("@"):
            return f"the inline term {term!r} aliases the keyword {iri}"
        scheme, sep, _ = iri.partition(":")
        if not sep or not _SCHEME.match(scheme) or scheme in index.names:
            return f"the inline term {term!r} maps to {iri!r}, which is not an absolute IRI"
        if iri in index.iris or iri.startswith(_RESERVED_NAMESPACES):
            return (f"the inline term {term!r} maps to {iri!r}, a property of the VC or Open "
                    "Badges vocabularies; write that property's own term")
        if iri.endswith(_GEN_DELIMS):
            return f"the inline term {term!r} could act as a prefix ({iri!r})"
    return None
