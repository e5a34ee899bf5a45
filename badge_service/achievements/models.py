"""Achievements: the OB 3.0 ``Achievement`` definitions a programme awards (unit badges,
certificates, diplomas, competences), their alignments to framework items, and composite rules.

An achievement's public identifier is ``<PUBLIC_BASE_URL>/achievements/<id>``; credentials embed
the OB object built by :func:`badge_service.achievements.service.to_ob_achievement`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.db import UUIDPrimaryKey, db
from badge_service.frameworks.models import FrameworkItem, FrameworkVersion
from badge_service.programmes.models import Programme


class Achievement(UUIDPrimaryKey, db.Model):
    __tablename__ = "achievement"

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    #: OB 3.0 AchievementType ("Badge", "Certificate", "Diploma", "Competency", …) or "ext:…".
    achievement_type: Mapped[str] = mapped_column(String(100), default="Badge")
    #: Main language ("fr" or "en"): the OB ``inLanguage``; other languages become editions.
    language: Mapped[str] = mapped_column(String(8), default="fr")
    #: The name in the main language (lists sort by it); every language in ``name_i18n``.
    name: Mapped[str] = mapped_column(String(500))
    name_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Criteria narrative (Markdown) per language.
    criteria_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Stored image file name (``<sha256>.png`` / ``.svg``, see badge_service.adapters.uploads).
    image_path: Mapped[str | None] = mapped_column(String(100))
    #: The level scale of results: the level items of this (published) framework version.
    level_scale_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("framework_version.id"), index=True)
    #: Credentials expire this many days after issue; None: no expiry.
    validity_days: Mapped[int | None]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    human_code: Mapped[str | None] = mapped_column(String(100))
    #: Composite rule: a validated portfolio is required (besides the required achievements).
    requires_portfolio: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]

    programme: Mapped[Programme] = relationship()
    level_scale_version: Mapped[FrameworkVersion | None] = relationship()
    alignments: Mapped[list[AchievementAlignment]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", passive_deletes=True,
        order_by="AchievementAlignment.position")
    requirements: Mapped[list[AchievementRequirement]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", passive_deletes=True,
        foreign_keys="AchievementRequirement.achievement_id",
        order_by="AchievementRequirement.position")


class AchievementAlignment(UUIDPrimaryKey, db.Model):
    """An alignment of an achievement to an item (competence, outcome …) of a published
    framework version."""

    __tablename__ = "achievement_alignment"
    __table_args__ = (UniqueConstraint("achievement_id", "framework_item_id"),)

    achievement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    framework_item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_item.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    achievement: Mapped[Achievement] = relationship(back_populates="alignments")
    item: Mapped[FrameworkItem] = relationship()


class AchievementRequirement(UUIDPrimaryKey, db.Model):
    """Composite rule: ``achievement`` requires holding ``required`` (same programme)."""

    __tablename__ = "achievement_requirement"
    __table_args__ = (UniqueConstraint("achievement_id", "required_achievement_id"),)

    achievement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    required_achievement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    achievement: Mapped[Achievement] = relationship(
        back_populates="requirements", foreign_keys=[achievement_id])
    required: Mapped[Achievement] = relationship(foreign_keys=[required_achievement_id])
