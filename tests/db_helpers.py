"""Leaving the shared test database empty after a test's own app."""

from __future__ import annotations


def empty_database() -> None:
    """Roll back, then empty every table (children first) and close the connections, so the
    next test starts from a clean database. Call it inside the app context of the app used."""
    from badge_service.db import db

    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    db.engine.dispose()


def count_rows(model) -> int:  # type: ignore[no-untyped-def]
    """Rows of ``model`` as the database has them now: expired first, because a command (the
    CLI tests) committed them through its own session."""
    from sqlalchemy import func, select

    from badge_service.db import db

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))
