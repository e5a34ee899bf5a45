"""The command-line edge shared by every domain's ``cli`` module: one transaction per
command, and service errors told as the user's own words (row, field), not a traceback."""

from __future__ import annotations

import sys

import click

from badge_service.errors import ServiceError


def _fail(exc: ServiceError) -> None:
    click.echo(f"Error: {exc.detail}", err=True)
    for error in exc.errors:
        where = " ".join(p for p in (f"row {error.row}" if error.row else "",
                                     error.field or "") if p)
        click.echo(f"  {where + ': ' if where else ''}{error.message}", err=True)
    sys.exit(1)


def run_service(action):  # type: ignore[no-untyped-def]
    """Run ``action(session)`` in one transaction: commit on success, roll back on error."""
    from badge_service.db import db

    try:
        result = action(db.session)
        db.session.commit()
        return result
    except ServiceError as exc:
        db.session.rollback()
        _fail(exc)
    except BaseException:
        db.session.rollback()
        raise
