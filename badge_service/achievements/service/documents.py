"""The OB 3.0 ``Achievement`` built from an achievement, and the public URLs it uses.

Built with credentials.models (plain data in, plain data out): changing how a definition is
published touches this module only, not validation or storage.
"""

from __future__ import annotations

import re
from typing import Any

from badge_service.achievements.models import Achievement
from badge_service.achievements.service.reading import levels_of
from badge_service.adapters import uploads
from badge_service.frameworks.models import FrameworkItem, FrameworkVersion
from badge_service.programmes.service import text_of
from credentials import models as ob


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
