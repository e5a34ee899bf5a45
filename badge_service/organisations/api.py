"""API: organisations (the issuers), their coordinators and their image."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, jsonify, url_for
from pydantic import BaseModel, Field

from badge_service import policy
from badge_service.accounts.api import UserOut, user_out
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import I18n, Strict, created, operation, paged, parse_body
from badge_service.organisations import service as organisations
from badge_service.organisations.models import Organisation


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


def organisation_out(organisation: Organisation) -> dict[str, Any]:
    return OrganisationOut(
        id=organisation.id, slug=organisation.slug, name=organisation.name,
        name_i18n=organisation.name_i18n or {},
        description_i18n=organisation.description_i18n or {}, url=organisation.url,
        email=organisation.email, did_method=organisation.did_method,
        issuer_did=organisations.display_did(
            organisation, current_app.config["PUBLIC_BASE_URL"],
            current_app.config.get("HOST_DID_ORGANISATION")),
    ).model_dump(mode="json")


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
                   url_for("api.organisations_get_organisation", organisation_id=organisation.id))


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
    policy.require_coordinator(db.session, actor, organisation.id)
    user = accounts.get_user(db.session, parse_body(RoleIn).user_id)
    accounts.add_coordinator(db.session, actor, organisation, user)
    return "", 204


@operation("/organisations/<uuid:organisation_id>/coordinators/<uuid:user_id>", "DELETE",
           summary="Remove a coordinator (its coordinators)", tag="organisations", status=204)
def remove_coordinator(organisation_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    actor = api_user()
    organisation = organisations.get(db.session, organisation_id)
    policy.require_coordinator(db.session, actor, organisation.id)
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

    from badge_service.adapters import uploads

    actor = api_user()
    organisation = organisations.get(db.session, organisation_id)
    policy.require_coordinator(db.session, actor, organisation.id)
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
