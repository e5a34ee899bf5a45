"""Checking an achievement's fields, and applying the checked values to the row.

Every problem of a request is reported at once (one ``FieldError`` per field); the cycle check
of composite requirements lives here because it is part of what makes ``requires`` valid.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.achievements.models import (
    Achievement,
    AchievementAlignment,
    AchievementRequirement,
)
from badge_service.achievements.service.reading import LEVEL_ITEM_TYPE, get, levels_of
from badge_service.errors import FieldError, ValidationFailed
from badge_service.frameworks.models import STATUS_PUBLISHED, FrameworkItem, FrameworkVersion
from badge_service.locale import LANGUAGES
from badge_service.programmes.models import Programme
from badge_service.programmes.service import clean_i18n, text_of
from credentials import models as ob

#: OB 3.0 AchievementType values (credentials.models) — plus any "ext:Name" extension.
ACHIEVEMENT_TYPES = ob.ACHIEVEMENT_TYPES
EXT_NAME = re.compile(r"^ext:[A-Za-z0-9._-]+$")
#: The types offered first in forms (the programmes' usual ones).
COMMON_TYPES = ("Badge", "Certificate", "Diploma", "Competency", "Course", "MicroCredential",
                "CertificateOfCompletion", "Achievement", "LearningProgram", "Assessment")
NAME_MAX = 500
TEXT_MAX = 20_000
MAX_VALIDITY_DAYS = 36_500
MAX_TAGS = 30
TAG_MAX = 100
FIELDS = {"achievement_type", "language", "name", "description", "criteria", "alignments",
          "level_scale_version_id", "validity_days", "tags", "human_code", "requires",
          "requires_portfolio"}


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _uuid_list(value: Any, field: str, errors: list[FieldError]) -> list[tuple[int, uuid.UUID]]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.append(FieldError("must be a list of ids", field=field))
        return []
    out: list[tuple[int, uuid.UUID]] = []
    seen: set[uuid.UUID] = set()
    for i, raw in enumerate(value):
        parsed = _uuid(raw)
        if parsed is None:
            errors.append(FieldError(f"{raw!r} is not an id (UUID)", field=f"{field}[{i}]"))
        elif parsed not in seen:
            seen.add(parsed)
            out.append((i, parsed))
    return out


def _check_type(value: Any, errors: list[FieldError]) -> str | None:
    if isinstance(value, str) and (value in ACHIEVEMENT_TYPES or EXT_NAME.match(value)):
        return value
    errors.append(FieldError(
        "must be an Open Badges 3.0 achievement type (Badge, Certificate, Diploma, Competency, "
        "Course, …) or an extension named 'ext:Something'", field="achievement_type"))
    return None


def _check_alignments(session: Session, value: Any,
                      errors: list[FieldError]) -> list[FrameworkItem]:
    items = []
    for i, item_id in _uuid_list(value, "alignments", errors):
        item = session.get(FrameworkItem, item_id)
        where = f"alignments[{i}]"
        if item is None:
            errors.append(FieldError(f"no framework item {item_id}", field=where))
        elif item.version.status != STATUS_PUBLISHED:
            errors.append(FieldError(
                f"{item.human_code or item.identifier} belongs to a {item.version.status} "
                "framework version; align to items of a published version only", field=where))
        elif item.item_type == LEVEL_ITEM_TYPE:
            errors.append(FieldError(
                f"{item.human_code or item.identifier} is a proficiency level; choose it as the "
                "level scale instead of an alignment", field=where))
        else:
            items.append(item)
    return items


def _check_scale(session: Session, value: Any,
                 errors: list[FieldError]) -> tuple[bool, FrameworkVersion | None]:
    if value is None or value == "":
        return True, None
    version_id = _uuid(value)
    version = session.get(FrameworkVersion, version_id) if version_id else None
    field = "level_scale_version_id"
    if version is None:
        errors.append(FieldError(f"no framework version {value}", field=field))
    elif version.status != STATUS_PUBLISHED:
        errors.append(FieldError("this framework version is not published", field=field))
    elif not levels_of(version):
        errors.append(FieldError("this framework version defines no proficiency levels",
                                 field=field))
    else:
        return True, version
    return False, None


def _check_validity(value: Any, errors: list[FieldError]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            errors.append(FieldError("must be a whole number of days", field="validity_days"))
            return None
    if not 1 <= value <= MAX_VALIDITY_DAYS:
        errors.append(FieldError(f"must be between 1 and {MAX_VALIDITY_DAYS} days",
                                 field="validity_days"))
        return None
    return value


def _check_tags(value: Any, errors: list[FieldError]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # forms: comma-separated
        value = value.split(",")
    if not isinstance(value, list | tuple):
        errors.append(FieldError("must be a list of strings", field="tags"))
        return []
    tags: list[str] = []
    for i, tag in enumerate(value):
        if not isinstance(tag, str):
            errors.append(FieldError("must be a string", field=f"tags[{i}]"))
            continue
        tag = " ".join(tag.split())
        if len(tag) > TAG_MAX:
            errors.append(FieldError(f"longer than {TAG_MAX} characters", field=f"tags[{i}]"))
        elif tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        errors.append(FieldError(f"at most {MAX_TAGS} tags", field="tags"))
    return tags


def _check_human_code(value: Any, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError("must be a string", field="human_code"))
        return None
    value = value.strip()
    if len(value) > 100:
        errors.append(FieldError("longer than 100 characters", field="human_code"))
        return None
    return value or None


def _label(achievement: Achievement) -> str:
    return f"{achievement.human_code} {achievement.name}" if achievement.human_code else \
        achievement.name


def _check_requires(session: Session, value: Any, programme: Programme,
                    achievement: Achievement | None,
                    errors: list[FieldError]) -> list[Achievement]:
    """The required achievements, refusing other programmes' achievements and cycles."""
    required: list[Achievement] = []
    for i, required_id in _uuid_list(value, "requires", errors):
        where = f"requires[{i}]"
        other = session.get(Achievement, required_id)
        if other is None:
            errors.append(FieldError(f"no achievement {required_id}", field=where))
        elif other.programme_id != programme.id:
            errors.append(FieldError(
                f"“{other.name}” belongs to another programme; an achievement can only require "
                "achievements of its own programme", field=where))
        elif achievement is not None and other.id == achievement.id:
            errors.append(FieldError("an achievement cannot require itself", field=where))
        else:
            if achievement is not None:
                path = _path(session, programme.id, other.id, achievement.id)
                if path is not None:
                    names = " → ".join(_label(get(session, node)) for node in
                                       [achievement.id, *path])
                    errors.append(FieldError(
                        f"requiring “{other.name}” would make a cycle ({names}); an "
                        "achievement cannot, even indirectly, require itself", field=where))
                    continue
            required.append(other)
    return required


