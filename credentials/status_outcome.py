"""What checking a ``credentialStatus`` entry reports, and the plumbing every status method's
check shares: the caller's fetcher guarded, the fetched document parsed, each list loaded once
per :func:`~credentials.status_list.check_status` call."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .status_bitstring import MAX_DECODED_BYTES

__all__ = [
    "ENTRY_INVALID",
    "INDEX_OUT_OF_RANGE",
    "LIST_EXPIRED",
    "LIST_INVALID",
    "LIST_UNAVAILABLE",
    "MAX_REASON_CHARS",
    "PURPOSE_MISMATCH",
    "REVOCATION_LIST_UNSUPPORTED",
    "REVOKED",
    "STATUS_SET",
    "SUSPENDED",
    "TYPE_UNSUPPORTED",
    "ListUnusable",
    "StatusCheck",
    "as_list",
    "cached",
    "fail",
    "fetch_document",
    "id_of",
    "safe_detail",
    "without_fragment",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class StatusCheck:
    """The outcome of checking one ``credentialStatus`` entry.

    ``status`` is the entry's value in the list, or None when it could not be read. ``ok`` is
    False when the credential must not be accepted on this entry's account (revoked, suspended,
    or status unknown); ``problem`` is then a stable slug and ``detail`` says why.
    """

    purpose: str | None
    index: int | None
    list_url: str | None
    status: int | None
    ok: bool
    problem: str | None
    detail: str


# Problem slugs reported by check_status.
REVOKED = "revoked"
SUSPENDED = "suspended"
STATUS_SET = "status-set"
LIST_UNAVAILABLE = "status-list-unavailable"
LIST_INVALID = "status-list-invalid"
LIST_EXPIRED = "status-list-expired"
PURPOSE_MISMATCH = "status-purpose-mismatch"
INDEX_OUT_OF_RANGE = "status-index-out-of-range"
ENTRY_INVALID = "status-entry-invalid"
TYPE_UNSUPPORTED = "status-type-unsupported"
REVOCATION_LIST_UNSUPPORTED = "revocation-list-unsupported"  # no longer reported; kept for callers
#: Longest revocation reason quoted in a check's detail (the list is the issuer's text).
MAX_REASON_CHARS = 300


class ListUnusable(Exception):
    """Internal: the status list cannot be used; carries the problem slug."""

    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


def fail(
    purpose: str | None, index: int | None, url: str | None, problem: str, detail: str
) -> StatusCheck:
    return StatusCheck(purpose, index, url, None, False, problem, detail)


def cached(cache: dict[Any, Any], key: Any, load: Callable[[], _T]) -> _T:
    """``load()`` once per key: several entries often share one list, so it is fetched and
    verified once per check_status call; a list found unusable stays unusable for the call."""
    found = cache.get(key)
    if found is None:
        try:
            found = load()
        except ListUnusable as unusable:
            found = unusable
        cache[key] = found
    if isinstance(found, ListUnusable):
        raise found
    return found


def fetch_document(fetch: Callable[[str], Any], url: str, what: str) -> dict[str, Any] | None:
    """``fetch(url)`` as a JSON object (None when it is not one); ``what`` names the list."""
    try:
        fetched = fetch(url)
    # The fetcher is the caller's code and the network's failures are many; whatever it
    # raises, the status is simply unavailable, and check_status must not raise.
    except Exception as exc:
        detail = safe_detail(exc)
        raise ListUnusable(
            LIST_UNAVAILABLE, f"{what} {url} could not be retrieved: {detail}"
        ) from exc
    return _as_document(fetched)


def safe_detail(exc: BaseException) -> str:
    """What an injected collaborator's failure may say in a verification report: our own
    errors' details (written for people), never another exception's text (it could carry
    internal host names or paths)."""
    detail = getattr(exc, "detail", None)
    return detail if isinstance(detail, str) and detail else type(exc).__name__


def id_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def without_fragment(value: Any) -> Any:
    return value.split("#", 1)[0] if isinstance(value, str) else value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _as_document(fetched: Any) -> dict[str, Any] | None:
    if isinstance(fetched, Mapping):
        return dict(fetched)
    if isinstance(fetched, bytes | bytearray | str):
        if len(fetched) > MAX_DECODED_BYTES:
            return None
        try:
            parsed = json.loads(fetched)
        except (ValueError, RecursionError):
            return None
        return parsed if isinstance(parsed, dict) else None
    return None
