"""Pending imports: the import page's preview → confirm. The uploaded file is kept so that the
confirm button imports the very bytes that were previewed."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.cohorts.models import Cohort, PendingImport
from badge_service.cohorts.service.import_plan import ImportPlan
from badge_service.cohorts.service.importing import import_members
from badge_service.cohorts.service.queries import get_cohort, get_programme
from badge_service.errors import NotFound
from badge_service.formats import csv_table as csv_import
from badge_service.programmes.models import Programme

PENDING_IMPORT_LIFETIME = timedelta(hours=24)


def store_pending_import(session: Session, actor: User, programme: Programme,
                         cohort: Cohort | None, filename: str, content: bytes, *,
                         now: datetime) -> PendingImport:
    policy.require_manage_programme(session, actor, programme, policy.MANAGE_COHORTS)
    session.execute(delete(PendingImport).where(
        PendingImport.created_at < now - PENDING_IMPORT_LIFETIME))
    pending = PendingImport(user_id=actor.id, programme_id=programme.id,
                            cohort_id=cohort.id if cohort else None,
                            filename=csv_import.printable(filename or "upload.csv", 200)[:255],
                            content=content, sha256=hashlib.sha256(content).hexdigest(),
                            created_at=now)
    session.add(pending)
    session.flush()
    return pending


def get_pending_import(session: Session, actor: User, pending_id: uuid.UUID, *,
                       now: datetime) -> PendingImport:
    pending = session.get(PendingImport, pending_id)
    if (pending is None or pending.user_id != actor.id
            or pending.created_at < now - PENDING_IMPORT_LIFETIME):
        raise NotFound("this import preview has expired or does not exist; upload the file "
                       "again")
    return pending


def confirm_pending_import(session: Session, actor: User, pending: PendingImport, *,
                           now: datetime, default_language: str, base_url: str,
                           invite_new: bool, max_bytes: int) -> ImportPlan:
    programme = get_programme(session, actor, pending.programme_id)
    cohort = get_cohort(session, actor, pending.cohort_id) if pending.cohort_id else None
    plan = import_members(session, actor, programme, pending.content, now=now,
                          default_language=default_language, dry_run=False, cohort=cohort,
                          max_bytes=max_bytes, invite_new=invite_new, base_url=base_url)
    session.delete(pending)
    session.flush()
    return plan


def cancel_pending_import(session: Session, actor: User, pending: PendingImport) -> None:
    if pending.user_id != actor.id:
        raise NotFound("no such import preview")
    session.delete(pending)
    session.flush()
