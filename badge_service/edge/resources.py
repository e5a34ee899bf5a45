"""The API's PATCH and DELETE of one resource, written once for every domain.

Each domain's endpoint reads the same way: load what the caller may read (404 otherwise), let
the service check who may change it and how, answer with the changed resource or 204. Domains
pass their own loader, service function and renderer; the OpenAPI declaration stays theirs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import jsonify
from pydantic import BaseModel

from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.openapi import model_data, parse_body


def patch_resource(resource_id: uuid.UUID, load: Callable[..., Any], body: type[BaseModel],
                   update: Callable[..., Any], render: Callable[[Any], dict[str, Any]]) -> Any:
    """``load(session, actor, id)``, then ``update(session, actor, resource, data, now=…)`` with
    only the members the client sent; the response is ``render(resource)``."""
    actor = api_user()
    resource = load(db.session, actor, resource_id)
    data = model_data(parse_body(body), exclude_unset=True)
    update(db.session, actor, resource, data, now=utcnow())
    return jsonify(render(resource))


def delete_resource(resource_id: uuid.UUID, load: Callable[..., Any],
                    delete: Callable[..., Any]) -> Any:
    """``load(session, actor, id)``, then ``delete(session, actor, resource)``; 204."""
    actor = api_user()
    resource = load(db.session, actor, resource_id)
    delete(db.session, actor, resource)
    return "", 204
