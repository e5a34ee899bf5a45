"""Bitstring status lists: one per organisation and purpose (revocation, suspension) at a time.

The bits live here; the signed BitstringStatusListCredential served to verifiers is derived
from them and cached (``signed``) until the bits change. Entries are allocated at random and
never reused: a (list, index) pair is unique in ``status_entry``, so two workers can never hand
out the same index, even on PostgreSQL under concurrent issuance.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.db import UUIDPrimaryKey, db
from badge_service.organisations.models import Organisation


class StatusList(UUIDPrimaryKey, db.Model):
    __tablename__ = "status_list"
    __table_args__ = (UniqueConstraint("organisation_id", "purpose", "number"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    #: Who signs the list: the issuer of every credential on it. A verifier only trusts a list
    #: from the credential's own issuer, so when an organisation's issuer id changes (a did:key
    #: organisation rotating its key), new credentials go on new lists and old lists keep
    #: being signed as their issuer.
    issuer_id: Mapped[str] = mapped_column(String(500))
    #: 1, 2, … per organisation and purpose; part of the public URL.
    number: Mapped[int]
    size: Mapped[int]
    #: The raw bitstring (index 0 = most significant bit of byte 0).
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    allocated: Mapped[int] = mapped_column(default=0)
    #: Bumped on every change; the signed credential's ETag derives from it.
    revision: Mapped[int] = mapped_column(default=1)
    #: Signed credential for ``signed_revision``; re-signed lazily when stale.
    signed: Mapped[dict[str, Any] | None] = mapped_column()
    signed_revision: Mapped[int] = mapped_column(default=0)
    signed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    organisation: Mapped[Organisation] = relationship()


class StatusEntry(UUIDPrimaryKey, db.Model):
    """An allocated index; the unique constraint is what makes allocation safe."""

    __tablename__ = "status_entry"
    __table_args__ = (UniqueConstraint("status_list_id", "index"),)

    status_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("status_list.id", ondelete="CASCADE"))
    index: Mapped[int]
    allocated_at: Mapped[datetime]
