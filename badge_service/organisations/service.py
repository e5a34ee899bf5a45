"""Organisations (issuers) and their OB 3.0 issuer Profile."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.adapters.keyring import did_web_of
from badge_service.db import get_or_not_found
from badge_service.errors import Conflict, FieldError, NotFound, ValidationFailed
from badge_service.formats import names
from badge_service.organisations.models import Organisation
from credentials.errors import CredentialsError

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def get(session: Session, organisation_id: uuid.UUID) -> Organisation:
    return get_or_not_found(session, Organisation, organisation_id, "organisation")


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
    if "name" in data:
        # The issuer's name is printed on every badge and certificate: the shared name rule.
        data["name"] = names.clean_name(data["name"], "name", errors, max_length=300,
                                        required=True) or ""
    for key in ("name_i18n", "description_i18n"):
        if key in data:
            value = data[key] or {}
            if not isinstance(value, dict) or not all(
                    lang in ("fr", "en") and isinstance(text, str) for lang, text in value.items()):
                errors.append(FieldError("give texts by language: {\"fr\": …, \"en\": …}",
                                         field=key))
            elif key == "name_i18n":
                cleaned = {lang: names.clean_name(text, f"{key}.{lang}", errors, max_length=300)
                           for lang, text in value.items()}
                data[key] = {lang: text for lang, text in cleaned.items() if text}
            else:
                data[key] = {lang: text.strip() for lang, text in value.items() if text.strip()}
    if "did_method" in data and data["did_method"] not in ("web", "key"):
        errors.append(FieldError("must be 'web' or 'key'", field="did_method"))
    for key in ("url",):
        value = data.get(key)
        if value and not str(value).startswith(("https://", "http://")):
            errors.append(FieldError("must be an http(s) URL", field=key))
    for key, limit in (("name", 300), ("url", 500), ("email", 320)):
        if isinstance(data.get(key), str) and len(data[key]) > limit:
            errors.append(FieldError(f"at most {limit} characters", field=key))
    if data.get("email"):
        try:
            data["email"] = accounts.normalise_email(data["email"])
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed("the organisation is not valid", errors)


def _known(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ValidationFailed("the organisation is not valid",
                               [FieldError("unknown field", field=k) for k in unknown])
    return dict(data)


FIELDS = {"slug", "name", "name_i18n", "description_i18n", "url", "email", "did_method",
          "image_path", "notes"}


def create(session: Session, actor: User, data: dict[str, Any], *, now: datetime) -> Organisation:
    policy.require_administrator(actor)
    data = _known(data)
    if "slug" not in data:
        raise ValidationFailed("the organisation is not valid",
                               [FieldError("is required", field="slug")])
    data.setdefault("name", "")
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
    policy.require_coordinator(session, actor, organisation.id)
    data = _known(data)
    if "slug" in data and data["slug"] != organisation.slug:
        raise ValidationFailed("the slug cannot change: the issuer identifier derives from it",
                               [FieldError("cannot change", field="slug")])
    _check(data)
    for key, value in data.items():
        setattr(organisation, key, value)
    session.flush()
    return organisation


def did_web(organisation: Organisation, public_base_url: str,
            host_organisation: str | None = None) -> str:
    """did:web of an organisation (the rule lives with the keys: adapters.keyring.did_web_of)."""
    return did_web_of(organisation.slug, public_base_url, host_organisation)


def issuer_did(organisation: Organisation, public_base_url: str,
               host_organisation: str | None = None) -> str | None:
    """The organisation's did:web (None for did:key organisations: it is their key's DID)."""
    if organisation.did_method != "web":
        return None
    return did_web(organisation, public_base_url, host_organisation)


def display_did(organisation: Organisation, public_base_url: str,
                host_organisation: str | None = None) -> str | None:
    """The organisation's did:web for display; None for did:key organisations and when the
    public base URL is not https (a local demo on http://127.0.0.1 has no did:web)."""
    try:
        return issuer_did(organisation, public_base_url, host_organisation)
    except CredentialsError:
        return None


def profile_fields(organisation: Organisation) -> dict[str, Any]:
    """Plain values for credentials.models.profile (the issuing service adds the id)."""
    name = {"fr": organisation.name, **(organisation.name_i18n or {})}
    return {
        "name": name,
        "url": organisation.url,
        "email": organisation.email,
        "description": organisation.description_i18n or None,
    }


def set_image(session: Session, actor: User, organisation: Organisation, data: bytes, *,
              upload_dir: str, max_bytes: int, field_name: str = "image") -> Any:
    """Check (PNG/SVG by content, size, SVG sanitised), store, and use as the issuer
    Profile's ``image`` in credentials issued from now on."""
    from badge_service.adapters import uploads

    policy.require_coordinator(session, actor, organisation.id)
    stored = uploads.store_image(data, upload_dir=upload_dir, max_bytes=max_bytes,
                                 field_name=field_name)
    organisation.image_path = stored.name
    session.flush()
    return stored


def remove_image(session: Session, actor: User, organisation: Organisation) -> None:
    policy.require_coordinator(session, actor, organisation.id)
    organisation.image_path = None
    session.flush()
