"""Achievements: OB 3.0 ``Achievement`` definitions owned by a programme.

An achievement has a type (the OB 3.0 AchievementType enumeration, or an ``ext:`` name), a
name, description and criteria narrative in French and/or English (one of them is the main
language, the OB ``inLanguage``), an image, alignments to items of *published* framework
versions (``targetType`` CFItem), the level scale used for results (the level items of a
published framework version), an optional validity period, tags, a human code and composite
rules: other achievements of the same programme it requires, and/or a validated portfolio.

Coordinators of the programme's organisation create, change and delete achievements; the
programme's trainers (and other readers) read them; the OB definition itself is public at its
``id``, ``<PUBLIC_BASE_URL>/achievements/<uuid>``.

For automatic composite awarding (issue 4)::

    rules = composite_requirements(achievement)
    if rules.is_composite and rules.is_satisfied(held_achievement_ids, portfolio_validated):
        ...award...

and :func:`composites_requiring` finds the composites to re-check when a part is awarded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.achievements.models import (
    Achievement,
    AchievementAlignment,
    AchievementRequirement,
)
from badge_service.adapters import uploads
from badge_service.db import db
from badge_service.errors import Conflict, FieldError, NotFound, ValidationFailed
from badge_service.frameworks.models import (
    STATUS_PUBLISHED,
    Framework,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme
from badge_service.programmes.service import LANGUAGES, clean_i18n, text_of
from credentials import models as ob

#: OB 3.0 AchievementType values (credentials.models) — plus any "ext:Name" extension.
ACHIEVEMENT_TYPES = ob.ACHIEVEMENT_TYPES
EXT_NAME = re.compile(r"^ext:[A-Za-z0-9._-]+$")
#: The types offered first in forms (the programmes' usual ones).
COMMON_TYPES = ("Badge", "Certificate", "Diploma", "Competency", "Course", "MicroCredential",
                "CertificateOfCompletion", "Achievement", "LearningProgram", "Assessment")
LEVEL_ITEM_TYPE = "level"
NAME_MAX = 500
TEXT_MAX = 20_000
MAX_VALIDITY_DAYS = 36_500
MAX_TAGS = 30
TAG_MAX = 100
FIELDS = {"achievement_type", "language", "name", "description", "criteria", "alignments",
          "level_scale_version_id", "validity_days", "tags", "human_code", "requires",
          "requires_portfolio"}


# --- reading ---------------------------------------------------------------------------------


def get(session: Session, achievement_id: uuid.UUID) -> Achievement:
    achievement = session.get(Achievement, achievement_id)
    if achievement is None:
        raise NotFound(f"no achievement {achievement_id}")
    return achievement


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


# --- composite rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositeRequirements:
    """What holding ``achievement_id`` requires: other achievements and/or a portfolio."""

    achievement_id: uuid.UUID
    achievement_ids: frozenset[uuid.UUID]
    portfolio: bool

    @property
    def is_composite(self) -> bool:
        """Whether the achievement is awarded by rule (it requires anything at all)."""
        return bool(self.achievement_ids) or self.portfolio

    def missing(self, held_achievement_ids: Iterable[uuid.UUID]) -> frozenset[uuid.UUID]:
        return self.achievement_ids - frozenset(held_achievement_ids)

    def is_satisfied(self, held_achievement_ids: Iterable[uuid.UUID],
                     portfolio_validated: bool) -> bool:
        """Whether someone holding these achievements (and with this portfolio state) meets
        every requirement. Always False for an achievement that requires nothing: such an
        achievement is awarded by a person, never by rule."""
        if not self.is_composite:
            return False
        if self.portfolio and not portfolio_validated:
            return False
        return not self.missing(held_achievement_ids)


def composite_requirements(achievement: Achievement) -> CompositeRequirements:
    return CompositeRequirements(achievement.id, frozenset(required_ids(achievement)),
                                 bool(achievement.requires_portfolio))


def is_satisfied(achievement: Achievement | CompositeRequirements,
                 held_achievement_ids: Iterable[uuid.UUID], portfolio_validated: bool) -> bool:
    rules = (achievement if isinstance(achievement, CompositeRequirements)
             else composite_requirements(achievement))
    return rules.is_satisfied(held_achievement_ids, portfolio_validated)


def composites_requiring(session: Session, achievement_id: uuid.UUID) -> list[Achievement]:
    """The achievements that list ``achievement_id`` among their requirements."""
    return list(session.scalars(select(Achievement).join(
        AchievementRequirement, AchievementRequirement.achievement_id == Achievement.id).where(
        AchievementRequirement.required_achievement_id == achievement_id)
        .order_by(Achievement.name)))


def portfolio_composites(session: Session, programme_id: uuid.UUID) -> list[Achievement]:
    """The programme's achievements that require a validated portfolio."""
    return list(session.scalars(select(Achievement).where(
        Achievement.programme_id == programme_id, Achievement.requires_portfolio.is_(True))))


