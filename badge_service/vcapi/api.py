"""W3C CCG VC-API endpoints at the application root.

VC-API (https://w3c-ccg.github.io/vc-api/), JSON only, exempt from CSRF (no cookies are used):

* ``POST /credentials/issue`` — bearer token of a coordinator/trainer/administrator of the
  organisation named as issuer; ``{credential, options}`` → 201 ``{verifiableCredential}``.
  ``options.cryptosuite``: ``eddsa-rdfc-2022`` (default) or ``eddsa-jcs-2022``;
  ``options.issuer`` and ``options.credentialId`` fill in a missing ``credential.issuer`` and
  ``credential.id``. A VC 1.1 credential gets the Data Integrity v2 context appended (it
  defines the proof's terms) and an ``issuanceDate``.
* ``POST /credentials/verify`` — public; ``{verifiableCredential, options}`` → 200
  ``{verified, checks, warnings, errors, …}`` when it verifies, 400 with the same body when not.
* ``POST /presentations/verify`` — public; ``{verifiablePresentation, options}`` likewise;
  ``options.challenge`` / ``options.domain``: what every proof of the presentation must carry.

A credential or presentation is an object, a VC-JWT string, or an ``Enveloped…`` object whose
``data:`` URL carries the JWT (see :mod:`badge_service.vcapi.forms`). Issuing itself is
:mod:`badge_service.vcapi.service`.

Bad input is a 400 (413 when too large, 415 when not JSON), never a 500. For local conformance
runs only, ``VC_API_OPEN_ISSUE_FROM_LOOPBACK`` accepts issue requests without a token from the
loopback interface; it is logged as a warning at start-up and on every such request.

``POST /api/v1/verify`` (public, :mod:`badge_service.verification.api`) is the JSON twin of the
``/verify`` page: URLs, documents or uploaded files in, one plain-language report per credential
out.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from badge_service.adapters.keyring import current_keyring
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user, token_auth
from badge_service.edge.problems import PROBLEM_JSON, problem_type
from badge_service.edge.ratelimit import limited
from badge_service.errors import (
    AuthenticationRequired,
    FieldError,
    ServiceError,
)
from badge_service.extensions import csrf
from badge_service.vcapi import forms as vc_input
from badge_service.vcapi import service as issuing
from badge_service.verification import service
from badge_service.verification.forms import (
    current_fetcher,
    json_body,
    local_documents,
)
from credentials.errors import CredentialsError
from credentials.verify import VerificationResult

log = logging.getLogger(__name__)

bp = Blueprint("vcapi", __name__)
# Bearer tokens or nothing: no cookie is ever an authority here, so cross-site posts gain nothing.
csrf.exempt(bp)

OPEN_ISSUE = "VC_API_OPEN_ISSUE_FROM_LOOPBACK"
_FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


@bp.record_once
def _warn_when_open(state: Any) -> None:
    if state.app.config.get(OPEN_ISSUE):
        log.warning("%s is ON: POST /credentials/issue accepts requests WITHOUT A TOKEN from "
                    "loopback addresses. Use this for local conformance runs only, never in "
                    "production.", OPEN_ISSUE)


# --- errors: always JSON here ----------------------------------------------------------------


def _problem(status: int, slug: str, title: str, detail: str,
             errors: list[FieldError] | None = None) -> Response:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status,
                            "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = [e.to_dict() for e in errors]
    response = jsonify(body)
    response.status_code = status
    response.content_type = PROBLEM_JSON
    return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Response:
    return _problem(exc.status, exc.problem, exc.title, exc.detail, exc.errors)


@bp.errorhandler(CredentialsError)
def _credentials_error(exc: CredentialsError) -> Response:
    return _problem(400, exc.problem, "The input cannot be processed", exc.detail)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 400
    slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large",
            415: "unsupported-media-type"}.get(status, "bad-request" if status < 500
                                                else "http-error")
    return _problem(status, slug, exc.name, exc.description or exc.name)


# --- reading the body ------------------------------------------------------------------------


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ServiceError("the body has unknown members", [
            FieldError(f"unknown member; expected {', '.join(sorted(allowed))}", field=name)
            for name in unknown])


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise ServiceError("options must be an object", [FieldError("must be an object",
                                                                    field="options")])
    return options


# --- issue -----------------------------------------------------------------------------------


def _loopback_operator_allowed() -> bool:
    if not current_app.config.get(OPEN_ISSUE):
        return False
    if any(name in request.headers for name in _FORWARDED):
        # Through a proxy every request looks local: that is exactly when this must not apply.
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _issuing_actor() -> Any:
    """The token's user; None for the loopback operator (conformance mode); else 401."""
    if request.headers.get("Authorization"):
        return token_auth(api_user)()
    if _loopback_operator_allowed():
        log.warning("VC-API issue request WITHOUT TOKEN accepted from %s (%s is on)",
                    request.remote_addr, OPEN_ISSUE)
        return None
    raise AuthenticationRequired("this endpoint needs a bearer token: "
                                 "'Authorization: Bearer <token>'")


