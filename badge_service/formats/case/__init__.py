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

Modules, one reason to change each: :mod:`.model` (the plain data and what both formats share),
:mod:`.upload` (uploaded files), :mod:`.json_checks` and :mod:`.json_read` (reading CASE JSON),
:mod:`.json_write` (writing it, comparing packages), :mod:`.csv_read` (the CSV format and its
reading), :mod:`.csv_write` (writing CSV), :mod:`.merge` (a CSV import over a stored version).
This package re-exports their public names, so callers write ``from badge_service.formats import
case`` and ``case.parse_package(…)``.
"""

from __future__ import annotations

# ``name as name``: the explicit re-export form, one name a line.
from badge_service.formats.case.csv_read import CSV_COLUMNS as CSV_COLUMNS
from badge_service.formats.case.csv_read import DOCUMENT_ROW as DOCUMENT_ROW
from badge_service.formats.case.csv_read import parse_csv as parse_csv
from badge_service.formats.case.csv_write import build_csv as build_csv
from badge_service.formats.case.json_read import parse_package as parse_package
from badge_service.formats.case.json_write import assign_uris as assign_uris
from badge_service.formats.case.json_write import build_package as build_package
from badge_service.formats.case.json_write import dumps as dumps
from badge_service.formats.case.json_write import freeze_order as freeze_order
from badge_service.formats.case.json_write import same_content as same_content
from badge_service.formats.case.json_write import sibling_uri as sibling_uri
from badge_service.formats.case.merge import merge_csv as merge_csv
from badge_service.formats.case.merge import prune_rubrics as prune_rubrics
from badge_service.formats.case.model import ASSOCIATION_TYPES as ASSOCIATION_TYPES
from badge_service.formats.case.model import KINDS as KINDS
from badge_service.formats.case.model import MAX_ASSOCIATION_TYPE as MAX_ASSOCIATION_TYPE
from badge_service.formats.case.model import MAX_CODE as MAX_CODE
from badge_service.formats.case.model import MAX_TITLE as MAX_TITLE
from badge_service.formats.case.model import MAX_TYPE_TITLE as MAX_TYPE_TITLE
from badge_service.formats.case.model import MAX_URI as MAX_URI
from badge_service.formats.case.model import Association as Association
from badge_service.formats.case.model import Item as Item
from badge_service.formats.case.model import Package as Package
from badge_service.formats.case.model import ParseResult as ParseResult
from badge_service.formats.case.model import core as core
from badge_service.formats.case.model import derived_identifier as derived_identifier
from badge_service.formats.case.model import fold as fold
from badge_service.formats.case.model import item_title as item_title
from badge_service.formats.case.model import kind_of as kind_of
from badge_service.formats.case.model import tree_order as tree_order
from badge_service.formats.case.upload import parse_json_text as parse_json_text
from badge_service.formats.case.upload import read as read

__all__ = [
    "ASSOCIATION_TYPES",
    "CSV_COLUMNS",
    "DOCUMENT_ROW",
    "KINDS",
    "MAX_ASSOCIATION_TYPE",
    "MAX_CODE",
    "MAX_TITLE",
    "MAX_TYPE_TITLE",
    "MAX_URI",
    "Association",
    "Item",
    "Package",
    "ParseResult",
    "assign_uris",
    "build_csv",
    "build_package",
    "core",
    "derived_identifier",
    "dumps",
    "fold",
    "freeze_order",
    "item_title",
    "kind_of",
    "merge_csv",
    "parse_csv",
    "parse_json_text",
    "parse_package",
    "prune_rubrics",
    "read",
    "same_content",
    "sibling_uri",
    "tree_order",
]
