"""Status lists, public and unauthenticated: verifiers fetch them to learn revocations.

Each is served with the media type and cache headers verifiers expect. They carry only public
data (public keys, status bits), so no login is needed — that is the point.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, request

from badge_service.adapters.keyring import current_keyring
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.headers import public_document, public_json
from badge_service.errors import NotFound
from badge_service.organisations import service as organisations
from badge_service.status import service as status_lists

bp = Blueprint("status", __name__)

VC_LD_JSON = "application/vc+ld+json"
#: Status lists are also published as VC-JWT, for clients that ask for it by media type.
JWT_TYPES = ("application/vc+jwt", "application/jwt")


@bp.get("/status/<slug>/<purpose>/<int:number>")
def public_status_list(slug: str, purpose: str, number: int) -> Any:
    if purpose not in status_lists.PURPOSES:
        abort(404)
    try:
        organisation = organisations.by_slug(db.session, slug)
        status_list = status_lists.find(db.session, organisation, purpose, number)
    except NotFound:
        abort(404)
    identity = current_keyring().identity_for_issuer(organisation, status_list.issuer_id)
    signed = status_lists.signed_credential(
        db.session, status_list, identity=identity,
        public_base_url=current_app.config["PUBLIC_BASE_URL"], now=utcnow())
    # JSON-LD unless the client prefers a JWT type (no Accept, */* or anything else: JSON-LD,
    # as before); caches must keep the two forms apart, hence Vary.
    wanted = request.accept_mimetypes.best_match((VC_LD_JSON, *JWT_TYPES), default=VC_LD_JSON)
    # Short cache: a revocation must reach verifiers within minutes, not days.
    if wanted in JWT_TYPES:
        response = public_document(status_lists.signed_jwt(signed, identity=identity), wanted,
                             max_age=300)
    else:
        response = public_json(signed, VC_LD_JSON, max_age=300)
    response.vary.add("Accept")
    return response
