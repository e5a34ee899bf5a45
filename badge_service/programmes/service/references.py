"""What else in the database refers to a row: the guard before deleting a programme or an
achievement (409 rather than a foreign-key error, or a cascade nobody asked for).

Found generically from the schema, so a table added later that points at the row (cohorts,
credentials, awards, …) is guarded too without changing this code.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badge_service.db import db


def referring_rows(session: Session, table_name: str, row_id: uuid.UUID, *,
                   own_tables: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows of other tables with a foreign key to ``<table_name>.id`` = ``row_id``, by table;
    ``own_tables`` (parts of the row itself, e.g. its trainer assignments) are not counted."""
    skipped = {table_name, *own_tables}
    counts: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if table.name in skipped:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                count = session.scalar(select(func.count()).select_from(table).where(
                    fk.parent == row_id))
                if count:
                    counts[table.name] = counts.get(table.name, 0) + count
    return counts
