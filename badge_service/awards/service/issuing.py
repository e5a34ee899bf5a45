"""Awarding achievements: signed OB 3.0 credentials, composites, notification.

``award`` validates every row before issuing anything (all-or-nothing per request), and is
idempotent: with a request key, a retried request finds the credentials it already issued
instead of issuing twice. Each credential gets one status entry (see models/issued.py for why
one, with purpose "suspension"), is signed with the organisation's active key, and is emailed
to the recipient after the transaction commits. Every credential issued (bulk awards and
composites too) appends an audit entry in the same transaction (services/trail.py).

The request's vocabulary (services.award_requests), the mail (services.notifications) and
status changes (services.status_changes) have their own modules; their names stay importable
from here. Who may award is :mod:`badge_service.policy`'s.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.adapters.keyring import Keyring
from badge_service.awards.models import STATE_ACTIVE, STATE_REVOKED, IssuedCredential
from badge_service.awards.service import trail
from badge_service.awards.service.award_requests import (
    MAX_BATCH,
    NARRATIVE_MAX,
    AwardOutcome,
    AwardResult,
    AwardRow,
)
from badge_service.awards.service.notifications import notify_award
from badge_service.awards.service.status_changes import (
    ACTIONS,
    REASON_MAX,
    change_status,
    get_credential,
)
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats import conformance
from badge_service.frameworks.models import FrameworkItem
from badge_service.organisations.models import Organisation
from badge_service.status import service as status_lists
from credentials import data_integrity
from credentials import models as ob
from credentials import status_list as bitstring
from credentials.jwt import sign_jwt

__all__ = [
    "ACTIONS", "MAX_BATCH", "NARRATIVE_MAX", "REASON_MAX", "STATUS_PURPOSE", "AwardOutcome",
    "AwardResult", "AwardRow", "Issuing", "active_credential", "award", "award_composites",
    "build_credential", "change_status", "credential_url", "get_credential", "issue",
    "validate_award",
]

STATUS_PURPOSE = "suspension"


@dataclass(frozen=True)
class Issuing:
    """What issuing needs besides the session: keys, the public URL, the clock."""

    keyring: Keyring
    public_base_url: str
    now: datetime
    notify: bool = True


def credential_url(public_base_url: str, credential_id: uuid.UUID) -> str:
    return f"{public_base_url}/credentials/{credential_id}"



# --- validation ------------------------------------------------------------------------------


def _participants(session: Session, achievement: Achievement) -> dict[str, User]:
    """Participants (not withdrawn) of the programme's cohorts, by email."""
    rows = session.execute(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.programme_id == achievement.programme_id,
               CohortMember.status != "withdrawn")).scalars()
    return {user.email: user for user in rows}


def _level_items(achievement: Achievement) -> list[FrameworkItem]:
    return achievements.levels_of(achievement.level_scale_version)


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc) and len(value) <= 1000


def _validate(session: Session, achievement: Achievement,
              rows: Sequence[AwardRow]) -> list[tuple[AwardRow, User, FrameworkItem | None]]:
    if not rows:
        raise ValidationFailed("no recipient was given", [FieldError("is empty",
                                                                     field="recipients")])
    if len(rows) > MAX_BATCH:
        raise ValidationFailed(f"at most {MAX_BATCH} recipients per request")
    participants = _participants(session, achievement)
    levels = _level_items(achievement)
    by_code = {item.human_code: item for item in levels if item.human_code}
    by_id = {str(item.id): item for item in levels}
    errors: list[FieldError] = []
    seen: dict[str, int | None] = {}
    checked = []
    for position, row in enumerate(rows, start=1):
        line = row.row if row.row is not None else position
        try:
            email = accounts.normalise_email(row.email, row=line)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if email in seen:
            errors.append(FieldError(f"{email} appears twice (also row {seen[email]})",
                                     field="email", row=line))
            continue
        seen[email] = line
        user = participants.get(email)
        if user is None:
            errors.append(FieldError(f"{email} is not a participant of this programme's "
                                     "cohorts", field="email", row=line))
        narrative = (row.narrative or "").strip()
        if len(narrative) > NARRATIVE_MAX:
            errors.append(FieldError(f"at most {NARRATIVE_MAX} characters", field="narrative",
                                     row=line))
        if row.evidence_url and not _is_web_url(row.evidence_url.strip()):
            errors.append(FieldError("must be an absolute http(s) URL", field="evidence_url",
                                     row=line))
        level = None
        if levels:
            key = (row.level or "").strip()
            level = by_code.get(key) or by_id.get(key)
            if level is None:
                known = ", ".join(i.human_code or str(i.id) for i in levels)
                errors.append(FieldError(f"give the level reached, one of: {known}",
                                         field="level", row=line))
        elif row.level:
            errors.append(FieldError("this achievement has no level scale", field="level",
                                     row=line))
        if user is not None:
            checked.append((row, user, level))
    if errors:
        raise ValidationFailed("the award request is not valid; nothing was issued", errors)
    return checked


