"""The API's JSON shapes for frameworks: request bodies (``*In``, ``*Patch``), answers
(``*Out``) and the description of the exports.

Kept apart from the routes (:mod:`badge_service.frameworks.api`): these change with the public
contract — the OpenAPI document is built from them — the routes with the service they call.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from badge_service.edge.openapi import Strict


class VersionSummary(BaseModel):
    id: uuid.UUID
    number: int
    status: Literal["draft", "published"]
    title: str
    language: str
    created_at: datetime
    published_at: datetime | None


class FrameworkOut(BaseModel):
    id: uuid.UUID
    identifier: str = Field(description="CASE CFDocument identifier, stable across versions")
    title: str
    organisation_id: uuid.UUID | None = Field(description="owner; null: shared by all")
    created_at: datetime
    current_version: VersionSummary | None = Field(
        description="the latest published version, else the draft")
    draft_version_id: uuid.UUID | None


class FrameworkDetailOut(FrameworkOut):
    versions: list[VersionSummary]
    can_edit: bool


class ItemOut(BaseModel):
    id: uuid.UUID
    identifier: str = Field(description="CASE CFItem identifier, stable across versions")
    uri: str | None
    human_code: str | None
    item_type: str = Field(description="area, competence, level, progression, unit, outcome, "
                                       "block, criterion, group or other")
    type_title: str | None = Field(description="CASE CFItemType title")
    labels: dict[str, str] = Field(description="short names by language")
    statements: dict[str, str] = Field(description="full statements by language")
    position: int = Field(description="rank among siblings, from 1")
    parent_id: uuid.UUID | None
    notes: str | None


class ItemNode(ItemOut):
    children: list[ItemNode] = Field(default_factory=list)


class AssociationOut(BaseModel):
    identifier: str
    association_type: str
    origin_id: uuid.UUID
    destination_identifier: str
    destination_id: uuid.UUID | None = Field(description="set when the target is in the same "
                                                         "version")
    destination_uri: str | None
    destination_title: str | None


class VersionOut(VersionSummary):
    framework_id: uuid.UUID
    identifier: str
    title_i18n: dict[str, str]
    description_i18n: dict[str, str]
    items: list[ItemNode] = Field(description="the item tree, top level first")
    levels: list[ItemOut] = Field(description="proficiency levels, lowest first")
    associations: list[AssociationOut]
    rubric_count: int = Field(description="CASE CFRubrics kept with the version")


class ImportIn(Strict):
    format: Literal["case", "csv"] = Field(
        default="case", description="'case': a CASE 1.1 CFPackage in `package`; 'csv': CSV text "
                                    "in `csv` (columns documented in "
                                    "badge_service/formats/case/csv_read.py)")
    package: dict[str, Any] | None = Field(default=None, description="the CASE CFPackage")
    csv: str | None = Field(default=None, description="the CSV text")
    organisation_id: uuid.UUID | None = Field(
        default=None, description="owner organisation; omit for a shared framework "
                                  "(administrators)")
    draft: bool = Field(default=False, description="import as a draft instead of publishing")
    title: str | None = Field(default=None, max_length=500,
                              description="CSV without a document row: the framework's title")
    language: Literal["fr", "en"] | None = Field(
        default=None, description="CSV without a document row: its language")


class FrameworkImportOut(BaseModel):
    framework: FrameworkOut
    version: VersionSummary
    created_framework: bool
    created_version: bool = Field(description="false: identical to the latest version, "
                                              "nothing changed")
    format: Literal["case", "csv"]


class ItemIn(Strict):
    item_type: str
    labels: dict[str, str] = Field(default_factory=dict)
    statements: dict[str, str] = Field(default_factory=dict)
    identifier: str | None = Field(default=None, max_length=200,
                                   description="default: a new UUID")
    human_code: str | None = Field(default=None, max_length=100)
    type_title: str | None = Field(default=None, max_length=200)
    parent_id: uuid.UUID | None = None
    position: int | None = Field(default=None, ge=1, description="default: last")
    notes: str | None = None


class ItemPatch(Strict):
    item_type: str | None = None
    labels: dict[str, str | None] | None = Field(default=None,
                                                 description="null removes a language")
    statements: dict[str, str | None] | None = None
    human_code: str | None = Field(default=None, max_length=100)
    type_title: str | None = Field(default=None, max_length=200)
    parent_id: uuid.UUID | None = Field(default=None, description="null: move to the top level")
    position: int | None = Field(default=None, ge=1)
    notes: str | None = None


class LevelsOut(BaseModel):
    items: list[ItemOut] = Field(description="proficiency levels, lowest first")


class VersionPatch(Strict):
    title_i18n: dict[str, str | None] | None = None
    description_i18n: dict[str, str | None] | None = None


EXPORT_QUERY = (("format", "string", "'case' (CASE 1.1 JSON, default) or 'csv'"),)
#: What an export answers, by ``format``: the package is described, not modelled, since its
#: content is CASE's own (badge_service/formats/case/json_write.py builds it).
EXPORT_PRODUCES = {
    "application/json": {
        "type": "object", "description": "format=case: a CASE 1.1 CFPackage",
        "required": ["CFDocument", "CFItems", "CFAssociations"],
        "properties": {"CFDocument": {"type": "object"},
                       "CFItems": {"type": "array", "items": {"type": "object"}},
                       "CFAssociations": {"type": "array", "items": {"type": "object"}},
                       "CFDefinitions": {"type": "object"},
                       "CFRubrics": {"type": "array", "items": {"type": "object"}}}},
    "text/csv": {"type": "string", "contentMediaType": "text/csv",
                 "description": "format=csv: the columns of "
                                "badge_service/formats/case/csv_read.py, UTF-8 with a BOM"},
}
