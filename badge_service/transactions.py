"""One transaction per request: services flush, this module commits or rolls back, once.

Side effects that must not happen unless the data is saved (sending mail, writing files others
may read) are registered with :func:`after_commit`; they run only once the session's
transaction commits, and are dropped on rollback. The same holds for command-line commands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from .db import db

log = logging.getLogger(__name__)
_KEY = "after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
    db.session.info.setdefault(_KEY, []).append(callback)


def _run_callbacks(session: Session) -> None:
    for callback in session.info.pop(_KEY, []):
        try:
            callback()
        except Exception:
            # The data is saved; a failed side effect (e.g. mail) is logged, not undone.
            log.exception("after-commit action failed")


def _drop_callbacks(session: Session, *args: Any) -> None:
    session.info.pop(_KEY, None)


def init_app(app: Flask) -> None:
    if not getattr(db, "_badge_events", False):
        event.listen(db.session, "after_commit", _run_callbacks)
        event.listen(db.session, "after_soft_rollback", _drop_callbacks)
        db._badge_events = True

    @app.after_request
    def _finish(response: Response) -> Response:
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            log.warning("commit refused by a database constraint", exc_info=True)
            from .problems import problem_response

            return problem_response(409, "conflict", "Conflict with the current state",
                                    "the change conflicts with data saved meanwhile; "
                                    "reload and try again")
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("commit failed")
            from .problems import problem_response

            return problem_response(500, "internal-error", "Internal error",
                                    "the change could not be saved")
        return response
