"""Which competences a participant may tag evidence with: those of the frameworks their
programmes' achievements are aligned to (every item of those published framework versions but
the proficiency levels, which are a scale, not something one documents)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement, AchievementAlignment
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.errors import FieldError, ValidationFailed
from badge_service.frameworks.models import STATUS_PUBLISHED, FrameworkItem, FrameworkVersion

MAX_TAGS = 50
NOT_TAGGABLE = ("level", "progression")


def taggable_versions(session: Session, user: User) -> list[FrameworkVersion]:
    """The published framework versions of the user's programmes, by title."""
    programmes = select(Cohort.programme_id).join(
        CohortMember, CohortMember.cohort_id == Cohort.id).where(CohortMember.user_id == user.id)
    versions = select(FrameworkItem.version_id).join(
        AchievementAlignment, AchievementAlignment.framework_item_id == FrameworkItem.id).join(
        Achievement, Achievement.id == AchievementAlignment.achievement_id).where(
        Achievement.programme_id.in_(programmes))
    return list(session.scalars(select(FrameworkVersion).where(
        FrameworkVersion.id.in_(versions), FrameworkVersion.status == STATUS_PUBLISHED)
        .order_by(FrameworkVersion.title, FrameworkVersion.number)))


def taggable_items(session: Session, user: User) -> list[tuple[FrameworkVersion,
                                                               list[FrameworkItem]]]:
    return [(version, [i for i in version.items if i.item_type not in NOT_TAGGABLE])
            for version in taggable_versions(session, user)]


def resolve(session: Session, user: User, ids: Iterable[str | uuid.UUID]) -> list[FrameworkItem]:
    """The framework items named by ``ids`` (order kept, repeats dropped), or ValidationFailed
    naming each id that is not a competence of the user's programmes."""
    wanted: list[uuid.UUID] = []
    errors = []
    for position, raw in enumerate(ids):
        try:
            key = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw).strip())
        except ValueError:
            errors.append(FieldError(f"{raw!r} is not an id", field=f"competences[{position}]"))
            continue
        if key not in wanted:
            wanted.append(key)
    if len(wanted) > MAX_TAGS:
        errors.append(FieldError(f"at most {MAX_TAGS} competences", field="competences"))
    allowed = {v.id for v in taggable_versions(session, user)} if wanted else set()
    found = {i.id: i for i in session.scalars(
        select(FrameworkItem).where(FrameworkItem.id.in_(wanted)))} if wanted else {}
    for key in wanted:
        item = found.get(key)
        if item is None or item.version_id not in allowed or item.item_type in NOT_TAGGABLE:
            errors.append(FieldError(f"{key} is not a competence of your programmes' frameworks",
                                     field="competences"))
    if errors:
        raise ValidationFailed("some competences cannot be tagged", errors)
    return [found[key] for key in wanted]
