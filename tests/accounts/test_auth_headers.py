"""Security headers on every response: pages, API, errors, files."""

from __future__ import annotations

from accounts_helpers import bearer, login, make_user


def check_common(response) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_pages_get_a_strict_content_security_policy(app, client):
    make_user("ana@example.org")
    for response in (client.get("/"), client.get("/login"), client.get("/nowhere"),
                     client.post("/login", data={"email": "x@example.org", "password": "x"})):
        check_common(response)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"  # no inline script, no eval
        assert directives["style-src"] == "'self'"  # no <style> elements
        assert "object-src 'none'" in policy
        assert "form-action 'self'" in policy
        assert response.headers["Cache-Control"] == "no-store"
    login(client, "ana@example.org")
    check_common(client.get("/dashboard"))
    check_common(client.post("/logout"))  # redirects too


def test_api_and_errors_get_a_deny_all_policy(app, client):
    headers = bearer(make_user("ana@example.org"))
    for response in (client.get("/api/v1/me", headers=headers), client.get("/api/v1/me"),
                     client.get("/api/v1/openapi.json"), client.get("/api/v1/nothing"),
                     client.get("/healthz")):
        check_common(response)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_conflict_responses_made_after_the_view_get_headers_too(app, client):
    """transactions.py replaces the response when the commit fails; headers still apply."""
    from badge_service.accounts.models import User
    from badge_service.db import db

    @app.post("/test/duplicate")
    def duplicate():  # type: ignore[no-untyped-def]
        from badge_service.clock import utcnow

        for _ in range(2):
            db.session.add(User(email="same@example.org", display_name="x", created_at=utcnow()))
        return "", 204

    response = client.post("/test/duplicate", headers={"Accept": "application/json"})
    assert response.status_code == 409
    check_common(response)


def test_static_files_keep_their_caching(app, client):
    response = client.get("/static/site.css")
    response.close()
    check_common(response)
    assert response.headers.get("Cache-Control") != "no-store"


def test_https_requests_get_hsts(app, client):
    response = client.get("/", base_url="https://badges.example.org")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers
