"""Pages for competency frameworks: list, view (tree, levels, links, rubric), import, export,
drafts and their items, publishing. Rules live in :mod:`badge_service.frameworks.service`."""

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
from sqlalchemy import select

from badge_service import policy
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.forms import flash_error
from badge_service.edge.language import configured_language
from badge_service.errors import FieldError, Forbidden, ServiceError, ValidationFailed
from badge_service.formats import case
from badge_service.frameworks import service as fw
from badge_service.frameworks.models import Framework, FrameworkItem, FrameworkVersion
from badge_service.locale import LANGUAGES, choose_language
from badge_service.organisations.models import Organisation

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks", template_folder="templates")


def _organisation_names() -> dict[uuid.UUID, str]:
    return {org.id: org.name for org in db.session.scalars(select(Organisation))}


def _import_targets() -> list[tuple[str, str]]:
    """(value, label) of the owners the user may import for; "" is a shared framework."""
    user = current_user._get_current_object()
    names = _organisation_names()
    if user.is_administrator:
        return [("", "Shared by every organisation"),
                *sorted(((str(k), v) for k, v in names.items()), key=lambda t: t[1])]
    mine = policy.coordinated_organisation_ids(db.session, user)
    return sorted(((str(k), names[k]) for k in mine if k in names), key=lambda t: t[1])


@bp.get("")
@login_required
def framework_list() -> Any:
    frameworks = db.session.scalars(fw.list_query()).all()
    rows = [(f, fw.current_version(f), fw.draft_of(f)) for f in frameworks]
    return render_template("frameworks/list.html", rows=rows, owners=_organisation_names(),
                           can_import=policy.may_import_any_framework(db.session, current_user))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_form() -> Any:
    targets = _import_targets()
    if not targets:
        raise Forbidden("only administrators and coordinators can import frameworks")
    form: dict[str, Any] = {"organisation_id": targets[0][0], "language": configured_language()}
    if request.method == "GET":
        return render_template("frameworks/import.html", targets=targets, form=form,
                               problem=None)
    form = request.form.to_dict()
    limit = current_app.config["MAX_IMPORT_BYTES"]
    upload = request.files.get("file")
    try:
        owner = uuid.UUID(form["organisation_id"]) if form.get("organisation_id") else None
    except ValueError:
        abort(400)
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("choose a file to import", [
                FieldError("is required", field="file")])
        content = upload.stream.read(limit + 1)
        result = fw.import_file(
            db.session, current_user, content, max_bytes=limit, now=utcnow(),
            base_url=current_app.config["PUBLIC_BASE_URL"], organisation_id=owner,
            draft=form.get("draft") == "on", title=form.get("title") or None,
            language=choose_language(form.get("language"), fallback=configured_language()))
    except ServiceError as exc:
        return render_template("frameworks/import.html", targets=targets, form=form,
                               problem=exc), exc.status
    version = result.version
    if not result.created_version:
        flash(f"Nothing to import: the file is identical to version {version.number}.", "info")
    elif result.created_framework:
        flash(f"Imported «{version.title}» ({len(version.items)} items) as version "
              f"{version.number}, {version.status}.", "info")
    else:
        flash(f"Added version {version.number} ({version.status}) to «{version.title}».",
              "info")
    return redirect(url_for("frameworks.version_view", version_id=version.id))


def _render_version(version: FrameworkVersion) -> Any:
    framework = version.framework
    rows = fw.tree(version)
    local = {item.identifier: item for item, _ in rows}
    external = fw.stored_items(db.session, {link.destination_identifier
                                            for link in version.associations
                                            if link.destination_id is None})
    links: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for link in version.associations:
        target = local.get(link.destination_identifier) or external.get(
            link.destination_identifier)
        links.setdefault(link.origin_id, []).append({
            "type": link.association_type, "target": target,
            "external": target is not None and target.version_id != version.id,
            "title": link.destination_title or link.destination_identifier,
            "uri": link.destination_uri})
    rubrics = fw.rubrics(version)
    return render_template(
        "frameworks/version.html", framework=framework, version=version, rows=rows,
        levels=fw.levels(db.session, version), links=links, rubrics=rubrics,
        owner=_organisation_names().get(framework.organisation_id),
        can_edit=policy.may_import_framework(db.session, current_user, framework.organisation_id),
        draft=fw.draft_of(framework), languages=LANGUAGES)


