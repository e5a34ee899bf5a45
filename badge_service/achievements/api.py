"""API: a programme's achievements (badges), their composite rules and images."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app, jsonify, request, url_for
from pydantic import BaseModel, Field

from badge_service import policy
from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.adapters import uploads
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
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

TAG_ACHIEVEMENTS = "achievements"


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


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
    policy.require_coordinate_programme(db.session, actor, programme)
    data = model_data(parse_body(AchievementIn), exclude_unset=False)
    achievement = achievements.create(db.session, actor, programme, data, now=utcnow())
    return created(achievement_out(achievement),
                   url_for("api.achievements_get_achievement", achievement_id=achievement.id))


@operation("/achievements/<uuid:achievement_id>", "GET", summary="Get an achievement",
           tag=TAG_ACHIEVEMENTS, response=AchievementOut)
def get_achievement(achievement_id: uuid.UUID) -> Any:
    return jsonify(achievement_out(achievements.get_readable(db.session, api_user(),
                                                             achievement_id)))


@operation("/achievements/<uuid:achievement_id>", "PATCH",
           summary="Update an achievement (given fields only)", tag=TAG_ACHIEVEMENTS,
           body=AchievementPatch, response=AchievementOut)
def update_achievement(achievement_id: uuid.UUID) -> Any:
    return patch_resource(achievement_id, achievements.get_readable, AchievementPatch,
                          achievements.update, achievement_out)


@operation("/achievements/<uuid:achievement_id>", "DELETE",
           summary="Delete an achievement (409 while another requires it)",
           tag=TAG_ACHIEVEMENTS, status=204)
def delete_achievement(achievement_id: uuid.UUID) -> Any:
    return delete_resource(achievement_id, achievements.get_readable, achievements.delete)


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
    policy.require_coordinate_programme(db.session, actor, achievement.programme)
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
