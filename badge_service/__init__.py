"""badge_service — Open Badges 3.0 issuing and verification, as a Flask application.

Nothing happens at import. :func:`create_app` builds an application from configuration; it
never touches the database schema (migrations run from the command line: ``badge-service db
upgrade``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    from badge_service import config
    from badge_service.db import db, sqlite_begin, sqlite_pragmas
    from badge_service.edge import auth, headers, problems, transactions
    from badge_service.extensions import csrf, migrate

    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get(config.INSTANCE_PATH_ENV) or None)
    instance = Path(app.instance_path)
    config.private_dir(instance)
    settings = config.load(instance, test_config)
    settings = _derive(settings, instance, Path(app.root_path).parent)
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=max(settings["MAX_UPLOAD_BYTES"], settings["MAX_IMPORT_BYTES"])
        + 64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, which expires on its own
        JSON_SORT_KEYS=False,
    )

    if settings["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a proxy every request comes from the proxy's address: without this, the
        # per-IP login throttle would lock everyone out together.
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    auth.init_app(app)
    headers.init_app(app)  # before transactions: runs after it, on its responses too
    transactions.init_app(app)
    problems.init_app(app)
    if settings["DATABASE_URL"].startswith("sqlite"):
        from sqlalchemy import event

        _private_sqlite_file(settings["DATABASE_URL"])

        with app.app_context():
            event.listen(db.engine, "connect", sqlite_pragmas)
            event.listen(db.engine, "begin", sqlite_begin)

    from badge_service import domains

    domains.register(app)
    _check_keys(app)
    return app


def _check_keys(app: Flask) -> None:
    """Find a wrong BADGE_KEY_PASSPHRASE at start-up rather than at the first award. The app
    still starts (verification and the public pages need no private key); /healthz reports it."""
    from badge_service.adapters.keyring import keyring_of

    try:
        app.extensions["badge_key_problem"] = keyring_of(app).check_keys()
    except OSError:
        app.logger.exception("the keys folder cannot be read")
        app.extensions["badge_key_problem"] = "unreadable"


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, often 0644);
    SQLite gives its journal and WAL files the database file's mode."""
    from sqlalchemy.engine import make_url

    from badge_service.config import private_dir

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):  # an existing database keeps its mode
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _derive(settings: dict[str, Any], instance: Path, project: Path) -> dict[str, Any]:
    """Fill the defaults that depend on where the instance lives."""
    out = dict(settings)
    if out["DATABASE_URL"] is None:
        out["DATABASE_URL"] = f"sqlite:///{instance / 'badge_service.sqlite3'}"
    if out["KEYS_DIR"] is None:
        out["KEYS_DIR"] = str(project / "keys")
    if out["OUTBOX_DIR"] is None:
        out["OUTBOX_DIR"] = str(instance / "outbox")
    if out["UPLOAD_DIR"] is None:
        out["UPLOAD_DIR"] = str(instance / "uploads")
    if out["EVIDENCE_DIR"] is None:
        out["EVIDENCE_DIR"] = str(instance / "evidence")
    if out["SESSION_COOKIE_SECURE"] is None:
        out["SESSION_COOKIE_SECURE"] = out["PUBLIC_BASE_URL"].startswith("https://")
    if out["SECRET_KEY"] is None:
        out["SECRET_KEY"] = _instance_secret(instance)
    return out


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, so a fresh local install needs no setup
    and sessions survive restarts. Only for a loopback PUBLIC_BASE_URL: a deployment must set
    BADGE_SECRET_KEY (config.py refuses to start without it), since hosts or workers that do not
    share this folder would each make their own and reject each other's sessions."""
    path = instance / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value
