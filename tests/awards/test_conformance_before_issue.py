"""Conformance before issue (issue 7 §2): every credential we sign passes the official schema
and verifies round trip before it is stored or sent, or the whole request issues nothing; and
our credentials pass the strict ("formal") 1EdTech OB 3.0 schema variant too.

Failures are provoked where a real bug would sit: a signer that produces a bad signature for
one recipient of a batch, a builder that leaves out a required member, a schema check that
refuses one document. Each test then checks that no credential, status entry or mail is left.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from accounts_helpers import bearer
from issuing_helpers import NOW, issuing_context
from sqlalchemy import func, select
from vcapi_helpers import badge

from badge_service.adapters.keyring import current_keyring
from badge_service.awards.models import IssuedCredential
from badge_service.awards.service import issuing
from badge_service.db import db
from badge_service.formats import conformance
from badge_service.status import service as status_lists
from badge_service.status.models import StatusEntry, StatusList
from badge_service.vcapi import service as vcapi_service
from credentials import data_integrity, schema

FORMAL = "schemas/ob-v3p0/1edtech-gh-pages-build/achievementcredential.json"


@pytest.fixture(scope="module")
def strict_schema(standards_dir: Path) -> dict:
    """The strict variant as 1EdTech's CI builds it (``proof``, ``type``… must be arrays)."""
    return json.loads((standards_dir / FORMAL).read_text(encoding="utf-8"))


def _counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model)) or 0
                 for model in (IssuedCredential, StatusEntry, StatusList))


def _outbox(app) -> list[Path]:
    folder = Path(app.config["OUTBOX_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def _bad_signature_on_call(monkeypatch, module, call: int) -> list[int]:
    """Make ``module``'s add_proof produce a wrong signature on its ``call``-th use (from 1)."""
    original = data_integrity.add_proof
    calls = [0]

    def add_proof(document, signer, **kwargs):
        calls[0] += 1
        signed = original(document, signer, **kwargs)
        if calls[0] == call:
            value = signed["proof"]["proofValue"]
            # Another valid base58btc value of the same length: a signature over nothing.
            signed["proof"]["proofValue"] = value[:-4] + ("1111" if value[-4:] != "1111"
                                                          else "2222")
        return signed

    monkeypatch.setattr(module.data_integrity, "add_proof", add_proof)
    return calls


# --- what we issue conforms, to both schema variants ---------------------------------------


def test_awards_and_composites_pass_the_strict_schema_too(app, session, world, strict_schema):
    world.certificate.requires_portfolio = False
    person = world.participants[0]
    issued = []
    for unit in world.units:
        result = issuing.award(session, world.trainer, unit, [issuing.AwardRow(
            person.email, narrative="Portfolio complet.", evidence_url="https://moodle.example/1")],
            issuing=issuing_context(app, notify=False))
        issued.extend(result.issued)
    session.commit()
    composites = [c for c in issued if c.achievement_id == world.certificate.id]
    assert len(composites) == 1
    assert len(issued) == len(world.units) + 1
    for credential in issued:
        document = credential.document
        assert isinstance(document["proof"], list)
        assert len(document["proof"]) == 1
        assert schema.validate(document, "AchievementCredential") == []
        assert schema.validate_against(document, strict_schema) == []


def test_the_strict_schema_check_can_fail(app, session, world, strict_schema):
    # The same credential with its proof as one object (what add_proof alone writes) fails
    # the strict variant and still passes the JSON-LD one: the test above can tell.
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app, notify=False))
    document = dict(result.issued[0].document)
    document["proof"] = document["proof"][0]
    assert schema.validate(document, "AchievementCredential") == []
    assert {v.path for v in schema.validate_against(document, strict_schema)} == {"/proof"}


def test_vcapi_issued_open_badge_passes_the_strict_schema(app, client, world, strict_schema):
    issuer = current_keyring().identity(world.programme.organisation).issuer_id
    response = client.post("/credentials/issue", headers=bearer(world.trainer), json={
        "credential": badge(issuer)})
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.json["verifiableCredential"]
    assert len(signed["proof"]) == 1
    assert schema.validate_against(signed, strict_schema) == []
    verified = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert verified.json["verified"] is True, verified.json


