"""One transaction per request: services flush, this module commits or rolls back, once.

Side effects that must not happen unless the data is saved (sending mail, writing files others
may read) are registered with :func:`after_commit`; they run only once the session's
transaction commits, and are dropped on rollback. The same holds for command-line commands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from badge_service.db import db

log = logging.getLogger(__name__)
_KEY = "after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
    session = db.session()
    if not session.in_transaction():
        # A rollback of a session that never began fires no event, which would leave the
        # callback queued for the next commit; beginning here makes the rollback drop it.
        session.begin()
    session.info.setdefault(_KEY, []).append(callback)


def commit_even_on_error() -> None:
    """Save this request's changes although its response is an error (4xx).

    For the rare record that must outlive a refusal, such as a failed login attempt counted
    by the brute-force throttle. Everything else in an error response is rolled back.
    """
    g._badge_commit_on_error = True


def discard_pending() -> None:
    """Roll back and forget every queued after-commit action."""
    db.session.rollback()
    db.session.info.pop(_KEY, None)


def _run_callbacks(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy fires after_commit when a savepoint is released too (status-index
        # allocation uses savepoints): nothing is saved yet, so nothing may be sent yet.
        return
    for callback in session.info.pop(_KEY, []):
        try:
            callback()
        except Exception:
            # The data is saved; a failed side effect (e.g. mail) is logged, not undone.
            log.exception("after-commit action failed")


def _drop_callbacks(session: Session, previous: Any) -> None:
    if previous.nested:
        # A savepoint rolled back (e.g. a status-index collision being retried): the request's
        # transaction goes on, and so do the actions queued for its commit. Code that queues
        # an action inside a savepoint it may roll back must not queue it there.
        return
    session.info.pop(_KEY, None)


def init_app(app: Flask) -> None:
    if not getattr(db, "_badge_events", False):
        event.listen(db.session, "after_commit", _run_callbacks)
        event.listen(db.session, "after_soft_rollback", _drop_callbacks)
        db._badge_events = True

    @app.after_request
    def _finish(response: Response) -> Response:
        forced = g.pop("_badge_commit_on_error", False)
        keep = response.status_code < 400 or (forced and response.status_code < 500)
        if not keep:
            discard_pending()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            discard_pending()
            log.warning("commit refused by a database constraint", exc_info=True)
            from badge_service.edge.problems import problem_response

            return problem_response(409, "conflict", "Conflict with the current state",
                                    "the change conflicts with data saved meanwhile; "
                                    "reload and try again")
        except SQLAlchemyError:
            discard_pending()
            log.exception("commit failed")
            from badge_service.edge.problems import problem_response

            return problem_response(500, "internal-error", "Internal error",
                                    "the change could not be saved")
        return response
