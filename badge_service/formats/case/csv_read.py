"""CSV text → :class:`~badge_service.formats.case.model.Package`; this docstring is the CSV
format's reference.

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
matched by identifier, see :func:`~badge_service.formats.case.merge.merge_csv`). Export
(:mod:`badge_service.formats.case.csv_write`) writes UTF-8 (with a BOM for Excel from the
service), comma-separated, CRLF line ends, the document row first, then items parents-first; a
value a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is written with a leading
apostrophe, which import removes.
"""

from __future__ import annotations

import csv
import io
import re
import uuid

from badge_service.errors import FieldError
from badge_service.formats.case.model import (
    _IDENTIFIER,
    _LANGUAGE,
    ASSOCIATION_TYPES,
    KINDS,
    MAX_ASSOCIATION_TYPE,
    MAX_CODE,
    MAX_TITLE,
    MAX_TYPE_TITLE,
    Association,
    Item,
    Package,
    ParseResult,
    _check_cycles,
    derived_identifier,
)
from badge_service.formats.csv_table import looks_like_formula

DOCUMENT_ROW = "document"
CSV_COLUMNS = ("identifier", "parent_identifier", "human_code", "item_type", "label_fr",
               "label_en", "statement_fr", "statement_en", "position", "type_title", "language",
               "associations")
_TEXT_COLUMN = re.compile(r"^(label|statement)_([a-z]{2,3})$")


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
