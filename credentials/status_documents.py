"""The documents of a Bitstring Status List: a credential's ``credentialStatus`` entry and the
``BitstringStatusListCredential`` that publishes a list, plus the type names both carry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import StatusListError
from .status_bitstring import StatusList, check_status_size

__all__ = [
    "BITSTRING_CREDENTIAL",
    "BITSTRING_ENTRY",
    "BITSTRING_SUBJECT",
    "LEGACY_CREDENTIAL",
    "LEGACY_ENTRY",
    "LEGACY_SUBJECT",
    "REVOCATION_LIST_1EDTECH",
    "VC_V2_CONTEXT",
    "status_entry",
    "status_list_credential",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

BITSTRING_ENTRY = "BitstringStatusListEntry"
BITSTRING_CREDENTIAL = "BitstringStatusListCredential"
BITSTRING_SUBJECT = "BitstringStatusList"
# StatusList2021 is the draft Bitstring Status List grew out of: same bitstring and algorithm,
# other type names and an encodedList without the multibase prefix. Still found in the wild.
LEGACY_ENTRY = "StatusList2021Entry"
LEGACY_CREDENTIAL = "StatusList2021Credential"
LEGACY_SUBJECT = "StatusList2021"
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"


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
    check_status_size(status_size)
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
