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
                                          'SMTP_PORT = 2525\n'
                                          'SECRET_KEY = "s"\nKEY_PASSPHRASE = "p"\n')
    loaded = config.load(tmp_path, environ={"BADGE_SMTP_PORT": "465"})
    assert loaded["PUBLIC_BASE_URL"] == "https://file.example"
    assert loaded["SMTP_PORT"] == 465
    assert config.load(tmp_path, {"SMTP_PORT": 1}, environ={})["SMTP_PORT"] == 1


# --- required settings -----------------------------------------------------------------------


@pytest.fixture
def bare_environment(tmp_path, monkeypatch):
    """No BADGE_* variable from the caller's shell; a fresh instance folder."""
    import os

    for name in [n for n in os.environ if n.startswith("BADGE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BADGE_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_a_deployment_must_set_its_secrets(bare_environment, monkeypatch):
    monkeypatch.setenv("BADGE_PUBLIC_BASE_URL", "https://badges.example.org")
    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE_URL": "sqlite://"})
    message = str(raised.value)
    assert "BADGE_KEY_PASSPHRASE" in message
    assert "signing keys" in message  # says what it is for, not only its name
    assert "BADGE_SECRET_KEY" in message
    assert "every host and worker" in message
    assert "https://badges.example.org" in message
    # Nothing was generated to stand in for the missing secret.
    assert not (bare_environment / "secret_key").exists()

    monkeypatch.setenv("BADGE_KEY_PASSPHRASE", "a passphrase from the secret store")
    with pytest.raises(ConfigError) as raised:
        create_app({"DATABASE_URL": "sqlite://"})
    assert "BADGE_SECRET_KEY" in str(raised.value)
    assert "BADGE_KEY_PASSPHRASE" not in str(raised.value)

    monkeypatch.setenv("BADGE_SECRET_KEY", "a secret from the secret store")
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["SECRET_KEY"] == "a secret from the secret store"


def test_a_deployment_may_set_its_secrets_in_the_instance_file(bare_environment):
    bare_environment.mkdir()
    (bare_environment / "config.toml").write_text(
        'PUBLIC_BASE_URL = "http://badges.lan"\nSECRET_KEY = "s"\n')
    # Plain http on a LAN name is still reachable by others: the passphrase is required.
    with pytest.raises(ConfigError, match="BADGE_KEY_PASSPHRASE") as raised:
        create_app({"DATABASE_URL": "sqlite://"})
    assert "BADGE_SECRET_KEY" not in str(raised.value)
    (bare_environment / "config.toml").write_text(
        'PUBLIC_BASE_URL = "http://badges.lan"\nSECRET_KEY = "s"\nKEY_PASSPHRASE = "p"\n')
    assert create_app({"DATABASE_URL": "sqlite://"}).config["KEY_PASSPHRASE"] == "p"


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:5000", "http://127.0.0.9:8080",
                                      "http://localhost:5000", "http://[::1]:5000",
                                      "http://badges.localhost"])
def test_local_development_needs_no_secrets(bare_environment, base_url, monkeypatch):
    monkeypatch.setenv("BADGE_PUBLIC_BASE_URL", base_url)
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["KEY_PASSPHRASE"] is None
    # The generated secret is kept, so a restart keeps the sessions.
    kept = (bare_environment / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == kept
    assert create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"] == kept


def test_tests_need_no_secrets_whatever_the_url(bare_environment):
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://",
                      "PUBLIC_BASE_URL": "https://badges.example.org"})
    assert app.config["SECRET_KEY"]


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:5000", True), ("http://localhost", True), ("http://[::1]", True),
    ("http://a.localhost:1", True), ("https://badges.example.org", False),
    ("https://localhost.example.org", False), ("http://10.0.0.5:5000", False),
    ("http://0.0.0.0:5000", False), ("https://127.0.0.1.nip.io", False),
])
def test_which_urls_are_loopback(url, loopback):
    from badge_service.config import is_loopback_url

    assert is_loopback_url(url) is loopback


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
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (_rule_to_path(rule.rule), method.lower()) in documented, rule.rule


