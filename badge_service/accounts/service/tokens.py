"""Accounts' secrets: single-use email tokens (the links of login, reset and invitation mails)
and API tokens (for scripts).

Only a digest of either secret is stored, so a copy of the database lets nobody in; the secret
itself is shown or mailed once. Services take the session and ``now``; they flush, never
commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from badge_service.accounts.models import ApiToken, EmailToken, User
from badge_service.accounts.service import passwords as security
from badge_service.errors import AuthenticationRequired, FieldError, NotFound, ValidationFailed


def _clean_text(value: str | None, limit: int) -> str | None:
    """Names are shown in pages and mail headers: one line, no control characters."""
    if value is None:
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text[:limit] or None


# --- email tokens -----------------------------------------------------------------------------


def issue_email_token(session: Session, user: User, purpose: str, *, now: datetime,
                      lifetime: timedelta) -> str:
    """A single-use secret for a link sent by email; only its digest is stored."""
    token = security.new_token("bse")
    session.add(EmailToken(user_id=user.id, purpose=purpose,
                           token_hash=security.token_digest(token), created_at=now,
                           expires_at=now + lifetime))
    session.flush()
    return token



def _find_email_token(session: Session, token: str, purpose: str,
                      now: datetime) -> EmailToken:
    record = session.scalar(select(EmailToken).where(
        EmailToken.token_hash == security.token_digest(token or ""),
        EmailToken.purpose == purpose))
    if record is None or record.used_at is not None or record.expires_at <= now:
        raise AuthenticationRequired(
            "this link is invalid, was already used, or has expired; ask for a new one")
    if not record.user.is_active:
        raise AuthenticationRequired("this account is disabled")
    return record


def check_email_token(session: Session, token: str, purpose: str, *, now: datetime) -> User:
    """Like :func:`consume_email_token` without spending the token (to show the form)."""
    return _find_email_token(session, token, purpose, now).user


def consume_email_token(session: Session, token: str, purpose: str, *, now: datetime) -> User:
    """The user a valid, unused, unexpired token belongs to; the token is then spent.

    Spending is one conditional UPDATE, so two requests racing with the same link cannot both
    succeed.
    """
    record = _find_email_token(session, token, purpose, now)
    spent = session.execute(
        update(EmailToken).where(EmailToken.id == record.id, EmailToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise AuthenticationRequired(
            "this link is invalid, was already used, or has expired; ask for a new one")
    session.expire(record, ["used_at"])
    return record.user


# --- API tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    record: ApiToken
    secret: str  # shown once, never stored


def create_api_token(session: Session, user: User, name: str, *, now: datetime,
                     expires_at: datetime | None = None) -> NewToken:
    errors = []
    name = _clean_text(name, 200) or ""
    if not name:
        errors.append(FieldError("is required", field="name"))
    if expires_at is not None:
        if expires_at.tzinfo is None:
            errors.append(FieldError("give a time zone, e.g. 2026-01-31T00:00:00Z",
                                     field="expires_at"))
        elif expires_at <= now:
            errors.append(FieldError("must be in the future", field="expires_at"))
    if errors:
        raise ValidationFailed("the token is not valid", errors)
    if not user.is_active:
        raise ValidationFailed("this account is disabled",
                               [FieldError("is a disabled account", field="user")])
    secret = security.new_token("bsk")
    record = ApiToken(user_id=user.id, name=name, prefix=secret[:12],
                      token_hash=security.token_digest(secret), created_at=now,
                      expires_at=expires_at)
    session.add(record)
    session.flush()
    return NewToken(record, secret)


def tokens_of(user: User) -> Select:
    """The user's own tokens, newest first (nobody lists anybody else's)."""
    return (select(ApiToken).where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id))


def authenticate_token(session: Session, secret: str, *, now: datetime) -> User:
    record = session.scalar(select(ApiToken).where(
        ApiToken.token_hash == security.token_digest(secret)))
    if (record is None or record.revoked_at is not None
            or (record.expires_at is not None and record.expires_at <= now)
            or not record.user.is_active):
        raise AuthenticationRequired("the API token is invalid, revoked or expired")
    # Write at most once a minute: a busy script should not turn every read into a write.
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        record.last_used_at = now
        session.flush()
    return record.user


def revoke_api_token(session: Session, actor: User, token_id: uuid.UUID, *,
                     now: datetime) -> ApiToken:
    """Revoke one of your tokens (administrators: anyone's). Others' tokens are "not found",
    so their ids cannot be probed."""
    record = session.get(ApiToken, token_id)
    if record is None or (record.user_id != actor.id and not actor.is_administrator):
        raise NotFound(f"no token {token_id}")
    record.revoked_at = record.revoked_at or now
    session.flush()
    return record
