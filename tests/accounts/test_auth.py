"""Authentication through the pages: password login, sessions, logout, email links, password
reset, safe redirects, disabled accounts and the brute-force throttle.

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
from sqlalchemy import func, select

from badge_service.accounts.models import EmailToken, LoginFailure, User
from badge_service.accounts.service import passwords as security
from badge_service.accounts.service import tokens
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow

NEW_PASSWORD = "a brand new passphrase 2025"


@pytest.fixture
def app_config(app_config, smtp_server):
    return send_mail_to(smtp_server, app_config, MAIL_FROM="Badges <badges@example.org>")



# --- password login, sessions, logout ----------------------------------------------------------


def test_production_password_hashing_parameters():
    """The suite hashes with cheap parameters (conftest); the service keeps RFC 9106's."""
    from argon2 import Type, extract_parameters

    real = extract_parameters(security.DEFAULT_HASHER.hash("correct horse battery staple"))
    assert real.type is Type.ID
    assert real.memory_cost >= 65536
    assert real.time_cost >= 3
    assert real.parallelism >= 4


def test_password_is_hashed_with_argon2id(app, session):
    user = make_user("ana@example.org")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert security.verify_password(user.password_hash, PASSWORD)
    assert not security.verify_password(user.password_hash, PASSWORD + "x")


