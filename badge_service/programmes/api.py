"""API: programmes and their trainers (their achievements are in achievements/api.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import current_app, jsonify, request, url_for
from pydantic import BaseModel, Field

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.language import configured_language
from badge_service.edge.openapi import (
    I18n,
    Strict,
    created,
    model_data,
    operation,
    paged,
    parse_body,
)
from badge_service.edge.resources import delete_resource, patch_resource
from badge_service.errors import FieldError, ValidationFailed
from badge_service.programmes import service as programmes
from badge_service.programmes.forms import trainer_invitation_link
from badge_service.programmes.models import Programme

TAG_PROGRAMMES = "programmes"


# --- bodies ----------------------------------------------------------------------------------


class ProgrammeIn(Strict):
    organisation_id: uuid.UUID
    slug: str = Field(max_length=64, description="unique in the organisation; used in URLs")
    title: I18n
    description: I18n = Field(default_factory=I18n)


class ProgrammePatch(Strict):
    slug: str | None = Field(default=None, max_length=64)
    title: I18n | None = None
    description: I18n | None = None


class UserRef(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str


class ProgrammeOut(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    trainers: list[UserRef]
    created_at: datetime
    updated_at: datetime | None


class TrainerIn(Strict):
    user_id: uuid.UUID | None = Field(default=None, description="the user, by id …")
    email: str | None = Field(default=None, max_length=320, description=(
        "… or by email: when no account has it, one is created and invited"))
    display_name: str | None = Field(default=None, max_length=300, description=(
        "a new account's name (ignored for an existing account)"))
    preferred_language: Literal["fr", "en"] | None = Field(default=None, description=(
        "a new account's language, that of its invitation (default: the service's)"))


class TrainerCreated(BaseModel):
    user: UserRef
    account_created: bool = Field(description="always true: a new account was made")
    invitation_sent: bool = Field(description=(
        "an email with a one-time link to choose a password leaves with this response"))



# --- rendering -------------------------------------------------------------------------------


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def programme_out(programme: Programme) -> dict[str, Any]:
    return ProgrammeOut(
        id=programme.id, organisation_id=programme.organisation_id, slug=programme.slug,
        title=programme.title_i18n or {}, description=programme.description_i18n or {},
        trainers=[UserRef(id=u.id, email=u.email, display_name=u.display_name)
                  for u in programmes.trainers(db.session, programme)],
        created_at=programme.created_at, updated_at=programme.updated_at,
    ).model_dump(mode="json")


# --- programmes ------------------------------------------------------------------------------


@operation("/programmes", "GET", summary="List the programmes you may see", tag=TAG_PROGRAMMES,
           response=ProgrammeOut, paged=True,
           query=[("organisation_id", "string", "only this organisation's programmes")])
def list_programmes() -> Any:
    organisation_id = None
    if request.args.get("organisation_id"):
        try:
            organisation_id = uuid.UUID(request.args["organisation_id"])
        except ValueError:
            raise ValidationFailed("organisation_id is not an id", [
                FieldError("not a UUID", field="organisation_id")]) from None
    return paged(db.session, programmes.visible_to(api_user(), organisation_id), programme_out)


@operation("/programmes", "POST", summary="Create a programme (coordinators)",
           tag=TAG_PROGRAMMES, body=ProgrammeIn, response=ProgrammeOut, status=201)
def create_programme() -> Any:
    body = parse_body(ProgrammeIn)
    data = model_data(body, exclude_unset=False)
    organisation_id = data.pop("organisation_id")
    programme = programmes.create(db.session, api_user(), organisation_id, data, now=utcnow())
    return created(programme_out(programme),
                   url_for("api.programmes_get_programme", programme_id=programme.id))


@operation("/programmes/<uuid:programme_id>", "GET", summary="Get a programme",
           tag=TAG_PROGRAMMES, response=ProgrammeOut)
def get_programme(programme_id: uuid.UUID) -> Any:
    return jsonify(programme_out(programmes.get_readable(db.session, api_user(), programme_id)))


@operation("/programmes/<uuid:programme_id>", "PATCH", summary="Update a programme",
           tag=TAG_PROGRAMMES, body=ProgrammePatch, response=ProgrammeOut)
def update_programme(programme_id: uuid.UUID) -> Any:
    return patch_resource(programme_id, programmes.get_readable, ProgrammePatch,
                          programmes.update, programme_out)


@operation("/programmes/<uuid:programme_id>", "DELETE",
           summary="Delete a programme (409 while it has achievements or cohorts)",
           tag=TAG_PROGRAMMES, status=204)
def delete_programme(programme_id: uuid.UUID) -> Any:
    return delete_resource(programme_id, programmes.get_readable, programmes.delete)


@operation("/programmes/<uuid:programme_id>/trainers", "GET",
           summary="List a programme's trainers", tag=TAG_PROGRAMMES, response=UserRef,
           paged=True)
def list_trainers(programme_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, api_user(), programme_id)
    return paged(db.session, programmes.trainers_query(programme), lambda u: UserRef(
        id=u.id, email=u.email, display_name=u.display_name).model_dump(mode="json"))


@operation("/programmes/<uuid:programme_id>/trainers", "POST",
           summary="Make a user a trainer of the programme (coordinators). By user_id or "
                   "email: an existing account is granted the role (204, no body); an email "
                   "without an account creates one, without a password, and emails it an "
                   "invitation to choose one (201, the new account)",
           tag=TAG_PROGRAMMES, body=TrainerIn, response=TrainerCreated, status=201)
def add_trainer(programme_id: uuid.UUID) -> Any:
    actor = api_user()
    programme = programmes.get_readable(db.session, actor, programme_id)
    policy.require_coordinate_programme(db.session, actor, programme)
    body = parse_body(TrainerIn)
    if (body.user_id is None) == (body.email is None):
        raise ValidationFailed("give the trainer's user_id or email (one of them)", [
            FieldError("give user_id or email", field="user_id")])
    if body.user_id is not None:
        user = db.session.get(User, body.user_id)
        if user is None:
            raise ValidationFailed("no account has this id",
                                   [FieldError("no such user", field="user_id")])
        programmes.add_trainer(db.session, actor, programme, user)
        return "", 204
    done = programmes.assign_trainer(
        db.session, actor, programme, email=body.email or "", display_name=body.display_name,
        preferred_language=body.preferred_language,
        default_language=configured_language(), now=utcnow(),
        invitation_link=trainer_invitation_link(programme))
    if not done.created:
        return "", 204
    user = done.user
    return created(TrainerCreated(
        user=UserRef(id=user.id, email=user.email, display_name=user.display_name),
        account_created=True, invitation_sent=True).model_dump(mode="json"),
        url_for("api.accounts_get_user", user_id=user.id))


@operation("/programmes/<uuid:programme_id>/trainers/<uuid:user_id>", "DELETE",
           summary="Remove a trainer from the programme (coordinators)", tag=TAG_PROGRAMMES,
           status=204)
def remove_trainer(programme_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    actor = api_user()
    programme = programmes.get_readable(db.session, actor, programme_id)
    policy.require_coordinate_programme(db.session, actor, programme)
    programmes.remove_trainer(db.session, actor, programme, accounts.get_user(db.session,
                                                                              user_id))
    return "", 204


