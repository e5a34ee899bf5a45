"""Accounts through the API, the pages and the command line: API tokens and users."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from accounts_helpers import PASSWORD, bearer, login, make_user
from sqlalchemy import select

from badge_service.accounts.models import ApiToken, User
from badge_service.accounts.service import users as accounts
from badge_service.cli import main
from badge_service.clock import utcnow

# --- API tokens -------------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_stored_as_sha256(app, client, session):
    ana = make_user("ana@example.org")
    headers = bearer(ana)
    created = client.post("/api/v1/tokens", json={"name": "Moodle sync"}, headers=headers)
    assert created.status_code == 201
    body = created.json
    secret = body["token"]
    assert secret.startswith("bsk_")
    assert len(secret) > 40
    assert body["prefix"] == secret[:12]
    assert created.headers["Location"].endswith("/api/v1/tokens")

    record = session.get(ApiToken, uuid.UUID(body["id"]))
    assert record.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(v) for v in vars(record).values()]
    assert not any(secret in value for value in stored)

    listed = client.get("/api/v1/tokens", headers=headers).json
    assert listed["total"] == 2
    assert all("token" not in item for item in listed["items"])
    assert {item["name"] for item in listed["items"]} == {"tests", "Moodle sync"}

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json["email"] == "ana@example.org"


def test_revoked_and_expired_tokens_are_refused(app, client, session):
    ana = make_user("ana@example.org")
    headers = bearer(ana)
    victim = client.post("/api/v1/tokens", json={"name": "old"}, headers=headers).json
    victim_headers = {"Authorization": f"Bearer {victim['token']}"}
    assert client.get("/api/v1/me", headers=victim_headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{victim['id']}", headers=headers).status_code == 204
    refused = client.get("/api/v1/me", headers=victim_headers)
    assert refused.status_code == 401
    assert refused.json["detail"] == "the API token is invalid, revoked or expired"
    listed = {t["id"]: t for t in client.get("/api/v1/tokens", headers=headers).json["items"]}
    assert listed[victim["id"]]["revoked_at"] is not None

    expired = accounts.create_api_token(session, ana, "short-lived",
                                        now=utcnow() - timedelta(days=2),
                                        expires_at=utcnow() - timedelta(days=1))
    soon = accounts.create_api_token(session, ana, "long-lived", now=utcnow(),
                                     expires_at=utcnow() + timedelta(days=1))
    session.commit()
    assert client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {expired.secret}"}).status_code == 401
    assert client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {soon.secret}"}).status_code == 200
    for bad in ("Bearer", "Basic abc", f"Token {soon.secret}", f"Bearer {soon.secret}x"):
        assert client.get("/api/v1/me", headers={"Authorization": bad}).status_code == 401


def test_token_of_a_disabled_account_stops_working(app, client, session):
    admin = make_user("admin@example.org", admin=True)
    ana = make_user("ana@example.org")
    headers = bearer(ana)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.patch(f"/api/v1/users/{ana.id}", json={"is_active": False},
                            headers=bearer(admin))
    assert response.status_code == 200
    assert response.json["is_active"] is False
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_expiry_must_be_future_and_zoned(app, client):
    headers = bearer(make_user("ana@example.org"))
    naive = client.post("/api/v1/tokens", json={"name": "n", "expires_at": "2999-01-01T00:00:00"},
                        headers=headers)
    assert naive.status_code == 422
    assert naive.json["errors"] == [{"field": "expires_at", "message":
                                     "give a time zone, e.g. 2026-01-31T00:00:00Z"}]
    past = client.post("/api/v1/tokens", json={"name": "p", "expires_at": "2001-01-01T00:00:00Z"},
                       headers=headers)
    assert past.status_code == 422
    assert past.json["errors"][0]["field"] == "expires_at"
    blank = client.post("/api/v1/tokens", json={"name": "   "}, headers=headers)
    assert blank.status_code == 422
    ok = client.post("/api/v1/tokens", json={"name": "ok", "expires_at": "2999-01-01T00:00:00Z"},
                     headers=headers)
    assert ok.status_code == 201
    assert ok.json["expires_at"].startswith("2999-01-01T00:00:00")


def test_last_used_at_updates(app, client, session, monkeypatch):
    ana = make_user("ana@example.org")
    new = accounts.create_api_token(session, ana, "script", now=utcnow())
    session.commit()
    assert new.record.last_used_at is None
    headers = {"Authorization": f"Bearer {new.secret}"}
    client.get("/api/v1/me", headers=headers)
    session.expire_all()
    first = session.get(ApiToken, new.record.id).last_used_at
    assert first is not None
    assert utcnow() - first < timedelta(minutes=1)
    # Within a minute, reads do not write; later they do.
    later = utcnow() + timedelta(minutes=5)
    monkeypatch.setattr("badge_service.clock.utcnow", lambda: later)
    client.get("/api/v1/me", headers=headers)
    session.expire_all()
    assert session.get(ApiToken, new.record.id).last_used_at == later


def test_tokens_page_creates_lists_and_revokes(app, client, session):
    make_user("ana@example.org")
    login(client, "ana@example.org")
    page = client.post("/account/tokens", data={"name": "Moodle <sync>"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "copy it now" in text
    assert "Moodle &lt;sync&gt;" in text  # escaped
    record = session.scalar(select(ApiToken))
    secret = text.split('<code class="secret">')[1].split("</code>")[0]
    assert record.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert page.headers["Cache-Control"] == "no-store"
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again  # shown once
    assert record.prefix in again
    assert client.post(f"/account/tokens/{record.id}/revoke").status_code == 302
    session.expire_all()
    assert session.get(ApiToken, record.id).revoked_at is not None
    assert client.get("/api/v1/me",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.post("/account/tokens", data={"name": ""}).status_code == 422


# --- users ----------------------------------------------------------------------------------------


def test_administrator_creates_users_through_the_api(app, client, session):
    headers = bearer(make_user("admin@example.org", admin=True))
    response = client.post("/api/v1/users", headers=headers, json={
        "email": " Trainer@Example.org ", "display_name": "Tom Trainer", "password": PASSWORD,
        "preferred_language": "en"})
    assert response.status_code == 201
    body = response.json
    assert body["email"] == "trainer@example.org"
    assert body["preferred_language"] == "en"
    assert response.headers["Location"].endswith(f"/api/v1/users/{body['id']}")
    assert "password" not in body
    assert "password_hash" not in body
    assert client_logs_in(app, "trainer@example.org")

    duplicate = client.post("/api/v1/users", headers=headers,
                            json={"email": "TRAINER@example.org"})
    assert duplicate.status_code == 409
    assert duplicate.json["errors"] == [{"field": "email",
                                         "message": "already used by another account"}]
    bad = client.post("/api/v1/users", headers=headers,
                      json={"email": "nope", "password": "short", "role": "god"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"role"}  # unknown fields are refused
    bad = client.post("/api/v1/users", headers=headers, json={"email": "nope", "password": "x"})
    assert {e["field"] for e in bad.json["errors"]} == {"email", "password"}


def client_logs_in(app, email: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": PASSWORD})
    return response.status_code == 302


def test_administrator_manages_users_on_pages(app, client, session):
    make_user("admin@example.org", admin=True)
    login(client, "admin@example.org")
    assert client.get("/users").status_code == 200
    created = client.post("/users", data={"email": "lea@example.org", "display_name": "Léa",
                                          "preferred_language": "fr"})
    assert created.status_code == 302
    lea = accounts.find_user_by_email(session, "lea@example.org")
    assert lea is not None
    assert lea.password_hash is None
    failed = client.post("/users", data={"email": "bad", "password": "short"})
    assert failed.status_code == 422
    text = failed.get_data(as_text=True)
    assert "use at least 12 characters" in text
    assert 'value="bad"' in text

    assert client.post(f"/users/{lea.id}/active", data={"active": "0"}).status_code == 302
    session.expire_all()
    assert session.get(User, lea.id).is_active is False
    assert client.post(f"/users/{lea.id}/active", data={"active": "1"}).status_code == 302
    session.expire_all()
    assert session.get(User, lea.id).is_active is True


def test_users_list_is_paged(app, client):
    admin = make_user("admin@example.org", admin=True)
    for n in range(4):
        make_user(f"user{n}@example.org", password=None)
    page = client.get("/api/v1/users", query_string={"per_page": 2, "page": 2},
                      headers=bearer(admin)).json
    assert page["total"] == 5
    assert page["pages"] == 3
    assert [u["email"] for u in page["items"]] == ["user1@example.org", "user2@example.org"]


# --- command line -------------------------------------------------------------------------


def test_cli_users_create_and_tokens_create(app, client, session):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["users", "create", "--email", "Boss@Example.org", "--name",
                                  "The Boss", "--admin", "--password-env", "BOSS_PW"],
                           env={"BOSS_PW": PASSWORD})
    assert result.exit_code == 0, result.output
    assert "created boss@example.org" in result.output
    boss = accounts.find_user_by_email(session, "boss@example.org")
    assert boss.is_administrator
    assert boss.display_name == "The Boss"
    assert client_logs_in(app, "boss@example.org")

    result = runner.invoke(main, ["tokens", "create", "--user", "boss@example.org",
                                  "--name", "deploy"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("bsk_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json["is_administrator"] is True

    result = runner.invoke(main, ["users", "create", "--email", "lea@example.org"])
    assert result.exit_code == 0, result.output  # no terminal: no password, email links only
    assert accounts.find_user_by_email(session, "lea@example.org").password_hash is None


def test_cli_accounts_group_holds_users_and_tokens(app, session):
    """The noun's own group (``accounts``) reaches the same commands as the short names."""
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["accounts", "users", "create", "--email", "eva@example.org"])
    assert result.exit_code == 0, result.output
    assert accounts.find_user_by_email(session, "eva@example.org") is not None
    result = runner.invoke(main, ["accounts", "tokens", "create", "--user", "eva@example.org",
                                  "--name", "ci"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("bsk_")


def test_cli_errors_are_clear_and_change_nothing(app, session):
    runner = app.test_cli_runner()
    make_user("ana@example.org")
    result = runner.invoke(main, ["users", "create", "--email", "ANA@example.org"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "email: already used" in result.output
    result = runner.invoke(main, ["users", "create", "--email", "x@example.org",
                                  "--password-env", "WEAK"], env={"WEAK": "short"})
    assert result.exit_code == 1
    assert "password: use at least 12 characters" in result.output
    assert accounts.find_user_by_email(session, "x@example.org") is None
    result = runner.invoke(main, ["tokens", "create", "--user", "nobody@example.org"])
    assert result.exit_code == 1
    assert "no user with email nobody@example.org" in result.output
    assert session.scalar(select(ApiToken)) is None
