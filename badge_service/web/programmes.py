"""Pages: programmes, trainers and achievements; the public achievement page (the OB
Achievement ``id``: HTML for people, JSON by content negotiation) and the public image files."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
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
from flask_login import current_user, login_required, login_user

from .. import uploads
from ..clock import utcnow
from ..db import db
from ..errors import AuthenticationRequired, Forbidden, ServiceError
from ..models import Achievement, Programme
from ..services import accounts, achievements, issuing, programmes
from .forms import flash_error

bp = Blueprint("programmes", __name__)

JSON_TYPES = ("application/ld+json", "application/json")


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _image_path(achievement: Achievement | None) -> str | None:
    """Same-site path of the image, for pages (their CSP allows images from 'self' only)."""
    if achievement is None or not achievement.image_path:
        return None
    return url_for("programmes.upload_file", name=achievement.image_path)


# --- programmes ------------------------------------------------------------------------------


def _programme_form() -> dict[str, Any]:
    form = request.form
    return {
        "slug": form.get("slug", "").strip(),
        "title": {lang: form.get(f"title_{lang}", "") for lang in ("fr", "en")},
        "description": {lang: form.get(f"description_{lang}", "") for lang in ("fr", "en")},
    }


def _programme_values(programme: Programme) -> dict[str, Any]:
    return {"slug": programme.slug,
            **{f"title_{k}": v for k, v in (programme.title_i18n or {}).items()},
            **{f"description_{k}": v for k, v in (programme.description_i18n or {}).items()}}


@bp.get("/programmes")
@login_required
def programme_list() -> Any:
    rows = db.session.scalars(programmes.visible_to(current_user)).all()
    can_create = bool(programmes.manageable_organisations(db.session, current_user))
    return render_template("programmes/list.html", programmes=rows, can_create=can_create)


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def programme_new() -> Any:
    organisations = programmes.manageable_organisations(db.session, current_user)
    if not organisations:
        raise Forbidden("only a coordinator of an organisation can create programmes")
    if request.method == "POST":
        try:
            organisation_id = uuid.UUID(request.form.get("organisation_id", ""))
        except ValueError:
            organisation_id = uuid.UUID(int=0)  # the service reports "no such organisation"
        try:
            programme = programmes.create(db.session, current_user, organisation_id,
                                          _programme_form(), now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("programmes/form.html", programme=None,
                                   organisations=organisations, values=request.form), exc.status
        flash(f"Programme “{programme.title}” created.", "info")
        return redirect(url_for("programmes.programme_view", programme_id=programme.id))
    values = {"organisation_id": request.args.get("organisation_id", "")}
    return render_template("programmes/form.html", programme=None, organisations=organisations,
                           values=values)


def _render_view(programme: Programme, trainer_form: dict[str, str] | None = None,
                 status: int = 200) -> Any:
    rows = db.session.scalars(achievements.of_programme(programme)).all()
    return render_template(
        "programmes/view.html", programme=programme, achievements=rows,
        trainers=programmes.trainers(db.session, programme),
        can_manage=programmes.can_manage(db.session, current_user, programme),
        trainer_form=trainer_form or {"preferred_language": _default_language()}), status


def _default_language() -> str:
    return str(current_app.config["DEFAULT_LANGUAGE"])


@bp.get("/programmes/<uuid:programme_id>")
@login_required
def programme_view(programme_id: uuid.UUID) -> Any:
    return _render_view(programmes.get_readable(db.session, current_user, programme_id))


@bp.route("/programmes/<uuid:programme_id>/edit", methods=["GET", "POST"])
@login_required
def programme_edit(programme_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, current_user, programme_id)
    programmes.require_manage(db.session, current_user, programme)
    if request.method == "POST":
        try:
            programmes.update(db.session, current_user, programme, _programme_form(),
                              now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("programmes/form.html", programme=programme,
                                   organisations=[], values=request.form), exc.status
        flash("Saved.", "info")
        return redirect(url_for("programmes.programme_view", programme_id=programme.id))
    return render_template("programmes/form.html", programme=programme, organisations=[],
                           values=_programme_values(programme))


@bp.post("/programmes/<uuid:programme_id>/delete")
@login_required
def programme_delete(programme_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, current_user, programme_id)
    programmes.require_manage(db.session, current_user, programme)
    try:
        programmes.delete(db.session, current_user, programme)
    except ServiceError as exc:
        flash_error(exc)
        return redirect(url_for("programmes.programme_view", programme_id=programme.id))
    flash(f"Programme “{programme.title}” deleted.", "info")
    return redirect(url_for("programmes.programme_list"))


def trainer_invitation_link(programme: Programme) -> Callable[[str], str]:
    """The absolute link of a trainer's invitation (the API uses it too)."""
    def link(token: str) -> str:
        return _base() + url_for("programmes.trainer_invitation", programme_id=programme.id,
                                 token=token)
    return link


