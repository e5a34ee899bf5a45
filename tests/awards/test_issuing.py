"""Awarding: signed OB 3.0 credentials, all-or-nothing batches, idempotency, composites."""

from __future__ import annotations

import pytest
from issuing_helpers import NOW, issuing_context

from badge_service.awards.service import issuing
from badge_service.errors import Conflict, Forbidden, ValidationFailed
from credentials import schema
from credentials.did import Resolver
from credentials.models import identity_matches
from credentials.status_list import StatusList
from credentials.verify import verify

BASE = "https://badges.example.org"
OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json")


def check_issued_form(client, credential) -> None:
    """What OB 3.0 and the VC Data Integrity / Bitstring Status List specs ask of an issued
    credential, and that its status list is the one we serve."""
    document = credential.document
    issuer_id = document["issuer"]["id"]
    assert issuer_id == credential.issuer_id
    assert document["credentialSchema"] == [{"id": OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
                                             "type": "1EdTechJsonSchemaValidator2019"}]
    # An array of one proof: what the strict 1EdTech schema variant requires.
    [proof] = document["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod")
    method, _, fragment = proof["verificationMethod"].partition("#")
    assert (method, bool(fragment)) == (issuer_id, True)  # a key of the issuer's own DID
    assert proof["verificationMethod"] == credential.verification_method

    status = document["credentialStatus"]
    list_url = status["statusListCredential"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "suspension"
    assert status["statusListIndex"] == str(credential.status_index)
    assert status["id"] == f"{list_url}#{credential.status_index}"
    organisation = credential.organisation
    assert list_url == (f"{BASE}/status/{organisation.slug}/suspension/"
                        f"{credential.status_list.number}")
    served = client.get(list_url.removeprefix(BASE))
    assert served.status_code == 200
    status_list = served.get_json(force=True)
    assert status_list["id"] == list_url
    assert "BitstringStatusListCredential" in status_list["type"]
    assert status_list["credentialSubject"]["statusPurpose"] == "suspension"
    list_issuer = status_list["issuer"]
    # Signed by the credential's issuer (the spec lets it be an id or a profile).
    assert (list_issuer if isinstance(list_issuer, str) else list_issuer["id"]) == issuer_id
    bits = StatusList.decode(status_list["credentialSubject"]["encodedList"])
    assert bits.get(credential.status_index) == 0


def test_award_issues_a_verifiable_credential(app, session, client, world):
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
    assert document["issuer"]["id"].startswith("did:key:z6Mk")
    check_issued_form(client, outcome.credential)


def test_did_web_issuer_signs_with_a_key_of_its_did(app, session, client, world):
    organisation = world.programme.organisation
    organisation.did_method = "web"
    session.commit()
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    session.commit()
    credential = result.outcomes[0].credential
    assert credential.document["issuer"]["id"] == (
        f"did:web:badges.example.org:issuers:{organisation.slug}")
    check_issued_form(client, credential)
    served = client.get(f"/issuers/{organisation.slug}/did.json").json
    assert credential.document["proof"][0]["verificationMethod"] in served["assertionMethod"]


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
    from badge_service.awards.models import IssuedCredential

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
