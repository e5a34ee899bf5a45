"""API: awarding achievements, and the credentials trainers and coordinators manage.

``POST /achievements/<id>/awards`` takes the recipients as JSON (``{recipients: [...],
notify}``), as a CSV upload (multipart field ``file``) or as a ``text/csv`` body (columns
email, narrative, evidence_url, level; ``?notify=false`` to send no email). It is all or
nothing: one bad row and nothing is issued; 422 problem+json lists every error with its
``row`` (the recipient's position from 1 in JSON, the line number in a CSV) and ``field``.

A request may hold only as many recipients as the server can sign before its timeout (see
:mod:`..services.batch_limit`); a larger one is refused with 413 before anything is signed, and
so is its retry.

Send an ``Idempotency-Key`` header (any unique string, e.g. a UUID) to make a retry safe: a
request repeated with the same key returns the credentials the first one issued, with 200
instead of 201, and never issues twice. Reusing a key for other recipients is refused (422).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import current_app, jsonify, request
from pydantic import BaseModel, Field, ValidationError

from badge_service import policy
from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import awarding, batch_limit, issuing
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.csv_upload import CSV_TYPES, read_upload
from badge_service.edge.openapi import Strict, operation, paged, parse_body
from badge_service.errors import FieldError, UnsupportedMediaType, ValidationFailed

TAG = "awards"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class RecipientIn(Strict):
    # Lengths are checked with the other rules (so every bad row is reported at once), not
    # here; these caps only bound what is read.
    email: str = Field(max_length=10 * awarding.EMAIL_MAX,
                       description=f"at most {awarding.EMAIL_MAX} characters")
    narrative: str | None = Field(
        default=None, max_length=10 * issuing.NARRATIVE_MAX,
        description=f"why it was awarded (evidence narrative), at most "
                    f"{issuing.NARRATIVE_MAX} characters")
    evidence_url: str | None = Field(
        default=None, max_length=10 * awarding.EVIDENCE_MAX,
        description=f"an http(s) link to the work, at most {awarding.EVIDENCE_MAX} characters")
    level: str | None = Field(default=None, max_length=10 * awarding.LEVEL_MAX,
                              description="the level reached (its code, e.g. B1, or id); "
                                          "required when the achievement has a level scale")


class AwardIn(Strict):
    recipients: list[RecipientIn] = Field(min_length=1, max_length=issuing.MAX_BATCH)
    notify: bool = Field(default=True, description="email each recipient a link")


class CredentialOut(BaseModel):
    id: uuid.UUID
    url: str = Field(description="the credential's id: its public page")
    achievement_id: uuid.UUID
    achievement_name: str
    programme_id: uuid.UUID
    organisation_id: uuid.UUID
    recipient_email: str
    recipient_name: str
    state: Literal["active", "suspended", "revoked"]
    status: Literal["active", "suspended", "revoked", "expired"] = Field(
        description="what verifiers see: the state, or expired past valid_until")
    state_reason: str | None
    state_changed_at: datetime | None
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    level: str | None
    narrative: str | None
    evidence_url: str | None
    issuer_id: str
    verification_method: str
    status_list_url: str
    status_index: int
    awarded_by: str | None
    notified_at: datetime | None


class CredentialDetail(CredentialOut):
    document: dict[str, Any] = Field(description="the signed OB 3.0 AchievementCredential")


class OutcomeOut(BaseModel):
    row: int
    email: str
    outcome: Literal["issued", "replayed", "already-held"] = Field(
        description="issued now; replayed: issued by an earlier request with this "
                    "Idempotency-Key; already-held: the recipient holds it already")
    credential: CredentialOut


class AwardOut(BaseModel):
    achievement_id: uuid.UUID
    issued: int = Field(description="credentials issued by this request, composites included")
    replayed: bool = Field(description="true when this repeats an earlier request")
    outcomes: list[OutcomeOut]
    composites: list[CredentialOut] = Field(
        description="composite achievements awarded automatically as a result")


class StatusIn(Strict):
    action: Literal["revoke", "suspend", "reinstate"] = Field(
        description="revoke is permanent; a suspended credential can be reinstated")
    reason: str | None = Field(default=None, max_length=issuing.REASON_MAX,
                               description="required to revoke or suspend")


class BulkStatusIn(StatusIn):
    ids: list[str] = Field(min_length=1, max_length=awarding.MAX_STATUS_BATCH,
                           description="credential ids; all are changed or none")


class BulkStatusOut(BaseModel):
    changed: int
    credentials: list[CredentialOut]


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


def credential_out(credential: Any, now: datetime) -> dict[str, Any]:
    return CredentialOut(**awarding.summary(credential, _base_url(), now)).model_dump(
        mode="json")


def _flag(name: str, default: bool) -> bool:
    raw = (request.args.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    raise ValidationFailed(f"{name} must be true or false",
                           [FieldError("must be true or false", field=name)])


def _award_body(achievement: Achievement, limit: batch_limit.BatchLimit) -> AwardIn:
    """The JSON body; a bad recipient is reported with its ``row`` (position from 1)."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationFailed("the body is not valid JSON")
    if isinstance(data, dict) and isinstance(data.get("recipients"), list):
        # Counted before the rows are checked, so a batch too large to sign in time gets
        # that answer (what to do about it) and not a page of row errors first.
        batch_limit.check(db.session, achievement, len(data["recipients"]), limit)
    try:
        return AwardIn.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "recipients" and isinstance(loc[1], int):
                errors.append(FieldError(err["msg"], field=".".join(map(str, loc[2:]))
                                         or "recipients", row=loc[1] + 1))
            else:
                errors.append(FieldError(err["msg"], field=".".join(map(str, loc)) or None))
        raise ValidationFailed("the body is not valid; nothing was issued", errors) from None


