"""Log in and out: password, one-time email link, password reset by email link."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import link_messages, login_sessions
from badge_service.accounts.service import users as accounts
from badge_service.adapters import mail
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge import auth, transactions
from badge_service.edge.forms import flash_error
from badge_service.errors import AuthenticationRequired, ServiceError

bp = Blueprint("accounts", __name__, template_folder="templates")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]

# Said whether or not the address has an account, so the form cannot be used to probe.
SENT = "If an account exists for this address, we have sent it a link."


def _safe_next(target: str | None) -> str:
    """Only paths on this site: an open redirect after login would help phishing.

    Browsers read ``/\\evil.example`` as ``//evil.example`` and drop tabs and newlines
    inside URLs, so backslashes and every control or space character are refused too.
    """
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and all(c.isprintable() and not c.isspace()
                                           for c in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.dashboard")


def _login_page(status: int = 200, *, throttled: bool = False) -> Any:
    return render_template("accounts/login.html", email=request.form.get("email", ""),
                           throttled=throttled), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        try:
            user = accounts.authenticate(db.session, request.form.get("email", ""),
                                         request.form.get("password", ""), now=utcnow(),
                                         # Behind BADGE_TRUSTED_PROXIES, ProxyFix has put the
                                         # client's address here; otherwise X-Forwarded-For
                                         # is ignored, so it cannot be forged to dodge this.
                                         ip=request.remote_addr,
                                         ip_limit=current_app.config["LOGIN_FAILURES_PER_IP"])
        except accounts.TooManyAttempts as exc:
            flash(exc.detail[0].upper() + exc.detail[1:] + ".", "error")
            response = make_response(_login_page(exc.status, throttled=True))
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except AuthenticationRequired as exc:
            transactions.commit_even_on_error()  # the throttle counts this failure
            flash(exc.detail[0].upper() + exc.detail[1:] + ".", "error")
            return _login_page(401)
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    return _login_page()


@bp.post("/logout")
@login_required
def logout() -> Any:
    if request.form.get("everywhere"):
        user = current_user._get_current_object()
        accounts.end_all_sessions(db.session, user)
        login_sessions.end_all(db.session, user)
        message = "You are logged out on every device."
    else:
        message = "You are logged out."
    auth.log_out()  # a copy of this session's cookie stops working too
    flash(message, "info")
    return redirect(url_for("home.index"))


def _send_link(purpose: str, endpoint: str, minutes: int) -> int:
    try:
        found = accounts.request_email_link(db.session, request.form.get("email", ""), purpose,
                                            now=utcnow(), lifetime=timedelta(minutes=minutes))
    except ServiceError as exc:
        flash_error(exc)
        return exc.status
    if found is not None:
        user, token = found
        link = current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, token=token)
        _, subject, body = link_messages.link_message(user, purpose, link, minutes)
        mail.send(user.email, subject, body, display_name=user.display_name)
    flash(SENT, "info")
    return 200


def _link_form(purpose: str, endpoint: str, minutes_setting: str, template: str) -> Any:
    """The form asking for an emailed link (login or reset); a POST sends it."""
    status = 200
    if request.method == "POST":
        status = _send_link(purpose, endpoint, current_app.config[minutes_setting])
    return render_template(template), status


@bp.route("/login/email", methods=["GET", "POST"])
def request_login_link() -> Any:
    return _link_form(accounts.PURPOSE_LOGIN_LINK, "accounts.login_with_link",
                      "LOGIN_LINK_MINUTES", "accounts/login_link.html")


def _link_problem(exc: ServiceError, template: str) -> Any:
    flash(exc.detail[0].upper() + exc.detail[1:] + ".", "error")
    return render_template(template, token=None), exc.status


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def login_with_link(token: str) -> Any:
    # GET only shows a button: mail scanners that prefetch links must not spend the token.
    # The password throttle is not consulted: a link proves the mailbox, not a guess, and is
    # how someone locked out by another's guessing gets in (their failures are kept, so the
    # guessing stays throttled).
    if request.method == "POST":
        try:
            user = accounts.consume_email_token(db.session, token, accounts.PURPOSE_LOGIN_LINK,
                                                now=utcnow())
        except AuthenticationRequired as exc:
            return _link_problem(exc, "accounts/login_link.html")
        user.last_login_at = utcnow()
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    try:
        user = accounts.check_email_token(db.session, token, accounts.PURPOSE_LOGIN_LINK,
                                          now=utcnow())
    except AuthenticationRequired as exc:
        return _link_problem(exc, "accounts/login_link.html")
    return render_template("accounts/confirm_link.html", email=user.email)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    return _link_form(accounts.PURPOSE_PASSWORD_RESET, "accounts.reset_password",
                      "PASSWORD_RESET_MINUTES", "accounts/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    if request.method == "POST":
        try:
            user = accounts.set_password_with_token(
                db.session, token, accounts.PURPOSE_PASSWORD_RESET,
                request.form.get("password", ""), request.form.get("confirm", ""), now=utcnow())
        except AuthenticationRequired as exc:
            return _link_problem(exc, "accounts/forgot.html")
        except ServiceError as exc:
            flash_error(exc)
            return render_template("accounts/reset.html", token=token), exc.status
        login_sessions.end_all(db.session, user)
        flash("Your password is changed and your other sessions are closed. Log in with it.",
              "info")
        return redirect(url_for("accounts.login"))
    try:
        accounts.check_email_token(db.session, token, accounts.PURPOSE_PASSWORD_RESET,
                                   now=utcnow())
    except AuthenticationRequired as exc:
        return _link_problem(exc, "accounts/forgot.html")
    return render_template("accounts/reset.html", token=token)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    if request.method == "POST":
        user = current_user._get_current_object()
        form = request.form
        try:
            accounts.change_password(db.session, user, form.get("current", ""),
                                     form.get("password", ""), form.get("confirm", ""))
        except ServiceError as exc:
            flash_error(exc)
            return render_template("accounts/change_password.html"), exc.status
        login_sessions.end_all(db.session, user)
        login_user(user)  # the session version changed; this browser gets a new session
        flash("Your password is changed; your other sessions are logged out.", "info")
        return redirect(url_for("home.dashboard"))
    return render_template("accounts/change_password.html")


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users() -> Any:
    policy.require_administrator(_actor())
    status = 200
    if request.method == "POST":
        form = request.form
        try:
            user = accounts.create_user(
                db.session, email=form.get("email", ""),
                display_name=form.get("display_name") or None,
                password=form.get("password") or None, now=utcnow(),
                is_administrator=form.get("is_administrator") == "on",
                preferred_language=form.get("preferred_language", "fr"))
            flash(f"User {user.email} created.", "info")
            return redirect(url_for("accounts.users"))
        except ServiceError as exc:
            flash_error(exc)
            status = exc.status
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=people,
                           form=request.form if status != 200 else {}), status


@bp.post("/users/<uuid:user_id>/active")
@login_required
def user_set_active(user_id: uuid.UUID) -> Any:
    """Enable or disable an account (administrators). Disabled accounts cannot log in, their
    sessions end and their API tokens stop working."""
    user = accounts.get_user(db.session, user_id)
    try:
        accounts.update_user(db.session, _actor(), user,
                             {"is_active": request.form.get("active") == "1"})
        flash(f"{user.email} is {'enabled' if user.is_active else 'disabled'}.", "info")
    except ServiceError as exc:
        if exc.status == 403:
            raise
        flash_error(exc)
    return redirect(url_for("accounts.users"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Any:
    secret = None
    status = 200
    if request.method == "POST":
        try:
            secret = accounts.create_api_token(db.session, _actor(),
                                               request.form.get("name", ""),
                                               now=utcnow()).secret
        except ServiceError as exc:
            flash_error(exc)
            status = exc.status
    mine = db.session.scalars(accounts.tokens_of(_actor())).all()
    return render_template("accounts/tokens.html", tokens=mine, secret=secret,
                           now=utcnow()), status


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def token_revoke(token_id: uuid.UUID) -> Any:
    accounts.revoke_api_token(db.session, _actor(), token_id, now=utcnow())
    flash("Token revoked.", "info")
    return redirect(url_for("accounts.tokens"))
