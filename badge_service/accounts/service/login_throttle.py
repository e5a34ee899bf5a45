"""The brute-force throttle of password logins: failures counted per typed address and per
client address, within a sliding window.

The failures hold typed addresses (of accounts or not), so they are forgotten once the window
has passed; a successful login clears its account's.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import LoginFailure
from badge_service.errors import TooManyRequests

#: Brute-force throttle of password logins: at most this many failures within the window, per
#: typed email address (whether or not it has an account) and per client address (the web
#: layer passes the configured LOGIN_FAILURES_PER_IP; this is the default).
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_IP = 50


class TooManyAttempts(TooManyRequests):
    title = "Too many attempts"


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


def clear_login_failures(session: Session, email: str, *, now: datetime) -> None:
    # Clear this account's failures, and forget everyone's expired ones (they hold addresses).
    session.execute(delete(LoginFailure).where(or_(
        LoginFailure.email == _login_key(email),
        LoginFailure.created_at <= now - LOGIN_WINDOW)))
