"""A throw-away database per use on the local PostgreSQL server (the suite's PostgreSQL half,
the migration tests). A module of its own: test modules import it by name, which they cannot
do with a conftest (several folders have one)."""

from __future__ import annotations

import os

import pytest

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def create_postgres_database() -> str:
    """A fresh database for this test session on the local PostgreSQL server."""
    import uuid

    import sqlalchemy as sa

    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"badge_test_{uuid.uuid4().hex[:12]}"
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(exc).__name__})"
        if os.environ.get("CI"):
            pytest.fail(message + " — required under CI")
        pytest.skip(message + "; the PostgreSQL half of the suite runs where it is")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    import sqlalchemy as sa

    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
