"""W3C Bitstring Status List 1.0: the list itself, its entries and credential, and status checks.

:func:`check_status` also checks the 1EdTech Revocation List Status Method (``vcrl``): a JSON
document at ``credentialStatus.id`` naming the issuer's revoked credentials by id.

The bitstring is immutable here: every change returns a new :class:`StatusList`, so a list that
has been signed and published can never be altered behind the signature's back. Allocation
state (which indexes are taken) belongs to the caller; :func:`random_free_index` only draws.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import random
import re
import secrets
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import InputTooLargeError, StatusListError

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

#: The spec's minimum (and our default) number of entries: 16 KiB of 1-bit entries. Smaller
#: lists shrink the crowd each credential hides in, so we neither make nor accept them.
MIN_ENTRIES = 131_072

#: Largest uncompressed bitstring we inflate. GZIP compresses runs of zeros about 1000:1, so a
#: few kilobytes of encodedList could otherwise expand to gigabytes.
MAX_DECODED_BYTES = 16 * 1024 * 1024

#: Entries wider than this are refused: a message list needs 2**statusSize messages.
MAX_STATUS_SIZE = 16

BITSTRING_ENTRY = "BitstringStatusListEntry"
BITSTRING_CREDENTIAL = "BitstringStatusListCredential"
BITSTRING_SUBJECT = "BitstringStatusList"
# StatusList2021 is the draft Bitstring Status List grew out of: same bitstring and algorithm,
# other type names and an encodedList without the multibase prefix. Still found in the wild.
LEGACY_ENTRY = "StatusList2021Entry"
LEGACY_CREDENTIAL = "StatusList2021Credential"
LEGACY_SUBJECT = "StatusList2021"
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)")


class StatusList:
    """A bitstring of ``size`` entries of ``status_size`` bits each; index 0 is the left-most bit.

    Values are unsigned integers read most significant bit first. Instances never change;
    :meth:`set`, :meth:`set_many` and :meth:`flip` return new lists.
    """

    __slots__ = ("_bits", "_size", "_status_size")

    def __init__(self, size: int = MIN_ENTRIES, status_size: int = 1) -> None:
        _check_status_size(status_size)
        if isinstance(size, bool) or not isinstance(size, int):
            raise StatusListError(f"status list size must be an integer, got {size!r}")
        if size < MIN_ENTRIES:
            raise StatusListError(
                f"status list of {size} entries refused: the minimum is {MIN_ENTRIES} entries, "
                "so that each credential's status hides among enough others (herd privacy)",
                size=size,
            )
        self._size = size
        self._status_size = status_size
        self._bits = bytes(_byte_length(size, status_size))

    @classmethod
    def from_bytes(cls, data: bytes, status_size: int = 1) -> StatusList:
        """Wrap an uncompressed bitstring; every whole entry it holds becomes addressable."""
        _check_status_size(status_size)
        size = len(data) * 8 // status_size
        if size < MIN_ENTRIES:
            raise StatusListError(
                f"status list holds {size} entries of {status_size} bit(s); "
                f"the minimum is {MIN_ENTRIES} (herd privacy)",
                size=size,
            )
        return cls._wrap(bytes(data), size, status_size)

    @classmethod
    def _wrap(cls, bits: bytes, size: int, status_size: int) -> StatusList:
        new = cls.__new__(cls)
        new._bits = bits
        new._size = size
        new._status_size = status_size
        return new

    @property
    def size(self) -> int:
        """Number of entries."""
        return self._size

    @property
    def status_size(self) -> int:
        """Bits per entry."""
        return self._status_size

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring."""
        return self._bits

    def get(self, index: int) -> int:
        """The status value at ``index``."""
        self._check_index(index)
        value = 0
        start = index * self._status_size
        for bit in range(start, start + self._status_size):
            value = (value << 1) | ((self._bits[bit >> 3] >> (7 - (bit & 7))) & 1)
        return value

    def set(self, index: int, value: int = 1) -> StatusList:
        """A copy with the entry at ``index`` set to ``value``."""
        return self.set_many({index: value})

    def set_many(self, values: Mapping[int, int]) -> StatusList:
        """A copy with every ``index: value`` of ``values`` applied (one copy for a bulk change)."""
        bits = bytearray(self._bits)
        limit = 1 << self._status_size
        for index, value in values.items():
            self._check_index(index)
            if isinstance(value, bool):
                value = int(value)
            if not isinstance(value, int) or not 0 <= value < limit:
                raise StatusListError(
                    f"status value {value!r} at index {index} does not fit in "
                    f"{self._status_size} bit(s)",
                    index=index,
                )
            start = index * self._status_size
            for offset in range(self._status_size):
                bit = start + offset
                mask = 0x80 >> (bit & 7)
                if (value >> (self._status_size - 1 - offset)) & 1:
                    bits[bit >> 3] |= mask
                else:
                    bits[bit >> 3] &= ~mask & 0xFF
        return self._wrap(bytes(bits), self._size, self._status_size)

    def flip(self, index: int) -> StatusList:
        """A copy with the 1-bit entry at ``index`` toggled."""
        if self._status_size != 1:
            raise StatusListError(
                f"flip is defined for 1-bit entries; this list has {self._status_size}-bit "
                "entries, use set()"
            )
        return self.set(index, 1 - self.get(index))

    def set_indexes(self) -> list[int]:
        """Indexes whose status is not 0, in ascending order."""
        if self._status_size == 1:
            found = []
            for byte_index, byte in enumerate(self._bits):
                if byte:
                    for bit in range(8):
                        if byte & (0x80 >> bit):
                            index = byte_index * 8 + bit
                            if index < self._size:
                                found.append(index)
            return found
        return [index for index in range(self._size) if self.get(index)]

    def encode(self) -> str:
        """The spec's ``encodedList``: ``u`` + base64url, unpadded, of the GZIP-compressed bits."""
        # mtime=0 keeps the output a pure function of the bits (same list, same signature input).
        compressed = _gzip(self._bits)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls, encoded: str, status_size: int = 1, *, max_bytes: int = MAX_DECODED_BYTES
    ) -> StatusList:
        """Parse an ``encodedList`` (with or without the ``u`` multibase prefix)."""
        _check_status_size(status_size)
        if not isinstance(encoded, str):
            raise StatusListError(f"encodedList must be a string, got {type(encoded).__name__}")
        text = encoded[1:] if encoded.startswith("u") else encoded
        # Older issuers sometimes padded; the padding carries no information.
        text = text.rstrip("=")
        # A compressed stream cannot be much smaller than 1/1032 of its output nor larger than
        # its output plus a small overhead; refuse anything that could not fit before decoding.
        if len(text) > (max_bytes + 1024) * 4 // 3 + 4:
            raise InputTooLargeError(
                f"encodedList of {len(text)} characters exceeds the {max_bytes}-byte limit"
            )
        if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
            raise StatusListError(
                "encodedList is not base64url: it must be 'u' followed by the characters "
                "A-Z a-z 0-9 - _ (no padding)"
            )
        try:
            compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError) as exc:
            raise StatusListError(f"encodedList is not valid base64url: {exc}") from exc
        return cls.from_bytes(_gunzip(compressed, max_bytes), status_size)

    def _check_index(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusListError(f"status list index must be an integer, got {index!r}")
        if not 0 <= index < self._size:
            raise StatusListError(
                f"status list index {index} is out of range 0..{self._size - 1}", index=index
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return (self._size, self._status_size, self._bits) == (
            other._size,
            other._status_size,
            other._bits,
        )

    def __hash__(self) -> int:
        return hash((self._size, self._status_size, self._bits))

    def __repr__(self) -> str:
        return (
            f"StatusList(size={self._size}, status_size={self._status_size}, "
            f"set={len(self.set_indexes())})"
        )


def _check_status_size(status_size: int) -> None:
    if isinstance(status_size, bool) or not isinstance(status_size, int):
        raise StatusListError(f"statusSize must be an integer, got {status_size!r}")
    if not 1 <= status_size <= MAX_STATUS_SIZE:
        raise StatusListError(
            f"statusSize {status_size} is outside the supported range 1..{MAX_STATUS_SIZE}"
        )


def _byte_length(size: int, status_size: int) -> int:
    return (size * status_size + 7) // 8


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Inflate a GZIP stream (possibly multi-member), refusing output beyond ``max_bytes``."""
    out = bytearray()
    remaining = data
    if not remaining:
        raise StatusListError("encodedList is empty")
    while remaining:
        # wbits=31: GZIP framing only, with its CRC-32 and length checked by zlib.
        inflater = zlib.decompressobj(wbits=31)
        try:
            chunk = inflater.decompress(remaining, max_bytes - len(out) + 1)
        except zlib.error as exc:
            raise StatusListError(f"encodedList is not valid GZIP data: {exc}") from exc
        out += chunk
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise InputTooLargeError(
                f"status list expands beyond the {max_bytes}-byte limit (GZIP bomb?)"
            )
        if not inflater.eof:
            raise StatusListError("encodedList GZIP stream is truncated")
        remaining = inflater.unused_data
    return bytes(out)


# --- allocation ---------------------------------------------------------------------------


def _safe_detail(exc: BaseException) -> str:
    """What an injected collaborator's failure may say in a verification report: our own
    errors' details (written for people), never another exception's text (it could carry
    internal host names or paths)."""
    detail = getattr(exc, "detail", None)
    return detail if isinstance(detail, str) and detail else type(exc).__name__


def random_free_index(
    is_used: Callable[[int], bool] | Iterable[int],
    size: int = MIN_ENTRIES,
    rng: random.Random | None = None,
) -> int:
    """An index in ``0..size-1`` drawn uniformly among those not used.

    The spec asks for random assignment so that an index reveals neither issuance order nor
    group size. ``is_used`` is a predicate or a collection of taken indexes; ``rng`` defaults to
    :class:`secrets.SystemRandom`. Raises :class:`StatusListError` when every index is taken.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise StatusListError(f"status list size must be a positive integer, got {size!r}")
    rng = rng or secrets.SystemRandom()
    if callable(is_used):
        used: Callable[[int], bool] = is_used
        taken: int | None = None
    else:
        used_set = is_used if isinstance(is_used, set | frozenset) else set(is_used)
        used = used_set.__contains__
        taken = sum(1 for index in used_set if isinstance(index, int) and 0 <= index < size)
        if taken >= size:
            raise StatusListError(f"status list is full: all {size} indexes are in use")
    # Rejection sampling is uniform over the free indexes; fall back to enumerating them when
    # the list is so full that draws keep hitting used ones.
    if taken is None or taken < size * 15 // 16:
        for _ in range(64):
            index = rng.randrange(size)
            if not used(index):
                return index
    free = [index for index in range(size) if not used(index)]
    if not free:
        raise StatusListError(f"status list is full: all {size} indexes are in use")
    return free[rng.randrange(len(free))]


# --- documents ---------------------------------------------------------------------------


def status_entry(
    list_credential_url: str,
    index: int,
    purpose: str,
    *,
    entry_id: str | None = None,
    status_size: int = 1,
    status_messages: Sequence[Mapping[str, str]] | None = None,
    status_reference: str | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for a credential's ``credentialStatus``."""
    if not isinstance(list_credential_url, str) or not list_credential_url:
        raise StatusListError("statusListCredential must be a non-empty URL string")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusListError(f"statusListIndex must be an integer >= 0, got {index!r}")
    if not isinstance(purpose, str) or not purpose:
        raise StatusListError("statusPurpose must be a non-empty string")
    _check_status_size(status_size)
    entry: dict[str, Any] = {
        "id": entry_id if entry_id is not None else f"{list_credential_url}#{index}",
        "type": BITSTRING_ENTRY,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential_url,
    }
    if status_size != 1:
        entry["statusSize"] = status_size
    if status_size > 1 and status_messages is None:
        raise StatusListError(
            f"statusSize {status_size} requires statusMessage with {1 << status_size} messages"
        )
    if status_messages is not None:
        messages = [dict(message) for message in status_messages]
        if len(messages) != 1 << status_size:
            raise StatusListError(
                f"statusMessage must list {1 << status_size} messages for statusSize "
                f"{status_size}, got {len(messages)}"
            )
        for message in messages:
            if not isinstance(message.get("status"), str) or not isinstance(
                message.get("message"), str
            ):
                raise StatusListError(
                    "each statusMessage needs string 'status' (e.g. '0x1') and 'message'"
                )
        entry["statusMessage"] = messages
    if status_reference is not None:
        entry["statusReference"] = status_reference
    return entry


def status_list_credential(
    url: str,
    issuer: str | Mapping[str, Any],
    status_list: StatusList,
    purpose: str | Sequence[str],
    *,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl: int | timedelta | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` publishing ``status_list`` at ``url``.

    ``ttl`` (milliseconds, or a timedelta) tells verifiers how long they may cache it; keep the
    HTTP ``Cache-Control`` the service sends in line with it. Sign the result with
    :func:`credentials.data_integrity.add_proof`.
    """
    if not isinstance(url, str) or not url:
        raise StatusListError("status list credential URL must be a non-empty string")
    if not isinstance(status_list, StatusList):
        raise StatusListError("status_list must be a StatusList")
    purposes = [purpose] if isinstance(purpose, str) else list(purpose)
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise StatusListError("statusPurpose must be one or more non-empty strings")
    subject: dict[str, Any] = {
        "id": f"{url}#list",
        "type": BITSTRING_SUBJECT,
        "statusPurpose": purposes[0] if len(purposes) == 1 else purposes,
        "encodedList": status_list.encode(),
    }
    if ttl is not None:
        ttl_ms = int(ttl.total_seconds() * 1000) if isinstance(ttl, timedelta) else ttl
        if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int) or ttl_ms < 0:
            raise StatusListError(f"ttl must be a non-negative number of milliseconds, got {ttl!r}")
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", BITSTRING_CREDENTIAL],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        "validFrom": _format_datetime(valid_from, "valid_from"),
    }
    if valid_until is not None:
        if valid_until <= valid_from:
            raise StatusListError("valid_until must be later than valid_from")
        credential["validUntil"] = _format_datetime(valid_until, "valid_until")
    credential["credentialSubject"] = subject
    return credential


def _format_datetime(value: datetime, name: str) -> str:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise StatusListError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- checking ------------------------------------------------------------------------------


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


class _ListUnusable(Exception):
    """Internal: the status list cannot be used; carries the problem slug."""

    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


class _Checker:
    def __init__(
        self,
        fetch_list: Callable[[str], Any],
        verify_list: Callable[[dict[str, Any]], bool] | None,
        now: datetime,
        clock_skew: timedelta,
        credential: Mapping[str, Any] | None = None,
    ) -> None:
        self._credential = credential or {}
        self._fetch = fetch_list
        self._verify = verify_list
        self._now = now
        self._skew = clock_skew
        # Several entries often share one list: fetch and verify it once per check_status call.
        self._documents: dict[str, dict[str, Any] | _ListUnusable] = {}
        self._lists: dict[tuple[str, int], StatusList | _ListUnusable] = {}
        self._revocation_lists: dict[str, dict[str, str] | _ListUnusable] = {}

    def check(self, entry: Any) -> StatusCheck:
        if not isinstance(entry, Mapping):
            return _fail(None, None, None, ENTRY_INVALID, "credentialStatus entry is not an object")
        types = _as_list(entry.get("type"))
        if REVOCATION_LIST_1EDTECH in types:
            return self._check_revocation_list(entry)
        if BITSTRING_ENTRY in types:
            legacy = False
        elif LEGACY_ENTRY in types:
            legacy = True
        else:
            return _fail(
                None,
                None,
                None,
                TYPE_UNSUPPORTED,
                f"credentialStatus type {entry.get('type')!r} is not supported; status is unknown",
            )
        return self._check_bitstring(entry, legacy)

    # -- 1EdTech Revocation List ----------------------------------------------------------------

    def _check_revocation_list(self, entry: Mapping[str, Any]) -> StatusCheck:
        url = entry.get("id")
        if not isinstance(url, str) or not url:
            return _fail(
                "revocation",
                None,
                None,
                ENTRY_INVALID,
                "a 1EdTechRevocationList credentialStatus needs the list's URL as its id",
            )
        credential_id = self._credential.get("id")
        if not isinstance(credential_id, str) or not credential_id:
            return _fail(
                "revocation",
                None,
                url,
                ENTRY_INVALID,
                "a 1EdTech Revocation List names revoked credentials by id, and this credential "
                "has no id; revocation status is unknown",
            )
        try:
            revoked = self._revocation_list(url)
        except _ListUnusable as unusable:
            return _fail("revocation", None, url, unusable.problem, unusable.detail)
        if credential_id in revoked:
            reason = revoked[credential_id]
            because = f": {reason}" if reason else ""
            return StatusCheck(
                "revocation",
                None,
                url,
                1,
                False,
                REVOKED,
                f"credential is revoked{because} (listed in the 1EdTech Revocation List {url})",
            )
        return StatusCheck(
            "revocation",
            None,
            url,
            0,
            True,
            None,
            f"revocation: not listed in the 1EdTech Revocation List {url}",
        )

    def _revocation_list(self, url: str) -> dict[str, str]:
        """``{revoked credential id: reason}`` of the list at ``url`` (fetched once per call)."""
        # A fragment is never sent to the server: entries differing by one share a document.
        url = _without_fragment(url)
        cached = self._revocation_lists.get(url)
        if cached is None:
            try:
                cached = self._load_revocation_list(url)
            except _ListUnusable as unusable:
                cached = unusable
            self._revocation_lists[url] = cached
        if isinstance(cached, _ListUnusable):
            raise cached
        return cached

    def _load_revocation_list(self, url: str) -> dict[str, str]:
        try:
            fetched = self._fetch(url)
        # As for Bitstring lists: whatever the caller's fetcher raises, the status is unknown.
        except Exception as exc:
            detail = _safe_detail(exc)
            raise _ListUnusable(
                LIST_UNAVAILABLE, f"revocation list {url} could not be retrieved: {detail}"
            ) from exc
        document = _as_document(fetched)
        if document is None:
            raise _ListUnusable(LIST_INVALID, f"revocation list {url} is not a JSON object")
        listed_id = document.get("id")
        if listed_id is not None and _without_fragment(listed_id) != _without_fragment(url):
            raise _ListUnusable(
                LIST_INVALID, f"revocation list at {url} identifies itself as {listed_id!r}"
            )
        # The list is not signed: what binds it to the issuer is the URL in the signed
        # credential. A list naming another issuer is someone else's list, so it cannot speak
        # for this credential either way.
        if "issuer" in document:
            list_issuer = _id_of(document["issuer"])
            credential_issuer = _id_of(self._credential.get("issuer"))
            if list_issuer is None or list_issuer != credential_issuer:
                raise _ListUnusable(
                    LIST_INVALID,
                    f"revocation list {url} is published by {list_issuer!r}, not by the "
                    f"credential's issuer {credential_issuer!r}",
                )
        entries = document.get("revokedCredentials", [])
        if not isinstance(entries, list):
            raise _ListUnusable(
                LIST_INVALID, f"revocation list {url}: revokedCredentials is not an array"
            )
        revoked: dict[str, str] = {}
        for position, item in enumerate(entries):
            item_id = item.get("id") if isinstance(item, Mapping) else None
            if not isinstance(item_id, str) or not item_id:
                # A list we cannot read in full might hide the one entry that matters.
                raise _ListUnusable(
                    LIST_INVALID,
                    f"revocation list {url}: revokedCredentials[{position}] has no id string",
                )
            reason = item.get("reason")
            text = " ".join(reason.split())[:MAX_REASON_CHARS] if isinstance(reason, str) else ""
            revoked[item_id] = text
        return revoked

    # -- Bitstring Status List ---------------------------------------------------------------------

    def _check_bitstring(self, entry: Mapping[str, Any], legacy: bool) -> StatusCheck:
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        raw_index = entry.get("statusListIndex")
        index = _parse_index(raw_index)
        if not isinstance(url, str) or not url:
            url = None
        if not isinstance(purpose, str) or not purpose:
            return _fail(None, index, url, ENTRY_INVALID, "statusPurpose must be a string")
        if url is None:
            return _fail(
                purpose, index, None, ENTRY_INVALID, "statusListCredential must be a URL string"
            )
        if index is None:
            return _fail(
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
            return _fail(
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
            return _fail(
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
        except _ListUnusable as unusable:
            return _fail(purpose, index, url, unusable.problem, unusable.detail)
        if index >= status_list.size:
            return _fail(
                purpose,
                index,
                url,
                INDEX_OUT_OF_RANGE,
                f"statusListIndex {index} is beyond the list's {status_list.size} entries",
            )
        status = status_list.get(index)
        return _verdict(purpose, index, url, status, messages)

    def _document(self, url: str, legacy: bool) -> dict[str, Any]:
        cached = self._documents.get(url)
        if cached is None:
            try:
                cached = self._load(url, legacy)
            except _ListUnusable as unusable:
                cached = unusable
            self._documents[url] = cached
        if isinstance(cached, _ListUnusable):
            raise cached
        return cached

    def _load(self, url: str, legacy: bool) -> dict[str, Any]:
        try:
            fetched = self._fetch(url)
        # The fetcher is the caller's code and the network's failures are many; whatever it
        # raises, the status is simply unavailable, and check_status must not raise.
        except Exception as exc:
            detail = _safe_detail(exc)
            raise _ListUnusable(
                LIST_UNAVAILABLE, f"status list {url} could not be retrieved: {detail}"
            ) from exc
        document = _as_document(fetched)
        if document is None:
            raise _ListUnusable(LIST_INVALID, f"status list {url} is not a JSON credential object")
        expected = LEGACY_CREDENTIAL if legacy else BITSTRING_CREDENTIAL
        if expected not in _as_list(document.get("type")):
            raise _ListUnusable(
                LIST_INVALID,
                f"document at {url} is not a {expected} (type {document.get('type')!r})",
            )
        if "id" in document and document["id"] != url:
            raise _ListUnusable(
                LIST_INVALID,
                f"status list credential at {url} identifies itself as {document['id']!r}",
            )
        if self._verify is not None:
            try:
                verified = self._verify(document)
            # Same reasoning as for the fetcher: a failing verifier means an unverified list.
            except Exception as exc:
                detail = _safe_detail(exc)
                raise _ListUnusable(
                    LIST_INVALID, f"status list {url} could not be verified: {detail}"
                ) from exc
            if not verified:
                raise _ListUnusable(
                    LIST_INVALID, f"status list credential {url} does not verify (bad proof)"
                )
        self._check_validity(url, document)
        return document

    def _check_validity(self, url: str, document: Mapping[str, Any]) -> None:
        for name in ("validFrom", "validUntil"):
            if name in document and _parse_datetime(document[name]) is None:
                raise _ListUnusable(
                    LIST_INVALID,
                    f"status list {url} has an invalid {name} {document[name]!r}",
                )
        valid_from = _parse_datetime(document.get("validFrom"))
        valid_until = _parse_datetime(document.get("validUntil"))
        if valid_from is not None and self._now + self._skew < valid_from:
            raise _ListUnusable(
                LIST_INVALID,
                f"status list {url} is not valid before {document['validFrom']}",
            )
        if valid_until is not None and self._now - self._skew > valid_until:
            raise _ListUnusable(
                LIST_EXPIRED,
                f"status list {url} expired at {document['validUntil']}; "
                "its issuer has not published a current one",
            )

    def _status_list(
        self, url: str, document: Mapping[str, Any], status_size: int, legacy: bool
    ) -> StatusList:
        key = (url, status_size)
        cached = self._lists.get(key)
        if cached is None:
            try:
                subject = _subject(document, legacy)
                cached = StatusList.decode(subject.get("encodedList"), status_size)
            except _ListUnusable as unusable:
                cached = unusable
            except (StatusListError, InputTooLargeError) as exc:
                cached = _ListUnusable(
                    LIST_INVALID, f"status list {url} has an unusable encodedList: {exc.detail}"
                )
            self._lists[key] = cached
        if isinstance(cached, _ListUnusable):
            raise cached
        return cached

    def _check_purpose(self, document: Mapping[str, Any], purpose: str, legacy: bool) -> None:
        subject = _subject(document, legacy)
        purposes = _as_list(subject.get("statusPurpose"))
        if purpose not in purposes:
            raise _ListUnusable(
                PURPOSE_MISMATCH,
                f"entry's statusPurpose {purpose!r} is not among the list's {purposes!r}",
            )


def _subject(document: Mapping[str, Any], legacy: bool) -> Mapping[str, Any]:
    expected = LEGACY_SUBJECT if legacy else BITSTRING_SUBJECT
    subjects = document.get("credentialSubject")
    for subject in _as_list(subjects):
        if isinstance(subject, Mapping) and expected in _as_list(subject.get("type")):
            return subject
    raise _ListUnusable(
        LIST_INVALID, f"status list credential has no credentialSubject of type {expected}"
    )


def _verdict(purpose: str, index: int, url: str, status: int, messages: Any) -> StatusCheck:
    where = f"entry {index} of {url}"
    if status == 0:
        return StatusCheck(purpose, index, url, 0, True, None, f"{purpose}: not set ({where})")
    if purpose == "revocation":
        return StatusCheck(
            purpose, index, url, status, False, REVOKED, f"credential is revoked ({where})"
        )
    if purpose == "suspension":
        return StatusCheck(
            purpose, index, url, status, False, SUSPENDED, f"credential is suspended ({where})"
        )
    if purpose == "refresh":
        # The spec says refresh does not invalidate: it only announces a newer credential.
        return StatusCheck(
            purpose,
            index,
            url,
            status,
            True,
            None,
            f"an updated credential is available from the issuer ({where})",
        )
    if purpose == "message":
        return StatusCheck(
            purpose,
            index,
            url,
            status,
            True,
            None,
            f"status {status:#x}: {_message_for(status, messages)} ({where})",
        )
    return StatusCheck(
        purpose,
        index,
        url,
        status,
        False,
        STATUS_SET,
        f"status {status:#x} is set for purpose {purpose!r} ({where})",
    )


def _message_for(status: int, messages: Any) -> str:
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping):
                code = message.get("status")
                try:
                    value = int(code, 16) if isinstance(code, str) else None
                except ValueError:
                    value = None
                if value == status and isinstance(message.get("message"), str):
                    return message["message"]
    return "set"


def _fail(
    purpose: str | None, index: int | None, url: str | None, problem: str, detail: str
) -> StatusCheck:
    return StatusCheck(purpose, index, url, None, False, problem, detail)


def _id_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _without_fragment(value: Any) -> Any:
    return value.split("#", 1)[0] if isinstance(value, str) else value


def _as_list(value: Any) -> list[Any]:
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
