"""Authentication by email: one-time login links and password reset, with their expiry,
purpose, single use and limits.

Mail goes through a real SMTP server (aiosmtpd); links are read from the received messages and
followed with the test client, as a person would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from accounts_helpers import (
    PASSWORD,
    body_text,
    is_login_redirect,
    link_path,
    login,
    make_user,
    send_mail_to,
)
from auth_helpers import NEW_PASSWORD, client_can_log_in
from sqlalchemy import func, select

from badge_service.accounts.models import EmailToken
from badge_service.accounts.service import passwords as security
from badge_service.accounts.service import tokens
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow


@pytest.fixture
def app_config(app_config, smtp_server):
    return send_mail_to(smtp_server, app_config, MAIL_FROM="Badges <badges@example.org>")


# --- one-time login links -----------------------------------------------------------------------


def test_participant_logs_in_with_an_email_link(app, client, mailbox):
    make_user("lea@example.org", password=None, name="Léa Martin")
    response = client.post("/login/email", data={"email": "Lea@Example.org"})
    assert response.status_code == 200
    assert "If an account exists for this address" in response.get_data(as_text=True)
    assert len(mailbox) == 1
    message = mailbox[0]
    assert message["To"] == "Léa Martin <lea@example.org>"
    assert message["From"] == "Badges <badges@example.org>"
    # In the account's language (French unless chosen otherwise: see test_auth_sessions.py).
    assert "ne fonctionne qu'une fois, pendant 30 minutes" in body_text(message)
    path = link_path(message)
    assert path.startswith("/login/link/bse_")

    # A mail scanner (or the person) opening the link only gets a confirmation button...
    for _ in range(3):
        page = app.test_client().get(path)
        assert page.status_code == 200
        assert "Log in as <strong>lea@example.org</strong>" in page.get_data(as_text=True)
    # ...and the token is spent by the POST only.
    response = client.post(path)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    # Single use.
    again = app.test_client().post(path)
    assert again.status_code == 401
    assert "already used" in again.get_data(as_text=True)
    assert app.test_client().get(path).status_code == 401


def test_login_link_expires(app, client, session):
    lea = make_user("lea@example.org", password=None)
    token = accounts.issue_email_token(session, lea, accounts.PURPOSE_LOGIN_LINK,
                                       now=utcnow() - timedelta(minutes=31),
                                       lifetime=timedelta(minutes=30))
    session.commit()
    assert client.get(f"/login/link/{token}").status_code == 401
    response = client.post(f"/login/link/{token}")
    assert response.status_code == 401
    assert "expired" in response.get_data(as_text=True)
    assert is_login_redirect(client.get("/dashboard"))


def test_a_link_for_one_purpose_does_not_work_for_another(app, client, session):
    lea = make_user("lea@example.org")
    token = accounts.issue_email_token(session, lea, accounts.PURPOSE_PASSWORD_RESET,
                                       now=utcnow(), lifetime=timedelta(minutes=30))
    session.commit()
    assert client.post(f"/login/link/{token}").status_code == 401
    assert client.post(f"/login/link/{token[:-1]}").status_code == 401


def test_disabled_account_cannot_use_a_login_link(app, client, session, mailbox):
    admin = make_user("admin@example.org", admin=True)
    lea = make_user("lea@example.org", password=None)
    client.post("/login/email", data={"email": "lea@example.org"})
    path = link_path(mailbox[0])
    accounts.update_user(session, admin, lea, {"is_active": False})
    session.commit()
    response = client.post(path)
    assert response.status_code == 401
    assert is_login_redirect(client.get("/dashboard"))
    client.post("/login/email", data={"email": "lea@example.org"})
    assert len(mailbox) == 1  # no new link for a disabled account


def test_link_requests_do_not_reveal_accounts(app, client, mailbox):
    make_user("lea@example.org")
    known = client.post("/login/email", data={"email": "lea@example.org"})
    unknown = client.post("/login/email", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(mailbox) == 1
    known = client.post("/password/forgot", data={"email": "lea@example.org"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(mailbox) == 2
    bad = client.post("/login/email", data={"email": "not an address"})
    assert bad.status_code == 422
    assert "not a valid email address" in bad.get_data(as_text=True)


def test_link_requests_are_limited_per_hour(app, client, session, mailbox):
    lea = make_user("lea@example.org")
    for _ in range(accounts.EMAIL_LINKS_PER_HOUR + 2):
        response = client.post("/login/email", data={"email": "lea@example.org"})
        assert response.status_code == 200
    assert len(mailbox) == accounts.EMAIL_LINKS_PER_HOUR
    count = session.scalar(select(func.count()).select_from(EmailToken)
                           .where(EmailToken.user_id == lea.id))
    assert count == accounts.EMAIL_LINKS_PER_HOUR


# --- password reset -------------------------------------------------------------------------------


def test_password_reset_by_email_link(app, client, mailbox):
    make_user("ana@example.org")
    other_session = app.test_client()
    login(other_session, "ana@example.org")

    client.post("/password/forgot", data={"email": "ana@example.org"})
    assert len(mailbox) == 1
    assert mailbox[0]["Subject"] == "Choisissez un nouveau mot de passe — badge_service"
    assert "pendant 60 minutes" in body_text(mailbox[0])
    path = link_path(mailbox[0])
    assert path.startswith("/password/reset/")
    assert client.get(path).status_code == 200  # the form; the token is not spent

    # Mistakes do not spend the link.
    differ = client.post(path, data={"password": NEW_PASSWORD, "confirm": "something else!!"})
    assert differ.status_code == 422
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)

    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert is_login_redirect(done)
    assert client_can_log_in(app, "ana@example.org", NEW_PASSWORD)
    assert not client_can_log_in(app, "ana@example.org", PASSWORD)
    assert is_login_redirect(other_session.get("/dashboard"))  # sessions ended

    # Single use.
    again = client.post(path, data={"password": "yet another passphrase", "confirm":
                                    "yet another passphrase"})
    assert again.status_code == 401
    assert client_can_log_in(app, "ana@example.org", NEW_PASSWORD)


def test_password_reset_link_expires(app, client, session):
    ana = make_user("ana@example.org")
    token = accounts.issue_email_token(session, ana, accounts.PURPOSE_PASSWORD_RESET,
                                       now=utcnow() - timedelta(minutes=61),
                                       lifetime=timedelta(minutes=60))
    session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 401
    response = client.post(f"/password/reset/{token}",
                           data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 401
    assert client_can_log_in(app, "ana@example.org", PASSWORD)


def test_a_new_password_kills_older_reset_links(app, client, session, mailbox):
    make_user("ana@example.org")
    client.post("/password/forgot", data={"email": "ana@example.org"})
    client.post("/password/forgot", data={"email": "ana@example.org"})
    first, second = link_path(mailbox[0]), link_path(mailbox[1])
    assert client.post(second, data={"password": NEW_PASSWORD,
                                     "confirm": NEW_PASSWORD}).status_code == 302
    assert client.post(first, data={"password": "another passphrase!",
                                    "confirm": "another passphrase!"}).status_code == 401


def test_participant_without_password_can_set_one_by_reset(app, client, mailbox):
    make_user("lea@example.org", password=None)
    assert not client_can_log_in(app, "lea@example.org", "")
    client.post("/password/forgot", data={"email": "lea@example.org"})
    path = link_path(mailbox[0])
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client_can_log_in(app, "lea@example.org", NEW_PASSWORD)


def test_email_tokens_are_stored_as_digests(app, client, session, mailbox):
    make_user("ana@example.org")
    client.post("/password/forgot", data={"email": "ana@example.org"})
    token = link_path(mailbox[0]).rsplit("/", 1)[1]
    record = session.scalar(select(EmailToken))
    assert record.token_hash == security.token_digest(token)
    assert token not in repr(vars(record))


def test_racing_requests_cannot_both_spend_a_link(app, session, monkeypatch):
    lea = make_user("lea@example.org")
    token = accounts.issue_email_token(session, lea, accounts.PURPOSE_LOGIN_LINK,
                                       now=utcnow(), lifetime=timedelta(minutes=30))
    session.commit()
    find = tokens._find_email_token

    def find_then_lose_the_race(*args):
        record = find(*args)
        # Another request spends the token between this one's check and its update.
        session.execute(EmailToken.__table__.update().values(used_at=utcnow()))
        return record

    monkeypatch.setattr(tokens, "_find_email_token", find_then_lose_the_race)
    with pytest.raises(accounts.AuthenticationRequired, match="already used"):
        accounts.consume_email_token(session, token, accounts.PURPOSE_LOGIN_LINK, now=utcnow())
