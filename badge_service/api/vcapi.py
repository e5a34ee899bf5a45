"""W3C CCG VC-API endpoints at the application root, and the public JSON verification API.

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
``data:`` URL carries the JWT (see :mod:`.vc_input`).

Bad input is a 400 (413 when too large, 415 when not JSON), never a 500. For local conformance
runs only, ``VC_API_OPEN_ISSUE_FROM_LOOPBACK`` accepts issue requests without a token from the
loopback interface; it is logged as a warning at start-up and on every such request.

``POST /api/v1/verify`` (public) is the JSON twin of the ``/verify`` page: URLs, documents or
uploaded files in, one plain-language report per credential out.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Literal

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.exceptions import HTTPException

from credentials.errors import CredentialsError, InputTooLargeError
from credentials.verify import MAX_INPUT_BYTES, VerificationResult, parse_json

from ..auth import api_user, token_auth
from ..clock import utcnow
from ..db import db
from ..errors import (
    AuthenticationRequired,
    FieldError,
    PayloadTooLarge,
    ServiceError,
    UnsupportedMediaType,
    ValidationFailed,
)
from ..extensions import csrf
from ..keyring import current_keyring
from ..problems import PROBLEM_JSON, problem_type
from ..ratelimit import limited
from ..services import verification as service
from ..web.verify import current_fetcher, local_documents, read_upload, uploaded_files
from . import vc_input
from .openapi import operation

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


def json_body() -> dict[str, Any]:
    """The request's JSON object, parsed with the verifier's size and nesting limits."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_INPUT_BYTES:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; the limit is {MAX_INPUT_BYTES}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("the body is not UTF-8 text") from None
    try:
        return parse_json(text)
    except InputTooLargeError as exc:
        raise ServiceError(f"the body is refused: {exc.detail}") from None
    except CredentialsError as exc:
        raise ServiceError(f"the body is not a JSON object: {exc.detail}") from None


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
    signed = service.issue_credential(db.session, actor, current_keyring(), body, now=utcnow())
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


# --- /api/v1/verify: the verification page as JSON -------------------------------------------


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(default_factory=list, description="credential URLs")
    credentials: list[Any] = Field(default_factory=list,
                                   description="credentials or presentations (JSON or VC-JWT)")
    email: str | None = Field(default=None, max_length=320,
                              description="the holder's email, checked against the credential")
    lang: Literal["fr", "en"] | None = Field(default=None, description="language of the "
                                             "explanations (default: Accept-Language, else en)")


class CheckOut(BaseModel):
    name: str
    title: str
    passed: bool | None = Field(description="None: not checked (an earlier check failed)")
    detail: str
    explanation: str


class ProblemOut(BaseModel):
    type: str = Field(description="problem type, e.g. signature-mismatch, revoked")
    check: str
    detail: str
    explanation: str


class SummaryOut(BaseModel):
    credential_id: str | None = None
    issuer: str | None = None
    issuer_id: str | None = None
    achievement: str | None = None
    recipient: str | None = None
    issued: str | None = None
    expires: str | None = None
    recipient_note: str | None = Field(
        default=None, description="with recipient: that the name is the issuer's record, not "
        "part of the signed credential (which identifies its holder by a hashed email)")


class ReportOut(BaseModel):
    source: str = Field(description="the URL, file name or credentials[i] it came from")
    verdict: Literal[service.ALL_VERDICTS] = Field(  # type: ignore[valid-type]
        description="the plain-language verdict; 'valid' is the only good one")
    verified: bool
    headline: str
    format: str
    checks: list[CheckOut]
    errors: list[ProblemOut]
    warnings: list[ProblemOut]
    summary: SummaryOut
    issued_by_this_service: bool
    email_match: bool | None = None
    email_note: str | None = None


class VerifyOut(BaseModel):
    language: Literal["fr", "en"]
    results: list[ReportOut]


def _language(wanted: str | None) -> str:
    wanted = (wanted or request.args.get("lang") or "").lower()
    if wanted in service.LANGUAGES:
        return wanted
    return request.accept_languages.best_match(service.LANGUAGES) or "en"


@operation("/verify", "POST", summary="Verify credentials (public): URLs, credentials, or "
           "uploaded files (multipart field 'files'); one plain-language report per credential",
           tag="verification", body=VerifyRequest, response=VerifyOut, auth=False)
@limited("verify")
def public_verify() -> Any:
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    inputs: list[service.Input] = []
    if request.mimetype == "multipart/form-data":
        urls = [u for value in request.form.getlist("urls")
                for u in service.urls_from_text(value)]
        files = uploaded_files()
        service.check_counts(urls, len(files))
        inputs = [service.Input.url(u) for u in urls]
        inputs += [service.Input.file(f.filename or "file", read_upload(f, limit))
                   for f in files]
        email, language = request.form.get("email"), _language(request.form.get("lang"))
    else:
        try:
            parsed = VerifyRequest.model_validate(json_body())
        except ValidationError as exc:
            raise ValidationFailed("the body is not valid", [
                FieldError(err["msg"], field=".".join(str(p) for p in err["loc"]) or None)
                for err in exc.errors(include_url=False, include_input=False)]) from None
        service.check_counts(parsed.urls, 0, len(parsed.credentials))
        inputs = [service.Input.url(u) for u in parsed.urls]
        inputs += [service.Input.document(f"credentials[{i}]", vc_input.document(
            c, f"credentials[{i}]", ValidationFailed, "a credential or presentation"))
            for i, c in enumerate(parsed.credentials)]
        email, language = parsed.email, _language(parsed.lang)
    now = utcnow()
    reports = service.verify_any(inputs, now=now, fetcher=current_fetcher(),
                                 local=local_documents(now), email=email, language=language,
                                 max_bytes=limit)
    return jsonify({"language": language, "results": [r.to_dict() for r in reports]})