def test_login_logout(app, client):
    make_user("ana@example.org", name="Ana Lima")
    assert is_login_redirect(client.get("/dashboard"))
    response = client.post("/login", data={"email": " ANA@example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Ana Lima" in page.get_data(as_text=True)
    assert client.get("/logout").status_code == 405  # logging out changes state: POST only
    response = client.post("/logout")
    assert response.status_code == 302
    assert is_login_redirect(client.get("/dashboard"))


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    make_user("ana@example.org")
    wrong = client.post("/login", data={"email": "ana@example.org", "password": "nope" * 4})
    unknown = client.post("/login", data={"email": "who@example.org", "password": "nope" * 4})
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is not correct." in wrong.get_data(as_text=True)
    assert "The email or password is not correct." in unknown.get_data(as_text=True)
    assert is_login_redirect(client.get("/dashboard"))


def test_disabled_account_cannot_log_in_and_its_sessions_end(app, client, session):
    admin = make_user("admin@example.org", admin=True)
    ana = make_user("ana@example.org")
    login(client, "ana@example.org")
    accounts.update_user(session, admin, ana, {"is_active": False})
    session.commit()
    assert is_login_redirect(client.get("/dashboard"))
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 401
    assert is_login_redirect(client.get("/dashboard"))


def test_password_change_ends_other_sessions(app, session):
    make_user("ana@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "ana@example.org")
    login(phone, "ana@example.org")
    assert phone.get("/dashboard").status_code == 200

    refused = laptop.post("/account/password", data={
        "current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 422
    assert "is not correct" in refused.get_data(as_text=True)
    response = laptop.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/dashboard").status_code == 200  # this session continues
    assert is_login_redirect(phone.get("/dashboard"))  # the other one has ended
    assert client_can_log_in(app, "ana@example.org", NEW_PASSWORD)
    assert not client_can_log_in(app, "ana@example.org", PASSWORD)


def client_can_log_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def test_change_password_checks_the_new_one(app, client):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    short = client.post("/account/password", data={
        "current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)
    differ = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 422
    assert "differ" in differ.get_data(as_text=True)
    assert client_can_log_in(app, "ana@example.org", PASSWORD)


def test_log_out_everywhere(app):
    make_user("ana@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "ana@example.org")
    login(phone, "ana@example.org")
    assert laptop.post("/logout", data={"everywhere": "1"}).status_code == 302
    assert is_login_redirect(laptop.get("/dashboard"))
    assert is_login_redirect(phone.get("/dashboard"))


def test_a_copied_session_cookie_dies_with_log_out_everywhere(app):
    """Copies also die with a plain logout: see test_auth_sessions.py."""
    make_user("ana@example.org")
    browser = app.test_client()
    login(browser, "ana@example.org")
    stolen = app.test_client()
    cookie = browser.get_cookie("session")
    stolen.set_cookie(cookie.key, cookie.value)
    assert stolen.get("/dashboard").status_code == 200
    browser.post("/logout", data={"everywhere": "1"})
    assert is_login_redirect(stolen.get("/dashboard"))


# --- safe redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "javascript:alert(1)", "http:/evil.example", "/%0a/evil.example\n",
])
def test_next_never_leaves_the_site(app, client, target):
    make_user("ana@example.org")
    response = client.post("/login", query_string={"next": target},
                           data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_next_keeps_local_paths(app, client):
    make_user("ana@example.org")
    first = client.get("/organisations?page=2")
    assert is_login_redirect(first)
    login_url = first.headers["Location"]  # /login?next=...
    response = client.post(login_url, data={"email": "ana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/organisations?page=2"


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


# --- brute-force throttle -------------------------------------------------------------------


def test_failed_logins_are_throttled_per_account(app, client, session, monkeypatch):
    make_user("ana@example.org")
    for attempt in range(accounts.LOGIN_FAILURES_PER_ACCOUNT):
        response = client.post("/login", data={"email": "ana@example.org",
                                                "password": f"guess number {attempt}"})
        assert response.status_code == 401
    # The failures were saved although each answer was an error.
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == (
        accounts.LOGIN_FAILURES_PER_ACCOUNT)
    # Now even the right password is refused, with a clear message and Retry-After.
    refused = client.post("/login", data={"email": "ANA@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Too many failed logins for this account; try again in 15 minutes" in text
    assert 800 < int(refused.headers["Retry-After"]) <= 900
    assert is_login_redirect(client.get("/dashboard"))
    # Other accounts are not affected.
    make_user("bob@example.org")
    assert client_can_log_in(app, "bob@example.org", PASSWORD)

    # After the window, the right password works and clears the account's failures.
    later = utcnow() + accounts.LOGIN_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr("badge_service.accounts.views.utcnow", lambda: later)
    login(client, "ana@example.org")
    assert session.scalar(select(func.count()).select_from(LoginFailure)
                          .where(LoginFailure.email == "ana@example.org")) == 0


def test_success_resets_the_account_counter(app, client, session):
    make_user("ana@example.org")
    for _ in range(2):
        for attempt in range(accounts.LOGIN_FAILURES_PER_ACCOUNT - 1):
            client.post("/login", data={"email": "ana@example.org", "password": f"x{attempt}"})
        login(client, "ana@example.org")
        client.post("/logout")


def test_failed_logins_are_throttled_per_client_address(app, session):
    app.config["LOGIN_FAILURES_PER_IP"] = 3  # the setting, not the service's default, applies
    make_user("ana@example.org")
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    client = app.test_client()
    for n in range(3):  # password spraying: one try per account
        response = client.post("/login", environ_base=attacker,
                               data={"email": f"user{n}@example.org", "password": "Summer2025!!"})
        assert response.status_code == 401
    refused = client.post("/login", environ_base=attacker,
                          data={"email": "ana@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    assert "from your network" in refused.get_data(as_text=True)
    # Someone elsewhere logs in to the same account normally.
    other = app.test_client()
    login(other, "ana@example.org", environ_base={"REMOTE_ADDR": "198.51.100.2"})


def test_throttle_service_answers_429_problem(app, client, session):
    """Through the problem handler (e.g. for JSON clients), the throttle is a 429 problem."""
    now = utcnow()
    for _ in range(accounts.LOGIN_FAILURES_PER_ACCOUNT):
        accounts.record_login_failure(session, "ana@example.org", None, now=now)
    session.commit()
    with pytest.raises(accounts.TooManyAttempts) as caught:
        accounts.authenticate(session, "ana@example.org", PASSWORD, now=now)
    assert caught.value.status == 429
    with app.test_request_context("/api/v1/x"):
        response = app.handle_user_exception(caught.value)
    assert response.status_code == 429
    assert response.content_type == "application/problem+json"
    assert response.json["type"] == "https://badges.example.org/problems/too-many-requests"
    assert response.headers["Retry-After"] == str(caught.value.retry_after)
    assert client.get("/problems/too-many-requests").status_code == 200


def test_old_failures_are_pruned(app, session):
    now = utcnow()
    accounts.record_login_failure(session, "ana@example.org", "192.0.2.1",
                                  now=now - timedelta(hours=2))
    accounts.record_login_failure(session, "ana@example.org", "192.0.2.1", now=now)
    session.commit()
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    # A success also forgets expired failures (they hold people's addresses).
    make_user("bob@example.org")
    session.add(LoginFailure(email="carl@example.org", ip="192.0.2.9",
                             created_at=now - timedelta(hours=1)))
    session.commit()
    accounts.authenticate(session, "bob@example.org", PASSWORD, now=now)
    session.commit()
    assert session.scalars(select(LoginFailure.email)).all() == ["ana@example.org"]


def test_rehash_does_not_apply_todays_length_rule(app, session):
    """A password set under older rules (or older hash parameters) still logs in."""
    from argon2 import PasswordHasher

    user = make_user("old@example.org", password=None)
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("short")
    session.commit()
    assert accounts.authenticate(session, "old@example.org", "short", now=utcnow()) == user
    assert security.verify_password(user.password_hash, "short")
    assert not security.needs_rehash(user.password_hash)


def test_create_user_reports_every_problem(app, session):
    with pytest.raises(accounts.ValidationFailed) as caught:
        accounts.create_user(session, email="not-an-email", password="short",
                             preferred_language="de", now=utcnow())
    fields = {e.field for e in caught.value.errors}
    assert fields == {"email", "password", "preferred_language"}
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_names_cannot_inject_mail_headers(app, client, session, mailbox):
    # A line break in a name is refused where names come in (issue 7 §3)...
    with pytest.raises(accounts.ValidationFailed) as caught:
        make_user("eve@example.org", name="Eve\r\nBcc: victim@example.org")
    assert [e.field for e in caught.value.errors] == ["display_name"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User)) == 0
    # ...and one already stored (written before that rule, or by hand) still cannot add a
    # header to the mails that carry it.
    user = make_user("eve@example.org", name="Eve")
    user.display_name = "Eve\r\nBcc: victim@example.org"
    session.commit()
    client.post("/login/email", data={"email": "eve@example.org"})
    assert len(mailbox) == 1
    assert mailbox[0]["Bcc"] is None
    to = str(mailbox[0]["To"])  # the name stays inside the quoted display name
    assert to.endswith("<eve@example.org>")
    assert "\n" not in to
