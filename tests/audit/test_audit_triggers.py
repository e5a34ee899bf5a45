"""The database itself refuses to edit the trail: the migration's triggers (plpgsql on
PostgreSQL, RAISE(ABORT) on SQLite) stop UPDATE and DELETE sent as raw SQL, past the ORM.

The suite's shared databases are built from the models (tests/conftest.py), without the
triggers, so that each test can empty every table afterwards; here the database is migrated,
as production's is (``badge-service db upgrade``)."""

from __future__ import annotations

import uuid

import pytest
from postgres_helpers import create_postgres_database, drop_postgres_database
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from badge_service import create_app
from badge_service.audit import service as audit
from badge_service.audit.models import AuditEntry
from badge_service.clock import utcnow
from badge_service.db import db


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path):
    from flask_migrate import downgrade, upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    else:
        url = create_postgres_database()
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": url,
                      "KEYS_DIR": str(tmp_path / "keys")})
    with app.app_context():
        upgrade()
        yield app
        db.session.rollback()
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def test_raw_sql_cannot_update_or_delete_entries(migrated_app):
    entry = audit.record(db.session, actor=None, action="award.issued",
                         subject_type="credential", subject_id=uuid.uuid4(),
                         summary="issued", now=utcnow(), programme_id=uuid.uuid4())
    db.session.commit()
    for statement in ("UPDATE audit_entry SET summary = 'forged'",
                      "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_entry"))
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).summary == "issued"
    # Appending still works.
    audit.record(db.session, actor=None, action="award.issued", subject_type="credential",
                 subject_id=uuid.uuid4(), summary="another", now=utcnow())
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM audit_entry")) == 2