@operation("/achievements/<uuid:achievement_id>/awards", "POST",
           summary="Award an achievement to participants, all or nothing (JSON body, or a CSV "
                   "as multipart `file` or a text/csv body with columns email, narrative, "
                   "evidence_url, level). Send an `Idempotency-Key` header to make retries "
                   "safe: a repeated request answers 200 with the same credentials. A batch "
                   "larger than the server can sign within its request timeout (awards and "
                   "the composites they may complete) is refused up front with 413: split it.",
           tag=TAG, body=AwardIn, response=AwardOut, status=201, upload="csv",
           query=[("notify", "boolean", "CSV uploads: email the recipients (default true)")])
def award(achievement_id: uuid.UUID) -> Any:
    actor = api_user()
    achievement = achievements.get_readable(db.session, actor, achievement_id)
    policy.require_award(db.session, actor, achievement)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    limit = batch_limit.limit_from(current_app.config)
    extra: list[FieldError] = []
    if request.is_json:
        body = _award_body(achievement, limit)
        rows = []
        for position, recipient in enumerate(body.recipients, start=1):
            row, problems = awarding.clean_row(recipient.model_dump(), position)
            rows.append(row)
            extra.extend(problems)
        notify = body.notify
    elif request.mimetype == "multipart/form-data" or request.mimetype in CSV_TYPES:
        parsed = awarding.read_csv(read_upload(),
                                   max_bytes=int(current_app.config["MAX_IMPORT_BYTES"]))
        rows, extra = parsed.rows, parsed.errors
        batch_limit.check(db.session, achievement, len(rows), limit)
        notify = _flag("notify", True)
    else:
        raise UnsupportedMediaType("send the recipients as JSON, or a CSV as multipart/form-data "
                                   "(field 'file') or as a text/csv body")
    now = utcnow()
    context = issuing.Issuing(current_keyring(), _base_url(), now, notify)
    result = awarding.award(db.session, actor, achievement, rows, issuing_context=context,
                            idempotency_key=key, extra_errors=extra)
    body_out = AwardOut(
        achievement_id=achievement.id, issued=len(result.issued),
        replayed=awarding.is_replay(result),
        outcomes=[OutcomeOut(row=o.row or position, email=o.email, outcome=o.outcome,  # type: ignore[arg-type]
                             credential=CredentialOut(**awarding.summary(
                                 o.credential, _base_url(), now)))
                  for position, o in enumerate(result.outcomes, start=1)],
        composites=[CredentialOut(**awarding.summary(c, _base_url(), now))
                    for c in result.composites])
    response = jsonify(body_out.model_dump(mode="json"))
    response.status_code = 201 if result.issued else 200
    return response


def _uuid_arg(name: str) -> uuid.UUID | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationFailed(f"{name} is not a valid id",
                               [FieldError("must be a UUID", field=name)]) from None


@operation("/credentials", "GET",
           summary="Credentials you may see: those of the programmes you train or coordinate, "
                   "and your own; newest first",
           tag=TAG, response=CredentialOut, paged=True,
           query=[("achievement_id", "string", "only this achievement's"),
                  ("programme_id", "string", "only this programme's"),
                  ("email", "string", "only this recipient's"),
                  ("state", "string", "active, suspended, revoked or expired")])
def list_credentials() -> Any:
    now = utcnow()
    query = awarding.credentials_query(
        api_user(), now=now, achievement_id=_uuid_arg("achievement_id"),
        programme_id=_uuid_arg("programme_id"),
        email=request.args.get("email") if "email" in request.args else None,
        state=(request.args.get("state") or "").strip() or None)
    return paged(db.session, query, lambda c: credential_out(c, now))


@operation("/credentials/<uuid:credential_id>", "GET",
           summary="One credential: its metadata and the signed document", tag=TAG,
           response=CredentialDetail)
def get_credential(credential_id: uuid.UUID) -> Any:
    credential = awarding.get_visible(db.session, api_user(), credential_id)
    detail = CredentialDetail(**awarding.summary(credential, _base_url(), utcnow()),
                              document=credential.document)
    return jsonify(detail.model_dump(mode="json"))


@operation("/credentials/<uuid:credential_id>/status", "POST",
           summary="Revoke (permanent), suspend or reinstate a credential, with a reason",
           tag=TAG, body=StatusIn, response=CredentialOut)
def change_status(credential_id: uuid.UUID) -> Any:
    actor = api_user()
    data = parse_body(StatusIn)
    credential = awarding.get_visible(db.session, actor, credential_id)
    now = utcnow()
    issuing.change_status(db.session, actor, [credential], data.action, reason=data.reason,
                          now=now)
    return jsonify(credential_out(credential, now))


@operation("/credentials/status", "POST",
           summary="Revoke, suspend or reinstate several credentials: all of them or none "
                   "(errors name each bad id's position as `row`)",
           tag=TAG, body=BulkStatusIn, response=BulkStatusOut)
def change_status_bulk() -> Any:
    actor = api_user()
    data = parse_body(BulkStatusIn)
    now = utcnow()
    changed = awarding.change_status_by_ids(db.session, actor, data.ids, data.action,
                                            reason=data.reason, now=now)
    return jsonify(BulkStatusOut(
        changed=len(changed),
        credentials=[CredentialOut(**awarding.summary(c, _base_url(), now)) for c in changed],
    ).model_dump(mode="json"))