@bp.get("/<uuid:framework_id>")
@login_required
def framework_view(framework_id: uuid.UUID) -> Any:
    version = fw.current_version(fw.get(db.session, framework_id))
    if version is None:
        abort(404)
    return _render_version(version)


@bp.get("/versions/<uuid:version_id>")
@login_required
def version_view(version_id: uuid.UUID) -> Any:
    return _render_version(fw.get_version(db.session, version_id))


@bp.get("/versions/<uuid:version_id>/export")
@login_required
def version_export(version_id: uuid.UUID) -> Any:
    version = fw.get_version(db.session, version_id)
    fmt = request.args.get("format", "case")
    if fmt == "csv":
        response = Response(fw.export_csv(version), mimetype="text/csv")
        response.charset = "utf-8"
    elif fmt == "case":
        response = Response(case.dumps(fw.export_case(version)), mimetype="application/json")
    else:
        abort(404)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fw.export_filename(version, fmt)}"')
    return response


@bp.post("/<uuid:framework_id>/drafts")
@login_required
def draft_create(framework_id: uuid.UUID) -> Any:
    framework = fw.get(db.session, framework_id)
    try:
        version = fw.create_draft(db.session, current_user, framework, now=utcnow())
    except Forbidden:
        raise  # a refusal is a 403 page, not a flash on a page they may not see
    except ServiceError as exc:
        flash_error(exc)
        return redirect(url_for("frameworks.framework_view", framework_id=framework.id))
    flash(f"Draft of version {version.number} created: edit it, then publish it.", "info")
    return redirect(url_for("frameworks.version_view", version_id=version.id))


@bp.post("/versions/<uuid:version_id>/publish")
@login_required
def version_publish(version_id: uuid.UUID) -> Any:
    version = fw.get_version(db.session, version_id)
    try:
        fw.publish(db.session, current_user, version, now=utcnow())
        flash(f"Version {version.number} published; it can no longer change.", "info")
    except Forbidden:
        raise  # a refusal is a 403 page, not a flash on a page they may not see
    except ServiceError as exc:
        flash_error(exc)
    return redirect(url_for("frameworks.version_view", version_id=version.id))


@bp.post("/versions/<uuid:version_id>/delete")
@login_required
def version_delete(version_id: uuid.UUID) -> Any:
    version = fw.get_version(db.session, version_id)
    framework_id, number = version.framework_id, version.number
    try:
        fw.delete_draft(db.session, current_user, version)
    except Forbidden:
        raise  # a refusal is a 403 page, not a flash on a page they may not see
    except ServiceError as exc:
        flash_error(exc)
        return redirect(url_for("frameworks.version_view", version_id=version_id))
    flash(f"Draft {number} discarded.", "info")
    if db.session.get(Framework, framework_id) is not None:
        return redirect(url_for("frameworks.framework_view", framework_id=framework_id))
    return redirect(url_for("frameworks.framework_list"))


def _editable(version: FrameworkVersion) -> FrameworkVersion:
    """``version``, once the user may edit its framework: an edit form is a 403 page for
    anyone else, even before it is sent."""
    policy.require_import_framework(db.session, current_user, version.framework.organisation_id)
    return version


