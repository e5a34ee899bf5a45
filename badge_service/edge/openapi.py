"""Declaring API operations once: the route, its auth, its input/output models, its docs.

:func:`operation` registers a view on the API blueprint and records it, so the OpenAPI document
served at ``/api/v1/openapi.json`` always lists exactly the routes that exist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from badge_service.edge.auth import token_auth
from badge_service.errors import FieldError, ServiceError, UnsupportedMediaType, ValidationFailed

#: The JSON API under ``/api/v1``; each domain's ``api`` module registers its operations on it.
bp = Blueprint("api", __name__, url_prefix="/api/v1")


class Strict(BaseModel):  # an input model: unknown members refused, strings stripped
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class I18n(Strict):  # a text in the service's languages
    fr: str | None = None
    en: str | None = None


def _i18n_values(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if isinstance(value, I18n) else value


def model_data(model: BaseModel, *, exclude_unset: bool) -> dict[str, Any]:
    """A validated body as plain data for a service: the given members (``exclude_unset``: only
    those the client sent, for PATCH), texts in several languages as plain dicts."""
    data = {key: getattr(model, key) for key in model.model_dump(exclude_unset=exclude_unset)}
    return {key: _i18n_values(value) for key, value in data.items()}


M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Upload:
    """A request body that is a file: a multipart/form-data field, or the raw body when its
    media type is one of ``raw_types`` (none: multipart only)."""

    raw_types: tuple[str, ...]
    form_field: str = "file"
    description: str = ""
    #: Other form fields sent with the file: name -> JSON schema.
    other_fields: Mapping[str, Any] = field(default_factory=dict)


#: The upload kinds of this API, by name, so a declaration reads ``upload="image"``.
UPLOADS: dict[str, Upload] = {
    "image": Upload(("image/png", "image/svg+xml"),
                    description="a PNG or SVG image, checked by content (SVG sanitised)"),
    "csv": Upload(("text/csv",), description="a CSV file, UTF-8 (a BOM is accepted)"),
}

#: A response body other than one JSON model: media type → pydantic model or JSON schema.
Produces = Mapping[str, type[BaseModel] | dict[str, Any]]


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    tag: str
    endpoint: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    paged: bool = False
    status: int = 200
    auth: bool = True
    query: Sequence[tuple[str, str, str]] = field(default_factory=tuple)
    upload: Upload | None = None
    produces: Produces = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(rule: str, method: str, *, summary: str, tag: str,
              body: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              paged: bool = False, status: int = 200, auth: bool = True,
              query: Sequence[tuple[str, str, str]] = (), upload: Upload | str | None = None,
              produces: Produces | None = None) -> Callable[[F], F]:
    """Register a view. ``body`` is a JSON request body; ``upload`` (an :class:`Upload` or a
    name in :data:`UPLOADS`) a file, alone or as an alternative to ``body``. ``response`` is
    the JSON answer; ``produces`` lists other media types the answer may have."""
    if isinstance(upload, str):
        upload = UPLOADS[upload]

    def register(view: F) -> F:
        # badge_service.<domain>.api: operations are named after their domain, like its tag.
        endpoint = f"{view.__module__.split('.')[1]}_{view.__name__}"
        wrapped = token_auth(view) if auth else view
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        OPERATIONS.append(Operation(rule, method.lower(), summary, tag, endpoint, body,
                                    response, paged, status, auth, tuple(query), upload,
                                    dict(produces or {})))
        return view

    return register


def parse_body(model: type[M]) -> M:
    """The request's JSON body validated against ``model``; 415/422 with field errors."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON (Content-Type: application/json)")
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed("the body is not valid JSON")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("the body is not valid", [
            FieldError(err["msg"], field=".".join(str(p) for p in err["loc"]) or None)
            for err in exc.errors(include_url=False, include_input=False)
        ]) from None


#: Highest page number a list accepts: with per_page ≤ MAX_PAGE_SIZE the row offset stays far
#: inside the databases' 64-bit integers (page=10**30 was a 500 from the driver).
MAX_PAGE = 1_000_000
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)


class InvalidPage(ServiceError):
    """A list's ``page`` or ``per_page`` query parameter is not a whole number in its allowed
    range; the problem's errors name the parameter and the range."""

    status = 400
    problem = "invalid-page"
    title = "Invalid page parameters"


def _page_number(name: str, default: int, high: int) -> tuple[int, FieldError | None]:
    raw = request.args.get(name)
    if raw is None:
        return default, None
    text = raw.strip()
    allowed = f"a whole number from 1 to {high}"
    if not _WHOLE_NUMBER.fullmatch(text):
        return default, FieldError(f"must be {allowed}, got {raw[:40]!r}", field=name)
    # No int() of a 5000-digit string: anything longer than the bound's digits is out of range.
    value = int(text) if len(text.lstrip("+-")) <= len(str(high)) else None
    if value is None or not 1 <= value <= high:
        return default, FieldError(f"must be {allowed}, got {text[:40]}", field=name)
    return value, None


