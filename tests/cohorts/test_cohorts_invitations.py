"""Invitations: real SMTP (aiosmtpd), French or English text, a one-time link that logs the
participant in, re-sending, and nothing sent when the transaction fails."""

from __future__ import annotations

import pytest
from accounts_helpers import BASE, bearer, body_text, link_path, send_mail_to
from cohort_helpers import fixture_bytes
from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.cohorts.models import CohortMember
from badge_service.db import db


@pytest.fixture
def app_config(app_config, smtp_server):
    return send_mail_to(smtp_server, app_config, MAIL_FROM="NUMEFA <badges@numefa.example>")



def by_recipient(mailbox) -> dict[str, object]:
    out = {}
    for message in mailbox:
        address = message["To"].addresses[0].addr_spec
        assert address not in out, f"two messages to {address}"
        out[address] = message
    return out


def import_fixture(client, cohort_world, shared_dir, *, invite: bool):
    response = client.post(
        f"/api/v1/programmes/{cohort_world.programme.id}/cohorts/import?invite="
        f"{'true' if invite else 'false'}", headers=bearer(cohort_world.coordinator),
        data=fixture_bytes(shared_dir), content_type="text/csv")
    assert response.status_code == 200, response.json
    return response.json


def test_import_with_invite_mails_everyone_in_their_language(client, cohort_world, shared_dir,
                                                             mailbox):
    result = import_fixture(client, cohort_world, shared_dir, invite=True)
    assert result["summary"]["invited"] == 40
    messages = by_recipient(mailbox)
    assert len(messages) == 40

    french = messages["anne-sophie.delvaux@ecole-tilleuls.example"]
    assert french["Subject"] == "Invitation : NUMEFA 2025-2026 — Certificat NUMEFA"
    assert french["To"].addresses[0].display_name == "Anne-Sophie Delvaux"
    text = body_text(french)
    assert text.startswith("Bonjour Anne-Sophie,")
    assert "cohorte « NUMEFA 2025-2026 »" in text
    assert "14 jours" in text

    dutch_member = db.session.scalar(select(CohortMember).where(
        CohortMember.preferred_language == "nl"))
    english = messages[dutch_member.user.email]
    assert english["Subject"] == "Invitation: NUMEFA 2025-2026 — NUMEFA certificate"
    assert body_text(english).startswith(f"Hello {dutch_member.given_name},")
    assert "valid for 14 days" in body_text(english)
    assert all(m.invited_at is not None for m in db.session.scalars(select(CohortMember)))


def test_the_link_logs_the_participant_in_once(client, cohort_world, shared_dir, mailbox):
    import_fixture(client, cohort_world, shared_dir, invite=True)
    message = by_recipient(mailbox)["helene.dhondt@ps-bxl-canal.example"]
    path = link_path(message)
    assert path.startswith("/invitation/")
    assert BASE + path in body_text(message)

    page = client.get(path)  # a mail scanner's prefetch spends nothing
    assert page.status_code == 200
    assert "Hélène D&#39;Hondt" in page.get_data(as_text=True)
    assert client.get("/my/cohorts").status_code == 302  # not logged in yet

    response = client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/cohorts")
    page = client.get("/my/cohorts")
    assert page.status_code == 200
    assert "NUMEFA 2025-2026" in page.get_data(as_text=True)
    member = db.session.scalar(select(CohortMember).join(User).where(
        User.email == "helene.dhondt@ps-bxl-canal.example"))
    db.session.refresh(member)
    assert member.status == "active"
    assert member.joined_at is not None

    client.post("/logout")
    again = client.post(path)
    assert again.status_code == 401
    assert "already used" in again.get_data(as_text=True)


def test_invite_one_and_resend_invalidates_the_old_link(client, cohort_world, mailbox):
    headers = bearer(cohort_world.coordinator)
    cohort = client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts",
                         json={"name": "CREIA"}, headers=headers).json
    member = client.post(f"/api/v1/cohorts/{cohort['id']}/members", headers=headers, json={
        "email": "sam@x.example", "given_name": "Sam", "family_name": "Lee",
        "preferred_language": "en"}).json
    assert mailbox == []
    assert member["invited_at"] is None

    url = f"/api/v1/cohorts/{cohort['id']}/members/{member['id']}/invitation"
    assert client.post(url, headers=headers).json["invited"] == 1
    first = link_path(mailbox[-1])
    assert mailbox[-1]["Subject"].startswith("Invitation: CREIA")
    assert client.post(url, headers=headers).status_code == 200  # re-send
    second = link_path(mailbox[-1])
    assert first != second
    assert len(mailbox) == 2

    assert client.post(first).status_code == 401
    assert client.post(second).status_code == 302


def test_invite_all_scopes_and_withdrawn_members(client, cohort_world, mailbox):
    headers = bearer(cohort_world.trainer)
    cohort = client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts",
                         json={"name": "DU 2025"}, headers=headers).json
    members_url = f"/api/v1/cohorts/{cohort['id']}/members"
    ids = [client.post(members_url, headers=headers, json={
        "email": f"p{i}@x.example", "given_name": f"P{i}", "family_name": "Z",
        "invite": i == 0}).json["id"] for i in range(3)]
    assert len(mailbox) == 1
    invitations = f"/api/v1/cohorts/{cohort['id']}/invitations"
    response = client.post(invitations, headers=headers, json={})
    assert response.json["invited"] == 2
    assert len(mailbox) == 3
    assert client.post(invitations, headers=headers, json={}).json["invited"] == 0
    response = client.post(invitations, headers=headers, json={"scope": "pending"})
    assert response.json["invited"] == 3
    assert len(mailbox) == 6

    client.patch(f"{members_url}/{ids[1]}", headers=headers, json={"status": "withdrawn"})
    response = client.post(invitations, headers=headers, json={"member_ids": [ids[1], ids[2]]})
    assert response.status_code == 422
    assert "withdrawn" in response.json["errors"][0]["message"]
    assert len(mailbox) == 6  # all or nothing: not even the valid one was sent
    assert client.post(invitations, headers=headers,
                       json={"scope": "everyone"}).status_code == 422


def test_invitations_leave_only_when_the_transaction_commits(app, cohort_world, mailbox):
    from badge_service.clock import utcnow
    from badge_service.cohorts import service as cohorts

    cohort = cohorts.create_cohort(db.session, cohort_world.coordinator, cohort_world.programme,
                                   {"name": "C"}, now=utcnow())
    member = cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
        "email": "ok@x.example", "given_name": "Ok", "family_name": "Z"}, now=utcnow(),
        default_language="fr")
    db.session.commit()
    cohorts.invite(db.session, cohort_world.coordinator, [member], now=utcnow(), base_url=BASE)
    db.session.rollback()
    assert mailbox == []
    cohorts.invite(db.session, cohort_world.coordinator, [member], now=utcnow(), base_url=BASE)
    db.session.commit()
    assert [m["To"].addresses[0].addr_spec for m in mailbox] == ["ok@x.example"]