@bp.route("/versions/<uuid:version_id>/edit", methods=["GET", "POST"])
@login_required
def version_edit(version_id: uuid.UUID) -> Any:
    version = _editable(fw.get_version(db.session, version_id))
    if request.method == "POST":
        changes = {
            "title_i18n": {lang: request.form.get(f"title_{lang}", "") for lang in LANGUAGES},
            "description_i18n": {lang: request.form.get(f"description_{lang}", "")
                                 for lang in LANGUAGES},
        }
        try:
            fw.update_version(db.session, current_user, version, changes, now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return render_template("frameworks/version_form.html", version=version,
                                   form=request.form, languages=LANGUAGES), exc.status
        flash("Saved.", "info")
        return redirect(url_for("frameworks.version_view", version_id=version.id))
    form = {**{f"title_{k}": v for k, v in (version.title_i18n or {}).items()},
            **{f"description_{k}": v for k, v in (version.description_i18n or {}).items()}}
    return render_template("frameworks/version_form.html", version=version, form=form,
                           languages=LANGUAGES)


def _parent_choices(version: FrameworkVersion, item: FrameworkItem | None) -> list:
    excluded = set()
    if item is not None:
        excluded = {i.id for i in fw.descendants(version, item)}
    return [(i, depth) for i, depth in fw.tree(version) if i.id not in excluded]


def _item_form_data(item: FrameworkItem | None) -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {
        "item_type": form.get("item_type", ""),
        "type_title": form.get("type_title", "").strip() or None,
        "human_code": form.get("human_code", "").strip() or None,
        "notes": form.get("notes", "").strip() or None,
        "labels": {lang: form.get(f"label_{lang}", "") for lang in LANGUAGES},
        "statements": {lang: form.get(f"statement_{lang}", "") for lang in LANGUAGES},
    }
    try:
        parent = uuid.UUID(form["parent_id"]) if form.get("parent_id") else None
        position = int(form["position"]) if form.get("position", "").strip() else None
    except ValueError:
        raise ValidationFailed("the place in the tree is not valid", [
            FieldError("choose a parent and a whole number", field="position")]) from None
    if item is None:
        data["identifier"] = form.get("identifier", "").strip() or None
        data["parent_id"], data["position"] = parent, position
    else:
        if parent != item.parent_id:
            data["parent_id"] = parent
        if position is not None and (position != item.position or parent != item.parent_id):
            data["position"] = position
    return data


def _render_item_form(version: FrameworkVersion, item: FrameworkItem | None,
                      form: Any, status: int = 200) -> Any:
    return render_template("frameworks/item_form.html", version=version, item=item, form=form,
                           kinds=case.KINDS, parents=_parent_choices(version, item),
                           languages=LANGUAGES), status


@bp.route("/versions/<uuid:version_id>/items/new", methods=["GET", "POST"])
@login_required
def item_new(version_id: uuid.UUID) -> Any:
    version = _editable(fw.get_version(db.session, version_id))
    if request.method == "POST":
        try:
            item = fw.add_item(db.session, current_user, version, _item_form_data(None),
                               now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return _render_item_form(version, None, request.form, exc.status)
        flash(f"Item {item.human_code or item.identifier} added.", "info")
        return redirect(url_for("frameworks.version_view", version_id=version.id,
                                _anchor=f"item-{item.id}"))
    form = {"parent_id": request.args.get("parent_id", ""), "item_type": "competence"}
    return _render_item_form(version, None, form)


@bp.route("/items/<uuid:item_id>/edit", methods=["GET", "POST"])
@login_required
def item_edit(item_id: uuid.UUID) -> Any:
    item = fw.get_item(db.session, item_id)
    version = _editable(item.version)
    if request.method == "POST":
        try:
            fw.update_item(db.session, current_user, item, _item_form_data(item), now=utcnow())
        except ServiceError as exc:
            flash_error(exc)
            return _render_item_form(version, item, request.form, exc.status)
        flash("Saved.", "info")
        return redirect(url_for("frameworks.version_view", version_id=version.id,
                                _anchor=f"item-{item.id}"))
    form = {"item_type": item.item_type, "type_title": item.type_title or "",
            "human_code": item.human_code or "", "notes": item.notes or "",
            "parent_id": str(item.parent_id or ""), "position": item.position,
            **{f"label_{k}": v for k, v in (item.labels or {}).items()},
            **{f"statement_{k}": v for k, v in (item.statements or {}).items()}}
    return _render_item_form(version, item, form)


@bp.post("/items/<uuid:item_id>/delete")
@login_required
def item_delete(item_id: uuid.UUID) -> Any:
    item = fw.get_item(db.session, item_id)
    version_id = item.version_id
    try:
        removed = fw.delete_item(db.session, current_user, item, now=utcnow())
        flash(f"Removed {removed} item{'s' if removed != 1 else ''}.", "info")
    except Forbidden:
        raise  # a refusal is a 403 page, not a flash on a page they may not see
    except ServiceError as exc:
        flash_error(exc)
    return redirect(url_for("frameworks.version_view", version_id=version_id))
