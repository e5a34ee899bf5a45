"""Whether something outside the frameworks uses a version or items, so they cannot go.

Achievements align to items and take a version as their level scale, but frameworks come first
and do not know achievements: a later domain registers its checks here (as the achievements
service does on import), and deleting a draft or an item asks them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from badge_service.frameworks.models import FrameworkVersion

#: (session, version) -> whether something uses the version itself (e.g. as a level scale).
VersionUse = Callable[[Session, FrameworkVersion], bool]
#: (session, item ids, never empty) -> whether something uses one of those items.
ItemsUse = Callable[[Session, list[uuid.UUID]], bool]
_VERSION_USES: list[VersionUse] = []
_ITEMS_USES: list[ItemsUse] = []


def register_version_use(check: VersionUse) -> VersionUse:
    """Usable as a decorator; registering the same function twice has no effect."""
    if check not in _VERSION_USES:
        _VERSION_USES.append(check)
    return check


def register_items_use(check: ItemsUse) -> ItemsUse:
    """Usable as a decorator; registering the same function twice has no effect."""
    if check not in _ITEMS_USES:
        _ITEMS_USES.append(check)
    return check


def version_in_use(session: Session, version: FrameworkVersion) -> bool:
    return any(check(session, version) for check in _VERSION_USES)


def items_in_use(session: Session, item_ids: list[uuid.UUID]) -> bool:
    if not item_ids:
        return False
    return any(check(session, item_ids) for check in _ITEMS_USES)
