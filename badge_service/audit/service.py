"""Writing the audit trail, and reading it per programme or organisation.

Writing: the domain service that performs a consequential act calls :func:`record` itself, in
the same session and with the same ``now``, so the entry commits with the act or rolls back
with it — there is no act without its entry and no entry for an act that did not happen.
:func:`record` adds and flushes, never commits (the request or command commits once).

Reading (who may: :func:`badge_service.policy.require_read_audit`): coordinators of the
programme's organisation and administrators, and the command-line operator. Not trainers: the
trail records every trainer's acts and the reasons they gave for revocations, which are the
coordinators' to oversee, and a trainer sees their own programme's credentials (and their
states) on the awards pages already.

Nothing here changes or deletes an entry: there is no such function, and the models' guard
refuses it (see :mod:`badge_service.audit.models`).
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.audit.models import (
    ACTION_MAX,
    ACTOR_AUTOMATIC,
    ACTOR_COMMAND_LINE,
    ACTOR_LABEL_MAX,
    SUBJECT_ID_MAX,
    SUBJECT_TYPE_MAX,
    AuditEntry,
    AuditTrailIsAppendOnly,
)
from badge_service.db import get_or_not_found
from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats import csv_table
from badge_service.programmes.models import Programme

__all__ = [
    "ACTOR_AUTOMATIC", "ACTOR_COMMAND_LINE", "AUTOMATIC", "CSV_HEADER", "KNOWN_ACTIONS",
    "AuditEntry", "AuditTrailIsAppendOnly", "Filters", "count", "csv_rows",
    "entries_for_organisation", "entries_for_programme", "export_csv", "get_programme",
    "json_safe", "organisation_query", "programme_query", "record",
]

#: Pass as ``actor`` for an act the service does on its own (a composite credential that
#: follows its parts); ``None`` is the command-line operator.
AUTOMATIC = ACTOR_AUTOMATIC

#: The actions the service writes today (a page's filter offers them; later acts add theirs).
KNOWN_ACTIONS = ("award.issued", "credential.revoked", "credential.suspended",
                 "credential.reinstated", "framework.published")

#: The columns of the CSV export, in order.
CSV_HEADER = ("at", "actor", "actor_id", "action", "subject_type", "subject_id", "summary",
              "before", "after", "programme_id", "organisation_id", "entry_id")


# --- writing ---------------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """``value`` with ids, instants, dates, decimals, enums, sets and tuples turned into JSON
    types, so an entry reads back exactly as written on SQLite and PostgreSQL."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return str(value)


def _actor(actor: User | str | None) -> tuple[uuid.UUID | None, str]:
    if actor is None:
        return None, ACTOR_COMMAND_LINE
    if isinstance(actor, str):
        if actor != AUTOMATIC:
            raise ValueError(f"unknown actor {actor!r}: a User, None or audit.AUTOMATIC")
        return None, ACTOR_AUTOMATIC
    return actor.id, actor.email[:ACTOR_LABEL_MAX]


