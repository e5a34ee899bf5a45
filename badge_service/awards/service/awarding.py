"""Award requests as people send them, and the issued credentials trainers manage.

Over :mod:`.issuing` (which signs and stores): previewing a request (every row checked,
nothing issued), idempotency keys scoped to who sent them, and the credential lists a user may
see. Reading an award CSV (services.award_csv) and status changes by credential id
(services.status_changes) have their own modules, their names stay importable from here; who
may see what is :mod:`badge_service.policy`'s.

Idempotency: the key a client sends (``Idempotency-Key`` header, or the hidden key of the award
form) is scoped to the sender and the achievement before it reaches the issuing service, so two
people who happen to use the same key never see each other's credentials. A retried request
finds what the first one issued; a key reused for *other* recipients is refused (nothing
issued), as the IETF Idempotency-Key draft asks.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session, selectinload

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.awards.models import (
    STATE_ACTIVE,
    STATE_REVOKED,
    STATE_SUSPENDED,
    IssuedCredential,
)
from badge_service.awards.service import issuing
from badge_service.awards.service.award_csv import (
    CSV_COLUMNS,
    EMAIL_MAX,
    EVIDENCE_MAX,
    LEVEL_MAX,
    ParsedRows,
    clean_row,
    read_csv,
)
from badge_service.awards.service.status_changes import MAX_STATUS_BATCH, change_status_by_ids
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.errors import FieldError, NotFound, ValidationFailed
from badge_service.programmes import service as programmes
from badge_service.status import service as status_lists

__all__ = [
    "CSV_COLUMNS", "EMAIL_MAX", "EVIDENCE_MAX", "IDEMPOTENCY_KEY_MAX", "LEVEL_MAX",
    "MAX_STATUS_BATCH", "STATE_FILTERS", "AwardCheck", "ParsedRows", "RowCheck", "award",
    "award_candidates", "change_status_by_ids", "check",
    "clean_row", "credentials_query", "effective_status", "find_achievement", "get_visible",
    "holders", "is_replay", "participants_by_email", "read_csv",
    "scoped_request_key", "summary",
]

IDEMPOTENCY_KEY_MAX = 200

#: Filters of credential lists: the stored state, or "expired" (past validUntil, not revoked).
STATE_FILTERS = ("active", "suspended", "revoked", "expired")


# --- previews and awards ---------------------------------------------------------------------


@dataclass
class RowCheck:
    row: issuing.AwardRow
    #: The participant, when the email is one of the programme's.
    user: User | None
    #: A credential for this achievement they hold already (it would not be issued again).
    held: IssuedCredential | None
    errors: list[FieldError]


@dataclass
class AwardCheck:
    rows: list[RowCheck]
    #: Every problem (each with its row), including those of no particular row.
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_issue(self) -> int:
        return sum(1 for r in self.rows if not r.errors and r.held is None)


def participants_by_email(session: Session, programme_id: uuid.UUID) -> dict[str, User]:
    """The programme's participants (not withdrawn), by email."""
    users = session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.programme_id == programme_id, CohortMember.status != "withdrawn"))
    return {user.email: user for user in users}


def award_candidates(session: Session, actor: User | None,
                     achievement: Achievement) -> list[tuple[Cohort, list[CohortMember]]]:
    """Who may receive ``achievement``: each cohort of its programme with its members who
    are not withdrawn, by name."""
    policy.require_award(session, actor, achievement)
    cohorts = session.scalars(select(Cohort).where(
        Cohort.programme_id == achievement.programme_id).order_by(Cohort.name, Cohort.id))
    out = []
    for cohort in cohorts:
        members = sorted((m for m in cohort.members if m.status != "withdrawn"),
                         key=lambda m: (m.family_name.casefold(), m.given_name.casefold(),
                                        m.user.email))
        out.append((cohort, members))
    return out


def holders(session: Session, achievement: Achievement, now: datetime) -> dict[uuid.UUID,
                                                                                  IssuedCredential]:
    """Credentials of ``achievement`` currently held (not revoked, not expired), by recipient."""
    held: dict[uuid.UUID, IssuedCredential] = {}
    for credential in session.scalars(select(IssuedCredential).where(
            IssuedCredential.achievement_id == achievement.id,
            IssuedCredential.state != STATE_REVOKED)):
        if credential.valid_until is None or credential.valid_until > now:
            held[credential.recipient_id] = credential
    return held


