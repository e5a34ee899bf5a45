"""W3C Bitstring Status List 1.0: the list itself, its entries and credential, and status checks.

:func:`check_status` also checks the 1EdTech Revocation List Status Method (``vcrl``): a JSON
document at ``credentialStatus.id`` naming the issuer's revoked credentials by id.

The bitstring is immutable here: every change returns a new :class:`StatusList`, so a list that
has been signed and published can never be altered behind the signature's back. Allocation
state (which indexes are taken) belongs to the caller; :func:`random_free_index` only draws.

This module is the front door; each part lives in a module of its own:
:mod:`credentials.status_bitstring` (the bitstring and its codec),
:mod:`credentials.status_allocation` (drawing an index), :mod:`credentials.status_documents`
(entries and list credentials), :mod:`credentials.status_check` with
:mod:`credentials.status_outcome` and :mod:`credentials.status_revocation_list` (checking).
"""

from __future__ import annotations

from .status_allocation import random_free_index
from .status_bitstring import MAX_DECODED_BYTES, MAX_STATUS_SIZE, MIN_ENTRIES, StatusList
from .status_check import check_status
from .status_documents import (
    BITSTRING_CREDENTIAL,
    BITSTRING_ENTRY,
    BITSTRING_SUBJECT,
    LEGACY_CREDENTIAL,
    LEGACY_ENTRY,
    LEGACY_SUBJECT,
    REVOCATION_LIST_1EDTECH,
    VC_V2_CONTEXT,
    status_entry,
    status_list_credential,
)
from .status_outcome import (
    ENTRY_INVALID,
    INDEX_OUT_OF_RANGE,
    LIST_EXPIRED,
    LIST_INVALID,
    LIST_UNAVAILABLE,
    MAX_REASON_CHARS,
    PURPOSE_MISMATCH,
    REVOCATION_LIST_UNSUPPORTED,
    REVOKED,
    STATUS_SET,
    SUSPENDED,
    TYPE_UNSUPPORTED,
    StatusCheck,
)

__all__ = [
    "BITSTRING_CREDENTIAL",
    "BITSTRING_ENTRY",
    "BITSTRING_SUBJECT",
    "ENTRY_INVALID",
    "INDEX_OUT_OF_RANGE",
    "LEGACY_CREDENTIAL",
    "LEGACY_ENTRY",
    "LEGACY_SUBJECT",
    "LIST_EXPIRED",
    "LIST_INVALID",
    "LIST_UNAVAILABLE",
    "MAX_DECODED_BYTES",
    "MAX_REASON_CHARS",
    "MAX_STATUS_SIZE",
    "MIN_ENTRIES",
    "PURPOSE_MISMATCH",
    "REVOCATION_LIST_1EDTECH",
    "REVOCATION_LIST_UNSUPPORTED",
    "REVOKED",
    "STATUS_SET",
    "SUSPENDED",
    "TYPE_UNSUPPORTED",
    "VC_V2_CONTEXT",
    "StatusCheck",
    "StatusList",
    "check_status",
    "random_free_index",
    "status_entry",
    "status_list_credential",
]
