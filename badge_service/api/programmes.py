"""API: programmes, their trainers, and their achievements (OB 3.0 Achievement definitions)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import current_app, jsonify, request, url_for
from pydantic import BaseModel, Field

from .. import uploads
from ..auth import api_user
from ..clock import utcnow
from ..db import db
from ..errors import FieldError, ValidationFailed
from ..models import Achievement, Programme, User
from ..services import accounts, achievements, programmes
from ..web.programmes import trainer_invitation_link
from .accounts import I18n, Strict
from .openapi import created, operation, paged, parse_body

TAG_PROGRAMMES = "programmes"
TAG_ACHIEVEMENTS = "achievements"


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


class AchievementIn(Strict):
    achievement_type: str = Field(default="Badge", max_length=100, description=(
        "OB 3.0 AchievementType (Badge, Certificate, Diploma, Competency, Course, …) or "
        "'ext:Name'"))
    language: str | None = Field(default=None, description="main language, 'fr' or 'en' "
                                 "(default: fr when the name has French text)")
    name: I18n
    description: I18n
    criteria: I18n = Field(default_factory=I18n, description="criteria narrative (Markdown)")
    alignments: list[uuid.UUID] = Field(default_factory=list, description=(
        "framework item ids (items of published framework versions)"))
    level_scale_version_id: uuid.UUID | None = Field(default=None, description=(
        "a published framework version whose level items are the result scale"))
    validity_days: int | None = None
    tags: list[str] = Field(default_factory=list)
    human_code: str | None = Field(default=None, max_length=100)
    requires: list[uuid.UUID] = Field(default_factory=list, description=(
        "achievements of the same programme required to be awarded this one automatically"))
    requires_portfolio: bool = False


class AchievementPatch(Strict):
    achievement_type: str | None = Field(default=None, max_length=100)
    language: str | None = None
    name: I18n | None = None
    description: I18n | None = None
    criteria: I18n | None = None
    alignments: list[uuid.UUID] | None = None
    level_scale_version_id: uuid.UUID | None = None
    validity_days: int | None = None
    tags: list[str] | None = None
    human_code: str | None = Field(default=None, max_length=100)
    requires: list[uuid.UUID] | None = None
    requires_portfolio: bool | None = None


class AlignmentOut(BaseModel):
    framework_item_id: uuid.UUID
    framework_version_id: uuid.UUID
    identifier: str
    uri: str
    human_code: str | None
    label: str


class LevelOut(BaseModel):
    framework_item_id: uuid.UUID
    uri: str
    human_code: str | None
    label: str


class AchievementOut(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    url: str = Field(description="the OB Achievement id: public page, JSON by content "
                     "negotiation")
    achievement_type: str
    language: str
    name: dict[str, str]
    description: dict[str, str]
    criteria: dict[str, str]
    image_url: str | None
    alignments: list[AlignmentOut]
    level_scale_version_id: uuid.UUID | None
    levels: list[LevelOut]
    validity_days: int | None
    tags: list[str]
    human_code: str | None
    requires: list[uuid.UUID]
    requires_portfolio: bool
    created_at: datetime
    updated_at: datetime | None


class RequirementsIn(Strict):
    achievement_ids: list[uuid.UUID] = Field(default_factory=list)
    requires_portfolio: bool = False


class RequirementsOut(BaseModel):
    achievement_ids: list[uuid.UUID]
    requires_portfolio: bool
    is_composite: bool


class ImageOut(BaseModel):
    image_url: str
    content_type: str
    size: int
    sanitised: list[str] = Field(description="what was removed from an SVG, if anything")


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


def achievement_out(achievement: Achievement) -> dict[str, Any]:
    base = _base()
    language = achievement.language
    return AchievementOut(
        id=achievement.id, programme_id=achievement.programme_id,
        url=achievements.achievement_url(base, achievement),
        achievement_type=achievement.achievement_type, language=language,
        name=achievement.name_i18n or {}, description=achievement.description_i18n or {},
        criteria=achievement.criteria_i18n or {},
        image_url=achievements.image_url(base, achievement),
        alignments=[AlignmentOut(
            framework_item_id=a.item.id, framework_version_id=a.item.version_id,
            identifier=a.item.identifier, uri=achievements.item_url(base, a.item),
            human_code=a.item.human_code,
            label=achievements.item_name(a.item, language)) for a in achievement.alignments],
        level_scale_version_id=achievement.level_scale_version_id,
        levels=[LevelOut(framework_item_id=item.id, uri=achievements.item_url(base, item),
                         human_code=item.human_code,
                         label=achievements.item_name(item, language))
                for item in achievements.levels_of(achievement.level_scale_version)],
        validity_days=achievement.validity_days, tags=list(achievement.tags or []),
        human_code=achievement.human_code, requires=achievements.required_ids(achievement),
        requires_portfolio=achievement.requires_portfolio,
        created_at=achievement.created_at, updated_at=achievement.updated_at,
    ).model_dump(mode="json")


def _i18n(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if isinstance(value, I18n) else value


def _data(model: BaseModel, *, exclude_unset: bool) -> dict[str, Any]:
    data = {key: getattr(model, key) for key in model.model_dump(exclude_unset=exclude_unset)}
    return {key: _i18n(value) for key, value in data.items()}


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
    data = _data(body, exclude_unset=False)
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
    actor = api_user()
    programme = programmes.get_readable(db.session, actor, programme_id)
    data = _data(parse_body(ProgrammePatch), exclude_unset=True)
    programmes.update(db.session, actor, programme, data, now=utcnow())
    return jsonify(programme_out(programme))


@operation("/programmes/<uuid:programme_id>", "DELETE",
           summary="Delete a programme (409 while it has achievements or cohorts)",
           tag=TAG_PROGRAMMES, status=204)
def delete_programme(programme_id: uuid.UUID) -> Any:
    actor = api_user()
    programme = programmes.get_readable(db.session, actor, programme_id)
    programmes.delete(db.session, actor, programme)
    return "", 204


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
    programmes.require_manage(db.session, actor, programme)
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
        default_language=current_app.config["DEFAULT_LANGUAGE"], now=utcnow(),
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
    programmes.require_manage(db.session, actor, programme)
    programmes.remove_trainer(db.session, actor, programme, accounts.get_user(db.session,
                                                                              user_id))
    return "", 204


# --- achievements ----------------------------------------------------------------------------


@operation("/programmes/<uuid:programme_id>/achievements", "GET",
           summary="List a programme's achievements", tag=TAG_ACHIEVEMENTS,
           response=AchievementOut, paged=True)
def list_achievements(programme_id: uuid.UUID) -> Any:
    programme = programmes.get_readable(db.session, api_user(), programme_id)
    return paged(db.session, achievements.of_programme(programme), achievement_out)


@operation("/programmes/<uuid:programme_id>/achievements", "POST",
           summary="Create an achievement (coordinators)", tag=TAG_ACHIEVEMENTS,
           body=AchievementIn, response=AchievementOut, status=201)
def create_achievement(programme_id: uuid.UUID) -> Any:
    actor = api_user()
    programme = programmes.get_readable(db.session, actor, programme_id)
    programmes.require_manage(db.session, actor, programme)
    data = _data(parse_body(AchievementIn), exclude_unset=False)
    achievement = achievements.create(db.session, actor, programme, data, now=utcnow())
    return created(achievement_out(achievement),
                   url_for("api.programmes_get_achievement", achievement_id=achievement.id))


@operation("/achievements/<uuid:achievement_id>", "GET", summary="Get an achievement",
           tag=TAG_ACHIEVEMENTS, response=AchievementOut)
def get_achievement(achievement_id: uuid.UUID) -> Any:
    return jsonify(achievement_out(achievements.get_readable(db.session, api_user(),
                                                             achievement_id)))


@operation("/achievements/<uuid:achievement_id>", "PATCH",
           summary="Update an achievement (given fields only)", tag=TAG_ACHIEVEMENTS,
           body=AchievementPatch, response=AchievementOut)
def update_achievement(achievement_id: uuid.UUID) -> Any:
    actor = api_user()
    achievement = achievements.get_readable(db.session, actor, achievement_id)
    data = _data(parse_body(AchievementPatch), exclude_unset=True)
    achievements.update(db.session, actor, achievement, data, now=utcnow())
    return jsonify(achievement_out(achievement))


@operation("/achievements/<uuid:achievement_id>", "DELETE",
           summary="Delete an achievement (409 while another requires it)",
           tag=TAG_ACHIEVEMENTS, status=204)
def delete_achievement(achievement_id: uuid.UUID) -> Any:
    actor = api_user()
    achievement = achievements.get_readable(db.session, actor, achievement_id)
    achievements.delete(db.session, actor, achievement)
    return "", 204


@operation("/achievements/<uuid:achievement_id>/requirements", "GET",
           summary="An achievement's composite rule", tag=TAG_ACHIEVEMENTS,
           response=RequirementsOut)
def get_requirements(achievement_id: uuid.UUID) -> Any:
    achievement = achievements.get_readable(db.session, api_user(), achievement_id)
    return jsonify(_requirements_out(achievement))


@operation("/achievements/<uuid:achievement_id>/requirements", "PUT",
           summary="Set an achievement's composite rule: required achievements of the same "
                   "programme and/or a validated portfolio", tag=TAG_ACHIEVEMENTS,
           body=RequirementsIn, response=RequirementsOut)
def set_requirements(achievement_id: uuid.UUID) -> Any:
    actor = api_user()
    achievement = achievements.get_readable(db.session, actor, achievement_id)
    body = parse_body(RequirementsIn)
    achievements.set_requirements(db.session, actor, achievement, list(body.achievement_ids),
                                  body.requires_portfolio, now=utcnow())
    return jsonify(_requirements_out(achievement))


def _requirements_out(achievement: Achievement) -> dict[str, Any]:
    rules = achievements.composite_requirements(achievement)
    return RequirementsOut(achievement_ids=achievements.required_ids(achievement),
                           requires_portfolio=rules.portfolio,
                           is_composite=rules.is_composite).model_dump(mode="json")


@operation("/achievements/<uuid:achievement_id>/image", "POST",
           summary="Upload the achievement's image: PNG or SVG, as multipart/form-data field "
                   "'file' or as the raw request body; checked by content, SVG sanitised",
           tag=TAG_ACHIEVEMENTS, response=ImageOut, upload="image")
def upload_image(achievement_id: uuid.UUID) -> Any:
    actor = api_user()
    achievement = achievements.get_readable(db.session, actor, achievement_id)
    programmes.require_manage(db.session, actor, achievement.programme)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("send the image in the form field 'file'",
                                   [FieldError("is required", field="file")])
        field = "file"
        data = uploads.read_limited(upload.stream, limit, field)
    else:
        field = "body"
        data = uploads.read_limited(request.stream, limit, field)
    stored = achievements.set_image(db.session, actor, achievement, data,
                                    upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=limit,
                                    now=utcnow(), field_name=field)
    return jsonify(ImageOut(image_url=achievements.image_url(_base(), achievement) or "",
                            content_type=stored.content_type, size=stored.size,
                            sanitised=list(stored.removed)).model_dump(mode="json"))


@operation("/achievements/<uuid:achievement_id>/image", "DELETE",
           summary="Remove the achievement's image", tag=TAG_ACHIEVEMENTS, status=204)
def delete_image(achievement_id: uuid.UUID) -> Any:
    actor = api_user()
    achievement = achievements.get_readable(db.session, actor, achievement_id)
    achievements.remove_image(db.session, actor, achievement, now=utcnow())
    return "", 204
