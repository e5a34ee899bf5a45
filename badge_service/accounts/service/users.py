"""Accounts: users, their email addresses and profiles, passwords and email links.

Roles, the login throttle and the tokens (email and API) have their own modules
(services.roles, services.login_throttle, services.tokens); their public names stay importable
from here, where callers have always found them.

Services take the session and ``now``; they flush, never commit.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import EmailToken, User
from badge_service.accounts.service import passwords as security
from badge_service.accounts.service.login_throttle import (
    LOGIN_FAILURES_PER_ACCOUNT,
    LOGIN_FAILURES_PER_IP,
    LOGIN_WINDOW,
    TooManyAttempts,
    check_login_throttle,
    clear_login_failures,
    record_login_failure,
)
from badge_service.accounts.service.roles import (
    add_coordinator,
    coordinators_of,
    grant_coordinator,
    remove_coordinator,
    revoke_coordinator,
)
from badge_service.accounts.service.tokens import (
    NewToken,
    authenticate_token,
    check_email_token,
    consume_email_token,
    create_api_token,
    issue_email_token,
    revoke_api_token,
    tokens_of,
)
from badge_service.db import get_or_not_found
from badge_service.errors import (
    AuthenticationRequired,
    Conflict,
    FieldError,
    ValidationFailed,
)
from badge_service.formats import names
from badge_service.locale import LANGUAGES

__all__ = [
    "EMAIL_LINKS_PER_HOUR", "EMAIL_LOCAL_MAX_OCTETS", "EMAIL_MAX_OCTETS", "LANGUAGES",
    "LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_IP", "LOGIN_WINDOW",
    "PURPOSE_INVITATION", "PURPOSE_LOGIN_LINK", "PURPOSE_PASSWORD_RESET",
    "PURPOSE_TRAINER_INVITATION", "AuthenticationRequired", "NewToken", "TooManyAttempts",
    "ValidationFailed", "add_coordinator", "authenticate", "authenticate_token",
    "change_password", "check_email_token", "check_login_throttle", "consume_email_token",
    "coordinators_of", "create_api_token", "create_user",
    "email_length_problem", "end_all_sessions", "find_user_by_email", "get_user",
    "grant_coordinator", "issue_email_token", "normalise_email",
    "record_login_failure", "remove_coordinator", "request_email_link",
    "revoke_api_token", "revoke_coordinator",
    "set_password", "set_password_with_token", "tokens_of", "update_user",
]

PURPOSE_PASSWORD_RESET = "password-reset"  # noqa: S105 - a purpose label
PURPOSE_LOGIN_LINK = "login-link"
PURPOSE_INVITATION = "invitation"
#: A trainer's first link: the account was made for them by a coordinator, without a password.
#: Kept apart from cohort invitations, whose re-sending expires every unused invitation link.
PURPOSE_TRAINER_INVITATION = "trainer-invitation"

#: At most this many links of one kind (login, password reset) are mailed to one address per
#: hour; further requests get the same answer but send nothing (no mailbox flooding).
EMAIL_LINKS_PER_HOUR = 5


def normalise_email(value: str, field: str = "email", row: int | None = None) -> str:
    """Trim and lower-case; reject what is not an email address (no DNS lookups)."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed("an email address is required",
                               [FieldError("is required", field=field, row=row)])
    # The RFC 5321 limits first, so the message says which one (and again after normalising).
    problem = email_length_problem(unicodedata.normalize("NFC", text))
    if problem:
        raise ValidationFailed(f"{text[:300]!r}… is not a valid email address"
                               if len(text) > 300 else f"{text!r} is not a valid email address",
                               [FieldError(problem, field=field, row=row)])
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"{text!r} is not a valid email address",
                               [FieldError(str(exc), field=field, row=row)]) from None
    address = checked.normalized.lower()
    problem = email_length_problem(address)
    if problem:
        raise ValidationFailed(f"{address!r} is not a valid email address",
                               [FieldError(problem, field=field, row=row)])
    return address