def check(session: Session, actor: User | None, achievement: Achievement,
          rows: Sequence[issuing.AwardRow], *, now: datetime,
          extra_errors: Sequence[FieldError] = ()) -> AwardCheck:
    """Every row checked as the award would check it, and who holds it already; nothing is
    issued. ``extra_errors`` (e.g. from reading a CSV) are merged in, by row."""
    policy.require_award(session, actor, achievement)
    errors = list(extra_errors)
    try:
        issuing.validate_award(session, actor, achievement, rows)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    errors.sort(key=lambda e: (e.row or 0))
    people = participants_by_email(session, achievement.programme_id)
    held = holders(session, achievement, now)
    checked = []
    for position, row in enumerate(rows, start=1):
        line = row.row if row.row is not None else position
        try:
            user = people.get(accounts.normalise_email(row.email))
        except ValidationFailed:
            user = None
        checked.append(RowCheck(row, user, held.get(user.id) if user else None,
                                [e for e in errors if e.row == line]))
    return AwardCheck(checked, errors)


def scoped_request_key(actor: User | None, achievement: Achievement, key: str | None,
                       *, field_name: str = "Idempotency-Key") -> str | None:
    """The issuing service's request key for a client's idempotency key: bound to the sender
    and the achievement, and of fixed length."""
    if key is None:
        return None
    if not (0 < len(key) <= IDEMPOTENCY_KEY_MAX) or not key.isprintable() or not key.isascii():
        raise ValidationFailed(
            f"the {field_name} must be 1–{IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            [FieldError(f"1–{IDEMPOTENCY_KEY_MAX} printable ASCII characters",
                        field=field_name)])
    owner = str(actor.id) if actor is not None else "operator"
    digest = hashlib.sha256(f"{owner}\n{achievement.id}\n{key}".encode()).hexdigest()
    # 45 characters: with ":" and the longest valid email (254) the issuing service's
    # per-recipient key still fits its 300-character column.
    return "idem:" + digest[:40]


def award(session: Session, actor: User | None, achievement: Achievement,
          rows: Sequence[issuing.AwardRow], *, issuing_context: issuing.Issuing,
          idempotency_key: str | None = None, extra_errors: Sequence[FieldError] = (),
          key_field: str = "Idempotency-Key") -> issuing.AwardResult:
    """Award to every row or to none; ``extra_errors`` (from reading) refuse the whole
    request together with the award's own checks."""
    request_key = scoped_request_key(actor, achievement, idempotency_key,
                                     field_name=key_field)
    if extra_errors:
        checked = check(session, actor, achievement, rows, now=issuing_context.now,
                        extra_errors=extra_errors)
        raise ValidationFailed("the award request is not valid; nothing was issued",
                               checked.errors)
    result = issuing.award(session, actor, achievement, rows, issuing=issuing_context,
                           request_key=request_key)
    kinds = {o.outcome for o in result.outcomes}
    if "replayed" in kinds and "issued" in kinds:
        # Raised after issuing: the caller's transaction rolls back, so nothing is kept.
        raise ValidationFailed(
            f"this {key_field} was already used for a request with other recipients; "
            "nothing was issued. Use a new key for a new request.",
            [FieldError("already used for a different request", field=key_field)])
    return result


def is_replay(result: issuing.AwardResult) -> bool:
    """True when the request issued nothing new because it had been made before."""
    return (not result.issued
            and any(o.outcome == "replayed" for o in result.outcomes))


# --- finding achievements and credentials ----------------------------------------------------


def find_achievement(session: Session, reference: str) -> Achievement:
    """An achievement by id or by ``ORGANISATION/PROGRAMME/CODE`` (its human code)."""
    text = (reference or "").strip()
    try:
        return achievements.get(session, uuid.UUID(text))
    except ValueError:
        pass
    programme_ref, _, code = text.rpartition("/")
    if programme_ref and code:
        programme = programmes.find(session, programme_ref)
        found = list(session.scalars(select(Achievement).where(
            Achievement.programme_id == programme.id)))
        exact = [a for a in found if a.human_code == code]
        loose = [a for a in found if (a.human_code or "").casefold() == code.casefold()]
        match = exact or loose
        if len(match) == 1:
            return match[0]
    raise NotFound(f"no achievement {text!r}: give its id or ORGANISATION/PROGRAMME/CODE "
                   "(CODE is the achievement's code)",
                   [FieldError("no such achievement", field="achievement")])


