"""CASE 1.1 packages and a simple CSV: parse and build, as pure functions over plain data.

Nothing here touches the database, the clock or the network. :func:`parse_package` and
:func:`parse_csv` turn input into a :class:`Package` (or a list of every error, each naming its
JSON path such as ``CFItems[12].identifier`` or its CSV line and column); :func:`build_package`
and :func:`build_csv` turn a :class:`Package` back into a CASE ``CFPackage`` dict or CSV text.

Round trip. Whatever the model does not hold (CASE fields such as ``officialSourceURL``,
``ext:`` extensions, ``CFDefinitions``, ``CFRubrics``, association ``notes``, node titles, key
order) is carried in ``raw`` members and written back, so ``build_package(parse_package(x))``
equals ``x`` for a well-formed package; :func:`dumps` writes it the way the fixtures are written
(2-space indent, UTF-8, final newline), byte for byte. Documented normalisations, applied only
when the input differs from them:

- ``CFDocument.language`` is always written (default ``en`` when absent);
- ``abbreviatedStatement`` / ``fullStatement`` are the label / statement in the item's language;
  ``extensions["ext:labels"][<that language>]`` is made to agree with them;
- every ``isChildOf`` association carries a ``sequenceNumber`` (the item's rank), and an item
  without a parent becomes a child of the document;
- missing ``uri``, ``lastChangeDateTime``, ``creator`` and CFItemType definitions are filled in.

Bilingual text. Labels (short names) and statements (full text) are ``{language: text}``. In CASE
they live in ``abbreviatedStatement``/``fullStatement`` (item language) and in
``extensions["ext:labels"] = {lang: {"name": …, "statement": …}}`` for every language; document
titles/descriptions in ``title``/``description`` and ``ext:labels[lang]["title"|"description"]``.

CSV format (UTF-8 with or without BOM; comma or semicolon; CRLF or LF; RFC 4180 quoting; one
header row, column names case-insensitive, in any order):

=================  =========================================================================
column             meaning
=================  =========================================================================
identifier         stable identifier (CASE CFItem identifier); empty: derived from the code
parent_identifier  identifier — or human code — of the parent row; empty: top level
human_code         "1.1", "A1", "UE2.3"
item_type          required: area, competence, level, progression, unit, outcome, block,
                   criterion, group, other — or ``document`` (see below)
label_fr, label_en          short names (any ``label_<lang>`` column is accepted)
statement_fr, statement_en  full statements (any ``statement_<lang>``)
position           rank among siblings (1, 2, …); empty: the order of the rows
type_title         CASE CFItemType title ("Competence area"); empty: from item_type
language           language of the item (rarely needed); on the document row: the framework's
associations       space-separated ``type:target`` links, e.g.
                   ``precedes:<identifier> isRelatedTo:<identifier>``; targets are rows of the
                   file or items of frameworks already stored (cross-framework links)
=================  =========================================================================

An optional row with ``item_type`` = ``document`` describes the framework itself: its
identifier (the CASE CFDocument identifier — re-importing the same identifier adds a version),
``label_<lang>`` = title, ``statement_<lang>`` = description, ``language`` = main language.
Without it, a title must be given with the import. Each item row needs a label or a statement.
The CSV carries the structure and the texts; CASE-only data (extensions, rubrics, licences) lives
in the CASE format, and is kept when a CSV is imported over an existing framework (items are
matched by identifier, see :func:`merge_csv`). Export writes UTF-8 (with a BOM for Excel from
the service), comma-separated, CRLF line ends, the document row first, then items parents-first;
a value a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is written with a
leading apostrophe, which import removes.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from badge_service.errors import FieldError, PayloadTooLarge, UnsupportedMediaType
from badge_service.formats.csv_table import looks_like_formula, spreadsheet_safe

#: CASE 1.1 association types; extension types are written ``ext:<name>``.
ASSOCIATION_TYPES = ("isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes",
                     "isRelatedTo", "replacedBy", "exemplar", "hasSkillLevel", "isTranslationOf")
#: Item kinds and the CFItemType title used when an item has none.
KINDS = {
    "area": "Competence area",
    "competence": "Competence",
    "level": "Proficiency level",
    "progression": "Progression model",
    "unit": "Unit",
    "outcome": "Learning outcome",
    "block": "Competence block",
    "criterion": "Criterion",
    "group": "Group",
    "other": "Item",
}
DOCUMENT_ROW = "document"
CSV_COLUMNS = ("identifier", "parent_identifier", "human_code", "item_type", "label_fr",
               "label_en", "statement_fr", "statement_en", "position", "type_title", "language",
               "associations")
_TEXT_COLUMN = re.compile(r"^(label|statement)_([a-z]{2,3})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_IDENTIFIER = re.compile(r"^\S{1,200}$")
_DOCUMENT_URI = re.compile(r"^(?P<base>.+)/CFDocuments/[^/]+$")
_PACKAGE_KEYS = ("CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics")
# Most specific first: "Competence area" is an area, "CompetenceBlock" a block.
_KIND_WORDS = (
    ("level", ("level", "niveau")),
    ("progression", ("progression", "scale", "echelle")),
    ("area", ("area", "domain", "domaine")),
    ("block", ("block", "bloc")),
    ("unit", ("unit", "module", "course")),
    ("outcome", ("outcome", "acquis", "objective", "objectif")),
    ("criterion", ("criterion", "criteria", "critere", "indicator", "indicateur")),
    ("competence", ("competen", "skill", "standard", "capacit")),
    ("group", ("branch", "regroupement", "group", "cluster", "category", "categorie", "strand")),
)
MAX_CODE = 100
MAX_TYPE_TITLE = 200
MAX_TITLE = 500
MAX_URI = 1000
MAX_ASSOCIATION_TYPE = 100


# --- plain data ---------------------------------------------------------------------------


@dataclass
class Item:
    """One CFItem: an area, competence, outcome, criterion, proficiency level…"""

    identifier: str
    item_type: str
    parent: str | None = None
    position: int = 1
    type_title: str | None = None
    human_code: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    statements: dict[str, str] = field(default_factory=dict)
    uri: str | None = None
    notes: str | None = None
    language: str | None = None
    #: The CFItem as received (unmodelled fields and key order); {} for a new item.
    raw: dict[str, Any] = field(default_factory=dict)
    #: The isChildOf CFAssociation as received; {} when derived.
    child_of: dict[str, Any] = field(default_factory=dict)
    order: int | None = None
    child_of_order: int | None = None
    #: Where the item came from (CSV line), for error messages only.
    line: int | None = field(default=None, compare=False)


@dataclass
class Association:
    """One CFAssociation other than isChildOf; the origin is an item of the package."""

    identifier: str
    association_type: str
    origin: str
    destination: str
    destination_uri: str | None = None
    destination_title: str | None = None
    sequence_number: int | None = None
    uri: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    order: int | None = None
    line: int | None = field(default=None, compare=False)


@dataclass
class Package:
    """A framework version as plain data: the document, its items and associations."""

    identifier: str
    language: str
    title_i18n: dict[str, str]
    description_i18n: dict[str, str] = field(default_factory=dict)
    uri: str | None = None
    items: list[Item] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)
    #: CFDocument, CFDefinitions and CFRubrics as received; other package keys; key order.
    document: dict[str, Any] = field(default_factory=dict)
    definitions: dict[str, Any] | None = None
    rubrics: list[Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return (self.title_i18n.get(self.language)
                or next((t for t in self.title_i18n.values() if t), ""))


@dataclass
class ParseResult:
    package: Package | None
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors and self.package is not None


def kind_of(*texts: str | None) -> str:
    """The item kind named by a CFItemType typeCode or title ("ProficiencyLevel" → "level")."""
    for text in texts:
        if not text:
            continue
        folded = _fold(text)
        for kind, words in _KIND_WORDS:
            if any(word in folded for word in words):
                return kind
    return "other"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def derived_identifier(namespace: str, key: str) -> str:
    """A stable identifier for something the input did not name (UUIDv5 under the document)."""
    try:
        ns = uuid.UUID(namespace)
    except ValueError:
        ns = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:badge-service:framework:{namespace}")
    return str(uuid.uuid5(ns, key))


def item_title(item: Item, language: str) -> str:
    """A short human title: label, else code, else the start of the statement."""
    lang = item.language or language
    text = (item.labels.get(lang) or next(iter(item.labels.values()), None)
            or item.human_code or item.statements.get(lang)
            or next(iter(item.statements.values()), None) or item.identifier)
    return text if len(text) <= 120 else text[:119] + "…"


# --- reading files ---------------------------------------------------------------------------


def read(content: bytes, *, max_bytes: int, title: str | None = None,
         language: str = "en") -> tuple[str, ParseResult]:
    """Decode an uploaded file, recognise its format by content, parse it.

    Returns ``("case" | "csv", result)``. Raises PayloadTooLarge / UnsupportedMediaType.
    """
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"the file is {len(content)} bytes; the limit is {max_bytes} bytes "
            "(setting MAX_IMPORT_BYTES)")
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedMediaType("spreadsheet files are not accepted: save the sheet as "
                                   "'CSV UTF-8' or export a CASE JSON package")
    if b"\x00" in content:
        raise UnsupportedMediaType("this is not a text file: send a CASE JSON package or a "
                                   "UTF-8 CSV file")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        raise UnsupportedMediaType(
            f"the file is not UTF-8 text (first bad byte on line {line}); save it as UTF-8",
            [FieldError("not UTF-8", row=line)]) from None
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return "case", parse_json_text(text)
    if text.lstrip().startswith("["):
        return "case", ParseResult(None, [FieldError(
            "a CASE package is a JSON object ({…}), not an array")])
    return "csv", parse_csv(text, title=title, language=language)


def parse_json_text(text: str) -> ParseResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParseResult(None, [FieldError(f"not valid JSON: {exc.msg} (column {exc.colno})",
                                             row=exc.lineno)])
    except RecursionError:
        return ParseResult(None, [FieldError("not valid JSON: nested too deeply")])
    return parse_package(data)


# --- CASE: parse -----------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def __call__(self, path: str, message: str) -> None:
        self.items.append(FieldError(message, field=path or None))


def _check_text(value: Any, path: str, err: _Errors) -> None:
    """PostgreSQL refuses NUL characters in text; reject them wherever they hide."""
    if isinstance(value, str):
        if "\x00" in value:
            err(path, "contains a NUL character")
    elif isinstance(value, dict):
        for key, sub in value.items():
            _check_text(sub, f"{path}.{key}" if path else str(key), err)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _check_text(sub, f"{path}[{index}]", err)


def _string(obj: dict, key: str, path: str, err: _Errors, *, required: bool = False,
            max_length: int | None = None) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            err(f"{path}.{key}", "is required")
        return None
    if not isinstance(value, str):
        err(f"{path}.{key}", "must be a string")
        return None
    if required and not value.strip():
        err(f"{path}.{key}", "must not be empty")
        return None
    if max_length is not None and len(value) > max_length:
        err(f"{path}.{key}", f"is longer than {max_length} characters")
        return None
    return value


def _identifier(obj: dict, key: str, path: str, err: _Errors) -> str | None:
    value = _string(obj, key, path, err, required=True)
    if value is not None and not _IDENTIFIER.match(value):
        err(f"{path}.{key}", "must be 1–200 characters without spaces (a UUID in CASE)")
        return None
    return value


def _language(value: Any, path: str, err: _Errors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.match(value) or len(value) > 16:
        err(path, "must be a language tag such as 'fr' or 'en'")
        return None
    return value


def _ext_labels(extensions: Any, path: str, err: _Errors) -> dict[str, dict[str, Any]]:
    """The ``ext:labels`` extension, checked: {lang: {field: text}}."""
    if extensions is None:
        return {}
    if not isinstance(extensions, dict):
        err(path, "must be an object")
        return {}
    labels = extensions.get("ext:labels")
    if labels is None:
        return {}
    lpath = f"{path}.ext:labels"
    if not isinstance(labels, dict):
        err(lpath, "must be an object {language: {name, statement}}")
        return {}
    out: dict[str, dict[str, Any]] = {}
    for lang, entry in labels.items():
        if _language(lang, f"{lpath}.{lang}", err) is None:
            continue
        if not isinstance(entry, dict):
            err(f"{lpath}.{lang}", "must be an object")
            continue
        for key, text in entry.items():
            if not isinstance(text, str):
                err(f"{lpath}.{lang}.{key}", "must be a string")
        out[lang] = {k: v for k, v in entry.items() if isinstance(v, str)}
    return out


def _node(obj: dict, key: str, path: str, err: _Errors) -> dict | None:
    node = obj.get(key)
    if node is None:
        err(f"{path}.{key}", "is required")
        return None
    if not isinstance(node, dict):
        err(f"{path}.{key}", "must be an object {title, identifier, uri}")
        return None
    npath = f"{path}.{key}"
    identifier = _identifier(node, "identifier", npath, err)
    _string(node, "uri", npath, err, max_length=MAX_URI)
    _string(node, "title", npath, err)
    return node if identifier is not None else None


def _whole_number(value: Any, path: str, err: _Errors) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        err(path, "must be a whole number")
        return None
    return value


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
                for index, entry in enumerate(types):
                    tpath = f"CFDefinitions.CFItemTypes[{index}]"
                    if not isinstance(entry, dict):
                        err(tpath, "must be an object")
                        continue
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
    for index, raw in enumerate(raw_items):
        path = f"CFItems[{index}]"
        if not isinstance(raw, dict):
            err(path, "must be an object")
            continue
        ident = _identifier(raw, "identifier", path, err)
        if ident is not None and ident in where:
            err(f"{path}.identifier", f"duplicate identifier {ident}: already used by "
                                      f"{where[ident]}")
            ident = None
        elif ident is not None:
            where[ident] = path
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
    for index, raw in enumerate(raw_associations):
        path = f"CFAssociations[{index}]"
        if not isinstance(raw, dict):
            err(path, "must be an object")
            continue
        ident = _identifier(raw, "identifier", path, err)
        if ident is not None and ident in association_ids:
            err(f"{path}.identifier", f"duplicate identifier {ident}: already used by "
                                      f"{association_ids[ident]}")
            ident = None
        elif ident is not None:
            association_ids[ident] = path
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


def _check_rubrics(rubrics: Any, by_id: dict[str, Item], err: _Errors) -> None:
    if not isinstance(rubrics, list):
        err("CFRubrics", "must be an array")
        return
    for index, rubric in enumerate(rubrics):
        path = f"CFRubrics[{index}]"
        if not isinstance(rubric, dict):
            err(path, "must be an object")
            continue
        _identifier(rubric, "identifier", path, err)
        criteria = rubric.get("CFRubricCriteria", [])
        if not isinstance(criteria, list):
            err(f"{path}.CFRubricCriteria", "must be an array")
            continue
        for cindex, criterion in enumerate(criteria):
            cpath = f"{path}.CFRubricCriteria[{cindex}]"
            if not isinstance(criterion, dict):
                err(cpath, "must be an object")
                continue
            _identifier(criterion, "identifier", cpath, err)
            ref = criterion.get("CFItemURI")
            if ref is None:
                continue
            if not isinstance(ref, dict) or not isinstance(ref.get("identifier"), str):
                err(f"{cpath}.CFItemURI", "must be an object {title, identifier, uri}")
            elif ref["identifier"] not in by_id:
                err(f"{cpath}.CFItemURI.identifier",
                    f"dangling reference: no CFItem with identifier {ref['identifier']} in "
                    "this package")
            levels = criterion.get("CFRubricCriterionLevels", [])
            if not isinstance(levels, list):
                err(f"{cpath}.CFRubricCriterionLevels", "must be an array")


def _check_cycles(items: list[Item], report: Callable[[Item, str], None]) -> None:
    by_id = {item.identifier: item for item in items}
    reported: set[str] = set()
    for start in items:
        seen: list[str] = []
        current: Item | None = start
        while current is not None and current.identifier not in seen:
            seen.append(current.identifier)
            current = by_id.get(current.parent) if current.parent else None
        if current is None or current.identifier in reported:
            continue
        cycle = seen[seen.index(current.identifier):]
        reported.update(cycle)
        names = " → ".join([*cycle, cycle[0]])
        report(by_id[cycle[0]], f"isChildOf cycle: {names}")
        for ident in cycle:  # break it, so later passes terminate
            by_id[ident].parent = None


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


# --- CASE: build -----------------------------------------------------------------------------


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


def tree_order(items: Iterable[Item]) -> list[Item]:
    """Items parents first, siblings by position (then input order)."""
    items = list(items)
    children: dict[str | None, list[Item]] = {}
    known = {item.identifier for item in items}
    for item in items:
        parent = item.parent if item.parent in known else None
        children.setdefault(parent, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.order if i.order is not None else 1 << 30))
    out: list[Item] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(children.get(item.identifier, [])))
    return out


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
                          "typeCode": "".join(w.capitalize() for w in re.split(r"\W+", _fold(
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


# --- CSV -------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """A cell's value: trimmed, without the apostrophe our export puts before a value that a
    spreadsheet would run as a formula."""
    text = text.strip()
    if text.startswith("'") and looks_like_formula(text[1:]):
        return text[1:]
    return text


def _delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def parse_csv(text: str, *, title: str | None = None, language: str = "en") -> ParseResult:
    """Validate CSV text (format in the module docstring) and return it as a :class:`Package`.

    ``title``/``language`` describe the framework when the file has no ``document`` row.
    """
    errors: list[FieldError] = []

    def err(line: int | None, column: str | None, message: str) -> None:
        errors.append(FieldError(message, field=column, row=line))

    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        return ParseResult(None, [FieldError("the file contains NUL characters; it is not a "
                                             "CSV text file")])
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        return ParseResult(None, [FieldError("the file is empty", row=1)])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        return ParseResult(None, [FieldError(f"the CSV is malformed: {exc}", row=start)])
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    header_line, header = rows[0]
    columns = [cell.strip().lower().removeprefix("\ufeff") for cell in header]
    seen: set[str] = set()
    for name in columns:
        if not name:
            err(header_line, None, "a column has no name")
        elif name in seen:
            err(header_line, name, "this column appears twice")
        elif name not in CSV_COLUMNS and not _TEXT_COLUMN.match(name):
            err(header_line, name, f"unknown column; the columns are {', '.join(CSV_COLUMNS)} "
                                   "(and label_<lang>, statement_<lang>)")
        seen.add(name)
    if "item_type" not in seen:
        err(header_line, "item_type", "this column is required")
    if not any(_TEXT_COLUMN.match(name) for name in seen):
        err(header_line, None, "give at least one label_<lang> or statement_<lang> column, "
                               "e.g. label_fr")
    if errors:
        return ParseResult(None, errors)

    records: list[tuple[int, dict[str, str]]] = []
    for line, row in rows[1:]:
        if len(row) > len(columns) and not any(cell.strip() for cell in row[len(columns):]):
            row = row[:len(columns)]  # trailing separators, as spreadsheets write them
        if len(row) != len(columns):
            err(line, None, f"expected {len(columns)} fields (as in the header), found {len(row)}")
            continue
        records.append((line, {name: _cell(cell) for name, cell in zip(columns, row,
                                                                       strict=True)}))

    def texts(record: dict[str, str], prefix: str) -> dict[str, str]:
        out = {}
        for name, value in record.items():
            match = _TEXT_COLUMN.match(name)
            if match and match[1] == prefix and value:
                out[match[2]] = value
        return out

    document: tuple[int, dict[str, str]] | None = None
    item_records: list[tuple[int, dict[str, str]]] = []
    for line, record in records:
        if record.get("item_type", "").lower() == DOCUMENT_ROW:
            if document is not None:
                err(line, "item_type", f"only one document row is allowed (first on line "
                                       f"{document[0]})")
            else:
                document = (line, record)
        else:
            item_records.append((line, record))

    doc_language = language
    title_i18n: dict[str, str] = {}
    description_i18n: dict[str, str] = {}
    doc_identifier = ""
    if document is not None:
        line, record = document
        doc_language = record.get("language") or language
        if not _LANGUAGE.match(doc_language) or len(doc_language) > 16:
            err(line, "language", "must be a language tag such as 'fr' or 'en'")
        title_i18n = texts(record, "label")
        description_i18n = texts(record, "statement")
        if not title_i18n:
            err(line, "label_" + doc_language, "the document row needs a title (label_<lang>)")
        doc_identifier = record.get("identifier", "")
        if doc_identifier and not _IDENTIFIER.match(doc_identifier):
            err(line, "identifier", "must be 1–200 characters without spaces")
    else:
        if not title or not title.strip():
            err(None, "title", "the file has no document row (item_type = document): give the "
                               "framework's title with the import")
        else:
            title_i18n = {doc_language: title.strip()}
    for lang, text_value in title_i18n.items():
        if len(text_value) > MAX_TITLE:
            err(document[0] if document else None, f"label_{lang}",
                f"is longer than {MAX_TITLE} characters")
    if not doc_identifier:
        doc_identifier = derived_identifier(str(uuid.NAMESPACE_URL),
                                            "csv-framework:" + (next(iter(title_i18n.values()),
                                                                     "")))

    codes: dict[str, list[int]] = {}
    for line, record in item_records:
        if record.get("human_code"):
            codes.setdefault(record["human_code"], []).append(line)
    items: list[Item] = []
    by_id: dict[str, Item] = {}
    pending: list[tuple[Item, str, str]] = []
    for line, record in item_records:
        ident = record.get("identifier", "")
        code = record.get("human_code") or None
        if not ident:
            key = f"code:{code}" if code and len(codes[code]) == 1 else f"line:{line}"
            ident = derived_identifier(doc_identifier, key)
        elif not _IDENTIFIER.match(ident):
            err(line, "identifier", "must be 1–200 characters without spaces")
            continue
        if ident in by_id:
            err(line, "identifier", f"duplicate identifier {ident} (also on line "
                                    f"{by_id[ident].line})")
            continue
        if ident == doc_identifier:
            err(line, "identifier", "already the document's identifier")
            continue
        kind = record.get("item_type", "").lower()
        if kind not in KINDS:
            err(line, "item_type", f"unknown item type {record.get('item_type')!r}; use one of "
                                   f"{', '.join(KINDS)} (or 'document')")
        if code and len(code) > MAX_CODE:
            err(line, "human_code", f"is longer than {MAX_CODE} characters")
        type_title = record.get("type_title") or None
        if type_title and len(type_title) > MAX_TYPE_TITLE:
            err(line, "type_title", f"is longer than {MAX_TYPE_TITLE} characters")
        item_language = record.get("language") or None
        if item_language and (not _LANGUAGE.match(item_language) or len(item_language) > 16):
            err(line, "language", "must be a language tag such as 'fr' or 'en'")
        labels, statements = texts(record, "label"), texts(record, "statement")
        if not labels and not statements:
            err(line, None, "give at least a label or a statement (label_fr, statement_fr, …)")
        position = None
        if record.get("position"):
            try:
                position = int(record["position"])
                if position < 0:
                    raise ValueError
            except ValueError:
                err(line, "position", "must be a whole number (1, 2, …)")
        item = Item(identifier=ident, item_type=kind if kind in KINDS else "other",
                    type_title=type_title, human_code=code, labels=labels,
                    statements=statements, language=item_language, line=line,
                    position=position if position is not None else -1)
        items.append(item)
        by_id[ident] = item
        pending.append((item, record.get("parent_identifier", ""),
                        record.get("associations", "")))

    def resolve(ref: str, line: int, column: str) -> str | None:
        if ref in by_id:
            return ref
        matches = codes.get(ref, [])
        if len(matches) == 1:
            return next(i.identifier for i in items if i.human_code == ref)
        if len(matches) > 1:
            err(line, column, f"{ref!r} is the code of several rows (lines "
                              f"{', '.join(map(str, matches))}); use the identifier")
        return None

    associations: list[Association] = []
    for item, parent_ref, links in pending:
        line = item.line or 0
        if parent_ref:
            parent = resolve(parent_ref, line, "parent_identifier")
            if parent is None:
                if parent_ref not in codes:  # (an ambiguous code is reported by resolve)
                    err(line, "parent_identifier", f"no row has the identifier or code "
                                                   f"{parent_ref!r}")
            else:
                item.parent = parent
        for token in links.split():
            kind, sep, target = token.partition(":")
            if not sep or not target:
                err(line, "associations", f"{token!r}: write type:target, e.g. "
                                          "isRelatedTo:<identifier>")
                continue
            if kind == "isChildOf":
                err(line, "associations", "the hierarchy is given by parent_identifier, not "
                                          "isChildOf")
                continue
            if ((kind not in ASSOCIATION_TYPES and not kind.startswith("ext:"))
                    or len(kind) > MAX_ASSOCIATION_TYPE):
                err(line, "associations",
                    f"unknown association type {kind!r}; CASE 1.1 types are "
                    f"{', '.join(t for t in ASSOCIATION_TYPES if t != 'isChildOf')}")
                continue
            destination = resolve(target, line, "associations") or target
            if destination == item.identifier:
                err(line, "associations", "an item cannot point at itself")
                continue
            if not _IDENTIFIER.match(destination):
                err(line, "associations", f"{target!r} is not a valid identifier")
                continue
            associations.append(Association(
                identifier=derived_identifier(
                    doc_identifier, f"{kind}:{item.identifier}:{destination}"),
                association_type=kind, origin=item.identifier, destination=destination,
                line=line))
    _check_cycles(items, lambda item, message: err(item.line, "parent_identifier", message))
    counters: dict[str | None, int] = {}
    for item in items:
        counters[item.parent] = counters.get(item.parent, 0) + 1
        if item.position < 0:
            item.position = counters[item.parent]
    if errors:
        return ParseResult(None, errors)
    return ParseResult(Package(
        identifier=doc_identifier, language=doc_language, title_i18n=title_i18n,
        description_i18n=description_i18n, items=items, associations=associations), [])


def build_csv(package: Package, *, bom: bool = False) -> str:
    """The package as CSV text (format in the module docstring). Cells that a spreadsheet would
    run as a formula (``=…``, ``+…``, ``-…``, ``@…``) get a leading apostrophe, which
    :func:`parse_csv` removes. ``bom``: start with U+FEFF, so that Excel reads UTF-8."""
    languages = ["fr", "en"]
    for values in ([package.title_i18n, package.description_i18n]
                   + [i.labels for i in package.items] + [i.statements for i in package.items]):
        languages += [lang for lang in values if lang not in languages]
    columns = ["identifier", "parent_identifier", "human_code", "item_type",
               *(f"label_{lang}" for lang in languages),
               *(f"statement_{lang}" for lang in languages),
               "position", "type_title", "language", "associations"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    document = {"identifier": package.identifier, "item_type": DOCUMENT_ROW,
                "language": package.language,
                **{f"label_{k}": v for k, v in package.title_i18n.items()},
                **{f"statement_{k}": v for k, v in package.description_i18n.items()}}
    writer.writerow([spreadsheet_safe(document.get(column, "")) for column in columns])
    links: dict[str, list[str]] = {}
    for association in sorted(package.associations,
                              key=lambda a: (a.order is None, a.order or 0)):
        links.setdefault(association.origin, []).append(
            f"{association.association_type}:{association.destination}")
    for item in tree_order(package.items):
        row = {"identifier": item.identifier, "parent_identifier": item.parent or "",
               "human_code": item.human_code or "", "item_type": item.item_type,
               "position": str(item.position), "type_title": item.type_title or "",
               "language": item.language if item.language != package.language else "",
               "associations": " ".join(links.get(item.identifier, [])),
               **{f"label_{k}": v for k, v in item.labels.items()},
               **{f"statement_{k}": v for k, v in item.statements.items()}}
        writer.writerow([spreadsheet_safe(row.get(column, "")) for column in columns])
    return ("\ufeff" if bom else "") + out.getvalue()


def merge_csv(new: Package, base: Package) -> Package:
    """A CSV import over an existing version: what the CSV cannot carry (CASE fields,
    extensions, rubrics, association notes, URIs) is taken from ``base``, matched by identifier.
    Rubric criteria of items the CSV no longer has are dropped."""
    old_items = {item.identifier: item for item in base.items}
    items = []
    for item in new.items:
        old = old_items.get(item.identifier)
        if old is not None:
            item = replace(item, raw=old.raw, child_of=old.child_of, order=old.order,
                           child_of_order=old.child_of_order, uri=item.uri or old.uri,
                           notes=item.notes if item.notes is not None else old.notes,
                           language=item.language if item.language is not None
                           else old.language)
        items.append(item)
    old_links = {(a.association_type, a.origin, a.destination): a for a in base.associations}
    associations = []
    for association in new.associations:
        old = old_links.get((association.association_type, association.origin,
                             association.destination))
        if old is not None:
            association = replace(old, line=association.line)
        associations.append(association)
    kept = {item.identifier for item in items}
    return replace(new, uri=new.uri or base.uri, items=items, associations=associations,
                   document=base.document, definitions=base.definitions,
                   rubrics=prune_rubrics(base.rubrics, kept), extra=base.extra, keys=base.keys)


def prune_rubrics(rubrics: list[Any] | None, kept: set[str]) -> list[Any] | None:
    """Rubrics without the criteria that point at items not in ``kept``."""
    if rubrics is None:
        return None
    out = []
    for rubric in rubrics:
        if isinstance(rubric, dict) and isinstance(rubric.get("CFRubricCriteria"), list):
            rubric = dict(rubric)
            rubric["CFRubricCriteria"] = [
                c for c in rubric["CFRubricCriteria"]
                if not (isinstance(c, dict) and isinstance(c.get("CFItemURI"), dict)
                        and c["CFItemURI"].get("identifier") not in kept)]
        out.append(rubric)
    return out


def core(package: Package) -> dict[str, Any]:
    """What both formats carry, for comparing a round trip: document texts, the tree, the
    labels and statements, and the (type, origin, destination) associations."""
    return {
        "identifier": package.identifier,
        "language": package.language,
        "title_i18n": package.title_i18n,
        "description_i18n": package.description_i18n,
        "items": {item.identifier: (item.parent, item.position, item.item_type,
                                    item.type_title or KINDS.get(item.item_type),
                                    item.human_code, item.labels, item.statements)
                  for item in package.items},
        "associations": sorted((a.association_type, a.origin, a.destination)
                               for a in package.associations),
    }
