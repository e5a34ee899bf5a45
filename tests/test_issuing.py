"""Awarding: signed OB 3.0 credentials, all-or-nothing batches, idempotency, composites."""

from __future__ import annotations

import pytest
from issuing_helpers import NOW, build_world, issuing_context

from badge_service.errors import Conflict, Forbidden, ValidationFailed
from badge_service.services import issuing
from credentials import schema
from credentials.did import Resolver
from credentials.models import identity_matches
from credentials.verify import verify


@pytest.fixture
def world(app, session):
    return build_world(app, session)


def test_award_issues_a_verifiable_credential(app, session, world):
    person = world.participants[0]
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(person.email, narrative="Très bon portfolio.",
                                             evidence_url="https://moodle.example/p/1")],
                           issuing=issuing_context(app))
    session.commit()
    [outcome] = result.outcomes
    assert outcome.outcome == "issued"
    document = outcome.credential.document
    assert document["id"] == f"https://badges.example.org/credentials/{outcome.credential.id}"
    assert document["issuer"]["id"].startswith("did:key:")
    assert document["credentialStatus"]["statusPurpose"] == "suspension"
    assert identity_matches(document["credentialSubject"]["identifier"][0], person.email)
    assert document["evidence"][0]["narrative"] == "Très bon portfolio."
    assert not schema.validate(document, "AchievementCredential")
    result = verify(document, now=NOW, resolver=Resolver(), check_schema=True)
    assert result.verified, result.errors
    # The VC-JWT form, signed at issue time by the same key, verifies too.
    token_result = verify(outcome.credential.jwt, now=NOW, resolver=Resolver())
    assert token_result.verified, token_result.errors
    assert token_result.credential["id"] == document["id"]


def test_batch_is_all_or_nothing_and_reports_every_row(app, session, world):
    rows = [issuing.AwardRow(world.participants[0].email, row=2),
            issuing.AwardRow("not-an-email", row=3),
            issuing.AwardRow("stranger@example.org", row=4),
            issuing.AwardRow(world.participants[0].email.upper(), row=5),
            issuing.AwardRow(world.participants[1].email, evidence_url="javascript:x", row=6)]
    with pytest.raises(ValidationFailed) as info:
        issuing.award(session, world.trainer, world.units[0], rows,
                      issuing=issuing_context(app))
    assert sorted(e.row for e in info.value.errors) == [3, 4, 5, 6]
    session.rollback()
    from badge_service.models import IssuedCredential

    assert session.query(IssuedCredential).count() == 0


def test_retried_request_does_not_issue_twice(app, session, world):
    rows = [issuing.AwardRow(p.email) for p in world.participants[:3]]
    first = issuing.award(session, world.trainer, world.units[0], rows,
                          issuing=issuing_context(app), request_key="batch-42")
    again = issuing.award(session, world.trainer, world.units[0], rows,
                          issuing=issuing_context(app), request_key="batch-42")
    assert [o.outcome for o in first.outcomes] == ["issued"] * 3
    assert [o.outcome for o in again.outcomes] == ["replayed"] * 3
    assert [o.credential.id for o in again.outcomes] == [o.credential.id for o in first.outcomes]
    # Without a key, a second award of a held achievement is reported, not repeated.
    third = issuing.award(session, world.trainer, world.units[0], rows[:1],
                          issuing=issuing_context(app))
    assert third.outcomes[0].outcome == "already-held"


def test_composite_waits_for_a_required_portfolio(app, session, world):
    # The demo's NUMEFA certificate also requires a validated capstone project (portfolio).
    assert world.certificate.requires_portfolio
    person = world.participants[0]
    for unit in world.units:
        result = issuing.award(session, world.trainer, unit, [issuing.AwardRow(person.email)],
                               issuing=issuing_context(app))
        assert result.composites == []


def test_composite_is_awarded_when_all_parts_are_held(app, session, world):
    world.certificate.requires_portfolio = False
    person = world.participants[0]
    for unit in world.units[:-1]:
        result = issuing.award(session, world.trainer, unit, [issuing.AwardRow(person.email)],
                               issuing=issuing_context(app))
        assert result.composites == []
    result = issuing.award(session, world.trainer, world.units[-1],
                           [issuing.AwardRow(person.email)], issuing=issuing_context(app))
    [certificate] = result.composites
    assert certificate.achievement_id == world.certificate.id
    assert certificate.awarded_by_id is None


def test_only_trainers_and_coordinators_award(app, session, world):
    with pytest.raises(Forbidden):
        issuing.award(session, world.participants[0], world.units[0],
                      [issuing.AwardRow(world.participants[1].email)],
                      issuing=issuing_context(app))


def test_revoke_suspend_reinstate(app, session, world):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    credential = result.outcomes[0].credential
    with pytest.raises(ValidationFailed):
        issuing.change_status(session, world.trainer, [credential], "suspend", reason="",
                              now=NOW)
    issuing.change_status(session, world.trainer, [credential], "suspend",
                          reason="enquête en cours", now=NOW)
    assert credential.state == "suspended"
    issuing.change_status(session, world.trainer, [credential], "reinstate", reason=None,
                          now=NOW)
    assert credential.state == "active"
    issuing.change_status(session, world.trainer, [credential], "revoke", reason="fraude",
                          now=NOW)
    with pytest.raises(Conflict):
        issuing.change_status(session, world.trainer, [credential], "reinstate", reason=None,
                              now=NOW)
