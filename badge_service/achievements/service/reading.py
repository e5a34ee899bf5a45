"""Finding achievements, and what they may align to or be scored on (pickers, pages, API).

Kept apart from validation and writing: these are the read-only queries every page and the
awards code use, and who may *read* an achievement (its programme's readers).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement
from badge_service.db import get_or_not_found
from badge_service.errors import NotFound
from badge_service.frameworks.models import (
    STATUS_PUBLISHED,
    Framework,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme

LEVEL_ITEM_TYPE = "level"


def get(session: Session, achievement_id: uuid.UUID) -> Achievement:
    return get_or_not_found(session, Achievement, achievement_id, "achievement")


def get_readable(session: Session, user: User | None, achievement_id: uuid.UUID) -> Achievement:
    achievement = get(session, achievement_id)
    programme = achievement.programme
    if not programmes.can_read(session, user, programme):
        raise NotFound(f"no achievement {achievement_id}")
    return achievement


def of_programme(programme: Programme) -> Any:
    """Query of a programme's achievements, by human code then name."""
    return select(Achievement).where(Achievement.programme_id == programme.id).order_by(
        Achievement.human_code.is_(None), Achievement.human_code, Achievement.name,
        Achievement.id)


def published_items(session: Session) -> list[tuple[FrameworkVersion, list[tuple[FrameworkItem,
                                                                                  int]]]]:
    """What achievements may align to, for pickers: per published framework version, its
    non-level items in tree order, each with its depth (0 for top-level items)."""
    versions = session.scalars(
        select(FrameworkVersion).join(Framework, FrameworkVersion.framework_id == Framework.id)
        .where(FrameworkVersion.status == STATUS_PUBLISHED)
        .order_by(Framework.title, FrameworkVersion.number))
    out = []
    for version in versions:
        items = [i for i in version.items if i.item_type != LEVEL_ITEM_TYPE]
        if items:
            out.append((version, _tree(items)))
    return out


def _tree(items: list[FrameworkItem]) -> list[tuple[FrameworkItem, int]]:
    ids = {item.id for item in items}
    children: dict[uuid.UUID | None, list[FrameworkItem]] = {}
    for item in items:
        parent = item.parent_id if item.parent_id in ids else None
        children.setdefault(parent, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.position, i.human_code or "", str(i.id)))
    ordered: list[tuple[FrameworkItem, int]] = []
    stack = [(item, 0) for item in reversed(children.get(None, []))]
    seen: set[uuid.UUID] = set()
    while stack:
        item, depth = stack.pop()
        if item.id in seen:
            continue
        seen.add(item.id)
        ordered.append((item, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(item.id, [])))
    return ordered


def level_scales(session: Session) -> list[FrameworkVersion]:
    """Published framework versions that define proficiency levels (usable as level scales)."""
    has_levels = select(FrameworkItem.version_id).where(
        FrameworkItem.item_type == LEVEL_ITEM_TYPE)
    return list(session.scalars(
        select(FrameworkVersion).join(Framework, FrameworkVersion.framework_id == Framework.id)
        .where(FrameworkVersion.status == STATUS_PUBLISHED, FrameworkVersion.id.in_(has_levels))
        .order_by(Framework.title, FrameworkVersion.number)))


def levels_of(version: FrameworkVersion | None) -> list[FrameworkItem]:
    """The level items of a scale, lowest first."""
    if version is None:
        return []
    return sorted((item for item in version.items if item.item_type == LEVEL_ITEM_TYPE),
                  key=lambda item: (item.position, item.human_code or "", str(item.id)))


def required_ids(achievement: Achievement) -> list[uuid.UUID]:
    return [r.required_achievement_id for r in achievement.requirements]