@bp.post("/credentials/issue")
def issue_credential() -> Any:
    actor = _issuing_actor()
    body = json_body()
    signed = issuing.issue_credential(db.session, actor, current_keyring(), body, now=utcnow())
    response = jsonify({"verifiableCredential": signed})
    response.status_code = 201
    return response


# --- verify ----------------------------------------------------------------------------------


def _help_url(slug: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/verify/help#{slug}"


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _result_body(result: VerificationResult, verdict: str) -> dict[str, Any]:
    errors = [(e.type, e.check, e.detail) for e in result.errors]
    body: dict[str, Any] = {
        "verified": result.verified,
        "verdict": verdict,
        "checks": _unique([c.name for c in result.checks if c.passed]),
        "warnings": [f"{w.check}: {w.detail}" for w in result.warnings],
        "errors": [f"{check}: {detail}" for _, check, detail in errors],
        "problemDetails": [
            {"type": _help_url(slug), "title": service.explain_problem(slug, "en"),
             "detail": detail, "check": check}
            for slug, check, detail in errors],
        "details": [{"name": c.name, "passed": c.passed, "detail": c.detail}
                    for c in result.checks],
    }
    if result.credentials:
        body["credentialResults"] = [_result_body(nested, nested.verdict)
                                     for nested in result.credentials]
    return body


def _respond(body: dict[str, Any]) -> Response:
    if not body["verified"]:
        # VC-API: 400 when the input does not verify; the body says why, problem-details style.
        first = body["problemDetails"][0] if body["problemDetails"] else None
        body = {"type": problem_type(service.VerificationFailed.problem),
                "title": service.VerificationFailed.title, "status": 400,
                "detail": first["title"] if first else "verification failed", **body}
    response = jsonify(body)
    response.status_code = 200 if body["verified"] else 400
    return response


@bp.post("/credentials/verify")
@limited("verify")
def public_verify_credential() -> Any:
    body = json_body()
    _only(body, {"verifiableCredential", "options"})
    _options(body)
    document = vc_input.document(body.get("verifiableCredential"), "verifiableCredential")
    if vc_input.has_type(document, "VerifiablePresentation"):
        raise ServiceError("this is a presentation; send it to /presentations/verify",
                           [FieldError("must be a credential", field="verifiableCredential")])
    now = utcnow()
    local = local_documents(now)
    result = service.verify_document(document, now=now, fetcher=current_fetcher(), local=local)
    report = service.report_for("verifiableCredential", result, local, None, "en",
                                recipient_names=False)
    return _respond(_result_body(result, report.verdict))


@bp.post("/presentations/verify")
@limited("verify")
def public_verify_presentation() -> Any:
    body = json_body()
    _only(body, {"verifiablePresentation", "presentation", "options"})
    options = _options(body)
    field = "verifiablePresentation" if "verifiablePresentation" in body else "presentation"
    document = vc_input.document(body.get(field), field, what="a presentation")
    if isinstance(document, dict) and not vc_input.has_type(document, "VerifiablePresentation"):
        raise ServiceError("this is not a presentation", [FieldError(
            "type must include VerifiablePresentation", field=field)])
    # Checked by the library against every proof of the presentation (a signed proof option).
    challenge = vc_input.request_option(options, "challenge")
    domain = vc_input.request_option(options, "domain")
    now = utcnow()
    result = service.verify_document(document, now=now, fetcher=current_fetcher(),
                                     local=local_documents(now), challenge=challenge,
                                     domain=domain)
    return _respond(_result_body(result, result.verdict))


