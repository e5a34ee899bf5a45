"""The credential's public ``id`` URL and its downloads; the participant's own list.

``/credentials/<uuid>`` is what a credential's ``id`` says: people get an HTML page (badge,
achievement, competences and level, issuer, dates, live status, link previews, sharing), and
machines asking for ``application/vc+ld+json``, ``application/ld+json`` or ``application/json``
get the signed credential exactly as issued. The credential is public at that URL by design
(the participant shares it), so its downloads are public too. Nothing here is cached without
revalidation: the status shown must change the moment a trainer suspends or revokes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from badge_service.adapters.keyring import current_keyring
from badge_service.adapters.uploads import SVG_CSP
from badge_service.awards.models import IssuedCredential
from badge_service.awards.service import issuing
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.delivery.service import pages as delivery
from badge_service.edge.language import request_language
from badge_service.locale import choose_language

bp = Blueprint("delivery", __name__, template_folder="templates")

VC_LD_JSON = "application/vc+ld+json"
MACHINE_TYPES = (VC_LD_JSON, "application/ld+json", "application/json")
VC_JWT = "application/vc+jwt"


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _credential(credential_id: uuid.UUID) -> IssuedCredential:
    return issuing.get_credential(db.session, credential_id)  # NotFound → 404


def _wanted_json() -> str | None:
    """The machine media type asked for, or None for the HTML page."""
    if request.args.get("format") == "json":
        return VC_LD_JSON
    best = request.accept_mimetypes.best_match(["text/html", *MACHINE_TYPES])
    return best if best in MACHINE_TYPES else None


def _conditional(response: Response, body: bytes) -> Response:
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def _json_response(credential: IssuedCredential, media_type: str) -> Response:
    body = json.dumps(credential.document, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    response = Response(body, mimetype=media_type)
    response.headers["Access-Control-Allow-Origin"] = "*"  # wallets and verifiers in browsers
    return _conditional(response, body)


def _download(body: bytes, media_type: str, filename: str) -> Response:
    response = Response(body, mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    if media_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_CSP
    return _conditional(response, body)


def _filename(credential: IssuedCredential, extension: str) -> str:
    return delivery.download_filename(delivery.achievement_name(credential), extension)


def _certificate_url(credential: IssuedCredential, language: str) -> str | None:
    """The printable PDF certificate (another module), when the app serves it."""
    endpoint = "certificates.public_certificate_pdf"
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, credential_id=credential.id, lang=language)


@bp.get("/credentials/<uuid:credential_id>")
def public_credential(credential_id: uuid.UUID) -> Any:
    credential = _credential(credential_id)
    media_type = _wanted_json()
    if media_type is not None:
        response = _json_response(credential, media_type)
        response.vary.add("Accept")
        return response
    language = request_language(request.args.get("lang"), default=credential.language)
    page = delivery.credential_page(db.session, credential, language=language, now=utcnow(),
                                    public_base_url=_base(), upload_dir=_upload_dir())
    is_owner = current_user.is_authenticated and current_user.id == credential.recipient_id
    response = Response(render_template(
        "delivery/public.html", page=page, labels=page.labels,
        date=lambda moment: delivery.format_date(moment, language),
        og_description=delivery.og_description(page),
        verify_url=delivery.verify_link(page.url),
        linkedin_url=delivery.linkedin_url_for(page) if is_owner else None,
        certificate_url=_certificate_url(credential, language),
        is_owner=is_owner), mimetype="text/html")
    # The owner sees sharing tools others do not: keep that version out of shared caches.
    response.headers["Cache-Control"] = "private, no-cache" if is_owner else "no-cache"
    for header in ("Accept", "Accept-Language", "Cookie"):
        response.vary.add(header)
    return response


@bp.get("/credentials/<uuid:credential_id>/credential.json")
def public_credential_json(credential_id: uuid.UUID) -> Any:
    credential = _credential(credential_id)
    response = _json_response(credential, VC_LD_JSON)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(credential, "json")}"')
    return response


@bp.get("/credentials/<uuid:credential_id>/credential.jwt")
def public_credential_jwt(credential_id: uuid.UUID) -> Any:
    credential = _credential(credential_id)
    token = delivery.credential_jwt(credential, current_keyring())  # Conflict → 409
    return _download(token.encode("ascii"), VC_JWT, _filename(credential, "jwt"))


def _baked_download(credential_id: uuid.UUID, kind: str, content_type: str) -> Any:
    credential = _credential(credential_id)
    data = delivery.baked_badge(credential, kind, public_base_url=_base(),
                                upload_dir=_upload_dir())
    return _download(data, content_type, _filename(credential, kind))


@bp.get("/credentials/<uuid:credential_id>/badge.png")
def public_badge_png(credential_id: uuid.UUID) -> Any:
    return _baked_download(credential_id, "png", "image/png")


@bp.get("/credentials/<uuid:credential_id>/badge.svg")
def public_badge_svg(credential_id: uuid.UUID) -> Any:
    return _baked_download(credential_id, "svg", "image/svg+xml")


@bp.get("/credentials/<uuid:credential_id>/image.svg")
def public_credential_image(credential_id: uuid.UUID) -> Any:
    """The badge picture alone (for the page and link previews): the uploaded image, or the
    generated default badge."""
    credential = _credential(credential_id)
    source = delivery.badge_source(credential, public_base_url=_base(),
                                   upload_dir=_upload_dir())
    if source.upload_name is not None:
        return redirect(url_for("home.upload_file", name=source.upload_name))
    response = Response(source.data, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return _conditional(response, source.data)


@bp.get("/credentials/<uuid:credential_id>/image.png")
def public_credential_image_png(credential_id: uuid.UUID) -> Any:
    """The badge picture as PNG, for link previews (which ignore SVG): an uploaded PNG, else
    the default badge drawn as PNG (an uploaded SVG cannot be rasterised here)."""
    credential = _credential(credential_id)
    source = delivery.badge_source(credential, public_base_url=_base(),
                                   upload_dir=_upload_dir())
    if source.png_upload:
        return redirect(url_for("home.upload_file", name=source.upload_name))
    data = delivery.default_badge_png_for(credential)
    return _conditional(Response(data, mimetype="image/png"), data)


@bp.get("/my/credentials")
@login_required
def my_credentials() -> Any:
    language = choose_language(request.args.get("lang"), current_user.preferred_language)
    now = utcnow()
    rows = []
    for credential in db.session.scalars(delivery.credentials_of(current_user)):
        page = delivery.credential_page(db.session, credential, language=language, now=now,
                                        public_base_url=_base(), upload_dir=_upload_dir())
        rows.append((page, delivery.linkedin_url_for(page)))
    return render_template("delivery/mine.html", rows=rows, language=language,
                           labels=delivery.LABELS[language],
                           date=lambda moment: delivery.format_date(moment, language))
