"""API: POST /api/v1/verify, the verification page as JSON (public, rate-limited)."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from flask import current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from badge_service.clock import utcnow
from badge_service.edge.language import request_language
from badge_service.edge.openapi import operation
from badge_service.edge.ratelimit import limited
from badge_service.errors import (
    FieldError,
    ValidationFailed,
)
from badge_service.vcapi import forms as vc_input
from badge_service.verification import service
from badge_service.verification.forms import (
    current_fetcher,
    json_body,
    local_documents,
    read_upload,
    uploaded_files,
)

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


def _api_model(report_class: type, name: str, **descriptions: str) -> type[BaseModel]:
    """The API model of one of the service's report dataclasses: its fields, types and defaults
    (one place says what a report holds), with the OpenAPI document's descriptions."""
    hints = typing.get_type_hints(report_class)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(report_class):
        default = ... if item.default is dataclasses.MISSING else item.default
        fields[item.name] = (hints[item.name],
                             Field(default, description=descriptions.get(item.name)))
    return create_model(name, **fields)


CheckOut = _api_model(service.CheckReport, "CheckOut",
                      passed="None: not checked (an earlier check failed)")
ProblemOut = _api_model(service.ProblemReport, "ProblemOut",
                        type="problem type, e.g. signature-mismatch, revoked")
SummaryOut = _api_model(
    service.Summary, "SummaryOut",
    recipient_note="with recipient: that the name is the issuer's record, not part of the "
    "signed credential (which identifies its holder by a hashed email)")


class ReportOut(BaseModel):
    source: str = Field(description="the URL, file name or credentials[i] it came from")
    verdict: Literal[service.ALL_VERDICTS] = Field(  # type: ignore[valid-type]
        description="the plain-language verdict; 'valid' is the only good one")
    verified: bool
    headline: str
    format: str
    checks: list[CheckOut]  # type: ignore[valid-type]
    errors: list[ProblemOut]  # type: ignore[valid-type]
    warnings: list[ProblemOut]  # type: ignore[valid-type]
    summary: SummaryOut  # type: ignore[valid-type]
    issued_by_this_service: bool
    email_match: bool | None = None
    email_note: str | None = None


class VerifyOut(BaseModel):
    language: Literal["fr", "en"]
    results: list[ReportOut]


def _language(wanted: str | None) -> str:
    # The form's or the body's ``lang``, else ``?lang=``; the API answers in English by default.
    return request_language(wanted or request.args.get("lang"), fallback="en")


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