def test_vcapi_still_issues_a_credential_valid_only_later(app, client, world):
    # The caller chooses the dates: the round trip does not judge them for the VC-API.
    issuer = current_keyring().identity(world.programme.organisation).issuer_id
    response = client.post("/credentials/issue", headers=bearer(world.trainer), json={
        "credential": badge(issuer, validFrom="2999-01-01T00:00:00Z")})
    assert response.status_code == 201, response.get_data(as_text=True)


# --- a failure refuses the whole request and writes nothing --------------------------------


def test_one_bad_signature_in_a_batch_issues_nothing(app, session, world, monkeypatch):
    before = _counts()
    calls = _bad_signature_on_call(monkeypatch, issuing, call=2)
    rows = [issuing.AwardRow(p.email) for p in world.participants[:3]]
    with pytest.raises(conformance.NotConformant) as caught:
        issuing.award(session, world.trainer, world.units[0], rows,
                      issuing=issuing_context(app, notify=True))
    session.rollback()
    assert calls[0] == 2  # stopped at the bad one
    error = caught.value
    assert (error.status, error.problem) == (422, "issue-conformance")
    assert world.participants[1].email in error.detail
    assert "rien n'a été émis" in error.detail
    [field_error] = error.errors
    assert field_error.message.startswith("Data Integrity verification, proof check:")
    assert "signature does not match" in field_error.message
    assert _counts() == before
    assert _outbox(app) == []


def test_a_schema_failure_names_the_path(app, session, world, monkeypatch):
    original = issuing.build_credential
    built = [0]

    def without_valid_from(*args, **kwargs):
        built[0] += 1
        document = original(*args, **kwargs)
        if built[0] == 2:
            del document["validFrom"]
        return document

    monkeypatch.setattr(issuing, "build_credential", without_valid_from)
    before = _counts()
    with pytest.raises(conformance.NotConformant) as caught:
        issuing.award(session, world.trainer, world.units[0],
                      [issuing.AwardRow(p.email) for p in world.participants[:2]],
                      issuing=issuing_context(app))
    session.rollback()
    [field_error] = caught.value.errors
    assert field_error.message.startswith("AchievementCredential schema: /validFrom:")
    assert field_error.field == "credential.validFrom"
    assert _counts() == before


def test_a_refused_composite_refuses_the_part_that_triggered_it(app, session, world,
                                                                monkeypatch):
    world.certificate.requires_portfolio = False
    person = world.participants[0]
    for unit in world.units[:-1]:
        issuing.award(session, world.trainer, unit, [issuing.AwardRow(person.email)],
                      issuing=issuing_context(app, notify=False))
    session.commit()
    before = _counts()
    real = schema.validate

    def refuse_composite(document, kind, **kwargs):
        if document["credentialSubject"]["achievement"]["name"] == world.certificate.name:
            return [schema.SchemaViolation("/credentialSubject", "refused by the test", "x")]
        return real(document, kind, **kwargs)

    monkeypatch.setattr(conformance.schema, "validate", refuse_composite)
    with pytest.raises(conformance.NotConformant, match=world.certificate.name):
        issuing.award(session, world.trainer, world.units[-1], [issuing.AwardRow(person.email)],
                      issuing=issuing_context(app))
    session.rollback()
    assert _counts() == before  # neither the last unit nor the certificate
    assert _outbox(app) == []


def test_the_api_answers_a_problem_and_keeps_nothing(app, client, world, monkeypatch):
    before = _counts()
    _bad_signature_on_call(monkeypatch, issuing, call=3)
    response = client.post(
        f"/api/v1/achievements/{world.units[0].id}/awards", headers=bearer(world.trainer),
        json={"recipients": [{"email": p.email} for p in world.participants[:3]],
              "notify": True})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["type"].endswith("/problems/issue-conformance")
    assert "nothing was issued" in body["detail"]
    assert body["errors"][0]["message"].startswith("Data Integrity verification, proof check")
    assert _counts() == before
    assert _outbox(app) == []


