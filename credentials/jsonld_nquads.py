"""Expanded JSON-LD to N-Quads: a fast path for the simple documents we issue, pyld's node map
for the rest, and the safe-mode check that no IRI is dropped on the way."""

from __future__ import annotations

import re
from typing import Any

from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import escape as _escape_literal

from .errors import UndefinedTermError
from .jsonld_processor import _PROCESSOR

# The test pyld (and jsonld.js) apply before emitting a triple: an IRI failing it is dropped.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_BOOLEAN = _XSD + "boolean"
_XSD_INTEGER = _XSD + "integer"
_XSD_DOUBLE = _XSD + "double"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _pyld_nquads(expanded: list[Any], options: dict[str, Any]) -> str:
    """The rest of pyld's ``to_rdf`` (3.3) after expansion: node map, triples, N-Quads."""
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    _PROCESSOR._create_node_map(expanded, node_map, "@default", issuer)
    dataset = {}
    for graph_name, graph in sorted(node_map.items()):
        if graph_name == "@default" or _ABSOLUTE_IRI.match(graph_name):
            dataset[graph_name] = _PROCESSOR._graph_to_rdf(graph, issuer, options)
    nquads: str = _PROCESSOR.to_nquads(dataset)  # untyped pyld
    return nquads


class _NotSimple(Exception):
    """The expanded document uses a construct :func:`_simple_nquads` leaves to pyld."""


def _absolute(iri: str) -> str:
    # pyld drops a triple whose IRI fails this test; dropping silently is what safe mode forbids.
    if not _ABSOLUTE_IRI.match(iri):
        raise UndefinedTermError(iri, relative_iri=True)
    return iri


def _simple_nquads(expanded: list[Any]) -> str:
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

    def node(item: dict[str, Any]) -> str:
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


def _literal(item: dict[str, Any]) -> str:
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
