"""Accounts: users, roles, passwords, the login throttle, email links and API tokens.

Services take the session and ``now``; they flush, never commit.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from badge_service.accounts.models import (
    ROLE_COORDINATOR,
    ApiToken,
    EmailToken,
    LoginFailure,
    OrganisationRole,
    User,
)
from badge_service.accounts.service import passwords as security
from badge_service.errors import (
    AuthenticationRequired,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from badge_service.formats import names
from badge_service.organisations.models import Organisation

PURPOSE_PASSWORD_RESET = "password-reset"  # noqa: S105 - a purpose label
PURPOSE_LOGIN_LINK = "login-link"
PURPOSE_INVITATION = "invitation"
#: A trainer's first link: the account was made for them by a coordinator, without a password.
#: Kept apart from cohort invitations, whose re-sending expires every unused invitation link.
PURPOSE_TRAINER_INVITATION = "trainer-invitation"
LANGUAGES = ("fr", "en")

#: Brute-force throttle of password logins: at most this many failures within the window, per
#: typed email address (whether or not it has an account) and per client address (the web
#: layer passes the configured LOGIN_FAILURES_PER_IP; this is the default).
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_IP = 50
#: At most this many links of one kind (login, password reset) are mailed to one address per
#: hour; further requests get the same answer but send nothing (no mailbox flooding).
EMAIL_LINKS_PER_HOUR = 5


class TooManyAttempts(TooManyRequests):
    title = "Too many attempts"


def _clean_text(value: str | None, limit: int) -> str | None:
    """Names are shown in pages and mail headers: one line, no control characters."""
    if value is None:
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text[:limit] or None


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
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


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
        require_administrator(actor)
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


# --- passwords and the login throttle ---------------------------------------------------------


def _login_key(email: str) -> str:
    return (email or "").strip().lower()[:320]


def _wait(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return math.ceil(LOGIN_WINDOW.total_seconds())
    return max(1, math.ceil((oldest + LOGIN_WINDOW - now).total_seconds()))


def check_login_throttle(session: Session, email: str, ip: str | None, *,
                         now: datetime, ip_limit: int | None = None) -> None:
    """Refuse (429) while the address or the client has too many recent failures.

    The client limit is what stops password spraying (one guess at each of many accounts),
    which the per-account limit never sees.
    """
    since = now - LOGIN_WINDOW
    checks = [(LoginFailure.email == _login_key(email), LOGIN_FAILURES_PER_ACCOUNT,
               "too many failed logins for this account")]
    if ip:
        checks.append((LoginFailure.ip == ip[:64],
                       LOGIN_FAILURES_PER_IP if ip_limit is None else ip_limit,
                       "too many failed logins from your network"))
    for condition, limit, reason in checks:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.created_at))
            .where(condition, LoginFailure.created_at > since)).one()
        if count >= limit:
            seconds = _wait(oldest, now)
            minutes = math.ceil(seconds / 60)
            raise TooManyAttempts(
                f"{reason}; try again in {minutes} minute{'s' if minutes > 1 else ''}, "
                "or log in with an email link or reset your password by email",
                retry_after=seconds)


def record_login_failure(session: Session, email: str, ip: str | None, *,
                         now: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.created_at <= now - LOGIN_WINDOW))
    session.add(LoginFailure(email=_login_key(email), ip=(ip or None) and ip[:64],
                             created_at=now))
    session.flush()


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
    # Clear this account's failures, and forget everyone's expired ones (they hold addresses).
    session.execute(delete(LoginFailure).where(or_(
        LoginFailure.email == _login_key(email),
        LoginFailure.created_at <= now - LOGIN_WINDOW)))
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


# --- roles ----------------------------------------------------------------------------------


def coordinated_organisation_ids(session: Session, user: User) -> set[uuid.UUID]:
    return set(session.scalars(
        select(OrganisationRole.organisation_id).where(
            OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    ))


def coordinators_of(organisation_id: uuid.UUID) -> Select:
    return (select(User).join(OrganisationRole, OrganisationRole.user_id == User.id)
            .where(OrganisationRole.organisation_id == organisation_id,
                   OrganisationRole.role == ROLE_COORDINATOR)
            .order_by(User.email))


def is_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> bool:
    return user.is_administrator or organisation_id in coordinated_organisation_ids(session, user)


def require_administrator(user: User) -> None:
    if not user.is_administrator:
        raise Forbidden("only an administrator can do this")


def require_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> None:
    if not is_coordinator(session, user, organisation_id):
        raise Forbidden("only a coordinator of this organisation can do this")


def grant_coordinator(session: Session, user: User, organisation: Organisation) -> None:
    """Make ``user`` a coordinator (no authorisation check: see :func:`add_coordinator`)."""
    exists = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if exists is None:
        session.add(OrganisationRole(user_id=user.id, organisation_id=organisation.id,
                                     role=ROLE_COORDINATOR))
        session.flush()


def revoke_coordinator(session: Session, user: User, organisation: Organisation) -> None:
    """(No authorisation check: see :func:`remove_coordinator`.)"""
    role = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if role is not None:
        session.delete(role)
        session.flush()


def add_coordinator(session: Session, actor: User, organisation: Organisation,
                    user: User) -> None:
    """A coordinator (or an administrator) makes another user a coordinator."""
    require_coordinator(session, actor, organisation.id)
    if not user.is_active:
        raise ValidationFailed("this account is disabled",
                               [FieldError("is a disabled account", field="user")])
    grant_coordinator(session, user, organisation)


def remove_coordinator(session: Session, actor: User, organisation: Organisation,
                       user: User) -> None:
    require_coordinator(session, actor, organisation.id)
    revoke_coordinator(session, user, organisation)


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