def record(session: Session, *, actor: User | str | None, action: str, subject_type: str,
           subject_id: Any, summary: str, now: datetime,
           organisation_id: uuid.UUID | None = None, programme_id: uuid.UUID | None = None,
           before: Mapping[str, Any] | None = None,
           after: Mapping[str, Any] | None = None) -> AuditEntry:
    """Append one entry for an act the caller is doing in this ``session``; flushed, not
    committed. ``actor``: the User who acts, ``None`` at the command line, :data:`AUTOMATIC`
    for what the service does on its own."""
    if not action or len(action) > ACTION_MAX or "." not in action:
        raise ValueError(f"an audit action is '<noun>.<verb>', at most {ACTION_MAX} "
                         f"characters: {action!r}")
    actor_id, label = _actor(actor)
    entry = AuditEntry(
        at=now, actor_id=actor_id, actor_label=label, action=action,
        subject_type=subject_type[:SUBJECT_TYPE_MAX], subject_id=str(subject_id)[:SUBJECT_ID_MAX],
        organisation_id=organisation_id, programme_id=programme_id,
        summary=" ".join(summary.split()),
        before=json_safe(dict(before)) if before is not None else None,
        after=json_safe(dict(after)) if after is not None else None)
    session.add(entry)
    session.flush()
    return entry


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a reader narrows the trail to. ``action``: one action ("credential.revoked") or a
    family ("credential": every credential.*); ``since`` inclusive, ``until`` exclusive."""

    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        errors = []
        if self.action is not None and len(self.action) > ACTION_MAX:
            errors.append(FieldError(f"at most {ACTION_MAX} characters", field="action"))
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                errors.append(FieldError("give a time zone (e.g. Z or +01:00)", field=name))
        if not errors and self.since and self.until and self.until <= self.since:
            errors.append(FieldError("must be later than since", field="until"))
        if errors:
            raise ValidationFailed("the audit trail filters are not valid", errors)


def _filtered(query: Select, filters: Filters | None) -> Select:
    filters = filters or Filters()
    action = (filters.action or "").strip()
    if action:
        family = action.rstrip(".")
        query = query.where(or_(AuditEntry.action == action,
                                AuditEntry.action.startswith(family + ".", autoescape=True)))
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    # Newest first; entries of one instant (a bulk award) in a stable order.
    return query.order_by(AuditEntry.at.desc(), AuditEntry.action, AuditEntry.subject_id,
                          AuditEntry.id)


def programme_query(session: Session, user: User | None, programme: Programme,
                    filters: Filters | None = None) -> Select:
    """SELECT of the programme's entries, newest first (authorised here)."""
    policy.require_read_audit(session, user, programme)
    return _filtered(select(AuditEntry).where(AuditEntry.programme_id == programme.id),
                     filters)


def organisation_query(session: Session, user: User | None, organisation_id: uuid.UUID,
                       filters: Filters | None = None) -> Select:
    """SELECT of every entry of the organisation (its programmes' and its own, such as a
    framework it published), newest first; its coordinators and administrators only."""
    policy.require_read_organisation_audit(session, user, organisation_id)
    return _filtered(select(AuditEntry).where(AuditEntry.organisation_id == organisation_id),
                     filters)


def count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _page(session: Session, query: Select, limit: int | None, offset: int) -> list[AuditEntry]:
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query.offset(offset)))


def entries_for_programme(session: Session, user: User | None, programme: Programme,
                          filters: Filters | None = None, *, limit: int | None = None,
                          offset: int = 0) -> list[AuditEntry]:
    return _page(session, programme_query(session, user, programme, filters), limit, offset)


def entries_for_organisation(session: Session, user: User | None, organisation_id: uuid.UUID,
                             filters: Filters | None = None, *, limit: int | None = None,
                             offset: int = 0) -> list[AuditEntry]:
    return _page(session, organisation_query(session, user, organisation_id, filters), limit,
                 offset)


def get_programme(session: Session, programme_id: uuid.UUID) -> Programme:
    """The programme whose trail is asked for: 404 when there is none (then the policy says
    403 to whoever may not read it — the programme's existence is no secret to its
    organisation's trainers and participants, and its id is random)."""
    return get_or_not_found(session, Programme, programme_id, "programme")


# --- export ----------------------------------------------------------------------------------


def _json_cell(value: dict[str, Any] | None) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def csv_rows(entries: Iterable[AuditEntry]) -> Iterable[tuple[str, ...]]:
    """One row per entry, in :data:`CSV_HEADER`'s columns (before/after as compact JSON)."""
    for entry in entries:
        yield (entry.at.isoformat(), entry.actor_label, str(entry.actor_id or ""),
               entry.action, entry.subject_type, entry.subject_id, entry.summary,
               _json_cell(entry.before), _json_cell(entry.after),
               str(entry.programme_id or ""), str(entry.organisation_id or ""), str(entry.id))


def export_csv(session: Session, user: User | None, programme: Programme,
               filters: Filters | None = None) -> bytes:
    """The programme's trail as CSV (UTF-8 with a BOM, CRLF). Summaries and states hold names
    people typed (achievements, reasons): :func:`csv_table.write_csv` prefixes any cell a
    spreadsheet would run as a formula with an apostrophe."""
    entries = session.scalars(programme_query(session, user, programme, filters))
    return csv_table.write_csv(CSV_HEADER, csv_rows(entries))
