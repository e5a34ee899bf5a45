"""Creating, changing and deleting programmes (coordinators of the organisation)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.errors import Conflict, FieldError, ValidationFailed
from badge_service.organisations.models import Organisation
from badge_service.programmes.models import Programme
from badge_service.programmes.service.references import referring_rows
from badge_service.programmes.service.texts import clean_i18n, text_of

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
TITLE_MAX = 500
DESCRIPTION_MAX = 20_000


def _check(session: Session, data: dict[str, Any], organisation_id: uuid.UUID,
           programme: Programme | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    known = {"slug", "title", "description"}
    for key in data:
        if key not in known:
            errors.append(FieldError("unknown field", field=key))
    out: dict[str, Any] = {}
    if "slug" in data or programme is None:
        slug = data.get("slug")
        slug = slug.strip() if isinstance(slug, str) else slug
        if not isinstance(slug, str) or not SLUG.match(slug):
            errors.append(FieldError("lower-case letters, digits and hyphens, 1–64 characters",
                                     field="slug"))
        else:
            out["slug"] = slug
            taken = session.scalar(select(Programme.id).where(
                Programme.organisation_id == organisation_id, Programme.slug == slug))
            if taken is not None and (programme is None or taken != programme.id):
                raise Conflict(f"the slug {slug!r} is already used by another programme of this "
                               "organisation", [FieldError("already used", field="slug")])
    if "title" in data or programme is None:
        out["title"] = clean_i18n(data.get("title"), "title", errors, max_length=TITLE_MAX,
                                  required=True, name=True)
    if "description" in data:
        out["description"] = clean_i18n(data.get("description"), "description", errors,
                                        max_length=DESCRIPTION_MAX)
    if errors:
        raise ValidationFailed("the programme is not valid", errors)
    return out


def _apply(programme: Programme, values: dict[str, Any]) -> None:
    if "slug" in values:
        programme.slug = values["slug"]
    if "title" in values:
        programme.title_i18n = values["title"]
        programme.title = text_of(values["title"])
    if "description" in values:
        programme.description_i18n = values["description"]


def create(session: Session, actor: User | None, organisation_id: uuid.UUID,
           data: dict[str, Any], *,
           now: datetime) -> Programme:
    """``data``: slug, title {fr, en}, description {fr, en}."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationFailed("the organisation does not exist",
                               [FieldError("no such organisation", field="organisation_id")])
    if actor is not None:
        policy.require_coordinator(session, actor, organisation.id)
    values = _check(session, data, organisation.id, None)
    programme = Programme(organisation_id=organisation.id, created_at=now, title="",
                          title_i18n={}, description_i18n={})
    _apply(programme, values)
    session.add(programme)
    session.flush()
    return programme


def update(session: Session, actor: User | None, programme: Programme, data: dict[str, Any], *,
           now: datetime) -> Programme:
    policy.require_coordinate_programme(session, actor, programme)
    values = _check(session, data, programme.organisation_id, programme)
    _apply(programme, values)
    programme.updated_at = now
    session.flush()
    return programme


def dependants(session: Session, programme: Programme) -> dict[str, int]:
    """Rows of other tables that belong to the programme (achievements, cohorts, …), by table.

    Found generically from the schema: every table with a foreign key to ``programme.id``
    except the trainer assignments, so a table added later (cohorts) is guarded too.
    """
    return referring_rows(session, "programme", programme.id, own_tables=("programme_role",))


def delete(session: Session, actor: User | None, programme: Programme) -> None:
    """Delete an empty programme; 409 while it has achievements, cohorts or other data."""
    policy.require_coordinate_programme(session, actor, programme)
    found = dependants(session, programme)
    if found:
        listed = ", ".join(f"{count} {table.replace('_', ' ')}{'s' if count > 1 else ''}"
                           for table, count in sorted(found.items()))
        raise Conflict(f"the programme still has {listed}; delete them first",
                       [FieldError(f"{count} remaining", field=table)
                        for table, count in sorted(found.items())])
    session.delete(programme)
    session.flush()
