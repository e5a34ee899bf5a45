"""Pages: awarding an achievement, and the credentials of a programme with their status.

Awarding works in three steps: choose (cohort members ticked, or a CSV of emails) → preview
(every row checked, nothing issued) → confirm. The confirmation form carries a hidden
idempotency key (a uuid4 made when the preview is rendered), so confirming twice (double
click, refresh of the result, back and resubmit) never issues twice: the second request finds
the credentials of the first and shows them again. Going back to the choice and previewing
again makes a new key: that is a new request (those who hold it already are then reported).

A choice larger than one request can sign before the server's timeout is refused at each step
(choice, CSV upload, confirmation), before anything is signed, in the trainer's language: see
:mod:`..services.batch_limit`.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.adapters.keyring import current_keyring
from badge_service.awards.models import IssuedCredential
from badge_service.awards.service import awarding, batch_limit, issuing
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.forms import flash_error
from badge_service.edge.language import configured_language
from badge_service.errors import FieldError, ServiceError, ValidationFailed
from badge_service.locale import choose_language
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme

bp = Blueprint("awards", __name__, template_folder="templates")
PAGE_SIZE = 100
KEY_FIELD = "key"


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


def _achievement(achievement_id: uuid.UUID) -> Achievement:
    achievement = achievements.get_readable(db.session, _actor(), achievement_id)
    policy.require_award(db.session, _actor(), achievement)
    return achievement


def _level_name(item: Any) -> str:
    return achievements.item_name(item, getattr(current_user, "preferred_language", None)
                                  or "fr")


def _text(texts: dict | None, fallback: str = "") -> str:
    return programmes.text_of(texts, getattr(current_user, "preferred_language", None)) \
        or fallback


# --- index -----------------------------------------------------------------------------------


@bp.get("/awards")
@login_required
def index() -> Any:
    """The programmes the user trains or coordinates, with their achievements."""
    actor = _actor()
    rows = []
    for programme in db.session.scalars(programmes.visible_to(actor)):
        if policy.may_manage_programme(db.session, actor, programme):
            rows.append((programme, list(db.session.scalars(
                achievements.of_programme(programme)))))
    return render_template("awards/index.html", programmes=rows, text=_text)


# --- award -----------------------------------------------------------------------------------

#: The refusal of a batch too large for one request (see services/batch_limit.py), FR and EN.
TOO_LARGE = {
    "fr": {
        "file": "Le fichier « {file} » compte {n} lignes de destinataires : ",
        "count": "{n} destinataires : ",
        "body": "c'est plus qu'une requête ne peut en signer dans le délai de {timeout} "
                "secondes du serveur, qui permet au plus {max} destinataires à la fois pour "
                "ce badge{composites}. Rien n'a été délivré. Découpez la liste en lots d'au "
                "plus {max} destinataires et délivrez-les l'un après l'autre ; la délivrance "
                "de grandes listes en une seule fois (traitement en arrière-plan) viendra "
                "dans une prochaine version.",
        "composites": " (chaque attribution peut aussi compléter {k} badge(s) composite(s), "
                      "signé(s) dans la même requête)",
    },
    "en": {
        "file": "The file “{file}” has {n} recipient rows: ",
        "count": "{n} recipients: ",
        "body": "more than one request can sign within the server's {timeout}-second "
                "timeout, which allows at most {max} recipients at a time for this "
                "achievement{composites}. Nothing was issued. Split the list into batches of "
                "at most {max} recipients and award them one after the other; awarding large "
                "lists in one go (background jobs) comes with a later version.",
        "composites": " (each award can also complete {k} composite achievement(s), signed "
                      "in the same request)",
    },
}


def _language() -> str:
    return choose_language(preferred=getattr(current_user, "preferred_language", None),
                           default=configured_language())


def _too_large(exc: batch_limit.BatchTooLarge, filename: str | None = None) -> str:
    texts = TOO_LARGE[_language()]
    composites = (texts["composites"].format(k=exc.per_recipient - 1)
                  if exc.per_recipient > 1 else "")
    # The name is the browser's, shown back as typed (escaped by the template), but bounded.
    lead = (texts["file"].format(file=filename[:200], n=exc.recipients) if filename
            else texts["count"].format(n=exc.recipients))
    return lead + texts["body"].format(timeout=exc.limit.timeout, max=exc.max_recipients,
                                       composites=composites)


def _check_size(achievement: Achievement, count: int) -> None:
    batch_limit.check(db.session, achievement, count,
                      batch_limit.limit_from(current_app.config))


def _choice_page(achievement: Achievement, *, status: int = 200,
                 file_errors: list[FieldError] | None = None,
                 form: Any = None, refusal: str | None = None) -> Any:
    now = utcnow()
    candidates = awarding.award_candidates(db.session, _actor(), achievement)
    return render_template(
        "awards/award.html", achievement=achievement, programme=achievement.programme,
        candidates=candidates, held=awarding.holders(db.session, achievement, now),
        levels=achievements.levels_of(achievement.level_scale_version),
        file_errors=file_errors or [], form=form, refusal=refusal, text=_text,
        level_name=_level_name), status


def _rows_from_selection(achievement: Achievement) -> list[issuing.AwardRow]:
    """The ticked members (or everyone, with "select all"), with their own fields."""
    form = request.form
    members = [m for _, ms in awarding.award_candidates(db.session, _actor(), achievement)
               for m in ms]
    chosen = set(form.getlist("recipient"))
    everyone = form.get("select_all") == "on"
    rows: list[issuing.AwardRow] = []
    seen: set[uuid.UUID] = set()
    for member in members:
        if member.user_id in seen or not (everyone or str(member.user_id) in chosen):
            continue
        seen.add(member.user_id)
        suffix = str(member.user_id)
        rows.append(issuing.AwardRow(
            member.user.email, form.get(f"narrative_{suffix}") or None,
            form.get(f"evidence_url_{suffix}") or None, form.get(f"level_{suffix}") or None,
            row=len(rows) + 1))
    return rows


def _rows_from_hidden() -> list[issuing.AwardRow]:
    form = request.form
    emails = form.getlist("row_email")
    columns = [form.getlist(f"row_{name}") for name in ("narrative", "evidence_url", "level",
                                                        "line")]
    if any(len(c) != len(emails) for c in columns):
        raise ValidationFailed("the form was damaged; start again")
    rows = []
    for position, email in enumerate(emails):
        narrative, evidence, level, line = (c[position] for c in columns)
        try:
            number = int(line)
        except ValueError:
            number = position + 1
        rows.append(issuing.AwardRow(email, narrative or None, evidence or None, level or None,
                                     row=number))
    return rows


def _clean(rows: list[issuing.AwardRow]) -> tuple[list[issuing.AwardRow], list[FieldError]]:
    cleaned, errors = [], []
    for row in rows:
        values = {"email": row.email, "narrative": row.narrative,
                  "evidence_url": row.evidence_url, "level": row.level}
        fixed, problems = awarding.clean_row(values, row.row or len(cleaned) + 1)
        cleaned.append(fixed)
        errors.extend(problems)
    return cleaned, errors


def _preview(achievement: Achievement, rows: list[issuing.AwardRow],
             errors: list[FieldError], *, source: str, notify: bool,
             status: int | None = None) -> Any:
    checked = awarding.check(db.session, _actor(), achievement, rows, now=utcnow(),
                             extra_errors=errors)
    return render_template(
        "awards/preview.html", achievement=achievement, programme=achievement.programme,
        check=checked, key=str(uuid.uuid4()), source=source, notify=notify, text=_text,
        level_name=_level_name,
        levels=achievements.levels_of(achievement.level_scale_version),
    ), status or (200 if checked.ok else 422)


@bp.route("/achievements/<uuid:achievement_id>/award", methods=["GET", "POST"])
@login_required
def award(achievement_id: uuid.UUID) -> Any:
    achievement = _achievement(achievement_id)
    if request.method == "GET":
        return _choice_page(achievement)
    notify = request.form.get("notify") == "on"
    step = request.form.get("step", "preview")
    if step == "preview":
        rows, errors = _clean(_rows_from_selection(achievement))
        if not rows:
            flash("Tick at least one participant (or “select all”).", "error")
            return _choice_page(achievement, status=422, form=request.form)
        try:
            _check_size(achievement, len(rows))
        except batch_limit.BatchTooLarge as exc:
            return _choice_page(achievement, status=exc.status, form=request.form,
                                refusal=_too_large(exc))
        return _preview(achievement, rows, errors, source="selection", notify=notify)
    rows, errors = _clean(_rows_from_hidden())
    try:
        # Again at confirmation: the hidden rows are the client's to change.
        _check_size(achievement, len(rows))
    except batch_limit.BatchTooLarge as exc:
        return _choice_page(achievement, status=exc.status, refusal=_too_large(exc))
    key = (request.form.get(KEY_FIELD) or "").strip() or None
    source = request.form.get("source", "selection")
    context = issuing.Issuing(current_keyring(), _base(), utcnow(), notify)
    try:
        result = awarding.award(db.session, _actor(), achievement, rows,
                                issuing_context=context, idempotency_key=key,
                                extra_errors=errors, key_field=KEY_FIELD)
    except ValidationFailed as exc:
        flash(exc.detail, "error")
        db.session.rollback()
        # A fresh key with the new preview: the refused one may be the problem.
        return _preview(achievement, rows, errors, source=source, notify=notify,
                        status=exc.status)
    return render_template("awards/result.html", achievement=achievement,
                           programme=achievement.programme, result=result,
                           replay=awarding.is_replay(result), base=_base(),
                           credential_url=issuing.credential_url, text=_text)


@bp.post("/achievements/<uuid:achievement_id>/award/csv")
@login_required
def award_csv(achievement_id: uuid.UUID) -> Any:
    achievement = _achievement(achievement_id)
    notify = request.form.get("notify") == "on"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CSV file to upload.", "error")
        return _choice_page(achievement, status=422)
    limit = int(current_app.config["MAX_IMPORT_BYTES"])
    try:
        parsed = awarding.read_csv(upload.stream.read(limit + 1), max_bytes=limit)
    except ServiceError as exc:
        flash_error(exc)
        return _choice_page(achievement, status=exc.status, file_errors=exc.errors)
    try:
        _check_size(achievement, len(parsed.rows))
    except batch_limit.BatchTooLarge as exc:
        return _choice_page(achievement, status=exc.status,
                            refusal=_too_large(exc, filename=upload.filename))
    return _preview(achievement, parsed.rows, parsed.errors, source="csv", notify=notify)


# --- credentials of a programme --------------------------------------------------------------


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _filters(source: Any, prefix: str = "") -> dict[str, Any]:
    achievement_id = (source.get(f"{prefix}achievement_id") or "").strip()
    try:
        achievement = uuid.UUID(achievement_id) if achievement_id else None
    except ValueError:
        achievement = None
    state = (source.get(f"{prefix}state") or "").strip() or None
    if state not in (None, *awarding.STATE_FILTERS):
        state = None
    return {"achievement_id": achievement, "state": state,
            "q": (source.get(f"{prefix}q") or "").strip()[:200] or None}


@bp.get("/achievements/<uuid:achievement_id>/credentials")
@login_required
def achievement_credentials(achievement_id: uuid.UUID) -> Any:
    achievement = achievements.get_readable(db.session, _actor(), achievement_id)
    return redirect(url_for("awards.programme_credentials",
                            programme_id=achievement.programme_id,
                            achievement_id=achievement.id))


@bp.get("/programmes/<uuid:programme_id>/credentials")
@login_required
def programme_credentials(programme_id: uuid.UUID) -> Any:
    actor = _actor()
    programme: Programme = programmes.get_readable(db.session, actor, programme_id)
    policy.require_manage_programme(db.session, actor, programme)
    filters = _filters(request.args)
    now = utcnow()
    query = awarding.credentials_query(
        actor, now=now, programme_id=programme.id, achievement_id=filters["achievement_id"],
        search=filters["q"], state=filters["state"])
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0
    page = _page_number()
    credentials: list[IssuedCredential] = list(db.session.scalars(
        query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "awards/credentials.html", programme=programme, credentials=credentials,
        achievements=list(db.session.scalars(achievements.of_programme(programme))),
        filters=filters, states=awarding.STATE_FILTERS, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), now=now, base=_base(),
        status_of=lambda c: awarding.effective_status(c, now),
        summary=lambda c: awarding.summary(c, _base(), now), text=_text)


@bp.post("/programmes/<uuid:programme_id>/credentials/status")
@login_required
def change_status(programme_id: uuid.UUID) -> Any:
    actor = _actor()
    programme = programmes.get_readable(db.session, actor, programme_id)
    policy.require_manage_programme(db.session, actor, programme)
    filters = _filters(request.form, prefix="back_")
    back = url_for("awards.programme_credentials", programme_id=programme.id,
                   achievement_id=filters["achievement_id"], state=filters["state"],
                   q=filters["q"])
    ids = request.form.getlist("ids")
    action = request.form.get("action", "")
    try:
        changed = awarding.change_status_by_ids(db.session, actor, ids, action,
                                                reason=request.form.get("reason"),
                                                now=utcnow())
    except ServiceError as exc:
        db.session.rollback()
        flash_error(exc)
        return redirect(back, code=303)
    done = {"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}[action]
    flash(f"{len(changed)} credential{'s' if len(changed) != 1 else ''} {done}.", "info")
    return redirect(back, code=303)