def _rule_to_path(rule: str) -> str:
    """A URL rule (``/api/v1/x/<uuid:x_id>``) in OpenAPI's form (``/api/v1/x/{x_id}``)."""
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_document_is_valid_openapi(client):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    document = client.get("/api/v1/openapi.json").json
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    broken = {**document, "paths": {"/x": {"get": {"responses": {"200": {}}}}}}
    with pytest.raises(OpenAPIValidationError):  # the validator does look at the paths
        validate(broken)


def test_every_documented_operation_exists(app, client):
    document = client.get("/api/v1/openapi.json").json
    routes = {(_rule_to_path(rule.rule), method.lower()) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item}
    assert documented, "the document lists no operation"
    assert documented - routes == set()


#: Operations declared in files owned elsewhere whose documentation still lacks a part; each
#: needs a one-line change in its declaration (upload="image" in api/programmes.py; a response
#: model in api/vcapi.py). Listed here so the gap is visible; any other gap fails.
NOT_YET_DOCUMENTED: set[tuple[str, str]] = set()


def _operations(document):
    for path, item in document["paths"].items():
        for method, entry in item.items():
            yield path, method, entry


def test_openapi_documents_file_uploads(client):
    document = client.get("/api/v1/openapi.json").json
    by_id = {entry["operationId"]: entry for _, _, entry in _operations(document)}
    expected = {
        "organisations_upload_organisation_image": {"image/png", "image/svg+xml"},
        "achievements_upload_image": {"image/png", "image/svg+xml"},
        "cohorts_import_into_programme": {"text/csv"},
        "cohorts_import_into_cohort": {"text/csv"},
    }
    for operation_id, raw_types in expected.items():
        entry = by_id[operation_id]
        if "requestBody" not in entry and (operation_id, "requestBody") in NOT_YET_DOCUMENTED:
            continue
        content = entry["requestBody"]["content"]
        assert set(content) == {"multipart/form-data", *raw_types}, operation_id
        form = content["multipart/form-data"]["schema"]
        assert form["required"] == ["file"]
        assert form["properties"]["file"]["type"] == "string"
        for raw in raw_types:
            assert content[raw]["schema"]["contentMediaType"] == raw


def test_every_answer_with_a_body_has_a_schema(client):
    document = client.get("/api/v1/openapi.json").json
    missing = set()
    for path, method, entry in _operations(document):
        for status, response in entry["responses"].items():
            if status == "204":
                continue
            content = response.get("content", {})
            if not content or not all("schema" in media for media in content.values()):
                missing.add((entry["operationId"], "response"))
                assert status != "default", (path, method)
    assert missing <= NOT_YET_DOCUMENTED
    exports = [entry for path, _, entry in _operations(document) if path.endswith("/export")]
    assert len(exports) == 2
    for entry in exports:
        assert set(entry["responses"]["200"]["content"]) == {"application/json", "text/csv"}


def test_same_named_models_keep_their_own_schemas(client):
    """frameworks' and cohorts' import results were both 'ImportOut': one schema overwrote
    the other. Every operation's response must resolve to its own model's fields."""
    from badge_service.edge.openapi import OPERATIONS

    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    checked = 0
    for op in OPERATIONS:
        if op.response is None or op.paged:
            continue
        path = "/api/v1" + _rule_to_path(op.rule)
        ok = document["paths"][path][op.method]["responses"][str(op.status)]
        ref = ok["content"]["application/json"]["schema"]["$ref"]
        component = schemas[ref.rsplit("/", 1)[1]]
        assert set(component["properties"]) == set(op.response.model_fields), op.endpoint
        checked += 1
    assert checked > 10


def test_unexpected_errors_do_not_leak(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert "secret internal detail" not in response.get_data(as_text=True)
