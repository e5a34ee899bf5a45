"""The demo: everything the README's first command promises, on both database backends."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import func, select

from badge_service.achievements.models import Achievement
from badge_service.cohorts.models import CohortMember
from badge_service.demo.cli import seed
from badge_service.frameworks.models import Framework
from badge_service.organisations.models import Organisation
from badge_service.programmes.models import Programme

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_seed_creates_the_demo_and_is_repeatable(app, client, session):
    logins = seed(app, now=NOW)
    assert {login.role for login in logins} == {"administrator", "coordinator", "trainer",
                                                "participant"}
    assert _count(session, Organisation) == 3
    assert _count(session, Framework) == 3
    assert _count(session, Programme) == 3
    assert _count(session, CohortMember) == 40
    numefa_badges = session.scalars(select(Achievement).join(Programme).where(
        Programme.slug == "numefa")).all()
    assert len(numefa_badges) == 6  # five unit badges and the composite certificate
    certificate = next(a for a in numefa_badges if a.requirements)
    assert len(certificate.requirements) == 5

    again = seed(app, now=NOW)  # idempotent: nothing duplicated, passwords renewed
    assert _count(session, Organisation) == 3
    assert _count(session, CohortMember) == 40
    assert [x.password for x in again] != [x.password for x in logins]

    for login in again:
        response = client.post("/login", data={"email": login.email,
                                               "password": login.password})
        assert response.status_code == 302, login.role
        client.post("/logout")


def test_demo_command_on_a_fresh_instance(tmp_path):
    # The README's first command, minus serving: a fresh instance folder, nothing configured.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BADGE_")}
    env.update(BADGE_INSTANCE_PATH=str(tmp_path / "instance"),
               BADGE_KEYS_DIR=str(tmp_path / "keys"), BADGE_KEY_SCRYPT_LOG_N="14")
    done = subprocess.run([sys.executable, "-m", "badge_service", "demo", "--no-serve"],
                          env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "badge_service demo is ready." in done.stdout
    assert "coordination@demo.badges.example" in done.stdout
    assert (tmp_path / "instance" / "badge_service.sqlite3").exists()
    # Private from the start (issue 7 §3): the demo writes its config before the app exists.
    assert oct((tmp_path / "instance").stat().st_mode & 0o777) == "0o700"
    assert oct((tmp_path / "instance" / "badge_service.sqlite3").stat().st_mode & 0o777) \
        == "0o600"
    config = tmp_path / "instance" / "config.toml"
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    assert len(list((tmp_path / "keys").glob("*/*.pem"))) == 3
    # Its secrets are explicit in its own config, as a deployment's would be.
    text = config.read_text()
    assert "KEY_PASSPHRASE = " in text
    assert "SECRET_KEY = " in text


def test_demo_config_keeps_an_earlier_secret_and_satisfies_a_public_url(tmp_path, monkeypatch):
    from badge_service import config
    from badge_service.demo.cli import _ensure_instance_config

    monkeypatch.delenv("BADGE_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("BADGE_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    # An instance from before the demo wrote its secret key: its sessions stay valid.
    (instance / "secret_key").write_text("earlier-secret\n")
    _ensure_instance_config(instance, 5000)
    _ensure_instance_config(instance, 5000)  # idempotent: nothing appended twice
    text = (instance / "config.toml").read_text()
    assert text.count("SECRET_KEY") == 1
    assert text.count("KEY_PASSPHRASE") == 1
    public = {"BADGE_PUBLIC_BASE_URL": "https://demo.badges.example"}
    loaded = config.load(instance, environ=public)  # a showcase behind a public URL starts
    assert loaded["SECRET_KEY"] == "earlier-secret"
    assert loaded["KEY_PASSPHRASE"]


def test_demo_config_leaves_an_operators_secrets_alone(tmp_path, monkeypatch):
    from badge_service.demo.cli import _ensure_instance_config

    monkeypatch.setenv("BADGE_KEY_PASSPHRASE", "operator passphrase")
    monkeypatch.setenv("BADGE_SECRET_KEY", "operator secret")
    _ensure_instance_config(tmp_path, 5000)
    assert not (tmp_path / "config.toml").exists()