def validate_award(session: Session, actor: User | None, achievement: Achievement,
                   rows: Sequence[AwardRow]) -> list[tuple[AwardRow, User, FrameworkItem | None]]:
    """Check an award request without issuing anything (previews): raises what ``award``
    would raise for it, listing every bad row."""
    policy.require_award(session, actor, achievement)
    return _validate(session, achievement, rows)


# --- issuing ---------------------------------------------------------------------------------


def active_credential(session: Session, achievement_id: uuid.UUID, recipient_id: uuid.UUID,
                      now: datetime) -> IssuedCredential | None:
    """A credential for this achievement the recipient holds now (not revoked, not expired);
    a suspended one still counts as held: it may be reinstated."""
    for credential in session.scalars(select(IssuedCredential).where(
            IssuedCredential.achievement_id == achievement_id,
            IssuedCredential.recipient_id == recipient_id,
            IssuedCredential.state != STATE_REVOKED)):
        if credential.valid_until is None or credential.valid_until > now:
            return credential
    return None


def award(session: Session, actor: User | None, achievement: Achievement,
          rows: Sequence[AwardRow], *, issuing: Issuing,
          request_key: str | None = None) -> AwardResult:
    """Award ``achievement`` to every row's recipient, or to none (errors list every row)."""
    policy.require_award(session, actor, achievement)
    if request_key is not None and not (0 < len(request_key) <= 200):
        raise ValidationFailed("the request key must be 1–200 characters",
                               [FieldError("1–200 characters", field="request_key")])
    checked = _validate(session, achievement, rows)
    _lock_recipients(session, [user.id for _, user, _ in checked])
    result = AwardResult()
    organisation = achievement.programme.organisation
    for row, user, level in checked:
        # Stored as a digest: fixed length whatever the key and address, and no email in it.
        key = _request_digest(f"{request_key}:{user.email}") if request_key else None
        if key is not None:
            replay = session.scalar(select(IssuedCredential).where(
                IssuedCredential.organisation_id == organisation.id,
                IssuedCredential.request_key == key))
            if replay is not None:
                result.outcomes.append(AwardOutcome(user.email, "replayed", replay, row.row))
                continue
        held = active_credential(session, achievement.id, user.id, issuing.now)
        if held is not None:
            result.outcomes.append(AwardOutcome(user.email, "already-held", held, row.row))
            continue
        credential = issue(session, achievement, user, issuing=issuing, awarded_by=actor,
                           narrative=(row.narrative or "").strip() or None,
                           evidence_url=(row.evidence_url or "").strip() or None,
                           level=level, request_key=key)
        trail.issued(session, credential, actor, now=issuing.now,
                     level=(level.human_code or str(level.id)) if level else None)
        result.outcomes.append(AwardOutcome(user.email, "issued", credential, row.row))
    for user in {o.credential.recipient for o in result.outcomes if o.outcome == "issued"}:
        result.composites.extend(award_composites(session, user, achievement, issuing=issuing))
    if issuing.notify:
        # Queued only once everything is issued: SQLAlchemy fires its after_commit event when
        # a *savepoint* is released too (status allocation uses savepoints), and a savepoint
        # rolled back drops the queue, so mail queued between two issues could leave before
        # the real commit — or be lost.
        for credential in result.issued:
            notify_award(credential, credential.recipient, credential.achievement,
                         url=credential_url(issuing.public_base_url, credential.id),
                         now=issuing.now)
    return result


def _lock_recipients(session: Session, user_ids: Iterable[uuid.UUID]) -> None:
    """Hold the recipients' rows until commit, so concurrent awards to the same people (a
    retry sent before the first answer, two trainers at once) run one after the other: the
    later one then finds the first's credentials — replayed, or already held — instead of
    issuing them twice (or failing on the request key's unique constraint).

    In id order, so two batches sharing recipients lock them in the same order and cannot
    deadlock; FOR NO KEY UPDATE, so rows merely referencing a user (FOR KEY SHARE) are not
    held up. The checks that follow are new statements: under PostgreSQL's READ COMMITTED
    they see what the first request committed. SQLite has no row locks (it serialises
    writers), so there this is a plain read."""
    ids = sorted(set(user_ids))
    if ids:
        session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id)
                        .with_for_update(key_share=True))


def _request_digest(key: str) -> str:
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def award_composites(session: Session, user: User, achievement: Achievement, *,
                     issuing: Issuing) -> list[IssuedCredential]:
    """Composite achievements the user now holds every part of, issued automatically.

    Follows chains (a composite can be part of another). A composite that requires a
    validated portfolio waits for the portfolio review (a later feature)."""
    issued: list[IssuedCredential] = []
    pending = [achievement.id]
    visited: set[uuid.UUID] = set()
    while pending:
        part_id = pending.pop()
        for composite in achievements.composites_requiring(session, part_id):
            if composite.id in visited:
                continue
            visited.add(composite.id)
            held = {c.achievement_id for c in session.scalars(select(IssuedCredential).where(
                IssuedCredential.recipient_id == user.id,
                IssuedCredential.state == STATE_ACTIVE))
                if c.valid_until is None or c.valid_until > issuing.now}
            if not achievements.is_satisfied(composite, held, portfolio_validated=False):
                continue
            if active_credential(session, composite.id, user.id, issuing.now) is not None:
                continue
            credential = issue(session, composite, user, issuing=issuing, awarded_by=None,
                               narrative=None, evidence_url=None, level=None,
                               request_key=_request_digest(f"composite:{composite.id}:{user.id}"))
            trail.issued(session, credential, trail.AUTOMATIC, now=issuing.now)
            issued.append(credential)
            pending.append(composite.id)
    return issued


