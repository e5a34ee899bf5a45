"""The items of a draft: add, change (texts, type, place in the tree), remove with their
descendants."""

from __future__ import annotations

import copy
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.errors import Conflict, FieldError, ValidationFailed
from badge_service.formats import case
from badge_service.frameworks.models import FrameworkAssociation, FrameworkItem, FrameworkVersion
from badge_service.frameworks.service.drafts import (
    MAX_TEXT,
    _merged,
    _or_empty,
    _require_draft,
    _texts,
    _touch_document,
)
from badge_service.frameworks.service.export import _iso
from badge_service.frameworks.service.lookup import _order, descendants
from badge_service.frameworks.service.uses import items_in_use


def _check_item(session: Session, version: FrameworkVersion, data: dict[str, Any],
                item: FrameworkItem | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if "item_type" in data and data["item_type"] not in case.KINDS:
        errors.append(FieldError(f"must be one of {', '.join(case.KINDS)}", field="item_type"))
    for key, limit in (("human_code", case.MAX_CODE), ("type_title", case.MAX_TYPE_TITLE),
                       ("notes", MAX_TEXT)):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit
                                  or "\x00" in value):
            errors.append(FieldError(f"must be text of at most {limit} characters", field=key))
    if data.get("position") is not None and (
            isinstance(data["position"], bool) or not isinstance(data["position"], int)
            or data["position"] < 1):
        errors.append(FieldError("must be a whole number from 1", field="position"))
    if data.get("parent_id") is not None:
        parent = session.get(FrameworkItem, data["parent_id"])
        if parent is None or parent.version_id != version.id:
            errors.append(FieldError("no such item in this version", field="parent_id"))
        elif item is not None and parent in descendants(version, item):
            errors.append(FieldError("an item cannot move under itself or its descendants",
                                     field="parent_id"))
    return errors


def _place(version: FrameworkVersion, item: FrameworkItem, parent_id: uuid.UUID | None,
           position: int | None, *, new: bool = False) -> None:
    """Put ``item`` at ``position`` (1-based; None: last) among its new siblings; siblings are
    renumbered 1…n in the old and new places."""
    old_parent = item.parent_id
    siblings = _siblings(version, parent_id, exclude=item)
    index = len(siblings) if position is None else max(0, min(position - 1, len(siblings)))
    siblings.insert(index, item)
    item.parent_id = parent_id
    _number(siblings)
    if old_parent != parent_id and not new:
        _renumber(version, old_parent, exclude=item)


def _renumber(version: FrameworkVersion, parent_id: uuid.UUID | None,
              exclude: FrameworkItem | None = None) -> None:
    _number(_siblings(version, parent_id, exclude=exclude))


def _siblings(version: FrameworkVersion, parent_id: uuid.UUID | None,
              exclude: FrameworkItem | None) -> list[FrameworkItem]:
    """The children of ``parent_id`` (None: top level) but ``exclude``, in their current order."""
    return sorted((i for i in version.items if i.parent_id == parent_id and i is not exclude),
                  key=lambda i: (i.position, _order(i), i.identifier))


def _number(siblings: list[FrameworkItem]) -> None:
    for number, sibling in enumerate(siblings, start=1):
        sibling.position = number


def add_item(session: Session, actor: User | None, version: FrameworkVersion,
             data: dict[str, Any], *, now: datetime) -> FrameworkItem:
    """Add an item to a draft. ``data``: item_type, labels, statements ({lang: text}),
    optional identifier, human_code, type_title, parent_id, position, notes."""
    policy.require_import_framework(session, actor, version.framework.organisation_id)
    _require_draft(version)
    errors = _check_item(session, version, {"item_type": data.get("item_type"), **data}, None)
    identifier = data.get("identifier") or str(uuid.uuid4())
    if not isinstance(identifier, str) or not re.match(r"^\S{1,200}$", identifier):
        errors.append(FieldError("1–200 characters without spaces", field="identifier"))
    elif identifier == version.framework.identifier or any(
            i.identifier == identifier for i in version.items):
        raise Conflict(f"identifier {identifier} is already used in this version",
                       [FieldError("already used", field="identifier")])
    labels = _merged({}, _texts(_or_empty(data.get("labels")), "labels", errors))
    statements = _merged({}, _texts(_or_empty(data.get("statements")), "statements", errors))
    if not labels and not statements:
        errors.append(FieldError("give at least a label or a statement", field="labels"))
    if errors:
        raise ValidationFailed("the item is not valid", errors)
    item = FrameworkItem(
        id=uuid.uuid4(), version=version, identifier=identifier,
        uri=case.sibling_uri((version.document or {}).get("uri"), "CFItems", identifier),
        human_code=data.get("human_code") or None, item_type=data["item_type"],
        type_title=data.get("type_title") or None, labels=labels, statements=statements,
        position=0, notes=data.get("notes") or None, extra={})
    session.add(item)
    _place(version, item, data.get("parent_id"), data.get("position"), new=True)
    _touch_document(version, now)
    session.flush()
    return item


