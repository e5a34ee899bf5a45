"""API: reading a programme's (or an organisation's) audit trail, as JSON pages or CSV.

Read-only on purpose: the trail has no write, PATCH or DELETE operation — entries are written
by the services that perform the acts, and never changed (see badge_service/audit/models.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import request
from pydantic import BaseModel, Field

from badge_service.audit import service as audit
from badge_service.audit.forms import FILTER_QUERY, csv_response, filters_from
from badge_service.audit.models import AuditEntry
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import operation, paged
from badge_service.organisations import service as organisations

TAG_AUDIT = "audit"

CSV_PRODUCES = {
    "text/csv": {"type": "string", "contentMediaType": "text/csv",
                 "description": "UTF-8 with a BOM, CRLF; columns: " + ", ".join(
                     audit.CSV_HEADER) + ". Cells a spreadsheet would run as a formula "
                     "(starting with = + - @, tab or CR) are prefixed with an apostrophe"},
}


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None = Field(description="None: the command line, or automatic")
    actor: str = Field(description="the actor's email then, or 'command line' / 'automatic'")
    action: str = Field(description="<noun>.<verb>: award.issued, credential.revoked, "
                                    "credential.suspended, credential.reinstated, "
                                    "framework.published…")
    subject_type: str
    subject_id: str
    organisation_id: uuid.UUID | None
    programme_id: uuid.UUID | None
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def entry_out(entry: AuditEntry) -> dict[str, Any]:
    return AuditEntryOut(
        id=entry.id, at=entry.at, actor_id=entry.actor_id, actor=entry.actor_label,
        action=entry.action, subject_type=entry.subject_type, subject_id=entry.subject_id,
        organisation_id=entry.organisation_id, programme_id=entry.programme_id,
        summary=entry.summary, before=entry.before, after=entry.after).model_dump(mode="json")


@operation("/programmes/<uuid:programme_id>/audit", "GET",
           summary="A programme's audit trail, newest first (coordinators of its organisation "
                   "and administrators; not trainers)",
           tag=TAG_AUDIT, response=AuditEntryOut, paged=True, query=FILTER_QUERY)
def programme_audit(programme_id: uuid.UUID) -> Any:
    user = api_user()
    programme = audit.get_programme(db.session, programme_id)
    query = audit.programme_query(db.session, user, programme, filters_from(request.args))
    return paged(db.session, query, entry_out)


@operation("/programmes/<uuid:programme_id>/audit.csv", "GET",
           summary="A programme's audit trail as CSV (same filters and readers)",
           tag=TAG_AUDIT, query=FILTER_QUERY, produces=CSV_PRODUCES)
def programme_audit_csv(programme_id: uuid.UUID) -> Any:
    user = api_user()
    programme = audit.get_programme(db.session, programme_id)
    data = audit.export_csv(db.session, user, programme, filters_from(request.args))
    return csv_response(data, f"audit-{programme.id}.csv")


@operation("/organisations/<uuid:organisation_id>/audit", "GET",
           summary="An organisation's whole audit trail (its programmes and its frameworks), "
                   "newest first (its coordinators and administrators)",
           tag=TAG_AUDIT, response=AuditEntryOut, paged=True, query=FILTER_QUERY)
def organisation_audit(organisation_id: uuid.UUID) -> Any:
    user = api_user()
    organisation = organisations.get(db.session, organisation_id)
    query = audit.organisation_query(db.session, user, organisation.id,
                                     filters_from(request.args))
    return paged(db.session, query, entry_out)
