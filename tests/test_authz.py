"""Authorisation on every route, CSRF on forms, and who may do what.

The first test reads ``app.url_map`` at run time, so every route added later (by any module)
is checked too: anonymous requests are refused unless the endpoint is in the reviewed
PUBLIC allow-list below. Adding a public route means adding it here, on purpose.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from accounts_helpers import PASSWORD, bearer, is_login_redirect, login, make_org, make_user
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from badge_service.clock import utcnow
from badge_service.services import accounts

#: Endpoints anyone may call without logging in. Review every addition.
PUBLIC = {
    "static",  # CSS
    "main.index",  # home page
    "main.problem",  # problem type documentation (problem+json "type" URIs)
    "main.health",  # load balancer health check
    "auth.login",
    "auth.request_login_link",
    "auth.login_with_link",  # GET shows a button; POST spends the token
    "auth.forgot_password",
    "auth.reset_password",
    "api.openapi_document",  # the API's description
    # Reviewed routes of other modules:
    "programmes.achievement_view",  # an OB Achievement's id: verifiers and employers open it
    "programmes.upload_file",  # badge and issuer images, referenced by public credentials
    "cohorts.accept_invitation",  # token-gated like login links (GET confirms, POST spends)
}


def is_public(endpoint: str) -> bool:
    """Explicitly listed, or named as public by its module (e.g. the public achievement and
    credential pages that employers open without an account)."""
    return endpoint in PUBLIC or "public" in endpoint


def sample_value(converter) -> str:  # type: ignore[no-untyped-def]
    if isinstance(converter, UUIDConverter):
        return str(uuid.uuid4())
    if isinstance(converter, IntegerConverter):
        return "7"
    if isinstance(converter, FloatConverter):
        return "1.5"
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return f"x{uuid.uuid4().hex[:8]}"


def anonymous_requests(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        values = {name: sample_value(conv) for name, conv in rule._converters.items()}
        _, path = rule.build(values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_every_route_refuses_anonymous_requests(app):
    client = app.test_client()
    checked, refused = 0, []
    for endpoint, method, path in anonymous_requests(app):
        if is_public(endpoint):
            continue
        checked += 1
        response = client.open(path, method=method, json={} if method != "GET" else None)
        response.close()
        if path.startswith("/api/") or endpoint.startswith("vcapi."):
            ok = (response.status_code == 401
                  and response.content_type == "application/problem+json"
                  and response.json["type"].endswith("/problems/authentication-required"))
        else:
            ok = (is_login_redirect(response)
                  and urlsplit(response.headers["Location"]).path == "/login")
        if not ok:
            refused.append(f"{method} {path} ({endpoint}) -> {response.status_code}")
    assert not refused, "reachable without logging in:\n" + "\n".join(refused)
    assert checked >= 20  # pages and API: the enumeration really ran


def test_public_allow_list_is_current(app):
    """Every listed endpoint exists, so the list cannot silently rot."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC, PUBLIC - endpoints


def test_public_pages_are_reachable(app, client):
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/login/email").status_code == 200
    assert client.get("/password/forgot").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/problems/forbidden").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    css = client.get("/static/site.css")
    css.close()  # a streamed file
    assert css.status_code == 200


def test_every_problem_type_has_a_page(app, client):
    """problem+json "type" URIs resolve, for every error class anyone defined."""
    from badge_service.errors import ServiceError
    from badge_service.web.main import _subclasses
    from credentials.errors import CredentialsError

    slugs = {cls.problem for cls in (ServiceError, *_subclasses(ServiceError), CredentialsError,
                                     *_subclasses(CredentialsError))}
    slugs |= {"csrf-failed", "method-not-allowed", "internal-error", "http-error"}
    for slug in sorted(slugs):
        assert client.get(f"/problems/{slug}").status_code == 200, slug
    assert client.get("/problems/no-such-thing").status_code == 404


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no CSRF token"
    return match.group(1)


def test_forms_need_the_csrf_token(csrf_config, app, client):
    make_user("ana@example.org")
    without = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert without.status_code == 400
    assert "security token is missing" in without.get_data(as_text=True)
    assert is_login_redirect(client.get("/dashboard"))
    # A JSON client gets the same refusal as a problem.
    as_json = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 400
    assert as_json.json["type"] == "https://badges.example.org/problems/csrf-failed"

    token = csrf_token(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                        "csrf_token": token[:-2] + "xx"})
    assert wrong.status_code == 400
    ok = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/dashboard").status_code == 200

    # Logging out is a form too.
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200
    token = csrf_token(client.get("/dashboard").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert is_login_redirect(client.get("/dashboard"))


def test_another_sessions_csrf_token_does_not_work(csrf_config, app):
    make_user("ana@example.org")
    attacker, victim = app.test_client(), app.test_client()
    token = csrf_token(attacker.get("/login").get_data(as_text=True))
    victim.get("/login")
    response = victim.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 400


def test_api_is_exempt_from_csrf_and_refuses_cookies(csrf_config, app, client, session):
    admin = make_user("admin@example.org", admin=True)
    headers = bearer(admin)
    # Bearer token, no CSRF token: accepted.
    created = client.post("/api/v1/tokens", json={"name": "script"}, headers=headers)
    assert created.status_code == 201
    # A logged-in browser session (cookie) is not an API credential.
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD,
                                "csrf_token": token})
    assert client.get("/dashboard").status_code == 200
    for method, path, body in [("GET", "/api/v1/me", None),
                               ("GET", "/api/v1/users", None),
                               ("POST", "/api/v1/organisations", {"slug": "x", "name": "X"}),
                               ("POST", "/api/v1/tokens", {"name": "from a cookie"})]:
        response = client.open(path, method=method, json=body)
        assert response.status_code == 401, (method, path)
        assert response.content_type == "application/problem+json"
    # Nor is a token in the query string or a cookie.
    secret = headers["Authorization"].split()[1]
    assert client.get("/api/v1/me", query_string={"token": secret}).status_code == 401
    client.set_cookie("Authorization", f"Bearer {secret}")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 200


# --- roles --------------------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Two organisations with one coordinator each, an administrator and a plain user."""
    admin = make_user("admin@example.org", admin=True)
    alice = make_user("alice@example.org", name="Alice (coordinator A)")
    bruno = make_user("bruno@example.org", name="Bruno (coordinator B)")
    paul = make_user("paul@example.org", name="Paul (participant)")
    org_a = make_org("org-a", coordinators=(alice,))
    org_b = make_org("org-b", coordinators=(bruno,))
    return {"admin": admin, "alice": alice, "bruno": bruno, "paul": paul, "a": org_a,
            "b": org_b}


def test_coordinator_cannot_edit_another_organisation(world, app, client):
    a, b = world["a"], world["b"]
    headers = bearer(world["alice"])
    assert client.patch(f"/api/v1/organisations/{a.id}", json={"name": "A renamed"},
                        headers=headers).status_code == 200
    refused = client.patch(f"/api/v1/organisations/{b.id}", json={"name": "Hijacked"},
                           headers=headers)
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/problems/forbidden")
    for path, body in [(f"/api/v1/organisations/{b.id}/coordinators",
                        {"user_id": str(world["alice"].id)})]:
        assert client.post(path, json=body, headers=headers).status_code == 403
    assert client.delete(f"/api/v1/organisations/{b.id}/coordinators/{world['bruno'].id}",
                         headers=headers).status_code == 403

    login(client, "alice@example.org")
    assert client.get(f"/organisations/{a.id}/edit").status_code == 200
    assert client.get(f"/organisations/{b.id}/edit").status_code == 403
    assert client.post(f"/organisations/{b.id}/edit", data={"name": "Hijacked"}
                       ).status_code == 403
    assert client.post(f"/organisations/{b.id}/coordinators",
                       data={"email": "alice@example.org"}).status_code == 403
    assert client.post(f"/organisations/{b.id}/coordinators/{world['bruno'].id}/remove"
                       ).status_code == 403
    page = client.get(f"/organisations/{b.id}").get_data(as_text=True)
    assert "/edit" not in page  # no edit button where it would not work
    assert client.get(f"/api/v1/organisations/{b.id}", headers=headers).json["name"] == "Org-B"


def test_only_administrators_create_users_and_organisations(world, app, client):
    headers = bearer(world["alice"])
    assert client.post("/api/v1/users", json={"email": "new@example.org"},
                       headers=headers).status_code == 403
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.post("/api/v1/organisations", json={"slug": "org-c", "name": "C"},
                       headers=headers).status_code == 403
    login(client, "alice@example.org")
    assert client.get("/users").status_code == 403
    assert client.post("/users", data={"email": "new@example.org"}).status_code == 403
    assert client.get("/organisations/new").status_code == 403
    assert client.post("/organisations/new", data={"slug": "org-c", "name": "C"}
                       ).status_code == 403
    assert client.post(f"/users/{world['paul'].id}/active", data={"active": "0"}
                       ).status_code == 403
    assert accounts.find_user_by_email(app.extensions["sqlalchemy"].session,
                                       "new@example.org") is None


def test_users_cannot_read_or_change_other_users(world, client):
    paul, alice = world["paul"], world["alice"]
    headers = bearer(paul)
    assert client.get(f"/api/v1/users/{paul.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{alice.id}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{alice.id}", json={"display_name": "x"},
                        headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{paul.id}", json={"is_administrator": True},
                        headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{paul.id}", json={"is_active": False},
                        headers=headers).status_code == 403
    mine = client.patch(f"/api/v1/users/{paul.id}", json={"display_name": "Paul D."},
                        headers=headers)
    assert mine.status_code == 200
    assert mine.json["display_name"] == "Paul D."


def test_users_cannot_see_or_revoke_other_users_tokens(world, app, client, session):
    alice_token = accounts.create_api_token(session, world["alice"], "alice's script",
                                            now=utcnow())
    session.commit()
    alice_headers = {"Authorization": f"Bearer {alice_token.secret}"}
    paul_headers = bearer(world["paul"], "paul's script")

    listed = client.get("/api/v1/tokens", headers=paul_headers).json["items"]
    assert [t["name"] for t in listed] == ["paul's script"]
    assert client.delete(f"/api/v1/tokens/{alice_token.record.id}",
                         headers=paul_headers).status_code == 404
    login(client, "paul@example.org")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "alice&#39;s script" not in page
    assert "alice's script" not in page
    assert client.post(f"/account/tokens/{alice_token.record.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=alice_headers).status_code == 200  # still valid


def test_administrator_can_do_everything_here(world, client):
    headers = bearer(world["admin"])
    b = world["b"]
    assert client.patch(f"/api/v1/organisations/{b.id}", json={"url": "https://b.example"},
                        headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{world['paul'].id}", headers=headers).status_code == 200
    assert client.get("/api/v1/users", headers=headers).json["total"] == 4


def test_an_administrator_cannot_lock_themselves_out(world, client):
    admin = world["admin"]
    headers = bearer(admin)
    for body in ({"is_active": False}, {"is_administrator": False}):
        response = client.patch(f"/api/v1/users/{admin.id}", json=body, headers=headers)
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] in body
    assert client.get("/api/v1/me", headers=headers).json["is_administrator"] is True
