"""Public, unauthenticated documents that verifiers fetch: DID documents and status lists.

Each is served with the media type and cache headers verifiers expect. They carry only public
data (public keys, status bits), so no login is needed — that is the point.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from ..clock import utcnow
from ..db import db
from ..errors import NotFound
from ..keyring import current_keyring
from ..services import organisations, status_lists

bp = Blueprint("issuers", __name__)

DID_JSON = "application/did+json"
VC_LD_JSON = "application/vc+ld+json"
#: Status lists are also published as VC-JWT, for clients that ask for it by media type.
JWT_TYPES = ("application/vc+jwt", "application/jwt")


def _json(document: dict, media_type: str, max_age: int) -> Response:
    return _document(json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                     media_type, max_age)


def _document(body: str, media_type: str, max_age: int) -> Response:
    etag = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    response = Response(body, mimetype=media_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # browser wallets fetch these
    return response.make_conditional(request)


def _did_document(slug: str) -> Response:
    try:
        organisation = organisations.by_slug(db.session, slug)
    except NotFound:
        abort(404)
    if organisation.did_method != "web":
        abort(404)
    document = current_keyring().did_document(organisation)
    return _json(document, DID_JSON, max_age=300)


@bp.get("/issuers/<slug>/did.json")
def public_did_document(slug: str) -> Any:
    if slug == current_app.config.get("HOST_DID_ORGANISATION"):
        # The host organisation's DID is did:web:<host> (/.well-known/did.json); no one's DID
        # is did:web:<host>:issuers:<its slug>, so a document here would claim an identifier
        # (its "id" would not even match the URL's DID) that resolvers must not accept.
        abort(404)
    return _did_document(slug)


@bp.get("/.well-known/did.json")
def public_host_did_document() -> Any:
    slug = current_app.config.get("HOST_DID_ORGANISATION")
    if not slug:
        abort(404)
    return _did_document(slug)


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
        response = _document(status_lists.signed_jwt(signed, identity=identity), wanted,
                             max_age=300)
    else:
        response = _json(signed, VC_LD_JSON, max_age=300)
    response.vary.add("Accept")
    return response
