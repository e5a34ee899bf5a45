"""Shared set-up for the audit trail tests: the demo world, its coordinator, and acts that
leave entries (awards, a revocation)."""

from __future__ import annotations

from issuing_helpers import NOW, issuing_context
from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.audit.models import AuditEntry
from badge_service.awards.service import issuing
from badge_service.db import db


def coordinator(world) -> User:  # type: ignore[no-untyped-def]
    return db.session.scalars(select(User).where(
        User.email == world.logins["coordinator"].email)).one()


def award(app, world, achievement, people, actor=None):  # type: ignore[no-untyped-def]
    """Award ``achievement`` to ``people`` as ``actor`` (the trainer by default), committed."""
    result = issuing.award(db.session, actor or world.trainer, achievement,
                           [issuing.AwardRow(email=p.email) for p in people],
                           issuing=issuing_context(app, notify=False))
    db.session.commit()
    return result


def entries(action: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.action, AuditEntry.subject_id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


__all__ = ["NOW", "award", "coordinator", "entries"]
