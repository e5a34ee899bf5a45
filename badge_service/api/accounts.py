"""API: the current user, users, API tokens and organisations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app, jsonify, url_for
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from credentials.errors import CredentialsError

from ..auth import api_user
from ..clock import utcnow
from ..db import db
from ..models import ApiToken, Organisation, User
from ..services import accounts, organisations
from .openapi import created, operation, paged, parse_body


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    preferred_language: str
    is_administrator: bool
    is_active: bool
    coordinator_of: list[uuid.UUID]


class UserIn(Strict):
    email: str = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=300)
    given_name: str | None = Field(default=None, max_length=200)
    family_name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=1024)
    preferred_language: str = "fr"
    is_administrator: bool = False


class UserPatch(Strict):
    display_name: str | None = Field(default=None, max_length=300)
    preferred_language: str | None = None
    is_active: bool | None = None
    is_administrator: bool | None = None


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="the secret; only in the create response")


class I18n(Strict):
    fr: str | None = None
    en: str | None = None


class OrganisationIn(Strict):
    slug: str = Field(max_length=64)
    name: str = Field(max_length=300)
    name_i18n: I18n = Field(default_factory=I18n)
    description_i18n: I18n = Field(default_factory=I18n)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    did_method: str | None = Field(default=None, description="'web' or 'key'; default: the "
                                   "service's ISSUER_DID_METHOD")


class OrganisationPatch(Strict):
    name: str | None = Field(default=None, max_length=300)
    name_i18n: I18n | None = None
    description_i18n: I18n | None = None
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    did_method: str | None = None


class OrganisationOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    name_i18n: dict[str, Any]
    description_i18n: dict[str, Any]
    url: str | None
    email: str | None
    did_method: str
    issuer_did: str | None


class RoleIn(Strict):
    user_id: uuid.UUID


def user_out(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id, email=user.email, display_name=user.display_name,
        preferred_language=user.preferred_language, is_administrator=user.is_administrator,
        is_active=user.is_active,
        coordinator_of=sorted(accounts.coordinated_organisation_ids(db.session, user), key=str),
    ).model_dump(mode="json")


def token_out(token: ApiToken, secret: str | None = None) -> dict[str, Any]:
    return TokenOut(id=token.id, name=token.name, prefix=token.prefix,
                    created_at=token.created_at, expires_at=token.expires_at,
                    last_used_at=token.last_used_at, revoked_at=token.revoked_at,
                    token=secret).model_dump(mode="json", exclude_none=secret is None)


def display_did(organisation: Organisation) -> str | None:
    """The organisation's did:web for display; None for did:key organisations and when the
    public base URL is not https (a local demo on http://127.0.0.1 has no did:web)."""
    try:
        return organisations.issuer_did(organisation, current_app.config["PUBLIC_BASE_URL"],
                                        current_app.config.get("HOST_DID_ORGANISATION"))
    except CredentialsError:
        return None


def organisation_out(organisation: Organisation) -> dict[str, Any]:
    return OrganisationOut(
        id=organisation.id, slug=organisation.slug, name=organisation.name,
        name_i18n=organisation.name_i18n or {},
        description_i18n=organisation.description_i18n or {}, url=organisation.url,
        email=organisation.email, did_method=organisation.did_method,
        issuer_did=display_did(organisation),
    ).model_dump(mode="json")


# --- me and users ----------------------------------------------------------------------------


@operation("/me", "GET", summary="The user the token belongs to", tag="accounts",
           response=UserOut)
def me() -> Any:
    return jsonify(user_out(api_user()))


@operation("/users", "GET", summary="List users (administrators)", tag="accounts",
           response=UserOut, paged=True)
def list_users() -> Any:
    accounts.require_administrator(api_user())
    return paged(db.session, select(User).order_by(User.email), user_out)


@operation("/users", "POST", summary="Create a user (administrators)", tag="accounts",
           body=UserIn, response=UserOut, status=201)
def create_user() -> Any:
    actor = api_user()
    accounts.require_administrator(actor)
    data = parse_body(UserIn)
    user = accounts.create_user(db.session, now=utcnow(), **data.model_dump())
    return created(user_out(user), url_for("api.accounts_get_user", user_id=user.id))


@operation("/users/<uuid:user_id>", "GET", summary="Get a user", tag="accounts",
           response=UserOut)
def get_user(user_id: uuid.UUID) -> Any:
    actor = api_user()
    if actor.id != user_id:
        accounts.require_administrator(actor)
    return jsonify(user_out(accounts.get_user(db.session, user_id)))


@operation("/users/<uuid:user_id>", "PATCH",
           summary="Update a user (yourself: name and language; administrators: anyone, and "
                   "is_active / is_administrator)", tag="accounts", body=UserPatch,
           response=UserOut)
def update_user(user_id: uuid.UUID) -> Any:
    actor = api_user()
    data = parse_body(UserPatch).model_dump(exclude_unset=True)
    if actor.id != user_id:
        accounts.require_administrator(actor)  # before saying whether the user exists
    user = accounts.get_user(db.session, user_id)
    return jsonify(user_out(accounts.update_user(db.session, actor, user, data)))


# --- tokens ----------------------------------------------------------------------------------


@operation("/tokens", "GET", summary="List your API tokens", tag="accounts",
           response=TokenOut, paged=True)
def list_tokens() -> Any:
    return paged(db.session, accounts.tokens_of(api_user()), token_out)


@operation("/tokens", "POST", summary="Create an API token (the secret is returned once)",
           tag="accounts", body=TokenIn, response=TokenOut, status=201)
def create_token() -> Any:
    data = parse_body(TokenIn)
    new = accounts.create_api_token(db.session, api_user(), data.name, now=utcnow(),
                                    expires_at=data.expires_at)
    return created(token_out(new.record, new.secret),
                   url_for("api.accounts_list_tokens"))


@operation("/tokens/<uuid:token_id>", "DELETE", summary="Revoke an API token", tag="accounts",
           status=204)
def revoke_token(token_id: uuid.UUID) -> Any:
    accounts.revoke_api_token(db.session, api_user(), token_id, now=utcnow())
    return "", 204


# --- organisations -------------------------------------------------------------------------


@operation("/organisations", "GET", summary="List organisations (issuers)", tag="organisations",
           response=OrganisationOut, paged=True)
def list_organisations() -> Any:
    return paged(db.session, organisations.visible_to(api_user()), organisation_out)


@operation("/organisations", "POST", summary="Create an organisation (administrators)",
           tag="organisations", body=OrganisationIn, response=OrganisationOut, status=201)
def create_organisation() -> Any:
    actor = api_user()
    data = parse_body(OrganisationIn).model_dump(exclude_none=True)
    data.setdefault("did_method", current_app.config["ISSUER_DID_METHOD"])
    organisation = organisations.create(db.session, actor, data, now=utcnow())
    return created(organisation_out(organisation),
                   url_for("api.accounts_get_organisation", organisation_id=organisation.id))


@operation("/organisations/<uuid:organisation_id>", "GET", summary="Get an organisation",
           tag="organisations", response=OrganisationOut)
def get_organisation(organisation_id: uuid.UUID) -> Any:
    api_user()
    return jsonify(organisation_out(organisations.get(db.session, organisation_id)))


@operation("/organisations/<uuid:organisation_id>", "PATCH",
           summary="Update an organisation (its coordinators)", tag="organisations",
           body=OrganisationPatch, response=OrganisationOut)
def update_organisation(organisation_id: uuid.UUID) -> Any:
    organisation = organisations.get(db.session, organisation_id)
    data = parse_body(OrganisationPatch).model_dump(exclude_unset=True)
    organisation = organisations.update(db.session, api_user(), organisation, data)
    return jsonify(organisation_out(organisation))


@operation("/organisations/<uuid:organisation_id>/coordinators", "GET",
           summary="List the organisation's coordinators", tag="organisations",
           response=UserOut, paged=True)
def list_coordinators(organisation_id: uuid.UUID) -> Any:
    api_user()
    organisation = organisations.get(db.session, organisation_id)
    return paged(db.session, accounts.coordinators_of(organisation.id), user_out)


@operation("/organisations/<uuid:organisation_id>/coordinators", "POST",
           summary="Make a user a coordinator of the organisation (its coordinators)",
           tag="organisations", body=RoleIn, status=204)
def add_coordinator(organisation_id: uuid.UUID) -> Any:
    actor = api_user()
    organisation = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, actor, organisation.id)
    user = accounts.get_user(db.session, parse_body(RoleIn).user_id)
    accounts.add_coordinator(db.session, actor, organisation, user)
    return "", 204


