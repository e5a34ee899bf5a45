"""Composite rules: what holding an achievement requires (other achievements, a portfolio).

Read by the automatic composite awarding (issue 4), which has no reason to know how the rules
are validated or stored; see the package docstring for the intended use.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.achievements.models import Achievement, AchievementRequirement
from badge_service.achievements.service.reading import required_ids


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
