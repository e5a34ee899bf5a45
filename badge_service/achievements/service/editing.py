"""Creating, changing and deleting achievements, and their images (coordinators only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement
from badge_service.achievements.service.composites import composites_requiring
from badge_service.achievements.service.validation import apply_values, validate
from badge_service.adapters import uploads
from badge_service.errors import Conflict, FieldError
from badge_service.programmes.models import Programme
from badge_service.programmes.service import referring_rows


def create(session: Session, actor: User | None, programme: Programme, data: dict[str, Any], *,
           now: datetime) -> Achievement:
    """``data``: achievement_type, language, name/description/criteria {fr, en}, alignments
    (framework item ids), level_scale_version_id, validity_days, tags, human_code, requires
    (achievement ids of the same programme), requires_portfolio."""
    policy.require_coordinate_programme(session, actor, programme)
    values = validate(session, programme, None, data)
    achievement = Achievement(programme_id=programme.id, programme=programme, created_at=now,
                              name="", tags=[], requires_portfolio=False)
    session.add(achievement)
    apply_values(achievement, values)
    session.flush()
    return achievement


def update(session: Session, actor: User | None, achievement: Achievement, data: dict[str, Any], *,
           now: datetime) -> Achievement:
    """Change the given fields only (same keys as :func:`create`)."""
    policy.require_coordinate_programme(session, actor, achievement.programme)
    values = validate(session, achievement.programme, achievement, data)
    apply_values(achievement, values)
    achievement.updated_at = now
    session.flush()
    return achievement


def set_requirements(session: Session, actor: User | None, achievement: Achievement,
                     achievement_ids: list[Any], requires_portfolio: bool, *,
                     now: datetime) -> Achievement:
    return update(session, actor, achievement, {"requires": list(achievement_ids),
                                                "requires_portfolio": requires_portfolio},
                  now=now)


def dependants(session: Session, achievement: Achievement) -> dict[str, int]:
    """Rows elsewhere that refer to the achievement (credentials, awards, … added later), by
    table; its own alignments and requirements are not counted."""
    return referring_rows(session, "achievement", achievement.id,
                          own_tables=("achievement_alignment", "achievement_requirement"))


def delete(session: Session, actor: User | None, achievement: Achievement) -> None:
    """Delete an achievement nothing depends on; 409 if another achievement requires it or
    data refers to it (e.g. credentials issued)."""
    policy.require_coordinate_programme(session, actor, achievement.programme)
    composites = composites_requiring(session, achievement.id)
    if composites:
        names = ", ".join(f"“{c.name}”" for c in composites)
        raise Conflict(f"“{achievement.name}” is required by {names}; remove it from their "
                       "requirements first",
                       [FieldError(f"required by {c.name}", field="requires") for c in composites])
    found = dependants(session, achievement)
    if found:
        listed = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in
                           sorted(found.items()))
        raise Conflict(f"“{achievement.name}” is still referred to by {listed}",
                       [FieldError(f"{count} remaining", field=table)
                        for table, count in sorted(found.items())])
    session.delete(achievement)
    session.flush()


def set_image(session: Session, actor: User | None, achievement: Achievement, data: bytes, *,
              upload_dir: str, max_bytes: int, now: datetime,
              field_name: str = "image") -> uploads.StoredImage:
    """Check (PNG/SVG by content, size, SVG sanitised), store, and use as the image;
    errors name ``field_name`` (the form or multipart field the file came in)."""
    policy.require_coordinate_programme(session, actor, achievement.programme)
    stored = uploads.store_image(data, upload_dir=upload_dir, max_bytes=max_bytes,
                                 field_name=field_name)
    achievement.image_path = stored.name
    achievement.updated_at = now
    session.flush()
    return stored


def remove_image(session: Session, actor: User | None, achievement: Achievement, *,
                 now: datetime) -> None:
    policy.require_coordinate_programme(session, actor, achievement.programme)
    achievement.image_path = None
    achievement.updated_at = now
    session.flush()
