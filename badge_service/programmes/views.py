"""Pages: programmes and their trainers, and the page where a new trainer spends the
invitation (a programme's achievements have their pages in achievements/views.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user

from badge_service import policy
from badge_service.accounts.service import users as accounts
from badge_service.achievements import service as achievements
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.forms import flash_error
from badge_service.edge.language import configured_language
from badge_service.errors import AuthenticationRequired, Forbidden, ServiceError
from badge_service.programmes import service as programmes
from badge_service.programmes.forms import trainer_invitation_link
from badge_service.programmes.models import Programme

bp = Blueprint("programmes", __name__, template_folder="templates")


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
        can_manage=policy.may_coordinate_programme(db.session, current_user, programme),
        trainer_form=trainer_form or {"preferred_language": configured_language()}), status


def managed_programme(programme_id: uuid.UUID) -> Programme:
    """The programme of a coordinator's page: 404 unless the user may read it, 403 unless they
    may manage it (the achievements' pages use it too)."""
    programme = programmes.get_readable(db.session, current_user, programme_id)
    policy.require_coordinate_programme(db.session, current_user, programme)
    return programme


def delete_then_redirect(delete: Callable[[], Any], *, done: str, back: str, after: str) -> Any:
    """A delete button's answer (programmes and achievements): when the service refuses (still
    in use: 409) say why and go ``back`` to the page; else say ``done`` and go on to ``after``."""
    try:
        delete()
    except ServiceError as exc:
        flash_error(exc)
        return redirect(back)
    flash(done, "info")
    return redirect(after)


@bp.get("/programmes/<uuid:programme_id>")
@login_required
def programme_view(programme_id: uuid.UUID) -> Any:
    return _render_view(programmes.get_readable(db.session, current_user, programme_id))


@bp.route("/programmes/<uuid:programme_id>/edit", methods=["GET", "POST"])
@login_required
def programme_edit(programme_id: uuid.UUID) -> Any:
    programme = managed_programme(programme_id)
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
    programme = managed_programme(programme_id)
    return delete_then_redirect(
        lambda: programmes.delete(db.session, current_user, programme),
        done=f"Programme “{programme.title}” deleted.",
        back=url_for("programmes.programme_view", programme_id=programme.id),
        after=url_for("programmes.programme_list"))


@bp.post("/programmes/<uuid:programme_id>/trainers")
@login_required
def trainer_add(programme_id: uuid.UUID) -> Any:
    programme = managed_programme(programme_id)
    form = {key: request.form.get(key, "").strip()
            for key in ("email", "display_name", "preferred_language")}
    try:
        done = programmes.assign_trainer(
            db.session, current_user, programme, email=form["email"],
            display_name=form["display_name"] or None,
            preferred_language=form["preferred_language"] or None,
            default_language=configured_language(), now=utcnow(),
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


