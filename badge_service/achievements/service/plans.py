"""Importing a framework file's badge plan: the achievements it sketches, created at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement
from badge_service.achievements.service.editing import create
from badge_service.achievements.service.reading import LEVEL_ITEM_TYPE, of_programme
from badge_service.errors import FieldError, ValidationFailed
from badge_service.frameworks.models import (
    STATUS_PUBLISHED,
    Framework,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.locale import LANGUAGES
from badge_service.programmes.models import Programme
from badge_service.programmes.service import text_of

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
    policy.require_coordinate_programme(session, actor, programme)
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
