"""Package → CASE 1.1 CFPackage, and comparisons of packages by their CASE content.

The documented normalisations (see :mod:`badge_service.formats.case`) are applied here, and only
where the input differs from them, so that an unedited package is written back byte for byte.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import replace
from typing import Any

from badge_service.formats.case.model import (
    _PACKAGE_KEYS,
    KINDS,
    Package,
    derived_identifier,
    fold,
    item_title,
    tree_order,
)

_DOCUMENT_URI = re.compile(r"^(?P<base>.+)/CFDocuments/[^/]+$")


def sibling_uri(document_uri: str | None, kind: str, identifier: str) -> str:
    """The URI of a CASE object next to its document's (``…/CFItems/<id>`` beside
    ``…/CFDocuments/<doc>``), else a URN."""
    match = _DOCUMENT_URI.match(document_uri or "")
    if match:
        return f"{match['base']}/{kind}/{identifier}"
    try:
        return f"urn:uuid:{uuid.UUID(identifier)}"
    except ValueError:
        return f"urn:case:{kind}:{identifier}"


def assign_uris(package: Package, base_url: str) -> Package:
    """The package with a URI on the document and every item (new objects get
    ``<base_url>/ims/case/v1p1/<CFType>s/<identifier>``, the CASE REST layout)."""
    doc_uri = package.uri or f"{base_url}/ims/case/v1p1/CFDocuments/{package.identifier}"
    items = [item if item.uri else replace(item, uri=sibling_uri(doc_uri, "CFItems",
                                                                   item.identifier))
             for item in package.items]
    return replace(package, uri=doc_uri, items=items)


def _labels_extension(raw: Any, fields: dict[str, dict[str, str]], main: str,
                      new: bool) -> dict[str, Any] | None:
    """``ext:labels`` rebuilt from the model, keeping what else the input had and its order.

    The main language appears when the input had it (or for new objects, always)."""
    raw = raw if isinstance(raw, dict) else None
    langs: list[str] = list(raw or {})
    for values in fields.values():
        langs += [lang for lang in values if lang not in langs]
    out: dict[str, Any] = {}
    for lang in langs:
        if lang == main and not new and not (raw and main in raw):
            continue
        entry = dict(raw.get(lang) or {}) if raw and isinstance(raw.get(lang), dict) else {}
        for name, values in fields.items():
            if values.get(lang):
                entry[name] = values[lang]
            else:
                entry.pop(name, None)
        if entry:
            out[lang] = entry
    if not out and raw is None:
        return None
    return out


def _with_extensions(obj: dict[str, Any], labels: dict[str, Any] | None) -> None:
    extensions = obj.get("extensions")
    extensions = dict(extensions) if isinstance(extensions, dict) else {}
    if labels is None:
        extensions.pop("ext:labels", None)
    else:
        extensions["ext:labels"] = labels
    if extensions or "extensions" in obj:
        obj["extensions"] = extensions


def _ref(raw: Any, identifier: str, uri: str, title: str, *, target_type: bool) -> dict:
    """A LinkURI ``{title, identifier, uri}``: the input's when it points at the same thing."""
    if isinstance(raw, dict) and raw.get("identifier") == identifier:
        return copy.deepcopy(raw)
    ref = {"title": title, "identifier": identifier, "uri": uri}
    if target_type:
        ref["targetType"] = "CASE"
    return ref


