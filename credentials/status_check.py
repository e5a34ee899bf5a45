"""Checking a credential's ``credentialStatus``: Bitstring Status List (and StatusList2021)
entries here, 1EdTech Revocation List entries in :mod:`credentials.status_revocation_list`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from . import status_documents as names
from .errors import InputTooLargeError, StatusListError
from .status_bitstring import MAX_STATUS_SIZE, StatusList
from .status_outcome import (
    ENTRY_INVALID,
    INDEX_OUT_OF_RANGE,
    LIST_EXPIRED,
    LIST_INVALID,
    PURPOSE_MISMATCH,
    REVOKED,
    STATUS_SET,
    SUSPENDED,
    TYPE_UNSUPPORTED,
    ListUnusable,
    StatusCheck,
    as_list,
    cached,
    fail,
    fetch_document,
    safe_detail,
)
from .status_revocation_list import RevocationListChecker

__all__ = ["check_status"]

_DECIMAL = re.compile(r"(0|[1-9][0-9]*)")


def check_status(
    credential: Mapping[str, Any],
    *,
    fetch_list: Callable[[str], Any],
    verify_list: Callable[[dict[str, Any]], bool] | None = None,
    now: datetime,
    clock_skew: timedelta = timedelta(0),
) -> list[StatusCheck]:
    """Check every entry of ``credential["credentialStatus"]``; never raises on bad input.

    ``fetch_list(url)`` returns the status list credential (a dict, or its JSON bytes/text) and
    may raise anything: the caller guards and caches the network. ``verify_list`` checks the
    list credential's proof; without it the list's authenticity is the caller's concern.
    Returns one :class:`StatusCheck` per entry, none when the credential has no status.
    """
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise StatusListError("now must be a timezone-aware datetime")
    if not isinstance(credential, Mapping):
        return []
    raw = credential.get("credentialStatus")
    if raw is None:
        return []
    entries = raw if isinstance(raw, list) else [raw]
    checker = _Checker(fetch_list, verify_list, now, clock_skew, credential)
    return [checker.check(entry) for entry in entries]


class _Checker:
    def __init__(
        self,
        fetch_list: Callable[[str], Any],
        verify_list: Callable[[dict[str, Any]], bool] | None,
        now: datetime,
        clock_skew: timedelta,
        credential: Mapping[str, Any] | None = None,
    ) -> None:
        self._fetch = fetch_list
        self._verify = verify_list
        self._now = now
        self._skew = clock_skew
        # Several entries often share one list: fetch and verify it once per check_status call.
        self._documents: dict[str, dict[str, Any] | ListUnusable] = {}
        self._lists: dict[tuple[str, int], StatusList | ListUnusable] = {}
        self._revocation_lists = RevocationListChecker(fetch_list, credential or {})

    def check(self, entry: Any) -> StatusCheck:
        if not isinstance(entry, Mapping):
            return fail(None, None, None, ENTRY_INVALID, "credentialStatus entry is not an object")
        types = as_list(entry.get("type"))
        if names.REVOCATION_LIST_1EDTECH in types:
            return self._revocation_lists.check(entry)
        if names.BITSTRING_ENTRY in types:
            legacy = False
        elif names.LEGACY_ENTRY in types:
            legacy = True
        else:
            return fail(
                None,
                None,
                None,
                TYPE_UNSUPPORTED,
                f"credentialStatus type {entry.get('type')!r} is not supported; status is unknown",
            )
        return self._check_bitstring(entry, legacy)

    # -- Bitstring Status List ---------------------------------------------------------------------

    def _check_bitstring(self, entry: Mapping[str, Any], legacy: bool) -> StatusCheck:
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        raw_index = entry.get("statusListIndex")
        index = _parse_index(raw_index)
        if not isinstance(url, str) or not url:
            url = None
        if not isinstance(purpose, str) or not purpose:
            return fail(None, index, url, ENTRY_INVALID, "statusPurpose must be a string")
        if url is None:
            return fail(
                purpose, index, None, ENTRY_INVALID, "statusListCredential must be a URL string"
            )
        if index is None:
            return fail(
                purpose,
                None,
                url,
                ENTRY_INVALID,
                f"statusListIndex {raw_index!r} is not a non-negative base-10 integer string",
            )
        status_size = entry.get("statusSize", 1)
        if (
            isinstance(status_size, bool)
            or not isinstance(status_size, int)
            or not 1 <= status_size <= MAX_STATUS_SIZE
        ):
            return fail(
                purpose,
                index,
                url,
                ENTRY_INVALID,
                f"statusSize {status_size!r} is not an integer in 1..{MAX_STATUS_SIZE}",
            )
        messages = entry.get("statusMessage")
        if status_size > 1 and not (
            isinstance(messages, list) and len(messages) == 1 << status_size
        ):
            return fail(
                purpose,
                index,
                url,
                ENTRY_INVALID,
                f"statusSize {status_size} requires a statusMessage array of "
                f"{1 << status_size} messages",
            )
        try:
            document = self._document(url, legacy)
            self._check_purpose(document, purpose, legacy)
            status_list = self._status_list(url, document, status_size, legacy)
        except ListUnusable as unusable:
            return fail(purpose, index, url, unusable.problem, unusable.detail)
        if index >= status_list.size:
            return fail(
                purpose,
                index,
                url,
                INDEX_OUT_OF_RANGE,
                f"statusListIndex {index} is beyond the list's {status_list.size} entries",
            )
        status = status_list.get(index)
        return _verdict(purpose, index, url, status, messages)

    def _document(self, url: str, legacy: bool) -> dict[str, Any]:
        return cached(self._documents, url, lambda: self._load(url, legacy))

    def _load(self, url: str, legacy: bool) -> dict[str, Any]:
        document = fetch_document(self._fetch, url, "status list")
        if document is None:
            raise ListUnusable(LIST_INVALID, f"status list {url} is not a JSON credential object")
        expected = names.LEGACY_CREDENTIAL if legacy else names.BITSTRING_CREDENTIAL
        if expected not in as_list(document.get("type")):
            raise ListUnusable(
                LIST_INVALID,
                f"document at {url} is not a {expected} (type {document.get('type')!r})",
            )
        if "id" in document and document["id"] != url:
            raise ListUnusable(
                LIST_INVALID,
                f"status list credential at {url} identifies itself as {document['id']!r}",
            )
        if self._verify is not None:
            try:
                verified = self._verify(document)
            # Same reasoning as for the fetcher: a failing verifier means an unverified list.
            except Exception as exc:
                detail = safe_detail(exc)
                raise ListUnusable(
                    LIST_INVALID, f"status list {url} could not be verified: {detail}"
                ) from exc
            if not verified:
                raise ListUnusable(
                    LIST_INVALID, f"status list credential {url} does not verify (bad proof)"
                )
        self._check_validity(url, document)
        return document

    def _check_validity(self, url: str, document: Mapping[str, Any]) -> None:
        for name in ("validFrom", "validUntil"):
            if name in document and _parse_datetime(document[name]) is None:
                raise ListUnusable(
                    LIST_INVALID,
                    f"status list {url} has an invalid {name} {document[name]!r}",
                )
        valid_from = _parse_datetime(document.get("validFrom"))
        valid_until = _parse_datetime(document.get("validUntil"))
        if valid_from is not None and self._now + self._skew < valid_from:
            raise ListUnusable(
                LIST_INVALID,
                f"status list {url} is not valid before {document['validFrom']}",
            )
        if valid_until is not None and self._now - self._skew > valid_until:
            raise ListUnusable(
                LIST_EXPIRED,
                f"status list {url} expired at {document['validUntil']}; "
                "its issuer has not published a current one",
            )

    def _status_list(
        self, url: str, document: Mapping[str, Any], status_size: int, legacy: bool
    ) -> StatusList:
        def decode() -> StatusList:
            subject = _subject(document, legacy)
            try:
                return StatusList.decode(subject.get("encodedList"), status_size)
            except (StatusListError, InputTooLargeError) as exc:
                raise ListUnusable(
                    LIST_INVALID, f"status list {url} has an unusable encodedList: {exc.detail}"
                ) from None

        return cached(self._lists, (url, status_size), decode)

    def _check_purpose(self, document: Mapping[str, Any], purpose: str, legacy: bool) -> None:
        subject = _subject(document, legacy)
        purposes = as_list(subject.get("statusPurpose"))
        if purpose not in purposes:
            raise ListUnusable(
                PURPOSE_MISMATCH,
                f"entry's statusPurpose {purpose!r} is not among the list's {purposes!r}",
            )


def _subject(document: Mapping[str, Any], legacy: bool) -> Mapping[str, Any]:
    expected = names.LEGACY_SUBJECT if legacy else names.BITSTRING_SUBJECT
    subjects = document.get("credentialSubject")
    for subject in as_list(subjects):
        if isinstance(subject, Mapping) and expected in as_list(subject.get("type")):
            return subject
    raise ListUnusable(
        LIST_INVALID, f"status list credential has no credentialSubject of type {expected}"
    )


def _verdict(purpose: str, index: int, url: str, status: int, messages: Any) -> StatusCheck:
    where = f"entry {index} of {url}"
    ok, problem = False, None
    if status == 0:
        ok, detail = True, f"{purpose}: not set ({where})"
    elif purpose == "revocation":
        problem, detail = REVOKED, f"credential is revoked ({where})"
    elif purpose == "suspension":
        problem, detail = SUSPENDED, f"credential is suspended ({where})"
    elif purpose == "refresh":
        # The spec says refresh does not invalidate: it only announces a newer credential.
        ok, detail = True, f"an updated credential is available from the issuer ({where})"
    elif purpose == "message":
        ok, detail = True, f"status {status:#x}: {_message_for(status, messages)} ({where})"
    else:
        problem = STATUS_SET
        detail = f"status {status:#x} is set for purpose {purpose!r} ({where})"
    return StatusCheck(purpose, index, url, status, ok, problem, detail)


def _message_for(status: int, messages: Any) -> str:
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping):
                code = message.get("status")
                try:
                    value = int(code, 16) if isinstance(code, str) else None
                except ValueError:
                    value = None
                text = message.get("message")
                if value == status and isinstance(text, str):
                    return text
    return "set"












def _parse_index(value: Any) -> int | None:
    # The spec wants a base-10 string; StatusList2021 issuers sometimes wrote a JSON number.
    if isinstance(value, str) and _DECIMAL.fullmatch(value) and len(value) <= 20:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # xsd:dateTimeStamp: a time zone is required, or the instant is ambiguous.
    return parsed if parsed.utcoffset() is not None else None
