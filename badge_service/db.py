"""The database handle, the declarative base, column types shared by every model, and actions
queued for after the commit (sending mail only once the data it speaks of is saved)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

from badge_service.errors import NotFound

log = logging.getLogger(__name__)
T = TypeVar("T")

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend.

    SQLite stores no offset; without this, values would come back naive and compare wrongly
    with the aware ``now`` the services pass around.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: JSON(),
                             list[Any]: JSON()},
    )


db = SQLAlchemy(model_class=Base)


class UUIDPrimaryKey:
    """Random UUID keys: URLs and API ids reveal neither counts nor order."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


def sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Connect hook, installed by the app factory on SQLite engines only."""
    # SQLite ignores foreign keys unless asked, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # The sqlite3 module opens a transaction only before INSERT/UPDATE/DELETE: a SAVEPOINT
        # sent first (status allocation) became a transaction of its own, and its RELEASE
        # committed what a later rollback should have undone. SQLAlchemy's documented fix:
        # the driver does no transaction handling, and sqlite_begin starts each one.
        dbapi_connection.isolation_level = None


def sqlite_begin(connection: Any) -> None:
    """Begin hook, with :func:`sqlite_pragmas`: every SQLAlchemy transaction is a real one."""
    connection.exec_driver_sql("BEGIN")


# --- actions after the commit ----------------------------------------------------------------

_KEY = "after_commit"
_UNDO = "after_rollback"


def after_commit(callback: Callable[[], None],
                 on_rollback: Callable[[], None] | None = None) -> None:
    """Run ``callback`` once the current transaction has committed (never if it rolls back);
    ``on_rollback`` instead, if it rolls back (a staged file is then deleted, for instance)."""
    session = db.session()
    if not session.in_transaction():
        # A rollback of a session that never began fires no event, which would leave the
        # callback queued for the next commit; beginning here makes the rollback drop it.
        session.begin()
    session.info.setdefault(_KEY, []).append(callback)
    if on_rollback is not None:
        session.info.setdefault(_UNDO, []).append(on_rollback)


def discard_pending() -> None:
    """Roll back and forget every queued after-commit action."""
    db.session.rollback()
    db.session.info.pop(_KEY, None)
    _run_all(db.session.info.pop(_UNDO, []), "after-rollback")


def _run_callbacks(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy fires after_commit when a savepoint is released too (status-index
        # allocation uses savepoints): nothing is saved yet, so nothing may be sent yet.
        return
    session.info.pop(_UNDO, None)
    _run_all(session.info.pop(_KEY, []), "after-commit")


def _run_all(callbacks: list[Callable[[], None]], when: str) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            # The data is saved (or undone); a failed side effect (e.g. mail) is logged.
            log.exception("%s action failed", when)


def _drop_callbacks(session: Session, previous: Any) -> None:
    if previous.nested:
        # A savepoint rolled back (e.g. a status-index collision being retried): the request's
        # transaction goes on, and so do the actions queued for its commit. Code that queues
        # an action inside a savepoint it may roll back must not queue it there.
        return
    session.info.pop(_KEY, None)
    _run_all(session.info.pop(_UNDO, []), "after-rollback")


def listen_after_commit() -> None:
    """Run queued actions after each commit of the session, drop them on rollback (once)."""
    if not getattr(db, "_badge_events", False):
        event.listen(db.session, "after_commit", _run_callbacks)
        event.listen(db.session, "after_soft_rollback", _drop_callbacks)
        db._badge_events = True



def get_or_not_found(session: Session, model: type[T], key: Any, what: str) -> T:
    """The row of ``model`` with primary key ``key``, or NotFound("no <what> <key>") — the 404
    every service gives for an unknown id, worded the same everywhere."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {what} {key}")
    return row