# --- validation ------------------------------------------------------------------------------


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


def _validate(session: Session, programme: Programme, achievement: Achievement | None,
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


def _apply(achievement: Achievement, values: dict[str, Any]) -> None:
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


# --- writing ---------------------------------------------------------------------------------


def create(session: Session, actor: User | None, programme: Programme, data: dict[str, Any], *,
           now: datetime) -> Achievement:
    """``data``: achievement_type, language, name/description/criteria {fr, en}, alignments
    (framework item ids), level_scale_version_id, validity_days, tags, human_code, requires
    (achievement ids of the same programme), requires_portfolio."""
    programmes.require_manage(session, actor, programme)
    values = _validate(session, programme, None, data)
    achievement = Achievement(programme_id=programme.id, programme=programme, created_at=now,
                              name="", tags=[], requires_portfolio=False)
    session.add(achievement)
    _apply(achievement, values)
    session.flush()
    return achievement


def update(session: Session, actor: User | None, achievement: Achievement, data: dict[str, Any], *,
           now: datetime) -> Achievement:
    """Change the given fields only (same keys as :func:`create`)."""
    programmes.require_manage(session, actor, achievement.programme)
    values = _validate(session, achievement.programme, achievement, data)
    _apply(achievement, values)
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
    counts: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("achievement", "achievement_alignment", "achievement_requirement"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "achievement" and fk.column.name == "id":
                count = session.scalar(select(func.count()).select_from(table).where(
                    fk.parent == achievement.id))
                if count:
                    counts[table.name] = counts.get(table.name, 0) + count
    return counts


def delete(session: Session, actor: User | None, achievement: Achievement) -> None:
    """Delete an achievement nothing depends on; 409 if another achievement requires it or
    data refers to it (e.g. credentials issued)."""
    programmes.require_manage(session, actor, achievement.programme)
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
    programmes.require_manage(session, actor, achievement.programme)
    stored = uploads.store_image(data, upload_dir=upload_dir, max_bytes=max_bytes,
                                 field_name=field_name)
    achievement.image_path = stored.name
    achievement.updated_at = now
    session.flush()
    return stored


def remove_image(session: Session, actor: User | None, achievement: Achievement, *,
                 now: datetime) -> None:
    programmes.require_manage(session, actor, achievement.programme)
    achievement.image_path = None
    achievement.updated_at = now
    session.flush()


# --- the OB 3.0 Achievement ----------------------------------------------------------------


def achievement_url(public_base_url: str, achievement: Achievement) -> str:
    """The achievement's OB ``id``: its public page (HTML, or JSON by content negotiation)."""
    return f"{public_base_url}/achievements/{achievement.id}"


def image_url(public_base_url: str, achievement: Achievement) -> str | None:
    if not achievement.image_path:
        return None
    return uploads.public_url(public_base_url, achievement.image_path)


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")


def item_url(public_base_url: str, item: FrameworkItem) -> str:
    """An IRI for a framework item: its CASE URI, else urn:uuid of its CASE identifier."""
    if item.uri and re.match(r"^(https?|urn):\S+$", item.uri):
        return item.uri
    if _UUID.match(item.identifier or ""):
        return f"urn:uuid:{item.identifier.lower()}"
    return f"{public_base_url}/framework-items/{item.id}"


def _localised(texts: dict[str, Any] | None, main: str) -> dict[str, str] | None:
    """{main: …, other: …} with the main language first, or None without text."""
    texts = {k: v for k, v in (texts or {}).items() if isinstance(v, str) and v.strip()}
    if not texts:
        return None
    if main not in texts:
        main = next(iter(texts))
    return {main: texts[main], **{k: v for k, v in texts.items() if k != main}}


def item_name(item: FrameworkItem, language: str) -> str:
    return (text_of(item.labels, language) or text_of(item.statements, language)
            or item.human_code or item.identifier)


def _framework_name(version: FrameworkVersion, language: str) -> str:
    return text_of(version.title_i18n, language) or version.title


def _alignment(public_base_url: str, item: FrameworkItem, language: str) -> dict[str, Any]:
    name = item_name(item, language)
    statement = text_of(item.statements, language)
    return ob.alignment(
        name, item_url(public_base_url, item), target_type="CFItem",
        target_framework=_framework_name(item.version, language),
        target_code=item.human_code or None,
        target_description=statement if statement and statement != name else None)


def _result_description(public_base_url: str, ach_id: str, version: FrameworkVersion,
                        language: str) -> dict[str, Any]:
    levels = [
        ob.rubric_criterion_level(
            item_url(public_base_url, item), item_name(item, language),
            level=item.human_code or None,
            description=(text_of(item.statements, language) or None))
        for item in levels_of(version)
    ]
    label = "niveau de maîtrise" if language == "fr" else "proficiency level"
    return ob.result_description(
        f"{ach_id}#levels", f"{_framework_name(version, language)} — {label}",
        "RubricCriterionLevel", rubric_criterion_levels=levels)


def result_description_id(public_base_url: str, achievement: Achievement) -> str | None:
    """The id of the achievement's level ResultDescription (results point to it), if any."""
    if achievement.level_scale_version_id is None:
        return None
    return f"{achievement_url(public_base_url, achievement)}#levels"


def to_ob_achievement(achievement: Achievement, public_base_url: str, *,
                      creator: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` of an achievement, built with credentials.models.

    ``id`` is the public page; the main language is ``inLanguage`` and the other language an
    alternate edition at ``<id>?lang=<tag>``; the criteria narrative is given in the main
    language (or, without one, ``criteria.id`` points at the page's criteria section);
    alignments are CFItems; a level scale becomes a RubricCriterionLevel ResultDescription whose
    levels are the scale's items (ids: their CASE URIs).
    """
    ach_id = achievement_url(public_base_url, achievement)
    main = achievement.language
    name = _localised(achievement.name_i18n, main) or achievement.name
    description = _localised(achievement.description_i18n, main) or achievement.name
    criteria = _localised(achievement.criteria_i18n, main)
    others = {tag for texts in (achievement.name_i18n, achievement.description_i18n)
              for tag in (texts or {}) if tag != main}
    image = None
    if achievement.image_path:
        image = ob.image(uploads.public_url(public_base_url, achievement.image_path),
                         text_of(achievement.name_i18n, main))
    result_descriptions = []
    if achievement.level_scale_version is not None:
        result_descriptions.append(_result_description(
            public_base_url, ach_id, achievement.level_scale_version, main))
    return ob.achievement(
        ach_id, name, description,
        criteria_narrative=criteria,
        criteria_id=None if criteria else f"{ach_id}#criteria",
        achievement_type=achievement.achievement_type,
        image=image,
        alignments=[_alignment(public_base_url, a.item, main) for a in achievement.alignments],
        result_descriptions=result_descriptions,
        in_language=main,
        language_editions={tag: f"{ach_id}?lang={tag}" for tag in sorted(others)},
        creator=creator,
        tags=list(achievement.tags or []),
        human_code=achievement.human_code or None,
    )


def to_ob_document(achievement: Achievement, public_base_url: str) -> dict[str, Any]:
    """The Achievement as a stand-alone JSON-LD document (what its ``id`` URL serves)."""
    return {"@context": [ob.VC_V2_CONTEXT, ob.OB_CONTEXT],
            **to_ob_achievement(achievement, public_base_url)}


# --- badge plans -----------------------------------------------------------------------------

#: Keys of a badge-plan entry that are not the code of the framework item it stands for.
_PLAN_KEYS = {"achievementType", "name", "criteria", "description", "requires", "code"}


@dataclass(frozen=True)
class PlanResult:
    created: list[Achievement]
    existing: list[Achievement]  # same human code already in the programme: left unchanged


def _plan_version(session: Session, document: dict[str, Any]) -> FrameworkVersion:
    identifier = document.get("identifier")
    framework = session.scalar(select(Framework).where(Framework.identifier == identifier))
    versions = [] if framework is None else [
        v for v in framework.versions if v.status == STATUS_PUBLISHED]
    if not versions:
        raise ValidationFailed(
            "import and publish this framework before importing its badge plan",
            [FieldError(f"no published framework {identifier!r}", field="CFDocument")])
    return max(versions, key=lambda v: v.number)


def _entry_code(entry: dict[str, Any]) -> str | None:
    if isinstance(entry.get("code"), str):
        return entry["code"]
    return next((v for k, v in entry.items() if k not in _PLAN_KEYS and isinstance(v, str)),
                None)


def _item_texts(item: FrameworkItem) -> dict[str, str]:
    return {lang: text for lang in LANGUAGES
            if (text := (item.statements or {}).get(lang) or (item.labels or {}).get(lang))}


def import_badge_plan(session: Session, actor: User | None, programme: Programme,
                      package: dict[str, Any], *, now: datetime,
                      groups: Iterable[str] | None = None,
                      final: bool = True) -> PlanResult:
    """Create the achievements a framework file's badge plan sketches
    (``CFDocument.extensions["ext:badgePlan"]``, see ../shared/fixtures/README.md).

    Each entry of a ``…Badges`` group (``moduleBadges``, ``blockBadges``, ``workshopBadges``, or
    only ``groups``) becomes an achievement coded like its framework item (``UE1``, ``BCC2``),
    aligned to that item and its children in the latest published version of the framework
    (import the framework first). With ``final``, the ``finalCredential`` becomes a composite
    achievement (code: the programme slug in capitals) requiring the group achievements it
    lists; its other requirements ("oral defence passed") are met through the validated
    portfolio, and are spelt out in its criteria. Achievements whose code already exists in the
    programme are left as they are, so importing twice changes nothing.
    """
    programmes.require_manage(session, actor, programme)
    document = package.get("CFDocument") if isinstance(package, dict) else None
    plan = ((document or {}).get("extensions") or {}).get("ext:badgePlan")
    if not isinstance(plan, dict):
        raise ValidationFailed("this file has no badge plan", [FieldError(
            "no CFDocument.extensions['ext:badgePlan']", field="CFDocument")])
    assert isinstance(document, dict)
    version = _plan_version(session, document)
    by_code = {i.human_code: i for i in version.items if i.human_code}
    existing = {a.human_code: a for a in session.scalars(of_programme(programme))
                if a.human_code}
    wanted = set(groups) if groups is not None else None
    names = [key for key, value in plan.items() if key.endswith("Badges")
             and isinstance(value, list)]
    errors: list[FieldError] = [FieldError("no such group in the badge plan", field=g)
                                for g in sorted(wanted or ()) if g not in names]
    result = PlanResult([], [])
    made: dict[str, Achievement] = {}
    for group in names:
        if wanted is not None and group not in wanted:
            continue
        for i, entry in enumerate(plan[group]):
            where = f"{group}[{i}]"
            code = _entry_code(entry) if isinstance(entry, dict) else None
            item_ = by_code.get(code or "")
            if item_ is None:
                errors.append(FieldError(f"no framework item coded {code!r}", field=where))
                continue
            if code in existing:
                made[code] = existing[code]
                result.existing.append(existing[code])
                continue
            children = [c for c in version.items if c.parent_id == item_.id
                        and c.item_type != LEVEL_ITEM_TYPE]
            data = {
                "achievement_type": entry.get("achievementType", "Badge"),
                "name": entry.get("name"),
                "description": _item_texts(item_) or entry.get("name"),
                "criteria": entry.get("criteria") or {},
                "alignments": [item_.id, *(c.id for c in children)],
                "human_code": code,
            }
            try:
                achievement = create(session, actor, programme, data, now=now)
            except ValidationFailed as exc:
                errors += [FieldError(e.message, field=f"{where}.{e.field}") for e in exc.errors]
                continue
            made[code] = achievement
            result.created.append(achievement)
    final_plan = plan.get("finalCredential")
    if final and isinstance(final_plan, dict) and not errors:
        code = programme.slug.upper()
        if code in existing:
            result.existing.append(existing[code])
        else:
            wanted_parts = [r for r in final_plan.get("requires", []) if isinstance(r, str)]
            required = [r for r in wanted_parts if r in made]
            others = [r for r in wanted_parts if r not in made and r not in by_code]
            errors += [FieldError(f"requires {r}, which is not an achievement of this programme "
                                  "(import its group too, or leave out the final credential)",
                                  field="finalCredential.requires")
                       for r in wanted_parts if r not in made and r in by_code]
            parts = ", ".join(required)
            criteria = {
                "fr": f"Délivré automatiquement à qui détient les badges {parts}"
                      + (f" et a fait valider dans son portfolio : {'; '.join(others)}."
                         if others else "."),
                "en": f"Awarded automatically on holding the badges {parts}"
                      + (f" and having validated in the portfolio: {'; '.join(others)}."
                         if others else "."),
            }
            titles = {lang: ", ".join(text_of(made[r].name_i18n, lang) for r in required)
                      for lang in LANGUAGES}
            description = {
                "fr": f"Obtenu en réunissant : {titles['fr']}"
                      + (f" ; et : {'; '.join(others)}." if others else "."),
                "en": f"Earned by completing: {titles['en']}"
                      + (f"; and: {'; '.join(others)}." if others else "."),
            }
            data = {"achievement_type": final_plan.get("achievementType", "Certificate"),
                    "name": final_plan.get("name"), "description": description,
                    "criteria": criteria, "human_code": code,
                    "requires": [made[r].id for r in required],
                    "requires_portfolio": bool(others)}
            try:
                if not errors:
                    result.created.append(create(session, actor, programme, data, now=now))
            except ValidationFailed as exc:
                errors += [FieldError(e.message, field=f"finalCredential.{e.field}")
                           for e in exc.errors]
    if errors:
        raise ValidationFailed("the badge plan cannot be imported; nothing was created", errors)
    return result
