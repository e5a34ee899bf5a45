"""The printable PDF certificate of a credential: public, like the credential page it belongs to
(anyone with the credential's link may print or check it; the link is an unguessable UUID).

``GET /credentials/<uuid>/certificate.pdf?lang=fr|en`` (without ``lang``: the browser's
preferred language if fr or en, else the recipient's language when it was issued; any other
``lang`` is a 422 naming the field). ``download=1`` asks the browser to save rather than show it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, request

from badge_service.awards.service import issuing
from badge_service.certificates import service as certificates
from badge_service.db import db
from badge_service.delivery.service import signed_texts
from badge_service.edge.language import request_language

bp = Blueprint("certificates", __name__)


def _filename(credential: Any, language: str) -> str:
    # The code the credential states, not today's definition's.
    code = signed_texts.achievement_of(credential.document).get("humanCode")
    code = code if isinstance(code, str) and code else "badge"
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", code).strip("-")[:40] or "badge"
    prefix = "certificat" if language == "fr" else "certificate"
    return f"{prefix}-{code}-{str(credential.id)[:8]}.pdf"


@bp.get("/credentials/<uuid:credential_id>/certificate.pdf")
def public_certificate_pdf(credential_id: uuid.UUID) -> Any:
    credential = issuing.get_credential(db.session, credential_id)
    # An explicit ?lang= is taken as given: a language we do not print is a 400, not a PDF in
    # another language.
    language = (request.args.get("lang")
                or request_language(default=credential.language))
    pdf = certificates.certificate_pdf(credential, language,
                                       current_app.config["PUBLIC_BASE_URL"])
    response = Response(pdf, mimetype="application/pdf")
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{_filename(credential, language)}"')
    # It names a person (no shared caches) and shows the live status (a revoked one is
    # marked): revalidate every time with the ETag.
    response.headers["Cache-Control"] = "private, no-cache"
    # Our own PDF, without scripts: browsers' PDF viewers refuse to run under a "sandbox" or
    # "default-src 'none'" policy, so this response sets a policy that only forbids framing.
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    if not request.args.get("lang"):
        response.vary.add("Accept-Language")
    response.set_etag(hashlib.sha256(pdf).hexdigest()[:32])
    return response.make_conditional(request)
