"""Pages: cohorts of a programme, their participants, the CSV import, invitations.

The import page works in two steps: the upload is checked and previewed (nothing written), and
kept as a pending import in the database; the confirm button imports that stored file — the
same bytes that were previewed — all or nothing.

The invitation link (``/invitation/<token>``) shows a button first: mail scanners that prefetch
links must not spend the one-time token. Pressing it logs the participant in.
"""

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
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, select

from badge_service import policy
from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.models import STATUSES, Cohort, CohortMember
from badge_service.db import db
from badge_service.edge.forms import flash_error
from badge_service.edge.language import configured_language
from badge_service.errors import AuthenticationRequired, ServiceError
from badge_service.programmes.models import Programme

bp = Blueprint("cohorts", __name__, template_folder="templates")
PAGE_SIZE = 100
MEMBER_FORM_FIELDS = ("email", "given_name", "family_name", "participant_code",
                      "organisation_name", "organisation_type", "country", "job_role",
                      "preferred_language")


def _actor() -> Any:
    return current_user._get_current_object()


def _config(name: str) -> Any:
    return current_app.config[name]


def _cohort(cohort_id: uuid.UUID) -> Cohort:
    return cohorts.get_cohort(db.session, _actor(), cohort_id)


def _can_manage(programme: Programme) -> bool:
    return policy.may_manage_programme(db.session, _actor(), programme)


def _managed_cohort(cohort_id: uuid.UUID) -> tuple[Any, Cohort]:
    """The actor and a cohort they manage (403 for its participants, who may only see it)."""
    actor = _actor()
    cohort = _cohort(cohort_id)
    policy.require_manage_programme(db.session, actor, cohort.programme, policy.MANAGE_COHORTS)
    return actor, cohort


def _managed_member(cohort_id: uuid.UUID,
                    member_id: uuid.UUID) -> tuple[Any, Cohort, CohortMember]:
    """As :func:`_managed_cohort`, the member looked up first: another's row is "not found"."""
    actor = _actor()
    cohort = _cohort(cohort_id)
    member = cohorts.get_member(db.session, actor, cohort, member_id)
    policy.require_manage_programme(db.session, actor, cohort.programme, policy.MANAGE_COHORTS)
    return actor, cohort, member


def _to_cohort(cohort: Cohort) -> Any:
    return redirect(url_for("cohorts.view", cohort_id=cohort.id))


# --- lists -----------------------------------------------------------------------------------


@bp.get("/cohorts")
@login_required
def index() -> Any:
    """Every cohort the user manages, by programme, and their own memberships."""
    actor = _actor()
    managed = cohorts.managed_programmes(db.session, actor)
    by_programme = {p.id: list(db.session.scalars(cohorts.cohorts_query(db.session, actor, p)))
                    for p in managed}
    counts = cohorts.member_counts(db.session, [c for cs in by_programme.values() for c in cs])
    return render_template("cohorts/index.html", programmes=managed, by_programme=by_programme,
                           counts=counts, memberships=cohorts.memberships_of(db.session, actor))


@bp.get("/my/cohorts")
@login_required
def mine() -> Any:
    return render_template("cohorts/mine.html",
                           memberships=cohorts.memberships_of(db.session, _actor()))


@bp.route("/programmes/<uuid:programme_id>/cohorts", methods=["GET", "POST"])
@login_required
def programme_cohorts(programme_id: uuid.UUID) -> Any:
    actor = _actor()
    programme = cohorts.get_programme(db.session, actor, programme_id)
    status = 200
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("name", "start_date", "end_date")}
        try:
            cohort = cohorts.create_cohort(db.session, actor, programme, form, now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            status = exc.status
        else:
            flash(f"Cohort {cohort.name} created.", "info")
            return _to_cohort(cohort)
    rows = list(db.session.scalars(cohorts.cohorts_query(db.session, actor, programme)))
    return render_template("cohorts/programme.html", programme=programme, cohorts=rows,
                           counts=cohorts.member_counts(db.session, rows),
                           can_manage=_can_manage(programme), form=form), status


# --- one cohort ------------------------------------------------------------------------------


@bp.get("/cohorts/<uuid:cohort_id>")
@login_required
def view(cohort_id: uuid.UUID) -> Any:
    actor = _actor()
    cohort = _cohort(cohort_id)
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    search = request.args.get("q", "").strip()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    query = cohorts.members_query(db.session, actor, cohort, status=status, search=search)
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0
    members = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "cohorts/cohort.html", cohort=cohort, programme=cohort.programme, members=members,
        counts=cohorts.member_counts(db.session, [cohort])[cohort.id],
        can_manage=_can_manage(cohort.programme), status=status, search=search, page=page,
        pages=pages, total=total, statuses=STATUSES)


