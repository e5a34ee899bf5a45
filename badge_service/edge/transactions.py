"""One transaction per request: services flush, this module commits or rolls back, once.

Side effects that must not happen unless the data is saved (sending mail, writing files others
may read) are registered with :func:`badge_service.db.after_commit`; they run only once the
session's transaction commits, and are dropped on rollback. The same holds for command-line
commands.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from badge_service.db import db, discard_pending, listen_after_commit

log = logging.getLogger(__name__)
def commit_even_on_error() -> None:
    """Save this request's changes although its response is an error (4xx).

    For the rare record that must outlive a refusal, such as a failed login attempt counted
    by the brute-force throttle. Everything else in an error response is rolled back.
    """
    g._badge_commit_on_error = True


def init_app(app: Flask) -> None:
    listen_after_commit()

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
