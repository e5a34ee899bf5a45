"""Organisations (issuers) and their OB 3.0 issuer Profile."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials.did import did_web_from_url

from ..errors import Conflict, FieldError, NotFound, ValidationFailed
from ..models import Organisation, User
from . import accounts

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def get(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"no organisation {organisation_id}")
    return organisation


def by_slug(session: Session, slug: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(f"no organisation {slug!r}")
    return organisation


def visible_to(user: User) -> Any:
    """Query of the organisations a user may see (all, for now: they are public issuers)."""
    return select(Organisation).order_by(Organisation.name)


def _check(data: dict[str, Any]) -> None:
    errors = []
    if "slug" in data and not SLUG.match(data["slug"] or ""):
        errors.append(FieldError("lower-case letters, digits and hyphens, 1–64 characters",
                                 field="slug"))
    if "name" in data and not (data["name"] or "").strip():
        errors.append(FieldError("is required", field="name"))
    if "did_method" in data and data["did_method"] not in ("web", "key"):
        errors.append(FieldError("must be 'web' or 'key'", field="did_method"))
    for key in ("url",):
        value = data.get(key)
        if value and not str(value).startswith(("https://", "http://")):
            errors.append(FieldError("must be an http(s) URL", field=key))
    if errors:
        raise ValidationFailed("the organisation is not valid", errors)
    if data.get("email"):
        data["email"] = accounts.normalise_email(data["email"])


def create(session: Session, actor: User, data: dict[str, Any], *, now: datetime) -> Organisation:
    accounts.require_administrator(actor)
    data = dict(data)
    _check(data)
    if session.scalar(select(Organisation).where(Organisation.slug == data["slug"])):
        raise Conflict(f"slug {data['slug']!r} is taken", [FieldError("already used",
                                                                    field="slug")])
    organisation = Organisation(created_at=now, **data)
    session.add(organisation)
    session.flush()
    return organisation


def update(session: Session, actor: User, organisation: Organisation,
           data: dict[str, Any]) -> Organisation:
    accounts.require_coordinator(session, actor, organisation.id)
    data = dict(data)
    if "slug" in data and data["slug"] != organisation.slug:
        raise ValidationFailed("the slug cannot change: the issuer identifier derives from it",
                               [FieldError("cannot change", field="slug")])
    _check(data)
    for key, value in data.items():
        setattr(organisation, key, value)
    session.flush()
    return organisation


def issuer_did(organisation: Organisation, public_base_url: str) -> str | None:
    """The organisation's did:web (None for did:key organisations: it is their key's DID)."""
    if organisation.did_method != "web":
        return None
    return did_web_from_url(f"{public_base_url}/issuers/{organisation.slug}")


def profile_fields(organisation: Organisation) -> dict[str, Any]:
    """Plain values for credentials.models.profile (the issuing service adds the id)."""
    name = {"fr": organisation.name, **(organisation.name_i18n or {})}
    return {
        "name": name,
        "url": organisation.url,
        "email": organisation.email,
        "description": organisation.description_i18n or None,
    }