def test_the_award_page_shows_the_refusal_in_both_languages(app, client, world, monkeypatch):
    from accounts_helpers import login

    login(client, world.trainer.email, world.logins["trainer"].password)
    _bad_signature_on_call(monkeypatch, issuing, call=1)
    person = world.participants[0]
    page = client.post(f"/achievements/{world.units[0].id}/award", data={
        "step": "confirm", "row_email": person.email, "row_narrative": "", "row_evidence_url": "",
        "row_level": "", "row_line": "1", "key": str(uuid.uuid4())})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "nothing was issued" in text
    assert "rien n&#39;a été émis" in text
    assert _counts() == (0, 0, 0)
    assert _outbox(app) == []


def test_the_vcapi_refuses_a_credential_that_does_not_verify(app, client, world, monkeypatch):
    issuer = current_keyring().identity(world.programme.organisation).issuer_id
    _bad_signature_on_call(monkeypatch, vcapi_service, call=1)
    response = client.post("/credentials/issue", headers=bearer(world.trainer), json={
        "credential": badge(issuer)})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["type"].endswith("/problems/issue-conformance")


def test_a_status_list_that_does_not_verify_is_neither_stored_nor_served(app, session, client,
                                                                          world, monkeypatch):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app, notify=False))
    session.commit()
    status_list = result.issued[0].status_list
    assert status_list.signed is None  # signed on first request, not at issue
    _bad_signature_on_call(monkeypatch, status_lists, call=1)
    url = status_lists.list_url("", status_list.organisation, status_list.purpose,
                                status_list.number)
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.json["type"].endswith("/problems/issue-conformance")
    db.session.expire_all()
    assert db.session.get(StatusList, status_list.id).signed is None
    monkeypatch.undo()
    served = client.get(url)
    assert served.status_code == 200
    assert served.get_json(force=True)["proof"]["type"] == "DataIntegrityProof"


# --- the check itself ------------------------------------------------------------------------


def test_did_web_identities_verify_without_network(app, session, world):
    organisation = world.programme.organisation
    organisation.did_method = "web"
    session.flush()
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app, notify=False))
    [credential] = result.issued
    assert credential.issuer_id.startswith("did:web:")
    identity = current_keyring().identity(organisation)
    # Passes as issued; the same document claimed by another key of a did:web fails.
    conformance.check(credential.document, identity=identity, now=NOW,
                      kind=conformance.ACHIEVEMENT, jwt=credential.jwt)
    tampered = json.loads(json.dumps(credential.document))
    tampered["name"] = "Another badge"
    with pytest.raises(conformance.NotConformant, match="proof check"):
        conformance.check(tampered, identity=identity, now=NOW, kind=conformance.ACHIEVEMENT)


def test_dates_are_checked_for_our_own_credentials(app, session, world):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app, notify=False))
    [credential] = result.issued
    identity = current_keyring().identity(world.programme.organisation)
    earlier = NOW.replace(year=NOW.year - 1)
    with pytest.raises(conformance.NotConformant, match="validity check") as caught:
        conformance.check(credential.document, identity=identity, now=earlier,
                          kind=conformance.ACHIEVEMENT)
    assert "not valid before" in caught.value.errors[0].message
    conformance.check(credential.document, identity=identity, now=earlier,
                      kind=conformance.ACHIEVEMENT, check_dates=False)
    # One signature character changed (never the last: its low bits are padding).
    head, signature = credential.jwt.rsplit(".", 1)
    changed = "B" if signature[10] == "A" else "A"
    tampered = f"{head}.{signature[:10]}{changed}{signature[11:]}"
    with pytest.raises(conformance.NotConformant, match="VC-JWT verification"):
        conformance.check(credential.document, identity=identity, now=NOW,
                          kind=conformance.ACHIEVEMENT, jwt=tampered)
