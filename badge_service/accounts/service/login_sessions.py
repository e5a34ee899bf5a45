"""Login sessions kept on the server, so that logging out ends a session for good.

A Flask session is a signed cookie held by the browser: clearing it at logout does nothing to a
copy (taken from a shared computer, a proxy log, malware). Each login therefore makes a row
with a random secret that the cookie carries; the cookie works only while the row exists, and
logout deletes it. Other browsers of the same person are not affected (that is what "log out
everywhere", i.e. ``accounts.end_all_sessions``, is for).

Services take the session and ``now``; they flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import LoginSession, User
from badge_service.accounts.service import passwords as security

#: ``last_seen_at`` is written at most this often: reading a page should rarely write.
TOUCH_EVERY = timedelta(hours=1)


def start(session: Session, user: User, *, now: datetime, idle: timedelta) -> str:
    """A new session of ``user``; returns the secret for the cookie (only its digest is kept).

    Sessions idle for longer than ``idle`` (everyone's) are deleted meanwhile: browsers closed
    without logging out leave rows behind, and their cookies have expired anyway.
    """
    session.execute(delete(LoginSession).where(LoginSession.last_seen_at <= now - idle))
    token = security.new_token("bss")
    session.add(LoginSession(user_id=user.id, token_hash=security.token_digest(token),
                             created_at=now, last_seen_at=now))
    session.flush()
    return token


def is_open(session: Session, user: User, token: str, *, now: datetime,
            idle: timedelta) -> bool:
    """Whether ``token`` is a live session of ``user`` (not logged out, not idle too long)."""
    if not token:
        return False
    record = session.scalar(select(LoginSession).where(
        LoginSession.token_hash == security.token_digest(token),
        LoginSession.user_id == user.id))
    if record is None or record.last_seen_at <= now - idle:
        return False
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
        session.flush()
    return True


def end(session: Session, token: str) -> None:
    """Log this session out: its cookie, and every copy of it, stops working."""
    session.execute(delete(LoginSession).where(
        LoginSession.token_hash == security.token_digest(token or "")))
    session.flush()


def end_all(session: Session, user: User) -> None:
    """Delete every session row of ``user`` (log out everywhere, a new password).

    ``accounts.end_all_sessions`` and password changes already end them by bumping the user's
    session version; this removes the rows at once rather than when they are pruned.
    """
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
