"""Issued credentials: each award of an achievement to a participant, as signed.

The signed document is stored as issued and never changes; its status (revoked, suspended)
lives in the status list bits and here. Its public id is ``<PUBLIC_BASE_URL>/credentials/<id>``.

Status: Open Badges 3.0 allows one ``credentialStatus`` entry per credential, so each credential
has one Bitstring Status List entry with purpose ``suspension`` — the only purpose whose bit may
be cleared again (reinstatement). Revocation sets that bit for good (the service never clears
it for a revoked credential), so every verifier sees a revoked credential as not valid; ours,
and the public page, also say *why* from the state kept here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement
from badge_service.db import UUIDPrimaryKey, db
from badge_service.organisations.models import Organisation
from badge_service.status.models import StatusList

STATE_ACTIVE = "active"
STATE_SUSPENDED = "suspended"
STATE_REVOKED = "revoked"


class IssuedCredential(UUIDPrimaryKey, db.Model):
    __tablename__ = "issued_credential"
    __table_args__ = (
        # A retried request (same key) finds the credential it already issued.
        UniqueConstraint("organisation_id", "request_key"),
        UniqueConstraint("status_list_id", "status_index"),
        Index("ix_issued_credential_holder", "recipient_id", "achievement_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    achievement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("achievement.id", ondelete="RESTRICT"), index=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"))
    #: Who awarded it; None for composite achievements awarded automatically.
    awarded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    request_key: Mapped[str | None] = mapped_column(String(300))
    issuer_id: Mapped[str] = mapped_column(String(500))
    verification_method: Mapped[str] = mapped_column(String(600))
    issued_at: Mapped[datetime]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    narrative: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(1000))
    #: The level reached (a framework level item), when the achievement has a level scale.
    level_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("framework_item.id", ondelete="RESTRICT"))
    #: The recipient's language when it was issued (emails, PDF).
    language: Mapped[str] = mapped_column(String(8), default="fr")
    #: The signed credential, exactly as issued.
    document: Mapped[dict[str, Any]]
    #: The same credential as a VC-JWT, signed at issue time with the same key (so it stays
    #: downloadable after a key rotation: retired keys never sign anything new).
    jwt: Mapped[str | None] = mapped_column(Text)
    status_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("status_list.id", ondelete="RESTRICT"))
    status_index: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=STATE_ACTIVE)
    state_reason: Mapped[str | None] = mapped_column(Text)
    state_changed_at: Mapped[datetime | None]
    state_changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    notified_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    achievement: Mapped[Achievement] = relationship()
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    awarded_by: Mapped[User | None] = relationship(foreign_keys=[awarded_by_id])
    status_list: Mapped[StatusList] = relationship()
