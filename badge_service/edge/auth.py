"""Who is making the request: session users (pages) and bearer tokens (API)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from flask_login import current_user, logout_user, user_logged_in

from badge_service.accounts.models import User
from badge_service.accounts.service import login_sessions
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import AuthenticationRequired
from badge_service.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    user_logged_in.connect(_open_login_session)  # once per process: connecting is idempotent

    @app.before_request
    def _forget_previous_user() -> None:
        # Flask-Login and token_auth cache the user in ``g``, which lives as long as the app
        # context: one request in production, but several when a test (or a script) keeps an
        # app context pushed around requests. A user must never carry over to a later request.
        g.pop("_login_user", None)
        g.pop("api_user", None)
        g.pop("login_session_token", None)

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        # The session id is "<user>:<session_version>:<login session secret>". Bumping the
        # version (password change, "log out everywhere") ends every session of the user at
        # once; deleting the login session's row (logout) ends this one, copies included.
        user_id, _, rest = session_id.partition(":")
        version, _, token = rest.partition(":")
        try:
            user = db.session.get(User, uuid.UUID(user_id))
        except ValueError:
            return None
        if user is None or not user.is_active or str(user.session_version) != version:
            return None
        if not login_sessions.is_open(db.session, user, token, now=utcnow(),
                                      idle=current_app.permanent_session_lifetime):
            return None
        g.login_session_token = token  # for log_out, and for a new login to replace it
        return user


def _open_login_session(sender: Any, user: User, **extra: Any) -> None:
    """On every ``login_user`` (password, email link, invitation, password change): a new
    server-side login session, whose secret is added to the user id in the session cookie.

    A signal rather than a wrapper so that no call of ``login_user`` can forget it. When this
    request came with a session (a password change), that one ends: the cookie is replaced.
    """
    previous = g.pop("login_session_token", None)
    if previous:
        login_sessions.end(db.session, previous)
    token = login_sessions.start(db.session, user, now=utcnow(),
                                 idle=current_app.permanent_session_lifetime)
    g.login_session_token = token
    session["_user_id"] = f"{user.get_id()}:{token}"


def log_out() -> None:
    """End this browser's login session on the server too, then forget it in the cookie."""
    token = g.pop("login_session_token", None)
    if token:
        login_sessions.end(db.session, token)
    logout_user()


def api_user() -> User:
    """The user of a bearer-token API request, or 401."""
    user = g.get("api_user")
    if user is None:
        raise AuthenticationRequired(
            "send an API token in the Authorization header: 'Authorization: Bearer <token>' "
            "(create one with 'badge-service tokens create --user EMAIL')"
        )
    return user


def token_auth(view: F) -> F:
    """Authenticate an API view by bearer token. Cookies are not accepted on the API, which is
    what makes it safe to exempt from CSRF."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from badge_service.accounts.service import users as accounts
        from badge_service.clock import utcnow

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationRequired(
                "this API needs a bearer token: 'Authorization: Bearer <token>'"
            )
        g.api_user = accounts.authenticate_token(db.session, token.strip(), now=utcnow())
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def page_user() -> User:
    if not current_user.is_authenticated:
        raise AuthenticationRequired("log in to see this page")
    return current_user._get_current_object()  # type: ignore[no-any-return]