@bp.get("/cohorts/<uuid:cohort_id>/members.csv")
@login_required
def export(cohort_id: uuid.UUID) -> Any:
    cohort = _cohort(cohort_id)
    data = cohorts.export_members_csv(db.session, _actor(), cohort)
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cohort-{cohort.id}.csv"',
        "X-Content-Type-Options": "nosniff"})


@bp.route("/cohorts/<uuid:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: uuid.UUID) -> Any:
    actor, cohort = _managed_cohort(cohort_id)
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("name", "start_date", "end_date")}
        try:
            cohorts.update_cohort(db.session, actor, cohort, form, now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("cohorts/cohort_form.html", cohort=cohort,
                                   form=form), exc.status
        flash("Saved.", "info")
        return _to_cohort(cohort)
    form = {"name": cohort.name, "start_date": cohort.start_date or "",
            "end_date": cohort.end_date or ""}
    return render_template("cohorts/cohort_form.html", cohort=cohort, form=form)


@bp.post("/cohorts/<uuid:cohort_id>/delete")
@login_required
def delete(cohort_id: uuid.UUID) -> Any:
    cohort = _cohort(cohort_id)
    programme_id, name = cohort.programme_id, cohort.name
    cohorts.delete_cohort(db.session, _actor(), cohort)
    flash(f"Cohort {name} deleted.", "info")
    return redirect(url_for("cohorts.programme_cohorts", programme_id=programme_id))


# --- members ---------------------------------------------------------------------------------


@bp.route("/cohorts/<uuid:cohort_id>/members/new", methods=["GET", "POST"])
@login_required
def member_new(cohort_id: uuid.UUID) -> Any:
    actor, cohort = _managed_cohort(cohort_id)
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in MEMBER_FORM_FIELDS}
        now = utcnow()
        try:
            member = cohorts.add_member(db.session, actor, cohort, form, now=now,
                                        default_language=configured_language())
            if request.form.get("invite") == "on":
                cohorts.invite(db.session, actor, [member], now=now,
                               base_url=_config("PUBLIC_BASE_URL"))
        except ServiceError as exc:
            flash_error(exc)
            return render_template("cohorts/member_form.html", cohort=cohort, member=None,
                                   form=form, statuses=STATUSES), exc.status
        flash(f"{member.full_name} added"
              + (" and invited." if member.invited_at else "."), "info")
        return _to_cohort(cohort)
    return render_template("cohorts/member_form.html", cohort=cohort, member=None,
                           form={"preferred_language": configured_language()},
                           statuses=STATUSES)


@bp.route("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>/edit", methods=["GET", "POST"])
@login_required
def member_edit(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor, cohort, member = _managed_member(cohort_id, member_id)
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in (*MEMBER_FORM_FIELDS[1:], "status")}
        try:
            cohorts.update_member(db.session, actor, member, form,
                                  default_language=configured_language())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("cohorts/member_form.html", cohort=cohort, member=member,
                                   form=form, statuses=STATUSES), exc.status
        flash("Saved.", "info")
        return _to_cohort(cohort)
    form = {k: getattr(member, k) or "" for k in (*MEMBER_FORM_FIELDS[1:], "status")}
    return render_template("cohorts/member_form.html", cohort=cohort, member=member, form=form,
                           statuses=STATUSES)


