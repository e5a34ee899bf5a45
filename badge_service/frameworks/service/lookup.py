"""Reading frameworks: by id or identifier, their versions, the item tree, levels, rubrics."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service.db import get_or_not_found
from badge_service.errors import FieldError, NotFound, ValidationFailed
from badge_service.formats import case
from badge_service.frameworks.models import (
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Framework,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.frameworks.service.export import _plain_item


def get(session: Session, framework_id: uuid.UUID) -> Framework:
    return get_or_not_found(session, Framework, framework_id, "framework")


def find(session: Session, reference: str) -> Framework:
    """A framework by database id or by CASE (CFDocument) identifier."""
    try:
        framework = session.get(Framework, uuid.UUID(reference))
    except ValueError:
        framework = None
    if framework is None:
        framework = session.scalar(select(Framework).where(Framework.identifier == reference))
    if framework is None:
        raise NotFound(f"no framework with id or identifier {reference!r}")
    return framework


def get_version(session: Session, version_id: uuid.UUID) -> FrameworkVersion:
    return get_or_not_found(session, FrameworkVersion, version_id, "framework version")


def get_item(session: Session, item_id: uuid.UUID) -> FrameworkItem:
    return get_or_not_found(session, FrameworkItem, item_id, "framework item")


def list_query(*, organisation_id: uuid.UUID | None = None, identifier: str | None = None,
               shared: bool | None = None) -> Select:
    query = select(Framework).order_by(Framework.title, Framework.identifier)
    if organisation_id is not None:
        query = query.where(Framework.organisation_id == organisation_id)
    if shared is not None:
        query = query.where(Framework.organisation_id.is_(None) if shared
                            else Framework.organisation_id.is_not(None))
    if identifier is not None:
        query = query.where(Framework.identifier == identifier)
    return query


def latest_version(framework: Framework, *, published: bool = False) -> FrameworkVersion | None:
    versions = [v for v in framework.versions
                if not published or v.status == STATUS_PUBLISHED]
    return max(versions, key=lambda v: v.number, default=None)


def current_version(framework: Framework) -> FrameworkVersion | None:
    """What people should see and use: the latest published version, else the draft."""
    return latest_version(framework, published=True) or latest_version(framework)


def draft_of(framework: Framework) -> FrameworkVersion | None:
    return next((v for v in framework.versions if v.status == STATUS_DRAFT), None)


def _children(items: Iterable[FrameworkItem]) -> dict[uuid.UUID | None, list[FrameworkItem]]:
    items = list(items)
    known = {item.id for item in items}
    children: dict[uuid.UUID | None, list[FrameworkItem]] = {}
    for item in items:
        children.setdefault(item.parent_id if item.parent_id in known else None, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, _order(i), i.identifier))
    return children


def _order(item: FrameworkItem) -> int:
    order = (item.extra or {}).get("order")
    return order if isinstance(order, int) else 1 << 30


def tree(version: FrameworkVersion) -> list[tuple[FrameworkItem, int]]:
    """Every item of the version with its depth (0 = top level), parents first."""
    children = _children(version.items)
    out: list[tuple[FrameworkItem, int]] = []
    stack = [(item, 0) for item in reversed(children.get(None, []))]
    while stack:
        item, depth = stack.pop()
        out.append((item, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(item.id, [])))
    return out


def descendants(version: FrameworkVersion, item: FrameworkItem) -> list[FrameworkItem]:
    """The item and everything under it, in tree order (parents first, siblings in order)."""
    children = _children(version.items)
    out, stack = [], [item]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children.get(current.id, [])))
    return out


def levels(session: Session, version: FrameworkVersion) -> list[FrameworkItem]:
    """The proficiency levels of a version, lowest first (DigCompEdu: A1 Newcomer … C2 Pioneer).

    Order: the ``precedes`` chain between levels when there is one, else the tree order."""
    ordered = [item for item, _ in tree(version) if item.item_type == "level"]
    rank = {item.id: index for index, item in enumerate(ordered)}
    before: dict[uuid.UUID, set[uuid.UUID]] = {item.id: set() for item in ordered}
    for link in version.associations:
        if (link.association_type == "precedes" and link.origin_id in rank
                and link.destination_id in rank):
            before[link.destination_id].add(link.origin_id)
    out: list[FrameworkItem] = []
    placed: set[uuid.UUID] = set()
    while len(out) < len(ordered):
        ready = [item for item in ordered if item.id not in placed
                 and before[item.id] <= placed]
        if not ready:  # a precedes cycle: fall back to the tree order for the rest
            ready = [item for item in ordered if item.id not in placed]
        choice = min(ready, key=lambda item: rank[item.id])
        out.append(choice)
        placed.add(choice.id)
    return out


def find_item(session: Session, version_id: uuid.UUID, reference: str) -> FrameworkItem:
    """An item of a version by CASE identifier, human code ("2.1", "A1") or URI."""
    base = select(FrameworkItem).where(FrameworkItem.version_id == version_id)
    item = session.scalar(base.where(FrameworkItem.identifier == reference))
    if item is not None:
        return item
    matches = session.scalars(base.where(FrameworkItem.human_code == reference)).all()
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValidationFailed(f"several items have the code {reference!r}; use the identifier",
                               [FieldError("ambiguous code", field="item")])
    item = session.scalar(base.where(FrameworkItem.uri == reference))
    if item is None:
        raise NotFound(f"no item {reference!r} in this framework version")
    return item


def stored_items(session: Session, identifiers: Iterable[str]) -> dict[str, FrameworkItem]:
    """Items of stored frameworks by CASE identifier (cross-framework link targets), taken from
    the latest published version that has them."""
    wanted = set(identifiers)
    if not wanted:
        return {}
    rows = session.execute(
        select(FrameworkItem, FrameworkVersion)
        .join(FrameworkVersion, FrameworkItem.version_id == FrameworkVersion.id)
        .where(FrameworkItem.identifier.in_(wanted))).all()
    best: dict[str, tuple[tuple[bool, int], FrameworkItem]] = {}
    for item, version in rows:
        key = (version.status == STATUS_PUBLISHED, version.number)
        if item.identifier not in best or key > best[item.identifier][0]:
            best[item.identifier] = (key, item)
    return {identifier: item for identifier, (_, item) in best.items()}


def rubrics(version: FrameworkVersion) -> list[dict[str, Any]]:
    """The CASE CFRubrics of the version (e.g. DigCompEdu: one criterion per competence, six
    levels each), as imported."""
    return copy.deepcopy((version.document or {}).get("CFRubrics") or [])


def title_of(item: FrameworkItem, language: str) -> str:
    return case.item_title(_plain_item(item, {}), language)