@bp.post("/programmes/<uuid:programme_id>/trainers")
@login_required
def trainer_add(programme_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, current_user, programme_id)
    programmes.require_manage(db.session, current_user, programme)
    form = {key: request.form.get(key, "").strip()
            for key in ("email", "display_name", "preferred_language")}
    try:
        done = programmes.assign_trainer(
            db.session, current_user, programme, email=form["email"],
            display_name=form["display_name"] or None,
            preferred_language=form["preferred_language"] or None,
            default_language=_default_language(), now=utcnow(),
            invitation_link=trainer_invitation_link(programme))
    except ServiceError as exc:
        flash_error(exc)
        # The page again, with what was typed, so the coordinator corrects rather than retypes.
        return _render_view(programme, form, exc.status)
    name = done.user.display_name
    if done.created:
        flash(f"An account was created for {done.user.email}, now a trainer of this programme; "
              "an invitation to choose a password was emailed to them.", "info")
    elif done.granted:
        flash(f"{name} is now a trainer of this programme.", "info")
    else:
        flash(f"{name} already was a trainer of this programme.", "info")
    return redirect(url_for("programmes.programme_view", programme_id=programme.id))


@bp.route("/programmes/<uuid:programme_id>/trainer-invitation/<token>",
          methods=["GET", "POST"])
def trainer_invitation(programme_id: uuid.UUID, token: str) -> Any:
    """A new trainer's first visit: choose a password, then land on the programme logged in.

    Public, gated by the one-time token like password-reset links: GET only shows the form
    (mail scanners that prefetch links must not spend it), POST spends it.
    """
    now = utcnow()
    try:
        user = programmes.check_trainer_invitation(db.session, token, now=now)
    except AuthenticationRequired as exc:
        flash(exc.detail[0].upper() + exc.detail[1:] + ".", "error")
        return render_template("programmes/trainer_invitation.html", user=None), exc.status
    if request.method == "POST":
        try:
            user = programmes.accept_trainer_invitation(
                db.session, token, request.form.get("password", ""),
                request.form.get("confirm", ""), now=now)
        except AuthenticationRequired as exc:  # spent by a concurrent request meanwhile
            flash(exc.detail[0].upper() + exc.detail[1:] + ".", "error")
            return render_template("programmes/trainer_invitation.html", user=None), exc.status
        except ServiceError as exc:
            flash_error(exc)
            return render_template("programmes/trainer_invitation.html", user=user), exc.status
        login_user(user)
        flash(f"Welcome, {user.display_name}. Your password is set.", "info")
        programme = db.session.get(Programme, programme_id)
        # The link names the programme only to land there; access is checked as usual.
        if programme is not None and programmes.can_read(db.session, user, programme):
            return redirect(url_for("programmes.programme_view", programme_id=programme.id))
        return redirect(url_for("programmes.programme_list"))
    return render_template("programmes/trainer_invitation.html", user=user)