@bp.post("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>/remove")
@login_required
def member_remove(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor = _actor()
    cohort = _cohort(cohort_id)
    member = cohorts.get_member(db.session, actor, cohort, member_id)
    name = member.full_name
    cohorts.remove_member(db.session, actor, member)
    flash(f"{name} removed from the cohort.", "info")
    return _to_cohort(cohort)


@bp.post("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>/invite")
@login_required
def member_invite(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor, cohort, member = _managed_member(cohort_id, member_id)
    try:
        cohorts.invite(db.session, actor, [member], now=utcnow(),
                       base_url=_config("PUBLIC_BASE_URL"))
    except ServiceError as exc:
        flash_error(exc)
        return _to_cohort(cohort)
    flash(f"Invitation sent to {member.user.email}.", "info")
    return _to_cohort(cohort)


@bp.post("/cohorts/<uuid:cohort_id>/invite")
@login_required
def invite_all(cohort_id: uuid.UUID) -> Any:
    actor, cohort = _managed_cohort(cohort_id)
    try:
        members = cohorts.members_to_invite(db.session, actor, cohort,
                                            scope=request.form.get("scope", "not-invited"))
        cohorts.invite(db.session, actor, members, now=utcnow(),
                       base_url=_config("PUBLIC_BASE_URL"))
    except ServiceError as exc:
        flash_error(exc)
        return _to_cohort(cohort)
    flash(f"{len(members)} invitation{'s' if len(members) != 1 else ''} sent."
          if members else "Nobody to invite.", "info")
    return _to_cohort(cohort)


# --- import ----------------------------------------------------------------------------------


def _import_target(programme_id: uuid.UUID | None,
                   cohort_id: uuid.UUID | None) -> tuple[Programme, Cohort | None]:
    if cohort_id is not None:
        _, cohort = _managed_cohort(cohort_id)
        return cohort.programme, cohort
    assert programme_id is not None
    actor = _actor()
    programme = cohorts.get_programme(db.session, actor, programme_id)
    policy.require_manage_programme(db.session, actor, programme, policy.MANAGE_COHORTS)
    return programme, None


def _import_page(programme_id: uuid.UUID | None, cohort_id: uuid.UUID | None) -> Any:
    programme, cohort = _import_target(programme_id, cohort_id)
    if request.method == "GET":
        return render_template("cohorts/import.html", programme=programme, cohort=cohort)
    upload = request.files.get("file")
    limit = int(_config("MAX_IMPORT_BYTES"))
    if upload is None or not upload.filename:
        flash("Choose a CSV file to upload.", "error")
        return render_template("cohorts/import.html", programme=programme,
                               cohort=cohort), 422
    content = upload.stream.read(limit + 1)
    try:
        plan = cohorts.plan_import(db.session, _actor(), programme, content, cohort=cohort,
                                   default_language=configured_language(),
                                   max_bytes=limit)
    except ServiceError as exc:
        flash_error(exc)
        return render_template("cohorts/import.html", programme=programme, cohort=cohort,
                               file_errors=exc.errors), exc.status
    pending = None
    if plan.ok:
        pending = cohorts.store_pending_import(db.session, _actor(), programme, cohort,
                                               upload.filename, content, now=utcnow())
    return render_template("cohorts/preview.html", programme=programme, cohort=cohort,
                           plan=plan, pending=pending, filename=upload.filename)


@bp.route("/programmes/<uuid:programme_id>/cohorts/import", methods=["GET", "POST"])
@login_required
def import_programme(programme_id: uuid.UUID) -> Any:
    return _import_page(programme_id, None)


@bp.route("/cohorts/<uuid:cohort_id>/import", methods=["GET", "POST"])
@login_required
def import_cohort(cohort_id: uuid.UUID) -> Any:
    return _import_page(None, cohort_id)


@bp.post("/imports/<uuid:pending_id>/confirm")
@login_required
def import_confirm(pending_id: uuid.UUID) -> Any:
    actor = _actor()
    now = utcnow()
    pending = cohorts.get_pending_import(db.session, actor, pending_id, now=now)
    if request.form.get("sha256") != pending.sha256:
        abort(409)
    programme = cohorts.get_programme(db.session, actor, pending.programme_id)
    cohort = _cohort(pending.cohort_id) if pending.cohort_id else None
    filename = pending.filename
    try:
        plan = cohorts.confirm_pending_import(
            db.session, actor, pending, now=now, default_language=configured_language(),
            base_url=_config("PUBLIC_BASE_URL"), invite_new=request.form.get("invite") == "on",
            max_bytes=int(_config("MAX_IMPORT_BYTES")))
    except cohorts.ImportFailed as exc:
        # The data changed since the preview (e.g. someone added a participant meanwhile).
        flash(exc.detail, "error")
        return render_template("cohorts/preview.html", programme=programme, cohort=cohort,
                               plan=exc.plan, pending=None, filename=filename), 422
    return render_template("cohorts/preview.html", programme=programme, cohort=cohort,
                           plan=plan, pending=None, filename=filename)


@bp.post("/imports/<uuid:pending_id>/cancel")
@login_required
def import_cancel(pending_id: uuid.UUID) -> Any:
    pending = cohorts.get_pending_import(db.session, _actor(), pending_id, now=utcnow())
    target = (url_for("cohorts.view", cohort_id=pending.cohort_id) if pending.cohort_id
              else url_for("cohorts.programme_cohorts", programme_id=pending.programme_id))
    cohorts.cancel_pending_import(db.session, _actor(), pending)
    flash("Import cancelled; nothing was imported.", "info")
    return redirect(target)


# --- invitation link -------------------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    now = utcnow()
    try:
        if request.method == "POST":
            user = cohorts.accept_invitation(db.session, token, now=now)
            login_user(user)
            flash(f"Welcome, {user.display_name}.", "info")
            return redirect(url_for("cohorts.mine"))
        user = cohorts.check_invitation(db.session, token, now=now)
    except AuthenticationRequired as exc:
        flash(exc.detail, "error")
        return render_template("cohorts/invitation.html", user=None, token=None), 401
    return render_template("cohorts/invitation.html", user=user, token=token)
