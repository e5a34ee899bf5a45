"""Pages: a programme's audit trail for its coordinators (a table, a filter, a CSV export), in
French or English (``?lang=``, else the account's language, else the browser's).

The texts are here, in one table per language (:data:`UI`, :data:`ACTION_LABELS`), as the
verification pages keep theirs: the trail's own contents (summaries, states) are written once,
in English, by the services — they are evidence, not interface, and are shown as written.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from badge_service.audit import service as audit
from badge_service.audit.forms import csv_response, filters_from
from badge_service.audit.models import AuditEntry
from badge_service.db import db
from badge_service.edge.language import configured_language, request_language
from badge_service.errors import ServiceError
from badge_service.locale import text_of

bp = Blueprint("audit", __name__, template_folder="templates")

PAGE_SIZE = 50

UI: dict[str, dict[str, str]] = {
    "title": {"fr": "Journal d'audit", "en": "Audit trail"},
    "intro": {"fr": "Chaque acte qui compte dans ce programme — badges décernés, révoqués, "
                    "suspendus, rétablis — avec qui, quand, quoi, avant et après. Le journal "
                    "ne peut être ni modifié ni effacé.",
              "en": "Every consequential act in this programme — credentials issued, revoked, "
                    "suspended, reinstated — with who, when, what, before and after. Nothing "
                    "in it can be edited or deleted."},
    "programme": {"fr": "Programme", "en": "Programme"},
    "when": {"fr": "Quand", "en": "When"},
    "who": {"fr": "Qui", "en": "Who"},
    "what": {"fr": "Quoi", "en": "What"},
    "summary": {"fr": "Résumé", "en": "Summary"},
    "change": {"fr": "Avant → après", "en": "Before → after"},
    "action": {"fr": "Action", "en": "Action"},
    "all_actions": {"fr": "Toutes les actions", "en": "All actions"},
    "filter": {"fr": "Filtrer", "en": "Filter"},
    "export": {"fr": "Exporter en CSV", "en": "Export CSV"},
    "empty": {"fr": "Aucune entrée.", "en": "No entry."},
    "count": {"fr": "Entrées\u00a0: {total} · page {page} sur {pages}",
              "en": "Entries: {total} · page {page} of {pages}"},
    "previous": {"fr": "Page précédente", "en": "Previous page"},
    "next": {"fr": "Page suivante", "en": "Next page"},
    "other_language": {"fr": "English", "en": "Français"},
    "command line": {"fr": "ligne de commande", "en": "command line"},
    "automatic": {"fr": "automatique", "en": "automatic"},
}

ACTION_LABELS: dict[str, dict[str, str]] = {
    "award.issued": {"fr": "Badge décerné", "en": "Credential issued"},
    "credential.revoked": {"fr": "Badge révoqué", "en": "Credential revoked"},
    "credential.suspended": {"fr": "Badge suspendu", "en": "Credential suspended"},
    "credential.reinstated": {"fr": "Badge rétabli", "en": "Credential reinstated"},
    "framework.published": {"fr": "Référentiel publié", "en": "Framework published"},
    "award.override": {"fr": "Décision forcée", "en": "Award override"},
}


def text(key: str, language: str, **values: Any) -> str:
    return text_of(UI, key, language, **values)


def action_label(action: str, language: str) -> str:
    """The action in the page's language; an action without a label yet shows as written."""
    labels = ACTION_LABELS.get(action)
    return (labels.get(language) or labels["en"]) if labels else action


def actor_label(entry: AuditEntry, language: str) -> str:
    if entry.actor_id is None and entry.actor_label in UI:
        return text(entry.actor_label, language)
    return entry.actor_label


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field the act changed; an act with no "before" (an
    issue) shows what it made."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(before) + [k for k in after if k not in before]
    return [(key, _value(before.get(key)), _value(after.get(key))) for key in keys
            if before.get(key) != after.get(key) and (before or after.get(key) is not None)]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 1_000_000 else 1


@bp.get("/programmes/<uuid:programme_id>/audit")
@login_required
def programme_audit(programme_id: uuid.UUID) -> Any:
    language = request_language(request.args.get("lang"),
                                preferred=current_user.preferred_language,
                                fallback=configured_language())
    programme = audit.get_programme(db.session, programme_id)
    problem = None
    try:
        filters = filters_from(request.args)
    except ServiceError as exc:
        problem, filters = exc, audit.Filters()
    query = audit.programme_query(db.session, current_user, programme, filters)
    total = audit.count(db.session, query)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page_number(), pages)
    entries = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    other = "en" if language == "fr" else "fr"
    return render_template(
        "audit/programme.html", programme=programme, entries=entries, language=language,
        other_language=other, t=lambda key, **v: text(key, language, **v),
        action_label=lambda a: action_label(a, language),
        actor=lambda e: actor_label(e, language), changes=changes,
        actions=audit.KNOWN_ACTIONS, action=filters.action or "", problem=problem,
        total=total, page=page, pages=pages), 422 if problem else 200


@bp.get("/programmes/<uuid:programme_id>/audit.csv")
@login_required
def programme_audit_csv(programme_id: uuid.UUID) -> Any:
    programme = audit.get_programme(db.session, programme_id)
    data = audit.export_csv(db.session, current_user, programme, filters_from(request.args))
    return csv_response(data, f"audit-{programme.id}.csv")
