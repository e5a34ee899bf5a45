"""Who is making the request: session users (pages) and bearer tokens (API)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, g, request
from flask_login import current_user

from .db import db
from .errors import AuthenticationRequired
from .extensions import login_manager
from .models import User

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @app.before_request
    def _forget_previous_user() -> None:
        # Flask-Login and token_auth cache the user in ``g``, which lives as long as the app
        # context: one request in production, but several when a test (or a script) keeps an
        # app context pushed around requests. A user must never carry over to a later request.
        g.pop("_login_user", None)
        g.pop("api_user", None)

    @login_manager.user_loader
    def _load(session_id: str) -> User | None:
        # The session id carries the user's session_version: bumping it (password change,
        # "log out everywhere") ends every session at once.
        user_id, _, version = session_id.partition(":")
        try:
            user = db.session.get(User, uuid.UUID(user_id))
        except ValueError:
            return None
        if user is None or not user.is_active or str(user.session_version) != version:
            return None
        return user


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
        from .clock import utcnow
        from .services import accounts

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
