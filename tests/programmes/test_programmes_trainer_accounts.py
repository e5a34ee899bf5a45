"""Coordinators give trainers accounts: assigning an unknown email creates the account and
mails an invitation (real SMTP, aiosmtpd) in the trainer's language, whose one-time link sets
the password and lands on the programme. Pages and API, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from accounts_helpers import (
    BASE,
    PASSWORD,
    bearer,
    body_text,
    link_path,
    login,
    make_org,
    make_user,
    send_mail_to,
)
from db_helpers import empty_database
from programmes_helpers import make_programme, people
from sqlalchemy import func, select

from badge_service import policy
from badge_service.accounts.models import EmailToken, User
from badge_service.accounts.service import passwords as security
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.programmes import service as programmes

NEW_PASSWORD = "a brand new trainer passphrase"


@pytest.fixture
def app_config(app_config, smtp_server):
    return send_mail_to(smtp_server, app_config, MAIL_FROM="Badges Lille <badges@lille.example>")



@pytest.fixture
def trainer_world(app):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    return p, programme


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def find(email: str) -> User | None:
    db.session.expire_all()
    return accounts.find_user_by_email(db.session, email)


# --- pages -----------------------------------------------------------------------------------


def test_page_creates_the_account_and_the_french_link_sets_the_password(app, client, trainer_world,
                                                                        mailbox):
    _, programme = trainer_world
    login(client, "coord@example.org")
    response = client.post(f"/programmes/{programme.id}/trainers", data={
        "email": " Nadia.Formatrice@Example.org ", "display_name": "Nadia Formatrice",
        "preferred_language": "fr"}, follow_redirects=True)
    assert response.status_code == 200
    assert ("An account was created for nadia.formatrice@example.org"
            in response.get_data(as_text=True))

    nadia = find("nadia.formatrice@example.org")
    assert nadia is not None
    assert nadia.password_hash is None
    assert (nadia.display_name, nadia.preferred_language) == ("Nadia Formatrice", "fr")
    assert policy.is_trainer(db.session, nadia, programme)

    [message] = mailbox
    assert message["To"].addresses[0].addr_spec == "nadia.formatrice@example.org"
    assert message["To"].addresses[0].display_name == "Nadia Formatrice"
    assert message["Subject"] == "Vous êtes formateur·rice du programme « Certificat NUMEFA »"
    text = body_text(message)
    assert text.startswith("Bonjour Nadia Formatrice,")
    assert "Université de Lille vous a ajouté·e" in text
    assert "14 jours" in text
    path = link_path(message)
    assert path.startswith(f"/programmes/{programme.id}/trainer-invitation/")
    assert BASE + path in text

    trainer = app.test_client()  # the trainer's own browser
    page = trainer.get(path)
    assert page.status_code == 200
    assert "Choisissez le mot de passe" in page.get_data(as_text=True)
    assert trainer.get(path).status_code == 200  # showing the form does not spend the link

    typo = trainer.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert typo.status_code == 422
    assert "the two passwords differ" in typo.get_data(as_text=True)
    short = trainer.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422

    done = trainer.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/programmes/{programme.id}"
    view = trainer.get(f"/programmes/{programme.id}")
    assert view.status_code == 200
    assert "Certificat NUMEFA" in view.get_data(as_text=True)
    assert b"New achievement" not in view.data  # a trainer, not a coordinator

    # The link worked once; the password works from now on.
    again = app.test_client().post(path, data={"password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert again.status_code == 401
    assert app.test_client().get(path).status_code == 401
    login(app.test_client(), "nadia.formatrice@example.org", NEW_PASSWORD)
    assert len(mailbox) == 1


def test_page_existing_account_is_just_granted(app, client, trainer_world, mailbox):
    _, programme = trainer_world
    login(client, "coord@example.org")
    response = client.post(f"/programmes/{programme.id}/trainers", data={
        "email": "TRAINER@example.org", "display_name": "Someone Else",
        "preferred_language": "en"}, follow_redirects=True)
    assert "Théo Formateur is now a trainer of this programme." in response.get_data(
        as_text=True)
    trainer = find("trainer@example.org")
    assert policy.is_trainer(db.session, trainer, programme)
    # A coordinator does not rename or re-configure somebody's account.
    assert (trainer.display_name, trainer.preferred_language) == ("Théo Formateur", "fr")
    again = client.post(f"/programmes/{programme.id}/trainers",
                        data={"email": "trainer@example.org"}, follow_redirects=True)
    assert "already was a trainer" in again.get_data(as_text=True)
    assert mailbox == []


def test_page_bad_email_is_422_and_keeps_the_form(app, client, trainer_world, mailbox):
    _, programme = trainer_world
    before = user_count()
    login(client, "coord@example.org")
    response = client.post(f"/programmes/{programme.id}/trainers", data={
        "email": "nadia@", "display_name": "Nadia <b>", "preferred_language": "en"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "email: " in page  # the field is named
    assert 'value="nadia@"' in page
    assert 'value="Nadia &lt;b&gt;"' in page  # kept, escaped
    assert '<option value="en" selected>' in page
    bad_language = client.post(f"/programmes/{programme.id}/trainers", data={
        "email": "nadia@example.org", "preferred_language": "de"})
    assert bad_language.status_code == 422
    assert "preferred_language: " in bad_language.get_data(as_text=True)
    assert user_count() == before
    assert mailbox == []


def test_page_coordinator_of_another_organisation_is_refused(app, client, trainer_world, mailbox):
    """Refused with 403 once they can see the programme (here: they train in it); without
    any link to it, the programme is "not found", as on every programme route, so its id
    reveals nothing. Either way nothing is created or sent, and their input is not even
    validated."""
    p, programme = trainer_world
    other = make_user("other-coord@example.org")
    make_org("drane-bis", coordinators=(other,))
    before = user_count()
    browser = app.test_client()
    login(browser, "other-coord@example.org")
    url = f"/programmes/{programme.id}/trainers"
    assert browser.post(url, data={"email": "nadia@example.org"}).status_code == 404
    programmes.add_trainer(db.session, p.coordinator, programme, other)
    db.session.commit()
    for email in ("nadia@example.org", "nadia@"):
        response = browser.post(url, data={"email": email})
        assert response.status_code == 403, email
        assert "only a coordinator of the programme" in response.get_data(as_text=True)
    assert find("nadia@example.org") is None
    assert user_count() == before
    assert mailbox == []


def test_expired_or_unknown_links_are_refused(app, client, trainer_world, mailbox):
    p, programme = trainer_world
    long_ago = utcnow() - programmes.TRAINER_INVITATION_LIFETIME - timedelta(minutes=1)
    with app.test_request_context():
        from badge_service.programmes.views import trainer_invitation_link

        programmes.assign_trainer(db.session, p.coordinator, programme,
                                  email="late@example.org", now=long_ago,
                                  invitation_link=trainer_invitation_link(programme))
    db.session.commit()
    [message] = mailbox
    assert body_text(message).startswith("Bonjour,")  # no name given: no "Bonjour late@…"
    path = link_path(message)
    assert client.get(path).status_code == 401
    assert client.post(path, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 401
    assert find("late@example.org").password_hash is None
    assert client.get(f"/programmes/{programme.id}/trainer-invitation/bse_nope"
                      ).status_code == 401
    # A password-reset or login link is not an invitation link, nor the other way round.
    late = find("late@example.org")
    reset = accounts.issue_email_token(db.session, late, accounts.PURPOSE_PASSWORD_RESET,
                                       now=utcnow(), lifetime=timedelta(hours=1))
    db.session.commit()
    assert client.get(f"/programmes/{programme.id}/trainer-invitation/{reset}"
                      ).status_code == 401


# --- API -------------------------------------------------------------------------------------


def test_api_creates_the_account_and_invites_in_english(app, client, trainer_world, mailbox):
    p, programme = trainer_world
    url = f"/api/v1/programmes/{programme.id}/trainers"
    response = client.post(url, json={"email": "Ann.Trainer@example.org",
                                      "preferred_language": "en"},
                           headers=bearer(p.coordinator))
    assert response.status_code == 201, response.json
    ann = find("ann.trainer@example.org")
    assert response.json == {
        "user": {"id": str(ann.id), "email": "ann.trainer@example.org",
                 "display_name": "ann.trainer@example.org"},
        "account_created": True, "invitation_sent": True}
    assert response.headers["Location"].endswith(f"/api/v1/users/{ann.id}")
    assert ann.preferred_language == "en"
    assert ann.password_hash is None
    listed = client.get(url, headers=bearer(p.coordinator)).json["items"]
    assert [u["email"] for u in listed] == ["ann.trainer@example.org"]

    [message] = mailbox
    assert message["Subject"] == 'You are a trainer of the programme "NUMEFA certificate"'
    text = body_text(message)
    assert text.splitlines()[0] == "Hello,"
    assert "valid for 14 days" in text

    browser = app.test_client()
    path = link_path(message)
    assert "Choose the password" in browser.get(path).get_data(as_text=True)
    done = browser.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert browser.get(done.headers["Location"]).status_code == 200
    headers = bearer(find("ann.trainer@example.org"))
    assert client.get(f"/api/v1/programmes/{programme.id}", headers=headers).status_code == 200

    # assigning the same address again: the account exists now, so it is just granted
    again = client.post(url, json={"email": "ann.trainer@example.org"},
                        headers=bearer(p.coordinator))
    assert again.status_code == 204
    assert len(mailbox) == 1


def test_api_default_language_is_the_services(app_config, smtp_server):
    from badge_service import create_app

    app_config["DEFAULT_LANGUAGE"] = "en"
    app = create_app(app_config)
    with app.app_context():
        try:
            p = people()
            programme = make_programme(p.coordinator, p.organisation)
            response = app.test_client().post(
                f"/api/v1/programmes/{programme.id}/trainers",
                json={"email": "bo@example.org", "display_name": "Bo"},
                headers=bearer(p.coordinator))
            assert response.status_code == 201
            assert find("bo@example.org").preferred_language == "en"
            [message] = smtp_server[1].messages
            assert body_text(message).startswith("Hello Bo,")
        finally:
            empty_database()


def test_api_existing_account_is_just_granted(app, client, trainer_world, mailbox):
    p, programme = trainer_world
    response = client.post(f"/api/v1/programmes/{programme.id}/trainers",
                           json={"email": "trainer@example.org", "display_name": "X"},
                           headers=bearer(p.coordinator))
    assert response.status_code == 204
    assert policy.is_trainer(db.session, find("trainer@example.org"), programme)
    assert find("trainer@example.org").display_name == "Théo Formateur"
    assert mailbox == []


def test_api_bad_input_is_422_with_the_field(app, client, trainer_world, mailbox):
    p, programme = trainer_world
    url = f"/api/v1/programmes/{programme.id}/trainers"
    headers = bearer(p.coordinator)
    before = user_count()
    for body, field in [({"email": "not an email"}, "email"),
                        ({"email": ""}, "email"),
                        ({"email": "x@example.org", "preferred_language": "de"},
                         "preferred_language"),
                        ({"email": "x@example.org", "display_name": "x" * 301},
                         "display_name")]:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"
        assert [e["field"] for e in response.json["errors"]] == [field], body
    # a disabled account is not made a trainer
    disabled = make_user("gone@example.org")
    disabled.is_active = False
    db.session.commit()
    response = client.post(url, json={"email": "gone@example.org"}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "email"
    assert user_count() == before + 1
    assert mailbox == []


def test_api_coordinator_of_another_organisation_gets_403(app, client, trainer_world, mailbox):
    p, programme = trainer_world
    other = make_user("other-coord@example.org")
    make_org("drane-bis", coordinators=(other,))
    url = f"/api/v1/programmes/{programme.id}/trainers"
    before = user_count()
    # Without any link to the programme it is "not found" (as on every programme route) …
    assert client.post(url, json={"email": "nadia@example.org"},
                       headers=bearer(other)).status_code == 404
    assert client.post(url, json={"email": "nadia@example.org"},
                       headers=bearer(p.outsider)).status_code == 404
    # … and once they see it (they train in it), they are refused: 403, input unexamined.
    programmes.add_trainer(db.session, p.coordinator, programme, other)
    db.session.commit()
    for body in ({"email": "nadia@example.org"}, {"email": "nadia@"}):
        response = client.post(url, json=body, headers=bearer(other))
        assert response.status_code == 403, body
        assert response.json["type"].endswith("/problems/forbidden")
    assert user_count() == before
    assert mailbox == []
    # administrators may
    assert client.post(url, json={"email": "nadia@example.org"},
                       headers=bearer(p.admin)).status_code == 201
    assert len(mailbox) == 1


def test_api_operation_is_described(app, client):
    document = client.get("/api/v1/openapi.json").json
    entry = document["paths"]["/api/v1/programmes/{programme_id}/trainers"]["post"]
    assert "creates one" in entry["summary"]
    assert "204" in entry["summary"]
    assert set(entry["responses"]) == {"201", "default"}
    schemas = document["components"]["schemas"]
    body = schemas["TrainerIn"]["properties"]
    assert {"user_id", "email", "display_name", "preferred_language"} <= set(body)
    created = entry["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/TrainerCreated"}
    assert set(schemas["TrainerCreated"]["properties"]) == {
        "user", "account_created", "invitation_sent"}


# --- the service -----------------------------------------------------------------------------


def test_the_invitation_leaves_only_after_commit(app, trainer_world, mailbox):
    p, programme = trainer_world

    def assign(email: str) -> None:
        with app.test_request_context():
            from badge_service.programmes.views import trainer_invitation_link

            programmes.assign_trainer(db.session, p.coordinator, programme, email=email,
                                      now=utcnow(),
                                      invitation_link=trainer_invitation_link(programme))

    assign("rolled-back@example.org")
    db.session.rollback()
    assert mailbox == []
    assert find("rolled-back@example.org") is None
    assert db.session.scalar(select(func.count()).select_from(EmailToken)) == 0

    assign("kept@example.org")
    assert mailbox == []  # flushed, not committed: nothing has left yet
    db.session.commit()
    assert [m["To"].addresses[0].addr_spec for m in mailbox] == ["kept@example.org"]
    stored = db.session.scalars(select(EmailToken)).one()
    assert stored.purpose == accounts.PURPOSE_TRAINER_INVITATION
    assert stored.expires_at - stored.created_at == timedelta(days=14)
    sent = link_path(mailbox[0]).rsplit("/", 1)[1]
    assert stored.token_hash == security.token_digest(sent) != sent  # only the digest kept


def test_a_new_account_has_no_password_until_the_trainer_chooses_one(app, client, trainer_world,
                                                                       mailbox):
    p, programme = trainer_world
    client.post(f"/api/v1/programmes/{programme.id}/trainers",
                json={"email": "nadia@example.org"}, headers=bearer(p.coordinator))
    refused = app.test_client().post("/login", data={"email": "nadia@example.org",
                                                      "password": PASSWORD})
    assert refused.status_code == 401
