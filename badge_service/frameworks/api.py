"""API: competency frameworks — list, read (versions, item tree, levels), import and export
(CASE 1.1 JSON or CSV), drafts and their items, publishing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import Response, current_app, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field

from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import created, operation, paged, parse_body
from badge_service.errors import FieldError, PayloadTooLarge, ValidationFailed
from badge_service.frameworks import service as fw
from badge_service.frameworks.models import Framework, FrameworkItem, FrameworkVersion

TAG = "frameworks"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
                                    "badge_service/formats/case.py)")
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


def version_summary(version: FrameworkVersion) -> dict[str, Any]:
    return VersionSummary(
        id=version.id, number=version.number, status=version.status,  # type: ignore[arg-type]
        title=version.title, language=version.language, created_at=version.created_at,
        published_at=version.published_at).model_dump(mode="json")


def framework_out(framework: Framework) -> dict[str, Any]:
    current = fw.current_version(framework)
    draft = fw.draft_of(framework)
    return FrameworkOut(
        id=framework.id, identifier=framework.identifier, title=framework.title,
        organisation_id=framework.organisation_id, created_at=framework.created_at,
        current_version=version_summary(current) if current else None,  # type: ignore[arg-type]
        draft_version_id=draft.id if draft else None).model_dump(mode="json")


def item_out(item: FrameworkItem) -> dict[str, Any]:
    return ItemOut(
        id=item.id, identifier=item.identifier, uri=item.uri, human_code=item.human_code,
        item_type=item.item_type, type_title=item.type_title, labels=item.labels or {},
        statements=item.statements or {}, position=item.position, parent_id=item.parent_id,
        notes=item.notes).model_dump(mode="json")


def version_out(version: FrameworkVersion) -> dict[str, Any]:
    nodes: dict[uuid.UUID, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for item, _depth in fw.tree(version):
        node = {**item_out(item), "children": []}
        nodes[item.id] = node
        (nodes[item.parent_id]["children"] if item.parent_id in nodes else roots).append(node)
    return {
        **version_summary(version),
        "framework_id": str(version.framework_id),
        "identifier": version.framework.identifier,
        "title_i18n": version.title_i18n or {},
        "description_i18n": version.description_i18n or {},
        "items": roots,
        "levels": [item_out(item) for item in fw.levels(db.session, version)],
        "associations": [AssociationOut(
            identifier=link.identifier, association_type=link.association_type,
            origin_id=link.origin_id, destination_identifier=link.destination_identifier,
            destination_id=link.destination_id, destination_uri=link.destination_uri,
            destination_title=link.destination_title).model_dump(mode="json")
            for link in version.associations],
        "rubric_count": len(fw.rubrics(version)),
    }


def export_response(version: FrameworkVersion) -> Response:
    fmt = request.args.get("format", "case")
    if fmt not in ("case", "csv"):
        raise ValidationFailed("unknown export format", [
            FieldError("must be 'case' or 'csv'", field="format")])
    filename = fw.export_filename(version, fmt)
    if fmt == "csv":
        response = Response(fw.export_csv(version), mimetype="text/csv")
        response.charset = "utf-8"
    else:
        from badge_service.formats import case

        response = Response(case.dumps(fw.export_case(version)), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EXPORT_QUERY = (("format", "string", "'case' (CASE 1.1 JSON, default) or 'csv'"),)
#: What an export answers, by ``format``: the package is described, not modelled, since its
#: content is CASE's own (badge_service/formats/case.py builds it).
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
                 "description": "format=csv: the columns of badge_service/formats/case.py, "
                                "UTF-8 with "
                                "a BOM"},
}


# --- frameworks -----------------------------------------------------------------------------


@operation("/frameworks", "GET", summary="List competency frameworks", tag=TAG,
           response=FrameworkOut, paged=True,
           query=(("identifier", "string", "only the framework with this CASE identifier"),
                  ("organisation_id", "string", "only frameworks of this organisation")))
def list_frameworks() -> Any:
    api_user()
    organisation_id = request.args.get("organisation_id")
    try:
        owner = uuid.UUID(organisation_id) if organisation_id else None
    except ValueError:
        raise ValidationFailed("organisation_id is not a UUID", [
            FieldError("must be a UUID", field="organisation_id")]) from None
    query = fw.list_query(organisation_id=owner, identifier=request.args.get("identifier"))
    return paged(db.session, query, framework_out)


@operation("/frameworks/import", "POST",
           summary="Import a framework: a CASE 1.1 package, or CSV text (format=csv). "
                   "A known CFDocument identifier adds a version when the content differs "
                   "(201), else changes nothing (200). Errors list every JSON path / CSV line.",
           tag=TAG, body=ImportIn, response=FrameworkImportOut, status=201)
def import_framework() -> Any:
    actor = api_user()
    limit = current_app.config["MAX_IMPORT_BYTES"]
    if (request.content_length or 0) > 2 * limit + 64 * 1024:
        raise PayloadTooLarge(f"the request is larger than the import limit ({limit} bytes)")
    data = parse_body(ImportIn)
    content = data.csv if data.format == "csv" else data.package
    if content is None:
        field = "csv" if data.format == "csv" else "package"
        raise ValidationFailed(f"give the framework in '{field}'", [
            FieldError(f"is required when format is {data.format!r}", field=field)])
    result = fw.import_content(
        db.session, actor, data.format, content, max_bytes=limit, now=utcnow(),
        base_url=current_app.config["PUBLIC_BASE_URL"], organisation_id=data.organisation_id,
        draft=data.draft, title=data.title,
        language=data.language or current_app.config["DEFAULT_LANGUAGE"])
    body = {"framework": framework_out(result.framework),
            "version": version_summary(result.version),
            "created_framework": result.created_framework,
            "created_version": result.created_version, "format": result.format}
    location = url_for("api.frameworks_get_version", version_id=result.version.id)
    if not result.created_version:
        response = jsonify(body)
        response.headers["Location"] = location
        return response
    return created(body, location)


@operation("/frameworks/<uuid:framework_id>", "GET", summary="Get a framework and its versions",
           tag=TAG, response=FrameworkDetailOut)
def get_framework(framework_id: uuid.UUID) -> Any:
    actor = api_user()
    framework = fw.get(db.session, framework_id)
    return jsonify({**framework_out(framework),
                    "versions": [version_summary(v) for v in framework.versions],
                    "can_edit": fw.can_edit(db.session, actor, framework)})


@operation("/frameworks/<uuid:framework_id>/export", "GET",
           summary="Export the current version (CASE 1.1 JSON or CSV)", tag=TAG,
           query=EXPORT_QUERY, produces=EXPORT_PRODUCES)
def export_framework(framework_id: uuid.UUID) -> Any:
    api_user()
    version = fw.current_version(fw.get(db.session, framework_id))
    if version is None:
        from badge_service.errors import NotFound

        raise NotFound("the framework has no version")
    return export_response(version)


@operation("/frameworks/<uuid:framework_id>/drafts", "POST",
           summary="Create a draft of the next version (a copy of the latest; identifiers "
                   "kept)", tag=TAG, response=VersionSummary, status=201)
def create_draft(framework_id: uuid.UUID) -> Any:
    framework = fw.get(db.session, framework_id)
    version = fw.create_draft(db.session, api_user(), framework, now=utcnow())
    return created(version_summary(version),
                   url_for("api.frameworks_get_version", version_id=version.id))


# --- versions -------------------------------------------------------------------------------


@operation("/framework-versions/<uuid:version_id>", "GET",
           summary="Get a version with its item tree, levels and links", tag=TAG,
           response=VersionOut)
def get_version(version_id: uuid.UUID) -> Any:
    api_user()
    return jsonify(version_out(fw.get_version(db.session, version_id)))


@operation("/framework-versions/<uuid:version_id>", "PATCH",
           summary="Change a draft's title and description", tag=TAG, body=VersionPatch,
           response=VersionSummary)
def update_version(version_id: uuid.UUID) -> Any:
    version = fw.get_version(db.session, version_id)
    changes = parse_body(VersionPatch).model_dump(exclude_none=True)
    fw.update_version(db.session, api_user(), version, changes, now=utcnow())
    return jsonify(version_summary(version))


@operation("/framework-versions/<uuid:version_id>", "DELETE", summary="Discard a draft",
           tag=TAG, status=204)
def delete_version(version_id: uuid.UUID) -> Any:
    fw.delete_draft(db.session, api_user(), fw.get_version(db.session, version_id))
    return "", 204


@operation("/framework-versions/<uuid:version_id>/publish", "POST",
           summary="Publish a draft (it becomes immutable)", tag=TAG, response=VersionSummary)
def publish_version(version_id: uuid.UUID) -> Any:
    version = fw.publish(db.session, api_user(), fw.get_version(db.session, version_id),
                         now=utcnow())
    return jsonify(version_summary(version))


@operation("/framework-versions/<uuid:version_id>/export", "GET",
           summary="Export a version (CASE 1.1 JSON or CSV)", tag=TAG, query=EXPORT_QUERY,
           produces=EXPORT_PRODUCES)
def export_version(version_id: uuid.UUID) -> Any:
    api_user()
    return export_response(fw.get_version(db.session, version_id))


@operation("/framework-versions/<uuid:version_id>/levels", "GET",
           summary="The proficiency levels of a version, lowest first", tag=TAG,
           response=LevelsOut)
def list_levels(version_id: uuid.UUID) -> Any:
    api_user()
    version = fw.get_version(db.session, version_id)
    return jsonify({"items": [item_out(item) for item in fw.levels(db.session, version)]})


@operation("/framework-versions/<uuid:version_id>/items", "POST",
           summary="Add an item to a draft", tag=TAG, body=ItemIn, response=ItemOut,
           status=201)
def add_item(version_id: uuid.UUID) -> Any:
    version = fw.get_version(db.session, version_id)
    data = parse_body(ItemIn).model_dump()
    item = fw.add_item(db.session, api_user(), version, data, now=utcnow())
    return created(item_out(item), url_for("api.frameworks_get_item", item_id=item.id))


# --- items ----------------------------------------------------------------------------------


@operation("/framework-items/<uuid:item_id>", "GET", summary="Get a framework item", tag=TAG,
           response=ItemOut)
def get_item(item_id: uuid.UUID) -> Any:
    api_user()
    return jsonify(item_out(fw.get_item(db.session, item_id)))


@operation("/framework-items/<uuid:item_id>", "PATCH",
           summary="Change an item of a draft: texts, code, type, parent, position", tag=TAG,
           body=ItemPatch, response=ItemOut)
def update_item(item_id: uuid.UUID) -> Any:
    item = fw.get_item(db.session, item_id)
    changes = parse_body(ItemPatch).model_dump(exclude_unset=True)
    item = fw.update_item(db.session, api_user(), item, changes, now=utcnow())
    return jsonify(item_out(item))


@operation("/framework-items/<uuid:item_id>", "DELETE",
           summary="Remove an item of a draft, with its sub-items", tag=TAG, status=204)
def delete_item(item_id: uuid.UUID) -> Any:
    fw.delete_item(db.session, api_user(), fw.get_item(db.session, item_id), now=utcnow())
    return "", 204
