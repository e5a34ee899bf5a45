"""Pages: a participant's portfolio — the list, adding a file, link or reflection, an item with
its versions, editing (a new version) and deleting (after a confirmation)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.delivery.service.labels import format_date
from badge_service.edge.forms import flash_error
from badge_service.errors import ServiceError
from badge_service.locale import choose_language
from badge_service.portfolios import forms
from badge_service.portfolios.models import KINDS, PortfolioItem
from badge_service.portfolios.service import competences, items
from badge_service.portfolios.service.labels import LABELS, file_size

bp = Blueprint("portfolios", __name__, template_folder="templates")


def _language() -> str:
    return choose_language(request.args.get("lang"), current_user.preferred_language)


def _labels() -> dict[str, str]:
    return LABELS[_language()]


def _context(**values: Any) -> dict[str, Any]:
    language = _language()
    return {"language": language, "labels": LABELS[language],
            "date": lambda moment: format_date(moment, language),
            "size": lambda n: file_size(n, language), **values}


def _form_page(template: str, status: int = 200, **values: Any) -> Any:
    context = _context(**values)
    context["frameworks"] = competences.taggable_items(db.session, current_user)
    context["max_size"] = file_size(forms.rules().max_bytes, context["language"])
    return render_template(template, **context), status


@bp.get("/portfolio")
@login_required
def index() -> Any:
    rows = db.session.scalars(items.owned_by(current_user)).all()
    return render_template("portfolios/index.html", **_context(items=rows))


@bp.route("/portfolio/new/<kind>", methods=["GET", "POST"])
@login_required
def new(kind: str) -> Any:
    if kind not in KINDS:
        abort(404)
    if request.method == "POST":
        forms.allow_large_body()
        data = {**forms.form_data(), "kind": kind}
        try:
            item = items.create(db.session, current_user, data, upload=forms.uploaded_file(),
                                store=forms.store(), rules=forms.rules(), now=utcnow())
        except ServiceError as exc:
            db.session.rollback()
            flash_error(exc)
            return _form_page("portfolios/form.html", exc.status, kind=kind, item=None,
                              values=request.form, chosen=request.form.getlist("competences"))
        flash(_labels()["created_flash"].format(title=item.current.title), "info")
        return redirect(url_for("portfolios.item", item_id=item.id))
    return _form_page("portfolios/form.html", kind=kind, item=None, values={}, chosen=[])


@bp.get("/portfolio/items/<uuid:item_id>")
@login_required
def item(item_id: uuid.UUID) -> Any:
    found = items.get(db.session, current_user, item_id)
    return render_template("portfolios/item.html", **_context(item=found))


@bp.route("/portfolio/items/<uuid:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: uuid.UUID) -> Any:
    found = items.get(db.session, current_user, item_id, edit=True)
    current = found.current
    if request.method == "POST":
        forms.allow_large_body()
        try:
            version = items.revise(db.session, current_user, item_id,
                                   forms.form_data(edit=True), upload=forms.uploaded_file(),
                                   store=forms.store(), rules=forms.rules(), now=utcnow())
        except ServiceError as exc:
            db.session.rollback()
            flash_error(exc)
            found = items.get(db.session, current_user, item_id, edit=True)
            return _form_page("portfolios/form.html", exc.status, kind=found.kind, item=found,
                              values=request.form, chosen=request.form.getlist("competences"))
        flash(_labels()["revised_flash"].format(number=version.number, title=version.title),
              "info")
        return redirect(url_for("portfolios.item", item_id=item_id))
    values = {"title": current.title, "description": current.description,
              "url": current.url or ""}
    return _form_page("portfolios/form.html", kind=found.kind, item=found, values=values,
                      chosen=[str(t.framework_item_id) for t in current.tags])


@bp.route("/portfolio/items/<uuid:item_id>/delete", methods=["GET", "POST"])
@login_required
def delete(item_id: uuid.UUID) -> Any:
    """A confirmation page first: deleting an item deletes every version and file link."""
    found: PortfolioItem = items.get(db.session, current_user, item_id, edit=True)
    if request.method == "POST":
        title = found.current.title
        try:
            items.delete(db.session, current_user, item_id)
        except ServiceError as exc:
            db.session.rollback()
            flash_error(exc)
            return redirect(url_for("portfolios.item", item_id=item_id))
        flash(_labels()["deleted_flash"].format(title=title), "info")
        return redirect(url_for("portfolios.index"))
    return render_template("portfolios/delete.html", **_context(item=found))


@bp.get("/portfolio/items/<uuid:item_id>/versions/<int:number>/file")
@login_required
def download(item_id: uuid.UUID, number: int) -> Any:
    version = items.version(db.session, current_user, item_id, number)
    if not version.file_sha256:
        abort(404)
    return forms.send_version_file(version)
