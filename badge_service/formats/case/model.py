"""The plain data of a CASE framework (document, items, associations) and what both formats
share: the item kinds, identifiers derived when the input names none, titles, the tree order.

Every other module of :mod:`badge_service.formats.case` reads or writes these dataclasses; none
of them touches the database, the clock or the network.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from badge_service.errors import FieldError

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
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_IDENTIFIER = re.compile(r"^\S{1,200}$")
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
        folded = fold(text)
        for kind, words in _KIND_WORDS:
            if any(word in folded for word in words):
                return kind
    return "other"


def fold(text: str) -> str:
    """Lower case without accents, so that "Compétence" and "COMPETENCE" compare equal."""
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
