"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from postgres_helpers import create_postgres_database, drop_postgres_database

#: Fixture plugins shared by every test folder (tests/ is on sys.path through this conftest).
pytest_plugins = ["certificates_helpers", "suite_fixtures"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def require_shared() -> Path:
    """The read-only standards/fixtures folder beside the repo.

    Outside CI it may be absent (a developer's own clone): the oracle tests skip and say why.
    Under CI it is always provided, so its absence is a failure, never a silent skip.
    """
    if SHARED.is_dir():
        return SHARED
    message = f"{SHARED} (../shared with the standards oracles) is absent"
    if os.environ.get("CI"):
        pytest.fail(message + " — required under CI")
    pytest.skip(message + "; these oracle tests run where it is present")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def standards_dir(shared_dir: Path) -> Path:
    return shared_dir / "standards"


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Cheap argon2id parameters for the suite (the real ones cost ~150 ms a hash on CI, and
    most tests create several accounts). test_auth.py checks the production parameters."""
    from argon2 import PasswordHasher

    from badge_service.accounts.service import passwords as security

    real = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = real


# --- the service: one app per test, on SQLite and on PostgreSQL -----------------------------

@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database per backend, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = create_postgres_database()
    from badge_service import create_app
    from badge_service.db import db

    # The schema comes from the models here; test_migrations.py proves the migrations build
    # the same schema on both backends.
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_postgres_database(url)


def _test_config(url: str, folder: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": url,
        "PUBLIC_BASE_URL": "https://badges.example.org",
        "KEYS_DIR": str(folder / "keys"),
        "KEY_PASSPHRASE": "test passphrase for keys",
        "KEY_SCRYPT_LOG_N": 14,  # fast key files in tests; production keeps the default
        "VERIFY_RATE_PER_MINUTE": 0,  # test_ratelimit.py turns the limit on
        "OUTBOX_DIR": str(folder / "outbox"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "EVIDENCE_DIR": str(folder / "evidence"),
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override entries in a test (before using `app`) to configure the app differently."""
    return _test_config(database_url, tmp_path)


@pytest.fixture
def app(app_config):
    from db_helpers import empty_database

    from badge_service import create_app

    app = create_app(app_config)
    with app.app_context():
        yield app
        empty_database()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    from badge_service.db import db

    return db.session


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on the loopback interface, collecting messages."""
    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):
            from email import message_from_bytes, policy

            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port; aiosmtpd cannot report one it picked itself
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()



@pytest.fixture
def mailbox(smtp_server) -> list:
    """The messages the test SMTP server has received, oldest first."""
    return smtp_server[1].messages


def pytest_make_parametrize_id(config, val, argname):
    """Short, stable ids for generated bytes and long strings (PDFs, gzip'd status lists carry
    timestamps, so even their lengths vary): pytest-xdist's workers must collect the same test
    ids, and a 3 kB id helps nobody. pytest numbers the duplicate ids itself (itxt0, itxt1…)."""
    if isinstance(val, bytes | bytearray) or (isinstance(val, str) and len(val) > 24):
        return argname
    return None
