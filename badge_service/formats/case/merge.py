"""A CSV import over a stored version keeps what the CSV cannot carry (CASE-only data)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from badge_service.formats.case.model import Package


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
