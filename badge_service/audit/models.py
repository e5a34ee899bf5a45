"""The audit trail's one table, and the guard that keeps it append-only.

An entry says who did what, when, to which thing, and the thing's state before and after. It
is evidence: coordinators show it to auditors and accreditation bodies, so nothing in the
service may change or remove one once written. Three layers keep it so:

* the ORM refuses a flush that would update or delete an entry (:func:`_refuse_edits`), and a
  bulk ``update()``/``delete()`` statement on the table (:func:`_refuse_bulk`), with
  :class:`AuditTrailIsAppendOnly` — so a bug in a service is a clear error, not lost history;
* the migration adds database triggers refusing UPDATE and DELETE (and TRUNCATE on
  PostgreSQL), so even raw SQL sent by the service cannot edit it
  (``migrations/versions/a7e3c1d90b12_audit_trail.py``);
* no column is a foreign key: deleting a programme, an organisation or a user never cascades
  into the trail, and an entry still names who acted (``actor_label``) after their account
  is gone. ``organisation_id`` and ``programme_id`` are plain, indexed ids for reading per
  programme; they may point at rows that no longer exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from badge_service.db import UUIDPrimaryKey, db
from badge_service.errors import Conflict

#: ``actor_label`` of an act done at the command line (the operator has no account).
ACTOR_COMMAND_LINE = "command line"
#: ``actor_label`` of an act the service did on its own (a composite that followed its parts).
ACTOR_AUTOMATIC = "automatic"

ACTION_MAX = 64
SUBJECT_TYPE_MAX = 64
SUBJECT_ID_MAX = 200
ACTOR_LABEL_MAX = 320  # an email address


class AuditEntry(UUIDPrimaryKey, db.Model):
    """One consequential act. Written once by :func:`badge_service.audit.service.record`,
    never changed."""

    __tablename__ = "audit_entry"

    #: The ``now`` of the request or command that did it (one act, one instant).
    at: Mapped[datetime] = mapped_column(index=True)
    #: The account that acted; None at the command line and for automatic acts. Not a foreign
    #: key: the entry outlives the account.
    actor_id: Mapped[uuid.UUID | None]
    #: Who acted, as they were then: their email, or "command line" / "automatic".
    actor_label: Mapped[str] = mapped_column(String(ACTOR_LABEL_MAX))
    #: What was done, ``<noun>.<verb>``: "award.issued", "credential.revoked"…
    action: Mapped[str] = mapped_column(String(ACTION_MAX), index=True)
    #: What it was done to: "credential", "framework_version"… and its id.
    subject_type: Mapped[str] = mapped_column(String(SUBJECT_TYPE_MAX))
    subject_id: Mapped[str] = mapped_column(String(SUBJECT_ID_MAX))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    #: One line for people ("NUMEFA U1 awarded to ana@example.org").
    summary: Mapped[str] = mapped_column(Text)
    #: The subject's relevant state before and after the act (JSON-safe values only).
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class AuditTrailIsAppendOnly(Conflict):
    """The audit trail is append-only: an entry, once written, can be neither changed nor
    deleted through the service."""


def _refuse_edits(session: Session, flush_context: Any, instances: Any) -> None:
    for entry in session.deleted:
        if isinstance(entry, AuditEntry):
            raise AuditTrailIsAppendOnly(f"audit entry {entry.id} cannot be deleted: the "
                                         "audit trail is append-only")
    for entry in session.dirty:
        if isinstance(entry, AuditEntry) and session.is_modified(entry):
            raise AuditTrailIsAppendOnly(f"audit entry {entry.id} cannot be changed: the "
                                         "audit trail is append-only")


def _refuse_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == AuditEntry.__tablename__:
        raise AuditTrailIsAppendOnly("the audit trail is append-only: UPDATE and DELETE of "
                                     "audit entries are refused")


def install_guard() -> None:
    """Listen on every Session (the request's, the commands', the tests' own), once per
    process: importing this module installs it, and a second call changes nothing."""
    if not event.contains(Session, "before_flush", _refuse_edits):
        event.listen(Session, "before_flush", _refuse_edits)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk):
        event.listen(Session, "do_orm_execute", _refuse_bulk)


install_guard()