def update_item(session: Session, actor: User | None, item: FrameworkItem,
                changes: dict[str, Any], *, now: datetime) -> FrameworkItem:
    """Change an item of a draft. ``changes`` may hold human_code, item_type, type_title,
    notes, labels/statements ({lang: text or None}), parent_id (None: top level), position."""
    version = item.version
    policy.require_import_framework(session, actor, version.framework.organisation_id)
    _require_draft(version)
    unknown = set(changes) - {"human_code", "item_type", "type_title", "notes", "labels",
                              "statements", "parent_id", "position"}
    errors = [FieldError("cannot be changed here", field=key) for key in sorted(unknown)]
    errors += _check_item(session, version, changes, item)
    labels = _merged(item.labels, _texts(_or_empty(changes.get("labels")), "labels", errors))
    statements = _merged(item.statements, _texts(_or_empty(changes.get("statements")),
                                                 "statements", errors))
    if not labels and not statements:
        errors.append(FieldError("an item keeps at least a label or a statement",
                                 field="labels"))
    if "item_type" in changes and not changes["item_type"]:
        errors.append(FieldError("is required", field="item_type"))
    if errors:
        raise ValidationFailed("the item is not valid", errors)
    item.labels, item.statements = labels, statements
    for key in ("human_code", "type_title", "notes"):
        if key in changes:
            setattr(item, key, changes[key] or None)
    if changes.get("item_type"):
        item.item_type = changes["item_type"]
    if "parent_id" in changes or changes.get("position") is not None:
        parent_id = changes.get("parent_id", item.parent_id)
        _place(version, item, parent_id, changes.get("position"))
    extra = copy.deepcopy(item.extra or {})
    if "identifier" in (extra.get("case") or {}):
        extra["case"]["lastChangeDateTime"] = _iso(now)
        item.extra = extra
    _touch_document(version, now)
    session.flush()
    return item


def delete_item(session: Session, actor: User | None, item: FrameworkItem, *,
                now: datetime) -> int:
    """Remove an item of a draft with its descendants, the links from or to them and the
    rubric criteria about them. Returns how many items were removed."""
    version = item.version
    policy.require_import_framework(session, actor, version.framework.organisation_id)
    _require_draft(version)
    doomed = descendants(version, item)
    ids = [i.id for i in doomed]
    if items_in_use(session, ids):
        raise Conflict("achievements are aligned to this item or its sub-items; remove those "
                       "alignments first")
    document = copy.deepcopy(version.document or {})
    kept = {i.identifier for i in version.items if i.id not in set(ids)}
    if document.get("CFRubrics") is not None:
        document["CFRubrics"] = case.prune_rubrics(document["CFRubrics"], kept)
    version.document = document
    parent_id = item.parent_id
    session.flush()
    # One statement for the whole subtree: the database checks the tree's foreign keys at its
    # end (ORM deletes, row by row, would race the ON DELETE CASCADE).
    session.execute(delete(FrameworkAssociation).where(
        or_(FrameworkAssociation.origin_id.in_(ids),
            FrameworkAssociation.destination_id.in_(ids))),
        execution_options={"synchronize_session": False})
    session.execute(delete(FrameworkItem).where(FrameworkItem.id.in_(ids)),
                    execution_options={"synchronize_session": False})
    for doomed_item in doomed:
        session.expunge(doomed_item)
    session.expire(version, ["items", "associations"])
    _renumber(version, parent_id)
    _touch_document(version, now)
    session.flush()
    return len(doomed)