def _issuer_profile(organisation: Organisation, issuer_id: str,
                    public_base_url: str) -> dict[str, Any]:
    from badge_service.adapters.uploads import public_url

    names = {"fr": organisation.name, **(organisation.name_i18n or {})}
    image = (public_url(public_base_url, organisation.image_path)
             if organisation.image_path else None)
    return ob.profile(issuer_id, names, url=organisation.url, email=organisation.email,
                      description=organisation.description_i18n or None, image=image)


def build_credential(achievement: Achievement, recipient: User, *, credential_id: uuid.UUID,
                     issuer_id: str, status_entry: dict[str, Any], issuing: Issuing,
                     narrative: str | None, evidence_url: str | None,
                     level: FrameworkItem | None) -> dict[str, Any]:
    """The unsigned OB 3.0 credential of one award."""
    base = issuing.public_base_url
    organisation = achievement.programme.organisation
    results = []
    if level is not None:
        results.append(ob.result(achievements.result_description_id(base, achievement),
                                 achievements.item_url(base, level)))
    subject = ob.achievement_subject(
        achievements.to_ob_achievement(achievement, base),
        identifiers=[ob.identity_object_for_email(recipient.email,
                                                  salt=secrets.token_hex(16))],
        results=results)
    evidence = []
    if narrative or evidence_url:
        evidence.append(ob.evidence(evidence_url, narrative=narrative,
                                    language=recipient.preferred_language))
    valid_until = (issuing.now + timedelta(days=achievement.validity_days)
                   if achievement.validity_days else None)
    return ob.achievement_credential(
        credential_url(base, credential_id),
        _issuer_profile(organisation, issuer_id, base),
        subject,
        valid_from=issuing.now,
        valid_until=valid_until,
        evidence=evidence,
        credential_status=status_entry,
        awarded_date=issuing.now,
    )


def issue(session: Session, achievement: Achievement, recipient: User, *, issuing: Issuing,
          awarded_by: User | None, narrative: str | None, evidence_url: str | None,
          level: FrameworkItem | None, request_key: str | None) -> IssuedCredential:
    """Sign and store one credential (the caller has validated and authorised, and emails
    the recipient: see :func:`award`)."""
    organisation = achievement.programme.organisation
    # An organisation gets its first key when it first issues (cheap once it exists).
    issuing.keyring.ensure_key(organisation, now=issuing.now)
    identity = issuing.keyring.identity(organisation)
    credential_id = uuid.uuid4()
    allocation = status_lists.allocate(session, organisation, STATUS_PURPOSE,
                                       issuer_id=identity.issuer_id, now=issuing.now)
    entry = bitstring.status_entry(
        status_lists.list_url(issuing.public_base_url, organisation, STATUS_PURPOSE,
                              allocation.status_list.number),
        allocation.index, STATUS_PURPOSE)
    unsigned = build_credential(achievement, recipient, credential_id=credential_id,
                                issuer_id=identity.issuer_id, status_entry=entry,
                                issuing=issuing, narrative=narrative,
                                evidence_url=evidence_url, level=level)
    signed = conformance.as_proof_set(
        data_integrity.add_proof(unsigned, identity.signer(), created=issuing.now))
    token = sign_jwt(unsigned, identity.signer())
    # Before anything of this credential is stored or mailed (the caller rolls back the
    # status entry allocated above): a refusal issues nothing of the whole request.
    conformance.check(signed, identity=identity, now=issuing.now, kind=conformance.ACHIEVEMENT,
                      jwt=token, what=f"the credential of {achievement.name!r} for "
                      f"{recipient.email}")
    credential = IssuedCredential(
        id=credential_id, organisation_id=organisation.id, achievement_id=achievement.id,
        recipient_id=recipient.id, awarded_by_id=awarded_by.id if awarded_by else None,
        request_key=request_key, issuer_id=identity.issuer_id,
        verification_method=identity.verification_method, issued_at=issuing.now,
        valid_from=issuing.now,
        valid_until=(issuing.now + timedelta(days=achievement.validity_days)
                     if achievement.validity_days else None),
        narrative=narrative, evidence_url=evidence_url,
        level_item_id=level.id if level else None,
        language=recipient.preferred_language or "fr", document=signed, jwt=token,
        status_list_id=allocation.status_list.id, status_index=allocation.index,
        state=STATE_ACTIVE)
    session.add(credential)
    session.flush()
    return credential
