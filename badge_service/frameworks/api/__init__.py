"""API: competency frameworks — list, read (versions, item tree, levels), import and export
(CASE 1.1 JSON or CSV), drafts and their items, publishing."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, jsonify, request, url_for

from badge_service import policy
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.language import configured_language
from badge_service.edge.openapi import created, operation, paged, parse_body
from badge_service.errors import FieldError, NotFound, PayloadTooLarge, ValidationFailed
from badge_service.formats import case
from badge_service.frameworks import service as fw
from badge_service.frameworks.api.schemas import (
    EXPORT_PRODUCES,
    EXPORT_QUERY,
    AssociationOut,
    FrameworkDetailOut,
    FrameworkImportOut,
    FrameworkOut,
    ImportIn,
    ItemIn,
    ItemOut,
    ItemPatch,
    LevelsOut,
    VersionOut,
    VersionPatch,
    VersionSummary,
)
from badge_service.frameworks.models import Framework, FrameworkItem, FrameworkVersion

TAG = "frameworks"


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
        response = Response(case.dumps(fw.export_case(version)), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response




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
        language=data.language or configured_language())
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
                    "can_edit": policy.may_import_framework(db.session, actor,
                                                            framework.organisation_id)})


@operation("/frameworks/<uuid:framework_id>/export", "GET",
           summary="Export the current version (CASE 1.1 JSON or CSV)", tag=TAG,
           query=EXPORT_QUERY, produces=EXPORT_PRODUCES)
def export_framework(framework_id: uuid.UUID) -> Any:
    api_user()
    version = fw.current_version(fw.get(db.session, framework_id))
    if version is None:
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
