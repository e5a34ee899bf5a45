"""Accounts: users, roles, passwords, email links and API tokens.

Services take the session and ``now``; they flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import security
from ..errors import (
    AuthenticationRequired,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from ..models import ApiToken, EmailToken, Organisation, OrganisationRole, User
from ..models.accounts import ROLE_COORDINATOR

PURPOSE_PASSWORD_RESET = "password-reset"  # noqa: S105 - a purpose label
PURPOSE_LOGIN_LINK = "login-link"
PURPOSE_INVITATION = "invitation"
LANGUAGES = ("fr", "en")


def normalise_email(value: str, field: str = "email", row: int | None = None) -> str:
    """Trim and lower-case; reject what is not an email address (no DNS lookups)."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed("an email address is required",
                               [FieldError("is required", field=field, row=row)])
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"{text!r} is not a valid email address",
                               [FieldError(str(exc), field=field, row=row)]) from None
    return checked.normalized.lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def create_user(session: Session, *, email: str, display_name: str | None = None,
                password: str | None = None, now: datetime, is_administrator: bool = False,
                preferred_language: str = "fr", given_name: str | None = None,
                family_name: str | None = None) -> User:
    email = normalise_email(email)
    if find_user_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email} already exists",
                       [FieldError("already used by another account", field="email")])
    if preferred_language not in LANGUAGES:
        raise ValidationFailed("unsupported language", [
            FieldError(f"must be one of {', '.join(LANGUAGES)}", field="preferred_language")])
    name = (display_name or " ".join(p for p in (given_name, family_name) if p) or email).strip()
    user = User(
        email=email,
        display_name=name[:300],
        given_name=given_name,
        family_name=family_name,
        password_hash=security.hash_password(password) if password else None,
        is_administrator=is_administrator,
        preferred_language=preferred_language,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User:
    """The user with these credentials, or an error that does not say which part was wrong."""
    user = find_user_by_email(session, email)
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise AuthenticationRequired("the email or password is not correct")
    if security.needs_rehash(user.password_hash or ""):
        user.password_hash = security.hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = security.hash_password(password)
    user.session_version += 1  # every other session of this user ends
    session.flush()


# --- roles ----------------------------------------------------------------------------------


def coordinated_organisation_ids(session: Session, user: User) -> set[uuid.UUID]:
    return set(session.scalars(
        select(OrganisationRole.organisation_id).where(
            OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    ))


def is_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> bool:
    return user.is_administrator or organisation_id in coordinated_organisation_ids(session, user)


def require_administrator(user: User) -> None:
    if not user.is_administrator:
        raise Forbidden("only an administrator can do this")


def require_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> None:
    if not is_coordinator(session, user, organisation_id):
        raise Forbidden("only a coordinator of this organisation can do this")


def grant_coordinator(session: Session, user: User, organisation: Organisation) -> None:
    exists = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if exists is None:
        session.add(OrganisationRole(user_id=user.id, organisation_id=organisation.id,
                                     role=ROLE_COORDINATOR))
        session.flush()


def revoke_coordinator(session: Session, user: User, organisation: Organisation) -> None:
    role = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if role is not None:
        session.delete(role)
        session.flush()


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


def consume_email_token(session: Session, token: str, purpose: str, *, now: datetime) -> User:
    """The user a valid, unused, unexpired token belongs to; the token is then spent."""
    record = session.scalar(select(EmailToken).where(
        EmailToken.token_hash == security.token_digest(token or ""),
        EmailToken.purpose == purpose))
    if record is None or record.used_at is not None or record.expires_at <= now:
        raise AuthenticationRequired(
            "this link is invalid, was already used, or has expired; ask for a new one")
    if not record.user.is_active:
        raise AuthenticationRequired("this account is disabled")
    record.used_at = now
    session.flush()
    return record.user


# --- API tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    record: ApiToken
    secret: str  # shown once, never stored


def create_api_token(session: Session, user: User, name: str, *, now: datetime,
                     expires_at: datetime | None = None) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a token needs a name", [FieldError("is required", field="name")])
    secret = security.new_token("bsk")
    record = ApiToken(user_id=user.id, name=name[:200], prefix=secret[:12],
                      token_hash=security.token_digest(secret), created_at=now,
                      expires_at=expires_at)
    session.add(record)
    session.flush()
    return NewToken(record, secret)


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
    record = session.get(ApiToken, token_id)
    if record is None or (record.user_id != actor.id and not actor.is_administrator):
        raise NotFound(f"no token {token_id}")
    record.revoked_at = record.revoked_at or now
    session.flush()
    return record
