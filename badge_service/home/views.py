"""Home, dashboard and the problem-type pages that problem+json ``type`` URIs point to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from badge_service import policy
from badge_service.adapters import uploads
from badge_service.db import db
from badge_service.organisations import service as organisations

bp = Blueprint("home", __name__, template_folder="templates")

PROBLEMS = {
    "bad-request": "The request could not be understood.",
    "validation-failed": "The input is not valid; `errors` lists each field or row.",
    "not-found": "The resource does not exist, or you may not see it.",
    "authentication-required": "Log in, or send a valid API token.",
    "forbidden": "Your account may not do this.",
    "conflict": "The request conflicts with the current state (e.g. a duplicate).",
    "payload-too-large": "The upload or import exceeds the size limit.",
    "unsupported-media-type": "The body or file is not of an accepted type.",
    "csrf-failed": "The form's security token is missing or expired; reload the page.",
    "method-not-allowed": "This URL does not accept that HTTP method.",
    "too-many-requests": "Too many attempts in a short time (e.g. failed logins); wait for "
                         "the number of seconds in the Retry-After header and try again.",
    "internal-error": "Something went wrong on our side; it was logged.",
    "http-error": "An HTTP error.",
}


@bp.get("/")
def index() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return render_template("home/index.html")


@bp.get("/dashboard")
@login_required
def dashboard() -> Any:
    user = current_user
    coordinated = policy.coordinated_organisation_ids(db.session, user)
    orgs = db.session.scalars(organisations.visible_to(user)).all()
    return render_template("home/dashboard.html", organisations=orgs, coordinated=coordinated)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def problem_text(slug: str) -> str | None:
    """What a problem type means: the text above, else the docstring (or title) of the error
    class that carries this slug, so every error anyone adds has its page."""
    if slug in PROBLEMS:
        return PROBLEMS[slug]
    from badge_service.errors import ServiceError
    from credentials.errors import CredentialsError

    for cls in (ServiceError, *_subclasses(ServiceError), CredentialsError,
                *_subclasses(CredentialsError)):
        if getattr(cls, "problem", None) == slug:
            doc = (cls.__doc__ or "").strip().split("\n\n")[0]
            return " ".join(doc.split()) or getattr(cls, "title", slug)
    return None


@bp.get("/problems/<slug>")
def problem(slug: str) -> Any:
    text = problem_text(slug)
    if text is None:
        abort(404)
    return render_template("problem.html", slug=slug, text=text)


KEY_PROBLEMS = {
    "decryption": "the signing keys cannot be decrypted: wrong BADGE_KEY_PASSPHRASE",
    "unreadable": "the signing keys cannot be read; see the server log",
}


@bp.get("/healthz")
def health() -> Any:
    # Found by the start-up check (badge_service._check_keys); details are in the log only.
    problem = current_app.extensions.get("badge_key_problem")
    if problem:
        return {"status": "unavailable", "detail": KEY_PROBLEMS[problem]}, 503
    return {"status": "ok"}


@bp.get("/uploads/<name>")
def upload_file(name: str) -> Any:
    """A stored image (public: badge images are part of public credentials)."""
    path = uploads.path_of(current_app.config["UPLOAD_DIR"], name)
    if path is None:
        abort(404)
    headers = uploads.response_headers(name)
    response = Response(path.read_bytes(), content_type=headers.pop("Content-Type"))
    response.headers.update(headers)
    return response
