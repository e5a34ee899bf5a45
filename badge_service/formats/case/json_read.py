"""CASE 1.1 CFPackage (parsed JSON) → :class:`~badge_service.formats.case.model.Package`.

Whatever the model does not hold is kept in ``raw`` members, so that
:func:`~badge_service.formats.case.json_write.build_package` can write the package back as it
came.
"""

from __future__ import annotations

from typing import Any

from badge_service.formats.case.json_checks import (
    _check_rubrics,
    _check_text,
    _Errors,
    _ext_labels,
    _identifier,
    _language,
    _node,
    _objects,
    _string,
    _unique_identifier,
    _whole_number,
)
from badge_service.formats.case.model import (
    _PACKAGE_KEYS,
    ASSOCIATION_TYPES,
    MAX_ASSOCIATION_TYPE,
    MAX_CODE,
    MAX_TITLE,
    MAX_TYPE_TITLE,
    MAX_URI,
    Association,
    Item,
    Package,
    ParseResult,
    _check_cycles,
    kind_of,
)


def parse_package(data: Any) -> ParseResult:
    """Validate a CASE 1.1 CFPackage (parsed JSON) and return it as a :class:`Package`."""
    err = _Errors()
    if not isinstance(data, dict):
        err("", "a CASE package must be a JSON object with CFDocument, CFItems and "
                "CFAssociations")
        return ParseResult(None, err.items)
    _check_text(data, "", err)
    doc = data.get("CFDocument")
    if not isinstance(doc, dict):
        err("CFDocument", "is required and must be an object")
        return ParseResult(None, err.items)
    doc_id = _identifier(doc, "identifier", "CFDocument", err)
    title = _string(doc, "title", "CFDocument", err, required=True, max_length=MAX_TITLE)
    doc_uri = _string(doc, "uri", "CFDocument", err, max_length=MAX_URI)
    language = _language(doc.get("language"), "CFDocument.language", err) or "en"
    _string(doc, "description", "CFDocument", err)
    doc_labels = _ext_labels(doc.get("extensions"), "CFDocument.extensions", err)
    title_i18n = {lang: e["title"] for lang, e in doc_labels.items() if e.get("title")}
    description_i18n = {lang: e["description"] for lang, e in doc_labels.items()
                        if e.get("description")}
    if title:
        title_i18n[language] = title
    if isinstance(doc.get("description"), str) and doc["description"]:
        description_i18n[language] = doc["description"]
    for lang, text in title_i18n.items():
        if len(text) > MAX_TITLE:
            err(f"CFDocument.extensions.ext:labels.{lang}.title",
                f"is longer than {MAX_TITLE} characters")

    definitions = data.get("CFDefinitions")
    type_codes: dict[str, str] = {}
    type_codes_by_title: dict[str, str] = {}
    if definitions is not None:
        if not isinstance(definitions, dict):
            err("CFDefinitions", "must be an object")
            definitions = None
        else:
            types = definitions.get("CFItemTypes", [])
            if not isinstance(types, list):
                err("CFDefinitions.CFItemTypes", "must be an array")
            else:
                for _, tpath, entry in _objects(types, "CFDefinitions.CFItemTypes", err):
                    ident = _identifier(entry, "identifier", tpath, err)
                    code = entry.get("typeCode") if isinstance(entry.get("typeCode"), str) else ""
                    if ident:
                        type_codes[ident] = code
                    if isinstance(entry.get("title"), str):
                        type_codes_by_title[entry["title"]] = code

    raw_items = data.get("CFItems", [])
    if not isinstance(raw_items, list):
        err("CFItems", "must be an array")
        raw_items = []
    raw_associations = data.get("CFAssociations", [])
    if not isinstance(raw_associations, list):
        err("CFAssociations", "must be an array")
        raw_associations = []

    items: list[Item] = []
    where: dict[str, str] = {}
    if doc_id:
        where[doc_id] = "CFDocument"
    for index, path, raw in _objects(raw_items, "CFItems", err):
        ident = _unique_identifier(raw, path, where, err)
        uri = _string(raw, "uri", path, err, max_length=MAX_URI)
        doc_ref = raw.get("CFDocumentURI")
        if doc_ref is not None:
            if not isinstance(doc_ref, dict):
                err(f"{path}.CFDocumentURI", "must be an object {title, identifier, uri}")
            elif doc_id and doc_ref.get("identifier") != doc_id:
                err(f"{path}.CFDocumentURI.identifier",
                    f"names another document ({doc_ref.get('identifier')!r}); every item of "
                    f"a package must belong to its CFDocument ({doc_id})")
        statement = _string(raw, "fullStatement", path, err, required=True)
        short = _string(raw, "abbreviatedStatement", path, err)
        code = _string(raw, "humanCodingScheme", path, err, max_length=MAX_CODE)
        type_title = _string(raw, "CFItemType", path, err, max_length=MAX_TYPE_TITLE)
        notes = _string(raw, "notes", path, err)
        item_language = _language(raw.get("language"), f"{path}.language", err)
        type_ref = raw.get("CFItemTypeURI")
        type_code = ""
        if type_ref is not None:
            if not isinstance(type_ref, dict):
                err(f"{path}.CFItemTypeURI", "must be an object {title, identifier, uri}")
            else:
                type_code = type_codes.get(str(type_ref.get("identifier")), "")
                if type_title is None and isinstance(type_ref.get("title"), str):
                    type_title = type_ref["title"][:MAX_TYPE_TITLE]
        if not type_code and type_title:
            type_code = type_codes_by_title.get(type_title, "")
        ext = _ext_labels(raw.get("extensions"), f"{path}.extensions", err)
        lang = item_language or language
        labels = {k: v["name"] for k, v in ext.items() if v.get("name")}
        statements = {k: v["statement"] for k, v in ext.items() if v.get("statement")}
        if short:
            labels[lang] = short
        if statement:
            statements[lang] = statement
        if ident is None:
            continue
        items.append(Item(
            identifier=ident, item_type=kind_of(type_code, type_title), type_title=type_title,
            human_code=code or None, labels=labels, statements=statements, uri=uri,
            notes=notes, language=item_language, raw=raw, order=index, line=index))

    by_id = {item.identifier: item for item in items}
    associations: list[Association] = []
    association_ids: dict[str, str] = {}
    parent_path: dict[str, str] = {}
    for index, path, raw in _objects(raw_associations, "CFAssociations", err):
        ident = _unique_identifier(raw, path, association_ids, err)
        kind = _string(raw, "associationType", path, err, required=True,
                       max_length=MAX_ASSOCIATION_TYPE)
        if kind is not None and kind not in ASSOCIATION_TYPES and not kind.startswith("ext:"):
            err(f"{path}.associationType",
                f"unknown association type {kind!r}; CASE 1.1 types are "
                f"{', '.join(ASSOCIATION_TYPES)} (extensions are written 'ext:<name>')")
            kind = None
        uri = _string(raw, "uri", path, err, max_length=MAX_URI)
        sequence = _whole_number(raw.get("sequenceNumber"), f"{path}.sequenceNumber", err)
        origin = _node(raw, "originNodeURI", path, err)
        destination = _node(raw, "destinationNodeURI", path, err)
        if origin is None or destination is None or kind is None or ident is None:
            continue
        origin_id, destination_id = origin["identifier"], destination["identifier"]
        if origin_id not in by_id:
            err(f"{path}.originNodeURI.identifier",
                f"no CFItem with identifier {origin_id} in this package (associations must "
                "start at an item of the package)")
            continue
        if kind == "isChildOf":
            if destination_id != doc_id and destination_id not in by_id:
                err(f"{path}.destinationNodeURI.identifier",
                    f"dangling reference: no CFItem or CFDocument with identifier "
                    f"{destination_id} in this package")
                continue
            child = by_id[origin_id]
            if origin_id in parent_path:
                err(f"{path}.originNodeURI.identifier",
                    f"item {origin_id} already has a parent ({parent_path[origin_id]}); an "
                    "item has exactly one isChildOf parent here")
                continue
            parent_path[origin_id] = path
            child.parent = None if destination_id == doc_id else destination_id
            child.child_of = raw
            child.child_of_order = index
            if sequence is not None:
                child.position = sequence
            continue
        if destination_id == origin_id:
            err(f"{path}.destinationNodeURI.identifier", "an item cannot point at itself")
            continue
        local = by_id.get(destination_id)
        associations.append(Association(
            identifier=ident, association_type=kind, origin=origin_id,
            destination=destination_id,
            destination_uri=destination.get("uri") or (local.uri if local else None),
            destination_title=destination.get("title"),
            sequence_number=sequence, uri=uri, raw=raw, order=index, line=index))

    _check_cycles(items, lambda item, message: err(
        f"{parent_path.get(item.identifier, f'CFItems[{item.line}]')}.destinationNodeURI",
        message))
    _number_unsequenced(items)

    rubrics = data.get("CFRubrics")
    if rubrics is not None:
        _check_rubrics(rubrics, by_id, err)
        if not isinstance(rubrics, list):
            rubrics = None

    if err.items or doc_id is None or title is None:
        return ParseResult(None, err.items)
    return ParseResult(Package(
        identifier=doc_id, language=language, title_i18n=title_i18n,
        description_i18n=description_i18n, uri=doc_uri, items=items, associations=associations,
        document=doc, definitions=definitions, rubrics=rubrics,
        extra={k: v for k, v in data.items() if k not in _PACKAGE_KEYS}, keys=list(data)), [])



def _number_unsequenced(items: list[Item]) -> None:
    """Items without a sequenceNumber come after their numbered siblings, in input order."""
    highest: dict[str | None, int] = {}
    for item in items:
        if item.child_of.get("sequenceNumber") is not None:
            highest[item.parent] = max(highest.get(item.parent, 0), item.position)
    for item in items:
        if item.child_of.get("sequenceNumber") is None:
            highest[item.parent] = highest.get(item.parent, 0) + 1
            item.position = highest[item.parent]