#: RFC 5321 §4.5.3.1: mail servers may refuse longer local parts and paths, so an address past
#: them may never receive its invitation or badge. Counted in octets (UTF-8, as SMTPUTF8 sends
#: them), the domain in its ASCII (IDNA) form.
EMAIL_LOCAL_MAX_OCTETS = 64
EMAIL_MAX_OCTETS = 254


def email_length_problem(address: str) -> str | None:
    """Why ``address`` (already validated) is longer than RFC 5321 allows, or None."""
    local, _, domain = address.rpartition("@")
    local_octets = len(local.encode("utf-8"))
    if local_octets > EMAIL_LOCAL_MAX_OCTETS:
        hint = "; an accented letter counts as 2" if not local.isascii() else ""
        return (f"the part before the @ is {local_octets} bytes long; at most "
                f"{EMAIL_LOCAL_MAX_OCTETS} (RFC 5321{hint})")
    try:
        ascii_domain = domain.encode("idna")
    except UnicodeError:  # not a valid domain: email_validator will say so
        ascii_domain = domain.encode("utf-8")
    total = local_octets + 1 + len(ascii_domain)
    if total > EMAIL_MAX_OCTETS:
        return f"the address is {total} bytes long; at most {EMAIL_MAX_OCTETS} (RFC 5321)"
    return None


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def get_user(session: Session, user_id: uuid.UUID) -> User:
    return get_or_not_found(session, User, user_id, "user")


