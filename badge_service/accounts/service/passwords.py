"""Passwords and secret tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from badge_service.errors import FieldError, ValidationFailed

#: argon2id with the library's current defaults (RFC 9106 "low memory" profile: 64 MiB, t=3).
DEFAULT_HASHER = PasswordHasher()
# The hasher in use. Only the test suite swaps it (tests/conftest.py), for a cheap one: at about
# 150 ms a hash on a CI core, the real parameters were most of the suite's set-up time. Hashes it
# makes are still argon2id. In production a hash with other parameters is re-made at log-in.
_hasher = DEFAULT_HASHER
MIN_PASSWORD_LENGTH = 12
#: Longer inputs are refused before hashing: nobody types more, and hashing megabytes costs time.
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str, *, check: bool = True) -> str:
    """The argon2id hash of a new password (``check=False`` only to re-hash an existing,
    verified password with current parameters: old passwords may predate today's rules)."""
    if check:
        check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "the password is too short",
            [FieldError(f"use at least {MIN_PASSWORD_LENGTH} characters", field=field)],
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            "the password is too long",
            [FieldError(f"use at most {MAX_PASSWORD_LENGTH} characters", field=field)],
        )
    if not password.strip():
        raise ValidationFailed("the password is blank",
                               [FieldError("use letters, digits or symbols", field=field)])


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password or "") > MAX_PASSWORD_LENGTH:
        password = ""  # never matches: no stored password is empty
    if not password_hash:
        # Spend the same time as a real check, so response times do not reveal accounts.
        _hasher.hash(password or "x")
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str) -> str:
    """A URL-safe secret with a readable prefix (e.g. ``bsk_…`` for API tokens)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def digests_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
