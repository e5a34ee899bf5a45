"""People and what they may do: users, login sessions, roles, API tokens and one-time email
tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badge_service.db import UUIDPrimaryKey, db

ROLE_ADMINISTRATOR = "administrator"
ROLE_COORDINATOR = "coordinator"
ROLE_TRAINER = "trainer"
ROLE_PARTICIPANT = "participant"


class User(UUIDPrimaryKey, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    #: Normalised (trimmed, lower-case); unique case-insensitively because of that.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(300))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    #: argon2id hash; None for accounts that log in by email link only (participants).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_administrator: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    preferred_language: Mapped[str] = mapped_column(String(8), default="fr")
    #: Bumped on password change and logout-everywhere; sessions carry it, so old ones end.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]

    organisation_roles: Mapped[list[OrganisationRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # auth.py appends the browser's login session secret (see LoginSession).
        return f"{self.id}:{self.session_version}"


class OrganisationRole(UUIDPrimaryKey, db.Model):
    """A coordinator of an organisation (the only organisation-level role today)."""

    __tablename__ = "organisation_role"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32), default=ROLE_COORDINATOR)

    user: Mapped[User] = relationship(back_populates="organisation_roles")


class ApiToken(UUIDPrimaryKey, db.Model):
    """A bearer token for scripts. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: First characters, shown in lists so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class EmailToken(UUIDPrimaryKey, db.Model):
    """A single-use token sent by email: password reset, one-time login, invitation."""

    __tablename__ = "email_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(UUIDPrimaryKey, db.Model):
    """A failed password login, kept for the brute-force throttle (see
    ``services.accounts.authenticate``); rows older than the throttle window are pruned."""

    __tablename__ = "login_failure"

    #: The email as typed, trimmed and lower-cased (whether or not an account has it).
    email: Mapped[str] = mapped_column(String(320), index=True)
    #: The client's address as the application sees it (see the README on proxies).
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class LoginSession(UUIDPrimaryKey, db.Model):
    """One logged-in browser. Session cookies are signed but stored by the browser, so a copy
    would outlive a logout; the cookie only works while its row exists (logout deletes it)."""

    __tablename__ = "login_session"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the secret kept in the cookie, like API and email tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    #: Updated at most hourly; sessions idle longer than the cookie lifetime are pruned.
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