def _path(session: Session, programme_id: uuid.UUID, start: uuid.UUID,
          goal: uuid.UUID) -> list[uuid.UUID] | None:
    """A requirement path start → … → goal among the programme's saved requirements."""
    edges: dict[uuid.UUID, list[uuid.UUID]] = {}
    rows = session.execute(select(AchievementRequirement.achievement_id,
                                  AchievementRequirement.required_achievement_id)
                           .join(Achievement, Achievement.id ==
                                 AchievementRequirement.achievement_id)
                           .where(Achievement.programme_id == programme_id))
    for source, target in rows:
        edges.setdefault(source, []).append(target)
    previous: dict[uuid.UUID, uuid.UUID | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return list(reversed(path))
        for target in edges.get(node, []):
            if target not in previous:
                previous[target] = node
                queue.append(target)
    return None


def validate(session: Session, programme: Programme, achievement: Achievement | None,
              data: dict[str, Any]) -> dict[str, Any]:
    """Every problem of ``data`` at once; a dict of checked values for the given keys."""
    errors: list[FieldError] = []
    for key in data:
        if key not in FIELDS:
            errors.append(FieldError("unknown field", field=key))
    creating = achievement is None
    out: dict[str, Any] = {}
    if "achievement_type" in data or creating:
        out["achievement_type"] = _check_type(data.get("achievement_type", "Badge"), errors)
    for key, maximum, required in (("name", NAME_MAX, True), ("description", TEXT_MAX, True),
                                   ("criteria", TEXT_MAX, False)):
        if key in data or creating:
            out[key] = clean_i18n(data.get(key), key, errors, max_length=maximum,
                                  required=required, name=key == "name")
    if "alignments" in data:
        out["alignments"] = _check_alignments(session, data["alignments"], errors)
    if "level_scale_version_id" in data:
        ok, version = _check_scale(session, data["level_scale_version_id"], errors)
        if ok:
            out["level_scale_version"] = version
    if "validity_days" in data:
        out["validity_days"] = _check_validity(data["validity_days"], errors)
    if "tags" in data:
        out["tags"] = _check_tags(data["tags"], errors)
    if "human_code" in data:
        out["human_code"] = _check_human_code(data["human_code"], errors)
    if "requires" in data:
        out["requires"] = _check_requires(session, data["requires"], programme, achievement,
                                          errors)
    if "requires_portfolio" in data:
        if not isinstance(data["requires_portfolio"], bool):
            errors.append(FieldError("must be true or false", field="requires_portfolio"))
        out["requires_portfolio"] = bool(data["requires_portfolio"])

    # The main language: every localised text must exist in it (it is the OB value; the other
    # language becomes an alternate edition).
    name = out.get("name", achievement.name_i18n if achievement else {})
    language = data.get("language")
    if language is None:
        language = achievement.language if achievement else ("fr" if "fr" in (name or {})
                                                             else "en")
    if language not in LANGUAGES:
        errors.append(FieldError("must be 'fr' or 'en'", field="language"))
    else:
        out["language"] = language
        for key in ("name", "description", "criteria"):
            texts = out.get(key, getattr(achievement, f"{key}_i18n", None) if achievement
                            else None) or {}
            already = any(e.field and e.field.startswith(key) for e in errors)
            if texts and language not in texts and not already:
                errors.append(FieldError(
                    f"has no {'French' if language == 'fr' else 'English'} text, the main "
                    f"language of this achievement (give it, or change language)", field=key))
    if errors:
        raise ValidationFailed("the achievement is not valid", errors)
    return out


def apply_values(achievement: Achievement, values: dict[str, Any]) -> None:
    for key in ("achievement_type", "language", "validity_days", "tags", "human_code",
                "requires_portfolio"):
        if key in values:
            setattr(achievement, key, values[key])
    for key in ("name", "description", "criteria"):
        if key in values:
            setattr(achievement, f"{key}_i18n", values[key])
    if "name" in values or "language" in values:
        achievement.name = text_of(achievement.name_i18n, achievement.language)
    if "level_scale_version" in values:
        version = values["level_scale_version"]
        achievement.level_scale_version_id = version.id if version else None
        achievement.level_scale_version = version
    if "alignments" in values:
        # Rows kept for items still aligned: re-inserting one before the old row is deleted
        # would break the (achievement, item) unique constraint.
        kept = {a.framework_item_id: a for a in achievement.alignments}
        achievement.alignments = [
            kept.get(item.id) or AchievementAlignment(framework_item_id=item.id, item=item)
            for item in values["alignments"]]
        for i, alignment in enumerate(achievement.alignments):
            alignment.position = i
    if "requires" in values:
        kept = {r.required_achievement_id: r for r in achievement.requirements}
        achievement.requirements = [
            kept.get(other.id) or AchievementRequirement(required_achievement_id=other.id,
                                                         required=other)
            for other in values["requires"]]
        for i, requirement in enumerate(achievement.requirements):
            requirement.position = i
