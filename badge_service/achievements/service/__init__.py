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

# The package splits the service by reason to change; callers keep importing it whole
# (``from badge_service.achievements import service as achievements``).
# Imported for its registrations: the frameworks ask it whether a draft or item is used.
from badge_service.achievements.service import framework_uses as _framework_uses  # noqa: F401
from badge_service.achievements.service.composites import (
    CompositeRequirements,
    composite_requirements,
    composites_requiring,
    is_satisfied,
    portfolio_composites,
)
from badge_service.achievements.service.documents import (
    achievement_url,
    image_url,
    item_name,
    item_url,
    result_description_id,
    to_ob_achievement,
    to_ob_document,
)
from badge_service.achievements.service.editing import (
    create,
    delete,
    dependants,
    remove_image,
    set_image,
    set_requirements,
    update,
)
from badge_service.achievements.service.plans import (
    PlanResult,
    import_badge_plan,
)
from badge_service.achievements.service.reading import (
    LEVEL_ITEM_TYPE,
    get,
    get_readable,
    level_scales,
    levels_of,
    of_programme,
    published_items,
    required_ids,
)
from badge_service.achievements.service.validation import (
    ACHIEVEMENT_TYPES,
    COMMON_TYPES,
    EXT_NAME,
    FIELDS,
    MAX_TAGS,
    MAX_VALIDITY_DAYS,
    NAME_MAX,
    TAG_MAX,
    TEXT_MAX,
)

__all__ = [
    "ACHIEVEMENT_TYPES",
    "COMMON_TYPES",
    "EXT_NAME",
    "FIELDS",
    "LEVEL_ITEM_TYPE",
    "MAX_TAGS",
    "MAX_VALIDITY_DAYS",
    "NAME_MAX",
    "TAG_MAX",
    "TEXT_MAX",
    "CompositeRequirements",
    "PlanResult",
    "achievement_url",
    "composite_requirements",
    "composites_requiring",
    "create",
    "delete",
    "dependants",
    "get",
    "get_readable",
    "image_url",
    "import_badge_plan",
    "is_satisfied",
    "item_name",
    "item_url",
    "level_scales",
    "levels_of",
    "of_programme",
    "portfolio_composites",
    "published_items",
    "remove_image",
    "required_ids",
    "result_description_id",
    "set_image",
    "set_requirements",
    "to_ob_achievement",
    "to_ob_document",
    "update",
]
