"""API: a participant's portfolio — evidence items (files, links, reflections), their versions
and files, and the competences they may be tagged with."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import request, url_for
from pydantic import BaseModel, Field

from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import (
    Strict,
    Upload,
    created,
    model_data,
    operation,
    paged,
    parse_body,
)
from badge_service.errors import NotFound
from badge_service.portfolios import forms
from badge_service.portfolios.models import PortfolioItem, PortfolioItemVersion
from badge_service.portfolios.service import competences, items

TAG_PORTFOLIO = "portfolio"

_TEXT = {"type": "string"}
EVIDENCE_UPLOAD = Upload((), description=(
    "the evidence file; its type is read from its content (EVIDENCE_TYPES), and must agree "
    "with its name and declared type"), other_fields={
    "kind": {"type": "string", "enum": ["file"], "description": "on creation: file"},
    "title": _TEXT, "description": _TEXT,
    "competences": {"type": "array", "items": {"type": "string", "format": "uuid"},
                    "description": "framework item ids (repeat the field)"}})


class ItemIn(Strict):
    kind: Literal["link", "reflection"] = Field(description=(
        "a file is sent as multipart/form-data instead"))
    title: str = Field(max_length=items.MAX_TITLE)
    description: str = Field(default="", max_length=items.MAX_DESCRIPTION)
    url: str | None = Field(default=None, max_length=items.MAX_URL, description="a link's")
    text: str | None = Field(default=None, max_length=items.MAX_REFLECTION,
                             description="a reflection's text")
    text_format: Literal["text", "html"] = Field(default="text", description=(
        "text: paragraphs separated by blank lines; html: cleaned to paragraphs, emphasis, "
        "lists, quotes, code and links"))
    competences: list[uuid.UUID] = Field(default_factory=list, description=(
        "framework item ids, from GET /portfolio/competences"))


class VersionIn(Strict):
    title: str | None = Field(default=None, max_length=items.MAX_TITLE)
    description: str | None = Field(default=None, max_length=items.MAX_DESCRIPTION)
    url: str | None = Field(default=None, max_length=items.MAX_URL)
    text: str | None = Field(default=None, max_length=items.MAX_REFLECTION)
    text_format: Literal["text", "html"] | None = None
    competences: list[uuid.UUID] | None = Field(default=None, description=(
        "replaces the list; left out: kept"))


class CompetenceRef(BaseModel):
    id: uuid.UUID
    code: str | None
    label: dict[str, str]
    framework: str


class FileOut(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str
    url: str


class VersionOut(BaseModel):
    number: int
    title: str
    description: str
    url: str | None
    text_html: str | None
    file: FileOut | None
    competences: list[CompetenceRef]
    created_at: datetime
    frozen_at: datetime | None = Field(description="when first submitted; then it never "
                                       "changes and keeps the item from being deleted")


class ItemOut(BaseModel):
    id: uuid.UUID
    kind: str
    created_at: datetime
    updated_at: datetime
    current: VersionOut
    versions: list[VersionOut]


class FrameworkCompetences(BaseModel):
    framework: str
    version: int
    competences: list[CompetenceRef]


class CompetencesOut(BaseModel):
    frameworks: list[FrameworkCompetences]


def _competence(item: Any) -> CompetenceRef:
    return CompetenceRef(id=item.id, code=item.human_code, label=item.labels or {},
                         framework=item.version.title)


def version_out(version: PortfolioItemVersion) -> VersionOut:
    file = None
    if version.file_sha256:
        file = FileOut(name=version.file_name or "", media_type=version.file_type or "",
                       size=version.file_size or 0, sha256=version.file_sha256,
                       url=url_for("api.portfolios_download", item_id=version.item_id,
                                   number=version.number, _external=True))
    return VersionOut(number=version.number, title=version.title,
                      description=version.description, url=version.url,
                      text_html=version.body_html, file=file,
                      competences=[_competence(t.competence) for t in version.tags],
                      created_at=version.created_at, frozen_at=version.frozen_at)


def item_out(item: PortfolioItem) -> dict[str, Any]:
    versions = [version_out(v) for v in item.versions]
    return ItemOut(id=item.id, kind=item.kind, created_at=item.created_at,
                   updated_at=item.updated_at, current=versions[-1],
                   versions=versions).model_dump(mode="json")


def _location(item: PortfolioItem) -> str:
    return url_for("api.portfolios_get_item", item_id=item.id)


@operation("/portfolio/items", "GET", summary="List your evidence items", tag=TAG_PORTFOLIO,
           response=ItemOut, paged=True)
def list_items() -> Any:
    return paged(db.session, items.owned_by(api_user()), item_out)


@operation("/portfolio/items", "POST", summary="Add an evidence item (a link or reflection as "
           "JSON, a file as multipart/form-data)", tag=TAG_PORTFOLIO, body=ItemIn,
           response=ItemOut, status=201, upload=EVIDENCE_UPLOAD)
def create_item() -> Any:
    user = api_user()
    if request.mimetype == "multipart/form-data":
        forms.allow_large_body()
        upload = forms.uploaded_file()
        data = forms.form_data()
    else:
        upload, data = None, model_data(parse_body(ItemIn), exclude_unset=False)
    item = items.create(db.session, user, data, upload=upload, store=forms.store(),
                        rules=forms.rules(), now=utcnow())
    return created(item_out(item), _location(item))


@operation("/portfolio/items/<uuid:item_id>", "GET", summary="One evidence item with every "
           "version", tag=TAG_PORTFOLIO, response=ItemOut)
def get_item(item_id: uuid.UUID) -> Any:
    return item_out(items.get(db.session, api_user(), item_id))


@operation("/portfolio/items/<uuid:item_id>/versions", "POST", summary="Revise an evidence "
           "item: write its next version (fields left out are kept)", tag=TAG_PORTFOLIO,
           body=VersionIn, response=ItemOut, status=201, upload=EVIDENCE_UPLOAD)
def revise_item(item_id: uuid.UUID) -> Any:
    user = api_user()
    if request.mimetype == "multipart/form-data":
        forms.allow_large_body()
        upload = forms.uploaded_file()
        data = forms.form_data(edit=True)
    else:
        upload, data = None, model_data(parse_body(VersionIn), exclude_unset=True)
    version = items.revise(db.session, user, item_id, data, upload=upload, store=forms.store(),
                           rules=forms.rules(), now=utcnow())
    return created(item_out(version.item), _location(version.item))


@operation("/portfolio/items/<uuid:item_id>", "DELETE", summary="Delete an evidence item never "
           "submitted", tag=TAG_PORTFOLIO, status=204)
def delete_item(item_id: uuid.UUID) -> Any:
    items.delete(db.session, api_user(), item_id)
    return "", 204


@operation("/portfolio/items/<uuid:item_id>/versions/<int:number>/file", "GET",
           summary="Download the file of one version", tag=TAG_PORTFOLIO,
           produces={"application/octet-stream": {"type": "string"}})
def download(item_id: uuid.UUID, number: int) -> Any:
    version = items.version(db.session, api_user(), item_id, number)
    if not version.file_sha256:
        raise NotFound("this version holds no file")
    return forms.send_version_file(version)


@operation("/portfolio/competences", "GET", summary="The competences you may tag evidence "
           "with (your programmes' frameworks)", tag=TAG_PORTFOLIO, response=CompetencesOut)
def list_competences() -> Any:
    groups = competences.taggable_items(db.session, api_user())
    return CompetencesOut(frameworks=[
        FrameworkCompetences(framework=version.title, version=version.number,
                             competences=[_competence(i) for i in found])
        for version, found in groups]).model_dump(mode="json")
