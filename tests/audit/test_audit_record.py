"""Writing the audit trail: what record() stores, the acts that write it (award, composite,
revocation, suspension, reinstatement, framework publication) in the act's own transaction,
and the ORM guard that refuses any change or deletion of an entry (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from audit_helpers import NOW, award, coordinator, entries
from issuing_helpers import issuing_context
from sqlalchemy import delete, select, update

from badge_service.audit import service as audit
from badge_service.audit.models import AuditEntry, AuditTrailIsAppendOnly
from badge_service.awards.service import issuing
from badge_service.db import db
from badge_service.errors import ServiceError
from badge_service.frameworks import service as fw
from badge_service.frameworks.models import Framework


def _entry(session, **extra):  # type: ignore[no-untyped-def]
    fields = {"actor": None, "action": "award.issued", "subject_type": "credential",
              "subject_id": uuid.uuid4(), "summary": "a  test\n entry", "now": NOW} | extra
    return audit.record(session, **fields)


def test_record_stores_json_safe_values_and_the_actor_as_they_were(session, world):
    programme_id = uuid.uuid4()
    entry = _entry(session, actor=world.trainer, programme_id=programme_id,
                   before={"state": "active", "when": NOW, "ids": {uuid.UUID(int=1)}},
                   after={"state": "revoked", "nested": {"at": NOW.date()}})
    session.commit()
    session.expire_all()
    stored = session.get(AuditEntry, entry.id)
    assert stored.at == NOW
    assert stored.actor_id == world.trainer.id
    assert stored.actor_label == world.trainer.email
    assert stored.summary == "a test entry"  # one line
    assert stored.programme_id == programme_id
    assert stored.before == {"state": "active", "when": NOW.isoformat(),
                             "ids": [str(uuid.UUID(int=1))]}
    assert stored.after == {"state": "revoked", "nested": {"at": "2026-09-15"}}
    assert _entry(session).actor_label == "command line"
    assert _entry(session, actor=audit.AUTOMATIC).actor_label == "automatic"
    with pytest.raises(ValueError, match="noun"):
        _entry(session, action="issued")


def test_the_orm_refuses_to_change_or_delete_an_entry(session, world):
    entry = _entry(session)
    session.commit()
    entry.summary = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()
    session.rollback()
    assert issubclass(AuditTrailIsAppendOnly, ServiceError)
    session.delete(session.get(AuditEntry, entry.id))
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(AuditTrailIsAppendOnly):
        session.execute(update(AuditEntry).values(summary="bulk rewrite"))
    session.rollback()
    with pytest.raises(AuditTrailIsAppendOnly):
        session.execute(delete(AuditEntry).where(AuditEntry.id == entry.id))
    session.rollback()
    session.expire_all()
    assert session.get(AuditEntry, entry.id).summary == "a test entry"


def test_an_award_leaves_one_entry_per_credential_in_its_transaction(app, session, world):
    people = world.participants[:3]
    result = award(app, world, world.units[0], people)
    issued = entries("award.issued")
    assert len(issued) == 3
    by_subject = {e.subject_id: e for e in issued}
    for credential in result.issued:
        entry = by_subject[str(credential.id)]
        assert entry.actor_id == world.trainer.id
        assert entry.actor_label == world.trainer.email
        assert entry.at == NOW
        assert entry.subject_type == "credential"
        assert entry.programme_id == world.programme.id
        assert entry.organisation_id == world.programme.organisation_id
        assert entry.before is None
        assert entry.after["state"] == "active"
        assert entry.after["recipient"] == credential.recipient.email
        assert entry.after["achievement_id"] == str(world.units[0].id)
        assert credential.recipient.email in entry.summary

    # A refused award (a bad row) rolls back with its entries: nothing half-written.
    rows = [issuing.AwardRow(email=world.participants[3].email),
            issuing.AwardRow(email="nobody@example.org")]
    with pytest.raises(ServiceError):
        issuing.award(session, world.trainer, world.units[0], rows,
                      issuing=issuing_context(app, notify=False))
    session.rollback()
    assert len(entries("award.issued")) == 3


def test_a_composite_that_follows_its_parts_is_recorded_as_automatic(app, world):
    world.certificate.requires_portfolio = False
    db.session.commit()
    person = world.participants[0]
    for unit in world.units:
        award(app, world, unit, [person])
    automatic = [e for e in entries("award.issued") if e.actor_label == "automatic"]
    assert len(automatic) == 1
    assert automatic[0].actor_id is None
    assert automatic[0].after["achievement_id"] == str(world.certificate.id)
    assert "all its parts are held" in automatic[0].summary


def test_status_changes_record_state_and_reason_before_and_after(app, session, world):
    credential = award(app, world, world.units[0], world.participants[:1]).issued[0]
    later = NOW + timedelta(days=1)
    issuing.change_status(session, world.trainer, [credential], "suspend",
                          reason="enquiry", now=later)
    issuing.change_status(session, None, [credential], "reinstate", reason=None,
                          now=later + timedelta(hours=1))
    issuing.change_status(session, coordinator(world), [credential], "revoke",
                          reason="=HYPERLINK(\"x\") plagiarism", now=later + timedelta(hours=2))
    session.commit()
    suspended, = entries("credential.suspended")
    reinstated, = entries("credential.reinstated")
    revoked, = entries("credential.revoked")
    assert suspended.before == {"state": "active", "reason": None}
    assert suspended.after == {"state": "suspended", "reason": "enquiry"}
    assert suspended.actor_label == world.trainer.email
    assert suspended.at == later
    assert reinstated.actor_label == "command line"
    assert reinstated.actor_id is None
    assert reinstated.before == {"state": "suspended", "reason": "enquiry"}
    assert reinstated.after == {"state": "active", "reason": None}
    assert revoked.actor_label == coordinator(world).email
    assert revoked.after["state"] == "revoked"
    assert revoked.subject_id == str(credential.id)
    assert revoked.programme_id == world.programme.id


def test_a_refused_status_change_records_nothing(app, session, world):
    credential = award(app, world, world.units[0], world.participants[:1]).issued[0]
    with pytest.raises(ServiceError):
        issuing.change_status(session, world.trainer, [credential], "reinstate", reason=None,
                              now=NOW)
    session.rollback()
    assert entries("credential.reinstated") == []


def test_publishing_a_framework_version_is_recorded(session, world):
    framework = session.scalars(select(Framework).where(
        Framework.organisation_id == world.programme.organisation_id)).first()
    boss = coordinator(world)
    draft = fw.create_draft(session, boss, framework, now=NOW)
    published_at = datetime(2026, 9, 16, 8, 0, tzinfo=UTC)
    fw.publish(session, boss, draft, now=published_at)
    session.commit()
    entry, = entries("framework.published")
    assert entry.subject_type == "framework_version"
    assert entry.subject_id == str(draft.id)
    assert entry.organisation_id == framework.organisation_id
    assert entry.programme_id is None
    assert entry.actor_label == boss.email
    assert entry.before == {"status": "draft", "number": draft.number}
    assert entry.after["status"] == "published"
    assert entry.after["number"] == draft.number
    assert entry.after["published_at"] == published_at.isoformat()


def test_history_outlives_the_rows_it_names(session, world):
    entry = _entry(session, actor=world.trainer, programme_id=world.programme.id)
    session.commit()
    db.session.delete(world.trainer)
    session.commit()
    session.expire_all()
    kept = session.get(AuditEntry, entry.id)
    assert kept.actor_id is not None
    assert kept.actor_label.startswith("formateur@")