@bp.post("/programmes/<uuid:programme_id>/trainers/<uuid:user_id>/remove")
@login_required
def trainer_remove(programme_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, current_user, programme_id)
    user = accounts.get_user(db.session, user_id)
    programmes.remove_trainer(db.session, current_user, programme, user)
    flash(f"{user.display_name} is no longer a trainer of this programme.", "info")
    return redirect(url_for("programmes.programme_view", programme_id=programme.id))


# --- achievements ----------------------------------------------------------------------------


def _achievement_form() -> dict[str, Any]:
    form = request.form
    return {
        "achievement_type": form.get("achievement_type", "").strip(),
        "language": form.get("language") or None,
        "name": {lang: form.get(f"name_{lang}", "") for lang in ("fr", "en")},
        "description": {lang: form.get(f"description_{lang}", "") for lang in ("fr", "en")},
        "criteria": {lang: form.get(f"criteria_{lang}", "") for lang in ("fr", "en")},
        "alignments": form.getlist("alignments"),
        "level_scale_version_id": form.get("level_scale_version_id") or None,
        "validity_days": form.get("validity_days", "").strip() or None,
        "tags": form.get("tags", ""),
        "human_code": form.get("human_code", ""),
        "requires": form.getlist("requires"),
        "requires_portfolio": form.get("requires_portfolio") == "on",
    }


def _form_values_from_request() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["alignments"] = set(form.getlist("alignments"))
    values["requires"] = set(form.getlist("requires"))
    values["requires_portfolio"] = form.get("requires_portfolio") == "on"
    return values


def _form_values(achievement: Achievement | None) -> dict[str, Any]:
    if achievement is None:
        return {"achievement_type": "Badge", "language": "fr", "alignments": set(),
                "requires": set(), "requires_portfolio": False}
    values: dict[str, Any] = {
        "achievement_type": achievement.achievement_type,
        "language": achievement.language,
        "alignments": {str(a.framework_item_id) for a in achievement.alignments},
        "level_scale_version_id": str(achievement.level_scale_version_id or ""),
        "validity_days": achievement.validity_days or "",
        "tags": ", ".join(achievement.tags or []),
        "human_code": achievement.human_code or "",
        "requires": {str(i) for i in achievements.required_ids(achievement)},
        "requires_portfolio": achievement.requires_portfolio,
    }
    for key in ("name", "description", "criteria"):
        for lang, text in (getattr(achievement, f"{key}_i18n") or {}).items():
            values[f"{key}_{lang}"] = text
    return values


def _render_achievement_form(programme: Programme, achievement: Achievement | None,
                             values: dict[str, Any], status: int = 200) -> Any:
    siblings = [a for a in db.session.scalars(achievements.of_programme(programme))
                if achievement is None or a.id != achievement.id]
    return render_template(
        "programmes/achievement_form.html", programme=programme, achievement=achievement,
        values=values, item_groups=achievements.published_items(db.session),
        scales=achievements.level_scales(db.session), siblings=siblings,
        common_types=achievements.COMMON_TYPES,
        all_types=sorted(achievements.ACHIEVEMENT_TYPES),
        image_url=_image_path(achievement),
        max_upload=current_app.config["MAX_UPLOAD_BYTES"]), status


def _save_image(achievement: Achievement) -> None:
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        if request.form.get("remove_image") == "on":
            achievements.remove_image(db.session, current_user, achievement, now=utcnow())
        return
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = uploads.read_limited(upload.stream, limit, "image")
    stored = achievements.set_image(db.session, current_user, achievement, data,
                                    upload_dir=current_app.config["UPLOAD_DIR"],
                                    max_bytes=limit, now=utcnow())
    if stored.removed:
        flash("The SVG image was cleaned; removed: " + ", ".join(stored.removed) + ".", "info")


