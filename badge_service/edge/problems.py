"""The HTTP edge of errors: every error becomes an RFC 9457 problem (JSON clients) or an error
page (browsers), in one place. Exception messages are never sent to clients."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from badge_service.errors import FieldError, ServiceError
from credentials.errors import CredentialsError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem_type(slug: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/problems/{slug}"


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:
        return True
    machine = ("application/json", PROBLEM_JSON, "application/ld+json", "application/vc+ld+json")
    best = request.accept_mimetypes.best_match(["text/html", *machine])
    return best in machine


def problem_response(status: int, slug: str, title: str, detail: str,
                     errors: list[FieldError] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status,
                            "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = [e.to_dict() for e in errors]
    body.update(extra)
    if wants_json():
        response = jsonify(body)
        response.content_type = PROBLEM_JSON
    else:
        response = Response(render_template("error.html", problem=body), mimetype="text/html")
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError) -> Response:
        response = problem_response(exc.status, exc.problem, exc.title, exc.detail, exc.errors)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:  # 429 and 503 say when to come back
            response.headers["Retry-After"] = str(int(retry_after))
        return response

    @app.errorhandler(CredentialsError)
    def _credentials(exc: CredentialsError) -> Response:
        return problem_response(422, exc.problem, "The credential cannot be processed",
                                exc.detail)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        return problem_response(400, "csrf-failed", "The form expired",
                                "the form's security token is missing or expired; "
                                "reload the page and submit again")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large",
                401: "authentication-required", 403: "forbidden",
                429: "too-many-requests"}.get(status, "http-error")
        # werkzeug's descriptions are generic, fixed texts: safe to show.
        response = problem_response(status, slug, exc.name, exc.description or exc.name)
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "internal-error", "Internal error",
                                "something went wrong on our side; it has been logged")
