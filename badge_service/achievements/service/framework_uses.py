"""Tell the frameworks what achievements use, so that a used draft or item is not deleted.

Registered on import of the achievements service (frameworks come first and do not know
achievements; see :mod:`badge_service.frameworks.service.uses`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.achievements.models import Achievement, AchievementAlignment
from badge_service.frameworks.models import FrameworkVersion
from badge_service.frameworks.service.uses import register_items_use, register_version_use


@register_version_use
def _level_scale(session: Session, version: FrameworkVersion) -> bool:
    return session.scalar(select(Achievement.id).where(
        Achievement.level_scale_version_id == version.id).limit(1)) is not None


@register_items_use
def _aligned(session: Session, item_ids: list[uuid.UUID]) -> bool:
    return session.scalar(select(AchievementAlignment.id).where(
        AchievementAlignment.framework_item_id.in_(item_ids)).limit(1)) is not None
