"""Authentication through the pages: password login, sessions, logout, safe redirects,
disabled accounts, the brute-force throttle and what account creation refuses.

Mail goes through a real SMTP server (aiosmtpd), as in production.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from accounts_helpers import PASSWORD, is_login_redirect, login, make_user, send_mail_to
from auth_helpers import NEW_PASSWORD, client_can_log_in
from sqlalchemy import func, select

from badge_service.accounts.models import LoginFailure, User
from badge_service.accounts.service import passwords as security
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow


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
