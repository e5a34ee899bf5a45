"""Hashed email ``IdentityObject``: building one, and matching one against an address."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from ._fields import _fail
from .vocabulary import Json


def normalise_email(email: str) -> str:
    """The form of an address that is hashed: surrounding blanks stripped, lower-cased."""
    if not isinstance(email, str):
        raise _fail(f"email must be a string, got {type(email).__name__}", "email")
    normalised = email.strip().lower()
    local, at, domain = normalised.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in normalised):
        raise _fail("email is not an address of the form local@domain", "email")
    return normalised


def identity_object_for_email(email: str, *, salt: str) -> Json:
    """A hashed ``IdentityObject``: ``sha256$`` + hex(SHA-256(normalised email + salt)).

    The salt is an argument (use ``secrets.token_hex(16)`` per credential) so that the result
    is reproducible and the caller stores or shows it as it needs; an empty salt is refused
    because an unsalted hash of an address is easily reversed by guessing.
    """
    if not isinstance(salt, str) or not salt:
        raise _fail("salt must be a non-empty string (e.g. secrets.token_hex(16))", "salt")
    digest = hashlib.sha256((normalise_email(email) + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": "sha256$" + digest,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def identity_matches(identity_object: Mapping[str, Any], email: str) -> bool:
    """Whether an email ``IdentityObject`` designates ``email``. Never raises on bad input.

    Accepts what OB 3.0 allows: plaintext or ``sha256$``/``md5$`` hex (either case) over the
    address plus the optional salt. Other issuers may not normalise before hashing, so both the
    address as given (stripped) and its lower-cased form are tried.
    """
    try:
        if identity_object.get("identityType") != "emailAddress":
            return False
        stored = identity_object.get("identityHash")
        hashed = identity_object.get("hashed")
        salt = identity_object.get("salt") or ""
        if not isinstance(stored, str) or not isinstance(email, str) or not isinstance(salt, str):
            return False
        candidates = {email.strip(), email.strip().lower()}
        if hashed is False:
            return any(
                hmac.compare_digest(stored.strip().lower().encode(), c.lower().encode())
                for c in candidates
            )
        if hashed is not True:
            return False
        algorithm, sep, expected = stored.partition("$")
        hash_functions = {"sha256": hashlib.sha256, "md5": hashlib.md5}
        if not sep or algorithm.lower() not in hash_functions:
            return False
        function = hash_functions[algorithm.lower()]
        # md5 is only *checked* here, for badges others issued; we always issue sha256.
        return any(
            hmac.compare_digest(
                function((c + salt).encode("utf-8")).hexdigest(), expected.strip().lower()
            )
            for c in candidates
        )
    except (AttributeError, TypeError, ValueError):
        return False