def page_args() -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string; :class:`InvalidPage` (400) when either
    is not a whole number in range (page 1…MAX_PAGE, per_page 1…MAX_PAGE_SIZE)."""
    config = current_app.config
    page, page_error = _page_number("page", 1, MAX_PAGE)
    per_page, size_error = _page_number("per_page", config["PAGE_SIZE"], config["MAX_PAGE_SIZE"])
    errors = [error for error in (page_error, size_error) if error is not None]
    if errors:
        raise InvalidPage("; ".join(f"{e.field} {e.message}" for e in errors), errors)
    return page, per_page


def paged(session: Session, query: Select, render: Callable[[Any], dict]) -> Any:
    page, per_page = page_args()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify({
        "items": [render(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, math.ceil((total or 0) / per_page)),
    })


def created(body: dict, location: str) -> Any:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


# --- the document ---------------------------------------------------------------------------


def _model_schemas(components: dict) -> dict[type[BaseModel], dict]:
    """Every model's ``$ref``, its schema (and nested ones) added to ``components``.

    All models go through pydantic together: two models of the same name in different modules
    (frameworks' and cohorts' import results, say) then get distinct component names, where
    one schema per model would silently overwrite the other."""
    models: list[type[BaseModel]] = []
    for op in OPERATIONS:
        for model in (op.body, op.response, *op.produces.values()):
            if isinstance(model, type) and model not in models:
                models.append(model)
    refs, schemas = models_json_schema([(model, "validation") for model in models],
                                       ref_template="#/components/schemas/{model}")
    components.update(schemas.get("$defs", {}))
    return {model: refs[(model, "validation")] for model in models}


def _upload_content(upload: Upload) -> dict[str, Any]:
    file_schema: dict[str, Any] = {"type": "string", "contentMediaType":
                                   upload.raw_types[0] if len(upload.raw_types) == 1
                                   else "application/octet-stream"}
    if upload.description:
        file_schema["description"] = upload.description
    multipart: dict[str, Any] = {"schema": {
        "type": "object", "required": [upload.form_field],
        "properties": {upload.form_field: file_schema, **upload.other_fields}}}
    if upload.raw_types:
        multipart["encoding"] = {upload.form_field: {"contentType": ", ".join(upload.raw_types)}}
    content = {"multipart/form-data": multipart}
    for media_type in upload.raw_types:
        # OpenAPI 3.1: a raw body's schema is a string of that media type.
        content[media_type] = {"schema": {"type": "string", "contentMediaType": media_type,
                                          **({"description": upload.description}
                                             if upload.description else {})}}
    return content


def build_document() -> dict:
    components: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "message": {"type": "string"}, "field": {"type": "string"},
                    "row": {"type": "integer"}}}},
            },
        }
    }
    problem = {"description": "Problem", "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    refs = _model_schemas(components)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = op.rule
        parameters = []
        for segment in path.split("/"):
            if segment.startswith("<") and segment.endswith(">"):
                converter, _, name = segment[1:-1].rpartition(":")
                parameters.append({"name": name, "in": "path", "required": True,
                                   "schema": {"type": "string",
                                              **({"format": "uuid"} if converter == "uuid"
                                                 else {})}})
                path = path.replace(segment, "{" + name + "}")
        for name, kind, description in op.query:
            parameters.append({"name": name, "in": "query", "required": False,
                               "description": description, "schema": {"type": kind}})
        if op.paged:
            parameters += [
                {"name": "page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1,
                            "maximum": current_app.config["MAX_PAGE_SIZE"]}},
            ]
        ok: dict[str, Any] = {"description": "OK"}
        content: dict[str, Any] = {}
        if op.response is not None:
            schema = refs[op.response]
            if op.paged:
                schema = {"type": "object", "properties": {
                    "items": {"type": "array", "items": schema}, "page": {"type": "integer"},
                    "per_page": {"type": "integer"}, "total": {"type": "integer"},
                    "pages": {"type": "integer"}}}
            content["application/json"] = {"schema": schema}
        for media_type, produced in op.produces.items():
            content[media_type] = {"schema": refs[produced] if isinstance(produced, type)
                                   else produced}
        if content:
            ok["content"] = content
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": parameters,
            "responses": {str(op.status): ok, "default": problem},
        }
        body_content: dict[str, Any] = {}
        if op.body is not None:
            body_content["application/json"] = {"schema": refs[op.body]}
        if op.upload is not None:
            body_content.update(_upload_content(op.upload))
        if body_content:
            entry["requestBody"] = {"required": True, "content": body_content}
        if op.auth:
            entry["security"] = [{"bearer": []}]
        else:
            entry["security"] = []
        paths.setdefault("/api/v1" + path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "badge_service API", "version": "1",
                 "description": "Open Badges 3.0 issuing and verification service."},
        "servers": [{"url": current_app.config["PUBLIC_BASE_URL"]}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "badge-service tokens create --user EMAIL"}}},
    }


@bp.get("/openapi.json")
def openapi_document() -> Any:
    return jsonify(build_document())
