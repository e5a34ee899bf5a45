"""Declaring API operations once: the route, its auth, its input/output models, its docs.

:func:`operation` registers a view on the API blueprint and records it, so the OpenAPI document
served at ``/api/v1/openapi.json`` always lists exactly the routes that exist.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, jsonify, request
from pydantic import BaseModel, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..auth import token_auth
from ..errors import FieldError, UnsupportedMediaType, ValidationFailed
from . import bp

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])


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


OPERATIONS: list[Operation] = []


def operation(rule: str, method: str, *, summary: str, tag: str,
              body: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              paged: bool = False, status: int = 200, auth: bool = True,
              query: Sequence[tuple[str, str, str]] = ()) -> Callable[[F], F]:
    def register(view: F) -> F:
        endpoint = f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}"
        wrapped = token_auth(view) if auth else view
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        OPERATIONS.append(Operation(rule, method.lower(), summary, tag, endpoint, body,
                                    response, paged, status, auth, tuple(query)))
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


def page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", current_app.config["PAGE_SIZE"]))
    except ValueError:
        raise ValidationFailed("page and per_page must be whole numbers", [
            FieldError("must be a whole number", field="page")]) from None
    if page < 1 or not 1 <= per_page <= current_app.config["MAX_PAGE_SIZE"]:
        raise ValidationFailed("page out of range", [FieldError(
            f"page ≥ 1 and 1 ≤ per_page ≤ {current_app.config['MAX_PAGE_SIZE']}",
            field="per_page")])
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


def _schema_ref(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


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
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            ]
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            schema = _schema_ref(op.response, components)
            if op.paged:
                schema = {"type": "object", "properties": {
                    "items": {"type": "array", "items": schema}, "page": {"type": "integer"},
                    "per_page": {"type": "integer"}, "total": {"type": "integer"},
                    "pages": {"type": "integer"}}}
            ok["content"] = {"application/json": {"schema": schema}}
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": parameters,
            "responses": {str(op.status): ok, "default": problem},
        }
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _schema_ref(op.body, components)}}}
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
