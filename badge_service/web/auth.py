"""Log in and out: password, one-time email link, password reset by email link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .. import mail
from ..clock import utcnow
from ..db import db
from ..errors import AuthenticationRequired, ServiceError
from ..services import accounts
from .forms import flash_error

bp = Blueprint("auth", __name__)

# Said whether or not the address has an account, so the form cannot be used to probe.
SENT = "If an account exists for this address, we have sent it a link."


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login would help phishing."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        try:
            user = accounts.authenticate(db.session, request.form.get("email", ""),
                                         request.form.get("password", ""), now=utcnow())
        except AuthenticationRequired as exc:
            flash(exc.detail, "error")
            return render_template("auth/login.html", email=request.form.get("email", "")), 401
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", email="")


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


def _send_link(purpose: str, endpoint: str, minutes: int, subject: str, intro: str) -> None:
    email = request.form.get("email", "")
    try:
        address = accounts.normalise_email(email)
    except ServiceError as exc:
        flash_error(exc)
        return
    user = accounts.find_user_by_email(db.session, address)
    if user is not None and user.is_active:
        token = accounts.issue_email_token(db.session, user, purpose, now=utcnow(),
                                           lifetime=timedelta(minutes=minutes))
        link = current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, token=token)
        mail.send(user.email, subject,
                  f"{intro}\n\n{link}\n\nThis link works once, for {minutes} minutes. "
                  "If you did not ask for it, ignore this message.",
                  display_name=user.display_name)
    flash(SENT, "info")


@bp.route("/login/email", methods=["GET", "POST"])
def request_login_link() -> Any:
    if request.method == "POST":
        _send_link(accounts.PURPOSE_LOGIN_LINK, "auth.login_with_link",
                   current_app.config["LOGIN_LINK_MINUTES"],
                   "Your login link — badge_service", "Open this link to log in:")
    return render_template("auth/login_link.html")


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def login_with_link(token: str) -> Any:
    # GET only shows a button: mail scanners that prefetch links must not spend the token.
    if request.method == "POST":
        try:
            user = accounts.consume_email_token(db.session, token, accounts.PURPOSE_LOGIN_LINK,
                                                now=utcnow())
        except AuthenticationRequired as exc:
            flash(exc.detail, "error")
            return render_template("auth/login_link.html"), 401
        user.last_login_at = utcnow()
        login_user(user)
        return redirect(url_for("main.dashboard"))
    return render_template("auth/confirm_link.html", token=token)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    if request.method == "POST":
        _send_link(accounts.PURPOSE_PASSWORD_RESET, "auth.reset_password",
                   current_app.config["PASSWORD_RESET_MINUTES"],
                   "Reset your password — badge_service",
                   "Open this link to choose a new password:")
    return render_template("auth/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            flash("The two passwords differ.", "error")
            return render_template("auth/reset.html", token=token), 422
        try:
            # Check the password before spending the token, so a typo does not waste the link.
            from ..security import check_password_strength

            check_password_strength(password)
            user = accounts.consume_email_token(db.session, token,
                                                accounts.PURPOSE_PASSWORD_RESET, now=utcnow())
            accounts.set_password(db.session, user, password)
        except ServiceError as exc:
            flash_error(exc)
            return render_template("auth/reset.html", token=token), exc.status
        flash("Your password is changed. Log in with it.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", token=token)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    if request.method == "POST":
        user = current_user._get_current_object()
        from ..security import verify_password

        if not verify_password(user.password_hash, request.form.get("current", "")):
            flash("The current password is not correct.", "error")
            return render_template("auth/change_password.html"), 422
        if request.form.get("password", "") != request.form.get("confirm", ""):
            flash("The two passwords differ.", "error")
            return render_template("auth/change_password.html"), 422
        try:
            accounts.set_password(db.session, user, request.form.get("password", ""))
        except ServiceError as exc:
            flash_error(exc)
            return render_template("auth/change_password.html"), exc.status
        login_user(user)  # the session version changed; keep this session
        flash("Your password is changed; other sessions are logged out.", "info")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/change_password.html")
