"""Pages: a programme's achievements (badges), and each achievement's public page."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from badge_service import policy
from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.adapters import uploads
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.forms import flash_error
from badge_service.errors import ServiceError
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme
from badge_service.programmes.views import delete_then_redirect, managed_programme

bp = Blueprint("achievements", __name__, template_folder="templates")

JSON_TYPES = ("application/ld+json", "application/json")


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _image_path(achievement: Achievement | None) -> str | None:
    """Same-site path of the image, for pages (their CSP allows images from 'self' only)."""
    if achievement is None or not achievement.image_path:
        return None
    return url_for("home.upload_file", name=achievement.image_path)


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
        "achievements/achievement_form.html", programme=programme, achievement=achievement,
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
    programme = managed_programme(programme_id)
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
        return redirect(url_for("achievements.achievement_view", achievement_id=achievement.id))
    return _render_achievement_form(programme, None, _form_values(None))


@bp.route("/achievements/<uuid:achievement_id>/edit", methods=["GET", "POST"])
@login_required
def achievement_edit(achievement_id: uuid.UUID) -> Any:
    achievement = achievements.get_readable(db.session, current_user, achievement_id)
    programme = achievement.programme
    policy.require_coordinate_programme(db.session, current_user, programme)
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
        return redirect(url_for("achievements.achievement_view", achievement_id=achievement.id))
    return _render_achievement_form(programme, achievement, _form_values(achievement))


@bp.post("/achievements/<uuid:achievement_id>/delete")
@login_required
def achievement_delete(achievement_id: uuid.UUID) -> Any:
    achievement = achievements.get_readable(db.session, current_user, achievement_id)
    programme = achievement.programme
    policy.require_coordinate_programme(db.session, current_user, programme)
    return delete_then_redirect(
        lambda: achievements.delete(db.session, current_user, achievement),
        done=f"Achievement “{achievement.name}” deleted.",
        back=url_for("achievements.achievement_view", achievement_id=achievement.id),
        after=url_for("programmes.programme_view", programme_id=programme.id))


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
                      and policy.may_coordinate_programme(db.session, current_user, programme))
        can_award = (current_user.is_authenticated
                     and policy.may_award(db.session, current_user, achievement))
        required = [r.required for r in achievement.requirements]
        response = Response(render_template(
            "achievements/achievement.html", achievement=achievement, programme=programme,
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