def _set(obj: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        obj.pop(key, None)
    else:
        obj[key] = value



def build_package(package: Package, *, default_time: str) -> dict[str, Any]:
    """The CASE 1.1 CFPackage of ``package`` (a new dict; the input is not changed).

    ``default_time`` (``2025-09-01T00:00:00Z``) fills ``lastChangeDateTime`` where none is known.
    """
    lang = package.language
    doc_uri = package.uri or sibling_uri(None, "CFDocuments", package.identifier)
    new_doc = "identifier" not in package.document
    doc = copy.deepcopy(package.document)
    doc["identifier"] = package.identifier
    doc["uri"] = doc_uri
    doc.setdefault("creator", "badge_service")
    doc["title"] = package.title
    _set(doc, "description", package.description_i18n.get(lang))
    doc["language"] = lang
    if new_doc:
        doc["caseVersion"] = "1.1"
    doc.setdefault("lastChangeDateTime", default_time)
    raw_extensions = doc.get("extensions") if isinstance(doc.get("extensions"), dict) else {}
    _with_extensions(doc, _labels_extension(
        raw_extensions.get("ext:labels"),
        {"title": package.title_i18n, "description": package.description_i18n}, lang, False))
    doc_ref = {"title": package.title, "identifier": package.identifier, "uri": doc_uri}

    definitions = copy.deepcopy(package.definitions) if package.definitions is not None else None
    type_refs: dict[str, dict] = {}
    for entry in (definitions or {}).get("CFItemTypes", []) or []:
        if isinstance(entry, dict) and isinstance(entry.get("title"), str):
            type_refs.setdefault(entry["title"], {
                "title": entry["title"], "identifier": entry.get("identifier"),
                "uri": entry.get("uri")})

    def type_ref(title: str, kind: str) -> dict:
        nonlocal definitions
        if title not in type_refs:
            ident = derived_identifier(package.identifier, f"itemtype:{title}")
            uri = sibling_uri(doc_uri, "CFItemTypes", ident)
            if definitions is None:
                definitions = {}
            types = definitions.setdefault("CFItemTypes", [])
            types.append({"identifier": ident, "uri": uri, "title": title, "description": title,
                          "typeCode": "".join(w.capitalize() for w in re.split(r"\W+", fold(
                              KINDS.get(kind, title))) if w),
                          "hierarchyCode": str(len(types) + 1),
                          "lastChangeDateTime": default_time})
            type_refs[title] = {"title": title, "identifier": ident, "uri": uri}
        return type_refs[title]

    ordered = tree_order(package.items)
    by_id = {item.identifier: item for item in package.items}
    rank = {item.identifier: index for index, item in enumerate(ordered)}
    uris = {item.identifier: item.uri or sibling_uri(doc_uri, "CFItems", item.identifier)
            for item in package.items}

    cf_items = []
    for item in sorted(package.items, key=lambda i: (i.order is None, i.order or 0,
                                                     rank[i.identifier])):
        new = "identifier" not in item.raw
        out = copy.deepcopy(item.raw)
        item_lang = item.language or lang
        title = item.type_title or KINDS.get(item.item_type, "Item")
        out["identifier"] = item.identifier
        out["uri"] = uris[item.identifier]
        ref = dict(out["CFDocumentURI"]) if isinstance(out.get("CFDocumentURI"), dict) else {}
        ref.update(doc_ref)
        out["CFDocumentURI"] = ref
        _set(out, "humanCodingScheme", item.human_code)
        _set(out, "abbreviatedStatement", item.labels.get(item_lang))
        out["fullStatement"] = (
            item.statements.get(item_lang) or item.labels.get(item_lang)
            or next(iter(item.statements.values()), None)
            or next(iter(item.labels.values()), None) or item.human_code or item.identifier)
        out["CFItemType"] = title
        wanted = type_ref(title, item.item_type)
        out["CFItemTypeURI"] = _ref(out.get("CFItemTypeURI"), wanted["identifier"],
                                    wanted["uri"], title, target_type=False)
        if item.language or new:
            out["language"] = item_lang
        else:
            out.pop("language", None)
        out.setdefault("lastChangeDateTime", default_time)
        _set(out, "notes", item.notes)
        raw_ext = out.get("extensions") if isinstance(out.get("extensions"), dict) else {}
        # The statement in the item's language is whatever fullStatement says, so that the
        # package reads back the same.
        statements = {**item.statements, item_lang: out["fullStatement"]}
        _with_extensions(out, _labels_extension(
            raw_ext.get("ext:labels"), {"name": item.labels, "statement": statements},
            item_lang, new))
        cf_items.append(out)

    def node_title(identifier: str) -> str:
        if identifier == package.identifier:
            return package.title
        return item_title(by_id[identifier], lang)

    entries: list[tuple[tuple, dict]] = []
    for item in ordered:
        raw = copy.deepcopy(item.child_of)
        ident = raw.get("identifier") or derived_identifier(
            package.identifier, f"isChildOf:{item.identifier}")
        parent = item.parent if item.parent in by_id else package.identifier
        parent_uri = uris.get(parent, doc_uri)
        out = raw
        out["identifier"] = ident
        out.setdefault("uri", sibling_uri(doc_uri, "CFAssociations", ident))
        out["associationType"] = "isChildOf"
        out["originNodeURI"] = _ref(raw.get("originNodeURI"), item.identifier,
                                    uris[item.identifier], node_title(item.identifier),
                                    target_type=True)
        out["destinationNodeURI"] = _ref(raw.get("destinationNodeURI"), parent, parent_uri,
                                         node_title(parent), target_type=True)
        out.setdefault("lastChangeDateTime", default_time)
        out["sequenceNumber"] = item.position
        entries.append(((item.child_of_order is None, item.child_of_order or 0, 0,
                         rank[item.identifier]), out))
    for index, association in enumerate(package.associations):
        out = copy.deepcopy(association.raw)
        out["identifier"] = association.identifier
        out["uri"] = association.uri or out.get("uri") or sibling_uri(
            doc_uri, "CFAssociations", association.identifier)
        out["associationType"] = association.association_type
        origin = association.origin
        out["originNodeURI"] = _ref(out.get("originNodeURI"), origin, uris.get(origin, ""),
                                    node_title(origin) if origin in by_id else origin,
                                    target_type=True)
        destination = association.destination
        local = destination in by_id or destination == package.identifier
        out["destinationNodeURI"] = _ref(
            out.get("destinationNodeURI"), destination,
            association.destination_uri or uris.get(destination)
            or (doc_uri if destination == package.identifier else
                sibling_uri(None, "CFItems", destination)),
            association.destination_title or (node_title(destination) if local
                                              else destination),
            target_type=True)
        out.setdefault("lastChangeDateTime", default_time)
        _set(out, "sequenceNumber", association.sequence_number)
        entries.append(((association.order is None, association.order or 0, 1, index), out))
    entries.sort(key=lambda entry: entry[0])

    result: dict[str, Any] = {}
    values: dict[str, Any] = {
        "CFDocument": doc,
        "CFItems": cf_items,
        "CFAssociations": [entry for _, entry in entries],
    }
    if definitions is not None:
        values["CFDefinitions"] = definitions
    if package.rubrics is not None:
        values["CFRubrics"] = copy.deepcopy(package.rubrics)
    for key in package.keys:
        if key in values:
            result[key] = values.pop(key)
        elif key in package.extra:
            result[key] = copy.deepcopy(package.extra[key])
    for key in _PACKAGE_KEYS:
        if key in values:
            result[key] = values.pop(key)
    for key, value in package.extra.items():
        result.setdefault(key, copy.deepcopy(value))
    return result


def dumps(package: dict[str, Any]) -> str:
    """JSON text as the fixtures are written: UTF-8 characters, 2-space indent, final newline."""
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k != "lastChangeDateTime"}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _content(package: Package) -> dict[str, Any]:
    built = _without_times(build_package(package, default_time=""))
    for key in ("CFItems", "CFAssociations"):  # their order carries no meaning
        built[key] = sorted(built[key], key=lambda entry: str(entry.get("identifier")))
    return built


def same_content(a: Package, b: Package) -> bool:
    """True when both packages export the same CASE content, timestamps and the order of
    CFItems/CFAssociations aside."""
    return _content(a) == _content(b)


def freeze_order(package: Package) -> Package:
    """The package with the export order of its items and associations made explicit (as
    built now), so that later exports list them in the same order."""
    built = build_package(package, default_time="")
    item_rank = {entry["identifier"]: index for index, entry in enumerate(built["CFItems"])}
    link_rank = {entry["identifier"]: index
                 for index, entry in enumerate(built["CFAssociations"])}
    items = []
    for item in package.items:
        child_of = item.child_of.get("identifier") or derived_identifier(
            package.identifier, f"isChildOf:{item.identifier}")
        items.append(replace(item, order=item_rank[item.identifier],
                             child_of_order=link_rank[child_of]))
    associations = [replace(a, order=link_rank[a.identifier]) for a in package.associations]
    return replace(package, items=items, associations=associations)