@bp.route("/programmes/<uuid:programme_id>/achievements/new", methods=["GET", "POST"])
@login_required
def achievement_new(programme_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, current_user, programme_id)
    programmes.require_manage(db.session, current_user, programme)
    if request.method == "POST":
        try:
            achievement = achievements.create(db.session, current_user, programme,
                                              _achievement_form(), now=utcnow())
            _save_image(achievement)
        except ServiceError as exc:
            db.session.rollback()  # nothing half-made shows in the re-rendered form
            flash_error(exc)
            return _render_achievement_form(programme, None, _form_values_from_request(),
                                            exc.status)
        flash(f"Achievement “{achievement.name}” created.", "info")
        return redirect(url_for("programmes.achievement_view", achievement_id=achievement.id))
    return _render_achievement_form(programme, None, _form_values(None))


@bp.route("/achievements/<uuid:achievement_id>/edit", methods=["GET", "POST"])
@login_required
def achievement_edit(achievement_id: uuid.UUID) -> Any:
    achievement = achievements.get_readable(db.session, current_user, achievement_id)
    programme = achievement.programme
    programmes.require_manage(db.session, current_user, programme)
    if request.method == "POST":
        try:
            achievements.update(db.session, current_user, achievement, _achievement_form(),
                                now=utcnow())
            _save_image(achievement)
        except ServiceError as exc:
            db.session.rollback()
            flash_error(exc)
            return _render_achievement_form(programme, achievement,
                                            _form_values_from_request(), exc.status)
        flash("Saved.", "info")
        return redirect(url_for("programmes.achievement_view", achievement_id=achievement.id))
    return _render_achievement_form(programme, achievement, _form_values(achievement))


@bp.post("/achievements/<uuid:achievement_id>/delete")
@login_required
def achievement_delete(achievement_id: uuid.UUID) -> Any:
    achievement = achievements.get_readable(db.session, current_user, achievement_id)
    programme = achievement.programme
    programmes.require_manage(db.session, current_user, programme)
    try:
        achievements.delete(db.session, current_user, achievement)
    except ServiceError as exc:
        flash_error(exc)
        return redirect(url_for("programmes.achievement_view", achievement_id=achievement.id))
    flash(f"Achievement “{achievement.name}” deleted.", "info")
    return redirect(url_for("programmes.programme_view", programme_id=programme.id))


# --- public ----------------------------------------------------------------------------------


def _wants_json() -> str | None:
    if request.args.get("format") == "json":
        return "application/ld+json"
    best = request.accept_mimetypes.best_match(["text/html", *JSON_TYPES])
    if best in JSON_TYPES and request.accept_mimetypes[best] > request.accept_mimetypes[
            "text/html"]:
        return best
    return None


@bp.get("/achievements/<uuid:achievement_id>")
def achievement_view(achievement_id: uuid.UUID) -> Any:
    """The achievement's OB ``id``: public, no login. JSON (the OB Achievement as JSON-LD) for
    ``Accept: application/ld+json`` / ``application/json`` (or ``?format=json``), HTML else."""
    achievement = achievements.get(db.session, achievement_id)
    media_type = _wants_json()
    if media_type:
        document = achievements.to_ob_document(achievement, _base())
        response = Response(json.dumps(document, ensure_ascii=False, indent=2),
                            mimetype=media_type)
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        language = request.args.get("lang")
        if language not in ("fr", "en"):
            language = achievement.language
        programme = achievement.programme
        can_manage = (current_user.is_authenticated
                      and programmes.can_manage(db.session, current_user, programme))
        can_award = (current_user.is_authenticated
                     and issuing.can_award(db.session, current_user, achievement))
        required = [r.required for r in achievement.requirements]
        response = Response(render_template(
            "programmes/achievement.html", achievement=achievement, programme=programme,
            language=language, text=lambda texts: programmes.text_of(texts, language),
            item_name=lambda item: achievements.item_name(item, language),
            item_url=lambda item: achievements.item_url(_base(), item),
            levels=achievements.levels_of(achievement.level_scale_version),
            required=required,
            part_of=achievements.composites_requiring(db.session, achievement.id),
            image_url=_image_path(achievement),
            ob_id=achievements.achievement_url(_base(), achievement),
            can_manage=can_manage, can_award=can_award), mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


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
