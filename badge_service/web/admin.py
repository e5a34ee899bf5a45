"""Pages for administrators and coordinators: organisations, users, API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import uploads
from ..api.accounts import display_did
from ..clock import utcnow
from ..db import db
from ..errors import ServiceError
from ..models import User
from ..services import accounts, organisations
from .forms import flash_error

bp = Blueprint("admin", __name__)


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _org_form() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "url": form.get("url", "").strip() or None,
        "email": form.get("email", "").strip() or None,
        "did_method": form.get("did_method", "web"),
        # "name" is the French name; the English one goes with the other languages.
        "name_i18n": {k: v for k in ("en",) if (v := form.get(f"name_{k}", "").strip())},
        "description_i18n": {k: v for k in ("fr", "en")
                             if (v := form.get(f"description_{k}", "").strip())},
    }
    if "slug" in form:
        data["slug"] = form.get("slug", "").strip()
    return data


@bp.get("/organisations")
@login_required
def organisation_list() -> Any:
    orgs = db.session.scalars(organisations.visible_to(_actor())).all()
    return render_template("admin/organisations.html", organisations=orgs)


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def organisation_new() -> Any:
    accounts.require_administrator(_actor())
    if request.method == "POST":
        try:
            org = organisations.create(db.session, _actor(), _org_form(), now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("admin/organisation_form.html", org=None,
                                   form=request.form), exc.status
        flash(f"Organisation {org.name} created.", "info")
        return redirect(url_for("admin.organisation_view", organisation_id=org.id))
    return render_template("admin/organisation_form.html", org=None,
                           form={"did_method": current_app.config["ISSUER_DID_METHOD"]})


@bp.get("/organisations/<uuid:organisation_id>")
@login_required
def organisation_view(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    coordinators = db.session.scalars(accounts.coordinators_of(org.id)).all()
    return render_template(
        "admin/organisation.html", org=org, coordinators=coordinators,
        can_edit=accounts.is_coordinator(db.session, _actor(), org.id),
        issuer_did=display_did(org), public_base_url=current_app.config["PUBLIC_BASE_URL"])


@bp.route("/organisations/<uuid:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def organisation_edit(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, _actor(), org.id)
    if request.method == "POST":
        try:
            organisations.update(db.session, _actor(), org, _org_form())
            upload = request.files.get("image")
            if upload is not None and upload.filename:
                limit = current_app.config["MAX_UPLOAD_BYTES"]
                organisations.set_image(db.session, _actor(), org,
                                        uploads.read_limited(upload.stream, limit, "image"),
                                        upload_dir=current_app.config["UPLOAD_DIR"],
                                        max_bytes=limit)
            elif request.form.get("remove_image") == "on":
                organisations.remove_image(db.session, _actor(), org)
        except ServiceError as exc:
            flash_error(exc)
            return render_template("admin/organisation_form.html", org=org,
                                   form=request.form), exc.status
        flash("Saved.", "info")
        return redirect(url_for("admin.organisation_view", organisation_id=org.id))
    form = {"name": org.name, "url": org.url or "", "email": org.email or "",
            "did_method": org.did_method,
            **{f"name_{k}": v for k, v in (org.name_i18n or {}).items()},
            **{f"description_{k}": v for k, v in (org.description_i18n or {}).items()}}
    return render_template("admin/organisation_form.html", org=org, form=form)


@bp.post("/organisations/<uuid:organisation_id>/coordinators")
@login_required
def organisation_add_coordinator(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, _actor(), org.id)
    user = accounts.find_user_by_email(db.session, request.form.get("email", ""))
    if user is None:
        flash("No account has this email address; an administrator must create it first.",
              "error")
    else:
        try:
            accounts.add_coordinator(db.session, _actor(), org, user)
            flash(f"{user.display_name} is now a coordinator.", "info")
        except ServiceError as exc:
            flash_error(exc)
    return redirect(url_for("admin.organisation_view", organisation_id=org.id))


@bp.post("/organisations/<uuid:organisation_id>/coordinators/<uuid:user_id>/remove")
@login_required
def organisation_remove_coordinator(organisation_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, _actor(), org.id)
    user = accounts.get_user(db.session, user_id)
    accounts.remove_coordinator(db.session, _actor(), org, user)
    flash(f"{user.display_name} is no longer a coordinator.", "info")
    return redirect(url_for("admin.organisation_view", organisation_id=org.id))


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users() -> Any:
    accounts.require_administrator(_actor())
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
            return redirect(url_for("admin.users"))
        except ServiceError as exc:
            flash_error(exc)
            status = exc.status
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=people,
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
    return redirect(url_for("admin.users"))


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
    return render_template("admin/tokens.html", tokens=mine, secret=secret,
                           now=utcnow()), status


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def token_revoke(token_id: uuid.UUID) -> Any:
    accounts.revoke_api_token(db.session, _actor(), token_id, now=utcnow())
    flash("Token revoked.", "info")
    return redirect(url_for("admin.tokens"))
