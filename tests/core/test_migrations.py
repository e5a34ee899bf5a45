"""Migrations build the models' schema from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from postgres_helpers import create_postgres_database, drop_postgres_database

from badge_service import create_app
from badge_service.db import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def test_upgrade_to_head_matches_models(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": empty_database,
                      "KEYS_DIR": str(tmp_path / "keys")})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = db.inspect(connection).get_table_names()
        assert set(remaining) <= {"alembic_version"}
        db.engine.dispose()
