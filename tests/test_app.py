"""The application shell: configuration, factory, errors as problem+json, health, OpenAPI."""

from __future__ import annotations

import pytest

from badge_service import create_app
from badge_service.config import ConfigError


def test_unknown_setting_fails_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("BADGE_DATABSE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="unknown setting 'BADGE_DATABSE_URL'"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})


def test_bad_values_fail_at_start(monkeypatch):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://",
                    "PUBLIC_BASE_URL": "badges.example.org/"})
    monkeypatch.setenv("BADGE_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="SMTP_PORT must be a whole number"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})


def test_layers_environment_over_file(tmp_path, monkeypatch):
    from badge_service import config

    (tmp_path / "config.toml").write_text('PUBLIC_BASE_URL = "https://file.example"\n'
                                          'SMTP_PORT = 2525\n')
    loaded = config.load(tmp_path, environ={"BADGE_SMTP_PORT": "465"})
    assert loaded["PUBLIC_BASE_URL"] == "https://file.example"
    assert loaded["SMTP_PORT"] == 465
    assert config.load(tmp_path, {"SMTP_PORT": 1}, environ={})["SMTP_PORT"] == 1


def test_health_and_problem_json(client):
    assert client.get("/healthz").json == {"status": "ok"}
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["status"] == 404
    assert body["type"] == "https://badges.example.org/problems/not-found"
    assert client.get(body["type"].replace("https://badges.example.org", "")).status_code == 200


def test_api_requires_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["type"].endswith("/problems/authentication-required")
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer bsk_wrong"})
    assert response.status_code == 401


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<uuid:{arg}>", "{" + arg + "}").replace(f"<{arg}>",
                                                                            "{" + arg + "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert ("/api/v1" + path[len("/api/v1"):], method.lower()) in documented, path


def test_unexpected_errors_do_not_leak(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert "secret internal detail" not in response.get_data(as_text=True)
