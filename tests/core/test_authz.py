"""Authorisation on every route, and CSRF on forms.

The first test reads ``app.url_map`` at run time, so every route added later (by any module)
is checked too: anonymous requests are refused unless the endpoint is in the reviewed
PUBLIC allow-list (tests/authz_helpers.py). Adding a public route means adding it there, on
purpose.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from accounts_helpers import PASSWORD, bearer, is_login_redirect, make_user
from authz_helpers import ANY_USER, PUBLIC, sample_value


def is_public(endpoint: str) -> bool:
    """Only what is listed: a name (e.g. "public_…") is no review."""
    return endpoint in PUBLIC


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
    assert endpoints >= PUBLIC.keys(), PUBLIC.keys() - endpoints
    assert endpoints >= ANY_USER.keys(), ANY_USER.keys() - endpoints
    assert not PUBLIC.keys() & ANY_USER.keys()


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
    from badge_service.home.views import _subclasses
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