def create_user(session: Session, *, email: str, display_name: str | None = None,
                password: str | None = None, now: datetime, is_administrator: bool = False,
                preferred_language: str = "fr", given_name: str | None = None,
                family_name: str | None = None) -> User:
    """A new account; every problem with the input is reported at once."""
    errors: list[FieldError] = []
    try:
        email = normalise_email(email)
    except ValidationFailed as exc:
        errors += exc.errors
    else:
        if find_user_by_email(session, email) is not None:
            raise Conflict(f"a user with email {email} already exists",
                           [FieldError("already used by another account", field="email")])
    if preferred_language not in LANGUAGES:
        errors.append(FieldError(f"must be one of {', '.join(LANGUAGES)}",
                                 field="preferred_language"))
    if password:
        try:
            security.check_password_strength(password)
        except ValidationFailed as exc:
            errors += exc.errors
    # Names follow the shared rule (badge_service.formats.names): refused, never cut or altered.
    given_name = names.clean_name(given_name, "given_name", errors, max_length=200)
    family_name = names.clean_name(family_name, "family_name", errors, max_length=200)
    display_name = names.clean_name(display_name, "display_name", errors,
                                    max_length=names.DISPLAY_NAME_MAX)
    if not display_name:
        problem = names.display_name_problem(given_name, family_name)
        if problem:
            errors.append(FieldError(problem, field="family_name"))
    if errors:
        raise ValidationFailed("the user is not valid", errors)
    name = display_name or " ".join(p for p in (given_name, family_name) if p) or email
    user = User(
        email=email,
        display_name=name,
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


def update_user(session: Session, actor: User, user: User, data: dict[str, Any]) -> User:
    """Change a profile. People edit their own name and language; administrators edit anyone
    and (de)activate accounts, but never deactivate or demote themselves (no lock-out)."""
    if actor.id != user.id or {"is_active", "is_administrator"} & data.keys():
        policy.require_administrator(actor)
    errors: list[FieldError] = []
    if "display_name" in data:
        name = names.clean_name(data["display_name"], "display_name", errors,
                                max_length=names.DISPLAY_NAME_MAX, required=True)
        data = {**data, "display_name": name}
    if "preferred_language" in data and data["preferred_language"] not in LANGUAGES:
        errors.append(FieldError(f"must be one of {', '.join(LANGUAGES)}",
                                 field="preferred_language"))
    for flag in ("is_active", "is_administrator"):
        if flag in data and not isinstance(data[flag], bool):
            errors.append(FieldError("must be true or false", field=flag))
        elif flag in data and actor.id == user.id and data[flag] is False:
            errors.append(FieldError("you cannot remove this from your own account", field=flag))
    if errors:
        raise ValidationFailed("the user is not valid", errors)
    if data.get("is_active") is False and user.is_active:
        user.session_version += 1  # their open sessions end now
    for key in ("display_name", "preferred_language", "is_active", "is_administrator"):
        if key in data:
            setattr(user, key, data[key])
    session.flush()
    return user


# --- passwords ------------------------------------------------------------------------------


def authenticate(session: Session, email: str, password: str, *, now: datetime,
                 ip: str | None = None, ip_limit: int | None = None) -> User:
    """The user with these credentials, or an error that does not say which part was wrong.

    A failure is recorded for the throttle (the caller must keep it although it answers with
    an error: see ``transactions.commit_even_on_error``); a success clears the account's
    failures. While throttled, no password is checked at all.
    """
    check_login_throttle(session, email, ip, now=now, ip_limit=ip_limit)
    user = find_user_by_email(session, email)
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        record_login_failure(session, email, ip, now=now)
        raise AuthenticationRequired("the email or password is not correct")
    if security.needs_rehash(user.password_hash or ""):
        user.password_hash = security.hash_password(password, check=False)
    clear_login_failures(session, email, now=now)
    user.last_login_at = now
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password; every session of the user ends and unused reset links die."""
    user.password_hash = security.hash_password(password)
    user.session_version += 1
    session.execute(delete(EmailToken).where(
        EmailToken.user_id == user.id, EmailToken.purpose == PURPOSE_PASSWORD_RESET,
        EmailToken.used_at.is_(None)))
    session.flush()


def set_password_with_token(session: Session, token: str, purpose: str, password: str,
                            confirm: str, *, now: datetime) -> User:
    """Spend an emailed token to choose a password (an invitation's first one, or a reset).

    The password is checked before the token is spent, so a typo does not waste the link;
    the owner of the link is returned.
    """
    if password != confirm:
        raise ValidationFailed("the password was not set",
                               [FieldError("the two passwords differ", field="confirm")])
    security.check_password_strength(password)
    user = consume_email_token(session, token, purpose, now=now)
    set_password(session, user, password)
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str,
                    confirm: str) -> None:
    """The account page's change: the current password proves it is the owner."""
    errors = []
    if not security.verify_password(user.password_hash, current):
        errors.append(FieldError("is not correct", field="current"))
    if new != confirm:
        errors.append(FieldError("the two new passwords differ", field="confirm"))
    try:
        security.check_password_strength(new)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed("the password was not changed", errors)
    set_password(session, user, new)


def end_all_sessions(session: Session, user: User) -> None:
    """Log out everywhere: every session cookie of this user stops working."""
    user.session_version += 1
    session.flush()


# --- email links ----------------------------------------------------------------------------


def request_email_link(session: Session, email: str, purpose: str, *, now: datetime,
                       lifetime: timedelta) -> tuple[User, str] | None:
    """A token to mail to ``email``, or None when nothing must be sent: no account, a disabled
    one, or too many links already sent this hour. Callers answer the same in every case, so
    the form reveals nothing about which addresses have accounts."""
    address = normalise_email(email)
    user = find_user_by_email(session, address)
    if user is None or not user.is_active:
        return None
    recent = session.scalar(select(func.count()).select_from(EmailToken).where(
        EmailToken.user_id == user.id, EmailToken.purpose == purpose,
        EmailToken.created_at > now - timedelta(hours=1)))
    if (recent or 0) >= EMAIL_LINKS_PER_HOUR:
        return None
    return user, issue_email_token(session, user, purpose, now=now, lifetime=lifetime)