@operation("/organisations/<uuid:organisation_id>/coordinators/<uuid:user_id>", "DELETE",
           summary="Remove a coordinator (its coordinators)", tag="organisations", status=204)
def remove_coordinator(organisation_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    actor = api_user()
    organisation = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, actor, organisation.id)
    accounts.remove_coordinator(db.session, actor, organisation,
                                accounts.get_user(db.session, user_id))
    return "", 204


class OrganisationImageOut(BaseModel):
    image_url: str
    content_type: str
    size: int


@operation("/organisations/<uuid:organisation_id>/image", "POST",
           summary="Upload the organisation's logo (issuer Profile image): PNG or SVG, as "
                   "multipart/form-data field 'file' or as the raw body; checked by content",
           tag="organisations", response=OrganisationImageOut, upload="image")
def upload_organisation_image(organisation_id: uuid.UUID) -> Any:
    from flask import current_app, request

    from .. import uploads

    actor = api_user()
    organisation = organisations.get(db.session, organisation_id)
    accounts.require_coordinator(db.session, actor, organisation.id)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    field = "file" if upload is not None else "body"
    stream = upload.stream if upload is not None else request.stream
    stored = organisations.set_image(db.session, actor, organisation,
                                     uploads.read_limited(stream, limit, field),
                                     upload_dir=current_app.config["UPLOAD_DIR"],
                                     max_bytes=limit, field_name=field)
    base = current_app.config["PUBLIC_BASE_URL"]
    return jsonify(OrganisationImageOut(image_url=uploads.public_url(base, stored.name),
                                        content_type=stored.content_type,
                                        size=stored.size).model_dump(mode="json"))
