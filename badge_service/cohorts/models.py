"""Cohorts of a programme ("NUMEFA 2025-2026") and their participants.

A participant is a :class:`~badge_service.accounts.models.User` with a :class:`CohortMember`
row: the account is global (one per email address, whatever the number of cohorts), while the
enrolment data (participant code, organisation, job role…) belongs to the membership, since it
can differ from one cohort to the next.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.accounts.models import User
from badge_service.db import UUIDPrimaryKey, db
from badge_service.programmes.models import Programme

#: Enrolled; the invitation is not yet accepted (``invited_at`` is None until one is sent).
STATUS_INVITED = "invited"
#: The participant followed an invitation link.
STATUS_ACTIVE = "active"
#: Left the cohort; kept for the record (credentials may already point to the membership).
STATUS_WITHDRAWN = "withdrawn"
STATUSES = (STATUS_INVITED, STATUS_ACTIVE, STATUS_WITHDRAWN)


class Cohort(UUIDPrimaryKey, db.Model):
    __tablename__ = "cohort"
    # Imports find a cohort by its name within the programme, so the name must be unique there.
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    programme: Mapped[Programme] = relationship()
    members: Mapped[list[CohortMember]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True)


class CohortMember(UUIDPrimaryKey, db.Model):
    """A participant of a cohort."""

    __tablename__ = "cohort_member"
    __table_args__ = (
        # Named: the naming convention uses the first column only, which both would share.
        UniqueConstraint("cohort_id", "user_id", name="uq_cohort_member_cohort_id_user_id"),
        # NULL codes do not collide (on SQLite and PostgreSQL alike).
        UniqueConstraint("cohort_id", "participant_code",
                         name="uq_cohort_member_cohort_id_participant_code"),
        Index("ix_cohort_member_cohort_id_family_name", "cohort_id", "family_name"),
    )

    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: The programme's own id for the participant, e.g. "NUM25-001".
    participant_code: Mapped[str | None] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    organisation_type: Mapped[str | None] = mapped_column(String(200))
    #: ISO 3166-1 alpha-2, upper case.
    country: Mapped[str | None] = mapped_column(String(2))
    job_role: Mapped[str | None] = mapped_column(String(200))
    #: BCP 47 tag as given ("fr", "nl", "fr-BE"); messages go out in French or English.
    preferred_language: Mapped[str] = mapped_column(String(16), default="fr")
    status: Mapped[str] = mapped_column(String(16), default=STATUS_INVITED)
    created_at: Mapped[datetime]
    #: When the latest invitation was sent; None: never invited.
    invited_at: Mapped[datetime | None]
    #: When the participant first followed an invitation link.
    joined_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class PendingImport(UUIDPrimaryKey, db.Model):
    """An uploaded CSV file between its preview and its confirmation on the import page.

    Kept in the database (not the session cookie, not a worker's memory) so the confirmation
    can land on any worker; the confirm step re-validates the stored bytes, and the row is
    deleted once used. Old ones are pruned when new ones are made.
    """

    __tablename__ = "pending_import"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: Deliberately no foreign key: a forgotten preview must not block deleting the programme
    #: (services.programmes.dependants counts every table referencing it); confirming a
    #: preview whose programme is gone fails with "not found".
    programme_id: Mapped[uuid.UUID]
    #: The cohort to import into; None: each row's ``cohort`` column says.
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
