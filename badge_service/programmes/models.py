"""Programmes (NUMEFA certificate, DU de pédagogie universitaire, a CREIA module, a workshop)
and who trains in them. Achievements and cohorts hang off a programme."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.accounts.models import User
from badge_service.db import UUIDPrimaryKey, db
from badge_service.organisations.models import Organisation

ROLE_TRAINER = "trainer"


class Programme(UUIDPrimaryKey, db.Model):
    __tablename__ = "programme"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    #: The title in the main language (French when given, else English): lists sort by it.
    title: Mapped[str] = mapped_column(String(500))
    #: Every language's title and description: {"fr": …, "en": …}.
    title_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description_i18n: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    roles: Mapped[list[ProgrammeRole]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", passive_deletes=True)


class ProgrammeRole(UUIDPrimaryKey, db.Model):
    """A trainer of a programme."""

    __tablename__ = "programme_role"
    __table_args__ = (UniqueConstraint("user_id", "programme_id", "role"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32), default=ROLE_TRAINER)

    user: Mapped[User] = relationship()
    programme: Mapped[Programme] = relationship(back_populates="roles")
