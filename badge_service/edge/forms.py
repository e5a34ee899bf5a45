"""Form helpers shared by the page blueprints."""

from __future__ import annotations

from flask import flash

from badge_service.errors import ServiceError


def flash_error(exc: ServiceError) -> None:
    """Show a service error on the page it came from: the summary, then each field's problem."""
    flash(exc.detail, "error")
    for error in exc.errors:
        where = " ".join(p for p in (f"row {error.row}" if error.row else "",
                                     error.field or "") if p)
        flash(f"{where}: {error.message}" if where else error.message, "error")