def get_visible(session: Session, actor: User | None,
                credential_id: uuid.UUID) -> IssuedCredential:
    """The credential, if ``actor`` may see it (said as "not found" otherwise)."""
    credential = session.get(IssuedCredential, credential_id)
    if credential is None or not policy.may_view_credential(session, actor, credential):
        raise NotFound(f"no credential {credential_id}")
    return credential


def credentials_query(actor: User | None, *, now: datetime,
                      achievement_id: uuid.UUID | None = None,
                      programme_id: uuid.UUID | None = None, email: str | None = None,
                      search: str | None = None, state: str | None = None) -> Select:
    """The credentials ``actor`` may see (those of programmes they train or coordinate, and
    their own), newest first, filtered."""
    if state is not None and state not in STATE_FILTERS:
        raise ValidationFailed(f"unknown state {state!r}",
                               [FieldError(f"one of {', '.join(STATE_FILTERS)}",
                                           field="state")])
    query = (select(IssuedCredential)
             .join(Achievement, Achievement.id == IssuedCredential.achievement_id)
             .join(User, User.id == IssuedCredential.recipient_id)
             .options(selectinload(IssuedCredential.achievement),
                      selectinload(IssuedCredential.recipient),
                      selectinload(IssuedCredential.awarded_by),
                      selectinload(IssuedCredential.organisation),
                      selectinload(IssuedCredential.status_list))
             .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id))
    if actor is not None and not actor.is_administrator:
        managed = policy.managed_programme_ids(actor).subquery()
        query = query.where(or_(Achievement.programme_id.in_(select(managed.c[0])),
                                IssuedCredential.recipient_id == actor.id))
    if achievement_id is not None:
        query = query.where(IssuedCredential.achievement_id == achievement_id)
    if programme_id is not None:
        query = query.where(Achievement.programme_id == programme_id)
    if email is not None:
        text = email.strip().lower()
        query = query.where(User.email == text) if text else query.where(false())
    if search:
        needle = search.strip().lower()
        query = query.where(or_(User.email.contains(needle, autoescape=True),
                                User.display_name.ilike(f"%{_escape_like(needle)}%",
                                                        escape="/")))
    unexpired = or_(IssuedCredential.valid_until.is_(None), IssuedCredential.valid_until > now)
    if state == "active":
        query = query.where(IssuedCredential.state == STATE_ACTIVE, unexpired)
    elif state == "expired":
        query = query.where(IssuedCredential.state != STATE_REVOKED, ~unexpired)
    elif state in (STATE_SUSPENDED, STATE_REVOKED):
        query = query.where(IssuedCredential.state == state)
    return query


def _escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def effective_status(credential: IssuedCredential, now: datetime) -> str:
    """revoked, suspended, expired or active — what a verifier would say first."""
    if credential.state != STATE_ACTIVE:
        return credential.state
    if credential.valid_until is not None and credential.valid_until <= now:
        return "expired"
    return "active"


def summary(credential: IssuedCredential, public_base_url: str, now: datetime) -> dict[str, Any]:
    """What lists show of a credential (the signed document aside)."""
    achievement = credential.achievement
    level = None
    if credential.level_item_id is not None:
        item = next((i for i in achievements.levels_of(achievement.level_scale_version)
                     if i.id == credential.level_item_id), None)
        level = (item.human_code or str(item.id)) if item is not None else None
    status_list = credential.status_list
    return {
        "id": credential.id,
        "url": issuing.credential_url(public_base_url, credential.id),
        "achievement_id": credential.achievement_id,
        "achievement_name": achievement.name,
        "programme_id": achievement.programme_id,
        "organisation_id": credential.organisation_id,
        "recipient_email": credential.recipient.email,
        "recipient_name": credential.recipient.display_name,
        "state": credential.state,
        "status": effective_status(credential, now),
        "state_reason": credential.state_reason,
        "state_changed_at": credential.state_changed_at,
        "issued_at": credential.issued_at,
        "valid_from": credential.valid_from,
        "valid_until": credential.valid_until,
        "level": level,
        "narrative": credential.narrative,
        "evidence_url": credential.evidence_url,
        "issuer_id": credential.issuer_id,
        "verification_method": credential.verification_method,
        "status_list_url": status_lists.list_url(
            public_base_url, credential.organisation, status_list.purpose, status_list.number),
        "status_index": credential.status_index,
        "awarded_by": credential.awarded_by.email if credential.awarded_by else None,
        "notified_at": credential.notified_at,
    }
