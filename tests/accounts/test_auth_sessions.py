"""Issue 7 §3: logout ends a session on the server, the login throttle counts per client address
(behind trusted proxies too), and a locked-out person still gets in by a one-time email link
written in their language.

Cookies are copied between test clients as a thief would copy them; mail goes through a real
SMTP server and its links are followed as a person would.
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
from sqlalchemy import func, select

from badge_service import config
from badge_service.accounts.models import LoginFailure, LoginSession
from badge_service.accounts.service import login_sessions
from badge_service.accounts.service import passwords as security
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.db import db

NEW_PASSWORD = "a brand new passphrase 2025"


@pytest.fixture
def app_config(app_config, smtp_server):
    return send_mail_to(smtp_server, app_config, MAIL_FROM="Badges <badges@example.org>")


def copy_of(browser, app):  # type: ignore[no-untyped-def]
    """Another client holding a copy of ``browser``'s session cookie."""
    thief = app.test_client()
    cookie = browser.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def open_sessions(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(LoginSession))


# --- logout ends the session on the server ------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(app, session):
    make_user("ana@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "ana@example.org")
    login(phone, "ana@example.org")
    thief = copy_of(laptop, app)
    assert thief.get("/dashboard").status_code == 200
    assert open_sessions(session) == 2

    assert laptop.post("/logout").status_code == 302
    assert is_login_redirect(laptop.get("/dashboard"))
    assert is_login_redirect(thief.get("/dashboard"))  # the copy is dead too
    assert is_login_redirect(thief.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}))
    assert app.test_client().post("/login", data={
        "email": "ana@example.org", "password": NEW_PASSWORD}).status_code == 401
    # A plain logout ends this browser's session only.
    assert phone.get("/dashboard").status_code == 200
    assert open_sessions(session) == 1


def test_a_copied_cookie_stops_working_after_logging_in_again(app):
    """Logging in again (e.g. after a password change) replaces the session, not just the
    cookie."""
    make_user("ana@example.org")
    laptop = app.test_client()
    login(laptop, "ana@example.org")
    thief = copy_of(laptop, app)
    laptop.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert laptop.get("/dashboard").status_code == 200
    assert is_login_redirect(thief.get("/dashboard"))


