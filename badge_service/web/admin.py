"""Pages for administrators and coordinators: organisations, users, API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..clock import utcnow
from ..db import db
from ..errors import ServiceError
from ..models import ApiToken, User
from ..services import accounts, organisations
from .forms import flash_error

bp = Blueprint("admin", __name__)


def _org_form() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "url": form.get("url", "").strip() or None,
        "email": form.get("email", "").strip() or None,
        "did_method": form.get("did_method", "web"),
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
    orgs = db.session.scalars(organisations.visible_to(current_user)).all()
    return render_template("admin/organisations.html", organisations=orgs)


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def organisation_new() -> Any:
    accounts.require_administrator(current_user)
    if request.method == "POST":
        try:
            org = organisations.create(db.session, current_user, _org_form(), now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("admin/organisation_form.html", org=None,
                                   form=request.form), exc.status
        flash(f"Organisation {org.name} created.", "info")
        return redirect(url_for("admin.organisation_view", organisation_id=org.id))
    return render_template("admin/organisation_form.html", org=None, form={})


@bp.get("/organisations/<uuid:organisation_id>")
@login_required
def organisation_view(organisation_id: uuid.UUID) -> Any:
    from flask import current_app

    org = organisations.get(db.session, organisation_id)
    coordinators = db.session.scalars(
        select(User).join(User.organisation_roles).where(
            User.organisation_roles.any(organisation_id=org.id)).order_by(User.email)
    ).unique().all()
    return render_template(
        "admin/organisation.html", org=org, coordinators=coordinators,
        can_edit=accounts.is_coordinator(db.session, current_user, org.id),
        issuer_did=organisations.issuer_did(org, current_app.config["PUBLIC_BASE_URL"]))


@bp.route("/organisations/<uuid:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def organisation_edit(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, current_user, org.id)
    if request.method == "POST":
        try:
            organisations.update(db.session, current_user, org, _org_form())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("admin/organisation_form.html", org=org,
                                   form=request.form), exc.status
        flash("Saved.", "info")
        return redirect(url_for("admin.organisation_view", organisation_id=org.id))
    form = {"name": org.name, "url": org.url or "", "email": org.email or "",
            "did_method": org.did_method, "name_en": (org.name_i18n or {}).get("en", ""),
            **{f"description_{k}": v for k, v in (org.description_i18n or {}).items()}}
    return render_template("admin/organisation_form.html", org=org, form=form)


@bp.post("/organisations/<uuid:organisation_id>/coordinators")
@login_required
def organisation_add_coordinator(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    try:
        accounts.require_coordinator(db.session, current_user, org.id)
        user = accounts.find_user_by_email(db.session, request.form.get("email", ""))
        if user is None:
            flash("No account has this email address; create the user first.", "error")
        else:
            accounts.grant_coordinator(db.session, user, org)
            flash(f"{user.display_name} is now a coordinator.", "info")
    except ServiceError as exc:
        flash_error(exc)
    return redirect(url_for("admin.organisation_view", organisation_id=org.id))


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users() -> Any:
    accounts.require_administrator(current_user)
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
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=people)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Any:
    secret = None
    if request.method == "POST":
        try:
            secret = accounts.create_api_token(db.session, current_user,
                                               request.form.get("name", ""),
                                               now=utcnow()).secret
        except ServiceError as exc:
            flash_error(exc)
    mine = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()
    return render_template("admin/tokens.html", tokens=mine, secret=secret)


@bp.post("/account/tokens/<uuid:token_id>/revoke")
@login_required
def token_revoke(token_id: uuid.UUID) -> Any:
    accounts.revoke_api_token(db.session, current_user, token_id, now=utcnow())
    flash("Token revoked.", "info")
    return redirect(url_for("admin.tokens"))
