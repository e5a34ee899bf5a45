"""The database handle, the declarative base, and column types shared by every model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

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