def test_log_out_everywhere_and_password_reset_delete_every_session(app, session, mailbox):
    make_user("ana@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "ana@example.org")
    login(phone, "ana@example.org")
    laptop.post("/logout", data={"everywhere": "1"})
    assert open_sessions(session) == 0
    assert is_login_redirect(phone.get("/dashboard"))

    login(phone, "ana@example.org")
    app.test_client().post("/password/forgot", data={"email": "ana@example.org"})
    reset = app.test_client().post(link_path(mailbox[0]), data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert reset.status_code == 302
    assert open_sessions(session) == 0
    assert is_login_redirect(phone.get("/dashboard"))


def test_the_cookie_holds_a_secret_whose_digest_only_is_stored(app, session):
    make_user("ana@example.org")
    browser = app.test_client()
    login(browser, "ana@example.org")
    with browser.session_transaction() as cookie:
        user_id, version, token = cookie["_user_id"].split(":")
    assert token.startswith("bss_")
    stored = session.scalars(select(LoginSession.token_hash)).all()
    assert stored == [security.token_digest(token)]
    # A cookie without the secret, or with another one, is no session (old-style cookies too).
    for forged in (f"{user_id}:{version}", f"{user_id}:{version}:bss_guess"):
        other = app.test_client()
        with other.session_transaction() as cookie:
            cookie["_user_id"] = forged
            cookie["_fresh"] = True
        assert is_login_redirect(other.get("/dashboard"))


def test_idle_sessions_end_and_are_pruned(app, session, monkeypatch):
    ana = make_user("ana@example.org")
    browser = app.test_client()
    login(browser, "ana@example.org")
    idle = app.permanent_session_lifetime
    # Last seen two hours ago: used now, last_seen_at moves (it is written at most hourly).
    record = session.scalar(select(LoginSession))
    record.last_seen_at = utcnow() - timedelta(hours=2)
    session.commit()
    assert browser.get("/dashboard").status_code == 200
    session.refresh(record)
    assert utcnow() - record.last_seen_at < timedelta(minutes=1)
    # Idle longer than the cookie lifetime: over, and the next login deletes the row.
    record.last_seen_at = utcnow() - idle - timedelta(seconds=1)
    session.commit()
    assert is_login_redirect(browser.get("/dashboard"))
    login_sessions.start(session, ana, now=utcnow(), idle=idle)
    session.commit()
    assert open_sessions(session) == 1


def test_invitation_logins_get_a_server_side_session_too(app, session):
    """Every ``login_user`` opens a session (here the trainer-invitation style: a view that
    logs the user in itself), so no login path makes cookies that outlive a logout."""
    from flask_login import login_user

    ana = make_user("ana@example.org")
    with app.test_request_context("/"):
        login_user(ana)
        from flask import session as cookie

        assert cookie["_user_id"].count(":") == 2
    assert open_sessions(session) == 1


# --- throttle per client address ------------------------------------------------------------------


def client_at(app, address: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def spray(client, n: int, **kwargs) -> list[int]:  # type: ignore[no-untyped-def]
    """One wrong password at each of ``n`` accounts (password spraying); the status codes."""
    return [client.post("/login", data={"email": f"user{i}@example.org",
                                        "password": "Summer2025!!"}, **kwargs).status_code
            for i in range(n)]


def test_many_accounts_from_one_address_are_throttled(app, session):
    app.config["LOGIN_FAILURES_PER_IP"] = 4
    make_user("ana@example.org")
    attacker = client_at(app, "203.0.113.7")
    assert spray(attacker, 4) == [401] * 4
    assert spray(attacker, 1) == [429]
    refused = attacker.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many failed logins from your network" in refused.get_data(as_text=True)
    assert 800 < int(refused.headers["Retry-After"]) <= 900
    assert "send me a sign-in link" in refused.get_data(as_text=True)
    # The addresses were counted, one failure per account (no account limit was reached).
    assert session.scalar(select(func.count(func.distinct(LoginFailure.email)))) == 4


@pytest.mark.parametrize("hops", [1, 2])
def test_behind_trusted_proxies_the_client_address_counts(app_config, request, hops):
    app_config.update(TRUSTED_PROXIES=hops, LOGIN_FAILURES_PER_IP=3)
    app = request.getfixturevalue("app")
    make_user("ana@example.org")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The nearest proxy appends the address it saw; a client may send its own header first.
    chain = ["192.0.2.66"] * (hops - 1)
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": ", ".join(["6.6.6.6", "203.0.113.7", *chain])}
    browser = app.test_client()
    assert spray(browser, 3, environ_base=attacker) == [401] * 3
    assert spray(browser, 1, environ_base=attacker) == [429]
    # Everyone else behind the same proxy is unaffected: the proxy's address is not the key.
    someone = {**proxy, "HTTP_X_FORWARDED_FOR": ", ".join(["198.51.100.2", *chain])}
    login(app.test_client(), "ana@example.org", environ_base=someone)
    assert set(db.session.scalars(select(LoginFailure.ip))) == {"203.0.113.7"}


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_help(app):
    app.config["LOGIN_FAILURES_PER_IP"] = 3
    attempts = [app.test_client().post(
        "/login", data={"email": f"user{i}@example.org", "password": "Summer2025!!"},
        environ_base={"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": f"192.0.2.{i}"},
    ).status_code for i in range(5)]
    assert attempts == [401, 401, 401, 429, 429]


def test_the_address_limit_is_a_setting(tmp_path):
    loaded = config.load(tmp_path, {"TESTING": True},
                         environ={"BADGE_LOGIN_FAILURES_PER_IP": "7"})
    assert loaded["LOGIN_FAILURES_PER_IP"] == 7
    assert config.load(tmp_path, {"TESTING": True}, environ={})["LOGIN_FAILURES_PER_IP"] == 50
    with pytest.raises(config.ConfigError, match="LOGIN_FAILURES_PER_IP must be positive"):
        config.load(tmp_path, {"TESTING": True, "LOGIN_FAILURES_PER_IP": 0}, environ={})


# --- a locked-out person logs in by email link ----------------------------------------------------


def test_a_locked_out_account_logs_in_by_email_link(app, client, session, mailbox):
    make_user("ana@example.org", name="Ana Lima")
    attacker = client_at(app, "203.0.113.7")
    for attempt in range(accounts.LOGIN_FAILURES_PER_ACCOUNT):
        attacker.post("/login", data={"email": "ana@example.org", "password": f"guess {attempt}"})
    locked = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "log in with an email link" in page
    assert 'href="/login/email"' in page

    assert client.post("/login/email", data={"email": "ana@example.org"}).status_code == 200
    assert len(mailbox) == 1
    path = link_path(mailbox[0])
    assert client.post(path).status_code == 302
    assert "Ana Lima" in client.get("/dashboard").get_data(as_text=True)
    # The guessing stays throttled: logging in by link does not clear the account's failures.
    again = attacker.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert again.status_code == 429
    # The link was single-use, and its session ends at logout like any other.
    assert app.test_client().post(path).status_code == 401
    thief = copy_of(client, app)
    client.post("/logout")
    assert is_login_redirect(thief.get("/dashboard"))


def test_a_login_link_expires(app, client, session):
    """Signed like every email link (only the digest is kept, see test_auth_email_links.py), and it
    expires: one created LOGIN_LINK_MINUTES ago no longer works."""
    ana = make_user("ana@example.org")
    minutes = app.config["LOGIN_LINK_MINUTES"]
    token = accounts.request_email_link(
        session, "ana@example.org", accounts.PURPOSE_LOGIN_LINK,
        now=utcnow() - timedelta(minutes=minutes), lifetime=timedelta(minutes=minutes))[1]
    session.commit()
    response = client.post(f"/login/link/{token}")
    assert response.status_code == 401
    assert "expired" in response.get_data(as_text=True)
    assert session.get(type(ana), ana.id).last_login_at is None


def make_english_user(email: str, name: str | None = None):  # type: ignore[no-untyped-def]
    user = accounts.create_user(db.session, email=email, display_name=name, password=PASSWORD,
                                now=utcnow(), preferred_language="en")
    db.session.commit()
    return user


def test_link_mail_is_in_the_account_language(app, client, mailbox):
    make_user("lea@example.org", name="Léa Martin")  # French, the default
    make_english_user("sam@example.org", name="Sam Smith")
    make_english_user("kim@example.org")  # no name: no "Hello kim@example.org,"
    for email in ("lea@example.org", "sam@example.org", "kim@example.org"):
        client.post("/login/email", data={"email": email})
    client.post("/password/forgot", data={"email": "sam@example.org"})
    lea, sam, kim, sam_reset = mailbox

    assert lea["Subject"] == "Votre lien de connexion — badge_service"
    assert body_text(lea).startswith("Bonjour Léa Martin,")
    assert "Ouvrez ce lien pour vous connecter" in body_text(lea)
    assert "pendant 30 minutes" in body_text(lea)
    assert sam["Subject"] == "Your login link — badge_service"
    assert body_text(sam).startswith("Hello Sam Smith,")
    assert "This link works once, for 30 minutes." in body_text(sam)
    assert body_text(kim).splitlines()[0] == "Hello,"
    assert sam_reset["Subject"] == "Reset your password — badge_service"
    assert "choose a new password" in body_text(sam_reset)
    assert client.post(link_path(sam)).status_code == 302


def test_asking_for_a_link_reveals_nothing_even_for_locked_accounts(app, client, mailbox):
    make_english_user("sam@example.org")
    for attempt in range(accounts.LOGIN_FAILURES_PER_ACCOUNT):
        client.post("/login", data={"email": "sam@example.org", "password": f"guess {attempt}"})
    answers = [client.post("/login/email", data={"email": email})
               for email in ("sam@example.org", "nobody@example.org")]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].get_data(as_text=True) == answers[1].get_data(as_text=True)
    assert len(mailbox) == 1
