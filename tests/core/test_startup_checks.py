"""Start-up checks (issue 7 §3): a wrong key passphrase shows on /healthz; the instance folder,
the SQLite file and the instance secret are private to the service's user."""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from badge_service import create_app
from credentials.keys import KeyStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("BADGE_"):
            monkeypatch.delenv(name)


def _config(tmp_path: Path, passphrase: str) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret", "KEYS_DIR": str(tmp_path / "keys"),
            "KEY_PASSPHRASE": passphrase, "KEY_SCRYPT_LOG_N": 14,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}


def _key(tmp_path: Path, passphrase: str) -> None:
    KeyStore(tmp_path / "keys" / "acme", passphrase, scrypt_log_n=14).generate(
        key_id="acme-1", algorithm="Ed25519", now=NOW)


def test_wrong_passphrase_is_reported_on_healthz(tmp_path, monkeypatch, caplog) -> None:
    _clean_env(monkeypatch)
    _key(tmp_path, "the passphrase the key was made with")
    with caplog.at_level(logging.ERROR):
        app = create_app(_config(tmp_path, "another passphrase"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "detail": "the signing keys cannot be "
                             "decrypted: wrong BADGE_KEY_PASSPHRASE"}
    assert str(tmp_path) not in response.get_data(as_text=True)
    assert "acme" in caplog.text  # the server log says which organisation


def test_right_passphrase_is_healthy_and_warms_the_cache(tmp_path, monkeypatch) -> None:
    _clean_env(monkeypatch)
    _key(tmp_path, "the passphrase")
    app = create_app(_config(tmp_path, "the passphrase"))
    assert app.test_client().get("/healthz").json == {"status": "ok"}
    assert ("acme", "acme-1") in app.extensions["badge_keyring"]._cache


def test_no_keys_yet_is_healthy(tmp_path, monkeypatch) -> None:
    _clean_env(monkeypatch)
    app = create_app(_config(tmp_path, "the passphrase"))
    assert app.test_client().get("/healthz").status_code == 200


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_instance_files_are_private(tmp_path, monkeypatch) -> None:
    _clean_env(monkeypatch)
    instance = tmp_path / "fresh" / "instance"
    monkeypatch.setenv("BADGE_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("BADGE_KEY_PASSPHRASE", "the passphrase")
    monkeypatch.setenv("BADGE_KEYS_DIR", str(tmp_path / "fresh" / "keys"))
    monkeypatch.setenv("BADGE_KEY_SCRYPT_LOG_N", "14")
    old = os.umask(0o022)  # a usual umask, which alone would give 0755 and 0644
    try:
        app = create_app()
        with app.app_context():
            from badge_service.adapters.keyring import current_keyring
            from badge_service.db import db
            from badge_service.organisations.models import Organisation

            db.create_all()
            keyring = current_keyring()
            keyring.ensure_key(Organisation(slug="acme"), now=NOW)
            db.engine.dispose()
    finally:
        os.umask(old)
    assert _mode(instance) == 0o700
    assert _mode(instance / "badge_service.sqlite3") == 0o600
    assert _mode(instance / "secret_key") == 0o600
    assert _mode(tmp_path / "fresh" / "keys") == 0o700
    assert _mode(tmp_path / "fresh" / "keys" / "acme") == 0o700
    outbox = Path(app.config["OUTBOX_DIR"])
    if outbox.exists():
        assert _mode(outbox) == 0o700
