"""Pages for administrators and coordinators: organisations and their coordinators."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.adapters import uploads
from badge_service.adapters.keyring import current_keyring
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.forms import flash_error
from badge_service.edge.headers import public_json
from badge_service.errors import NotFound, ServiceError
from badge_service.organisations import service as organisations

bp = Blueprint("organisations", __name__, template_folder="templates")

DID_JSON = "application/did+json"


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
    return render_template("organisations/organisations.html", organisations=orgs)


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def organisation_new() -> Any:
    policy.require_administrator(_actor())
    if request.method == "POST":
        try:
            org = organisations.create(db.session, _actor(), _org_form(), now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("organisations/organisation_form.html", org=None,
                                   form=request.form), exc.status
        flash(f"Organisation {org.name} created.", "info")
        return redirect(url_for("organisations.organisation_view", organisation_id=org.id))
    return render_template("organisations/organisation_form.html", org=None,
                           form={"did_method": current_app.config["ISSUER_DID_METHOD"]})


@bp.get("/organisations/<uuid:organisation_id>")
@login_required
def organisation_view(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    coordinators = db.session.scalars(accounts.coordinators_of(org.id)).all()
    return render_template(
        "organisations/organisation.html", org=org, coordinators=coordinators,
        can_edit=policy.coordinates(db.session, _actor(), org.id),
        issuer_did=organisations.display_did(
            org, current_app.config["PUBLIC_BASE_URL"],
            current_app.config.get("HOST_DID_ORGANISATION")),
        public_base_url=current_app.config["PUBLIC_BASE_URL"])


@bp.route("/organisations/<uuid:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def organisation_edit(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    policy.require_coordinator(db.session, _actor(), org.id)
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
            return render_template("organisations/organisation_form.html", org=org,
                                   form=request.form), exc.status
        flash("Saved.", "info")
        return redirect(url_for("organisations.organisation_view", organisation_id=org.id))
    form = {"name": org.name, "url": org.url or "", "email": org.email or "",
            "did_method": org.did_method,
            **{f"name_{k}": v for k, v in (org.name_i18n or {}).items()},
            **{f"description_{k}": v for k, v in (org.description_i18n or {}).items()}}
    return render_template("organisations/organisation_form.html", org=org, form=form)


@bp.post("/organisations/<uuid:organisation_id>/coordinators")
@login_required
def organisation_add_coordinator(organisation_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    policy.require_coordinator(db.session, _actor(), org.id)
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
    return redirect(url_for("organisations.organisation_view", organisation_id=org.id))


@bp.post("/organisations/<uuid:organisation_id>/coordinators/<uuid:user_id>/remove")
@login_required
def organisation_remove_coordinator(organisation_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    org = organisations.get(db.session, organisation_id)
    policy.require_coordinator(db.session, _actor(), org.id)
    user = accounts.get_user(db.session, user_id)
    accounts.remove_coordinator(db.session, _actor(), org, user)
    flash(f"{user.display_name} is no longer a coordinator.", "info")
    return redirect(url_for("organisations.organisation_view", organisation_id=org.id))


# --- public DID documents (verifiers fetch them; public keys only, no login) ----------------

def _did_document(slug: str) -> Response:
    try:
        organisation = organisations.by_slug(db.session, slug)
    except NotFound:
        abort(404)
    if organisation.did_method != "web":
        abort(404)
    document = current_keyring().did_document(organisation)
    return public_json(document, DID_JSON, max_age=300)


@bp.get("/issuers/<slug>/did.json")
def public_did_document(slug: str) -> Any:
    if slug == current_app.config.get("HOST_DID_ORGANISATION"):
        # The host organisation's DID is did:web:<host> (/.well-known/did.json); no one's DID
        # is did:web:<host>:issuers:<its slug>, so a document here would claim an identifier
        # (its "id" would not even match the URL's DID) that resolvers must not accept.
        abort(404)
    return _did_document(slug)


@bp.get("/.well-known/did.json")
def public_host_did_document() -> Any:
    slug = current_app.config.get("HOST_DID_ORGANISATION")
    if not slug:
        abort(404)
    return _did_document(slug)
