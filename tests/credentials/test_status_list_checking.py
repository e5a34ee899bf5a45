"""W3C Bitstring Status List 1.0: checking a credential's status entries against fetched lists."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from status_list_helpers import ISSUER, NOW, REVOCATION_URL, SUSPENSION_URL, encode_raw

from credentials.errors import FetchError, StatusListError
from credentials.status_list import (
    MIN_ENTRIES,
    StatusCheck,
    StatusList,
    check_status,
    status_entry,
    status_list_credential,
)

# --- checking --------------------------------------------------------------------------------


def published(url, status_list, purpose, **overrides):
    document = status_list_credential(
        url,
        ISSUER,
        status_list,
        purpose,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=1),
    )
    document.update(overrides)
    return document


class Lists:
    """A fake fetcher over published list credentials, counting calls."""

    def __init__(self, documents):
        self.documents = documents
        self.calls: Counter[str] = Counter()

    def __call__(self, url):
        self.calls[url] += 1
        if url not in self.documents:
            raise FetchError(f"{url} answered 404", url=url)
        return self.documents[url]


@pytest.fixture
def lists():
    return Lists(
        {
            REVOCATION_URL: published(REVOCATION_URL, StatusList().set(42), "revocation"),
            SUSPENSION_URL: published(SUSPENSION_URL, StatusList().set(7), "suspension"),
        }
    )


def credential_with(*entries):
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": entries[0] if len(entries) == 1 else list(entries),
    }


def only(checks: list[StatusCheck]) -> StatusCheck:
    assert len(checks) == 1, checks
    return checks[0]


def test_check_status_ok(lists):
    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 41, "revocation")),
            fetch_list=lists,
            now=NOW,
        )
    )
    assert check == StatusCheck("revocation", 41, REVOCATION_URL, 0, True, None, check.detail)


def test_check_status_revoked_and_suspended(lists):
    revoked, suspended, fine = check_status(
        credential_with(
            status_entry(REVOCATION_URL, 42, "revocation"),
            status_entry(SUSPENSION_URL, 7, "suspension"),
            status_entry(SUSPENSION_URL, 8, "suspension"),
        ),
        fetch_list=lists,
        now=NOW,
    )
    assert (revoked.ok, revoked.problem, revoked.status) == (False, "revoked", 1)
    assert (revoked.index, revoked.list_url) == (42, REVOCATION_URL)
    assert "revoked" in revoked.detail
    assert (suspended.ok, suspended.problem, suspended.status) == (False, "suspended", 1)
    assert (fine.ok, fine.problem, fine.status) == (True, None, 0)
    # Two entries on the suspension list: fetched once.
    assert lists.calls[SUSPENSION_URL] == 1


def test_check_status_purpose_mismatch(lists):
    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 42, "suspension")),
            fetch_list=lists,
            now=NOW,
        )
    )
    assert (check.ok, check.problem, check.status) == (False, "status-purpose-mismatch", None)
    assert "suspension" in check.detail


def test_check_status_list_unavailable(lists):
    check = only(
        check_status(
            credential_with(status_entry("https://gone.example/list", 1, "revocation")),
            fetch_list=lists,
            now=NOW,
        )
    )
    assert (check.ok, check.problem) == (False, "status-list-unavailable")
    assert "404" in check.detail

    def broken(url):
        raise OSError("connection reset")

    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 1, "revocation")),
            fetch_list=broken,
            now=NOW,
        )
    )
    assert (check.ok, check.problem) == (False, "status-list-unavailable")
    # A foreign exception's text (host names, paths) is not repeated in the report.
    assert check.detail.endswith("could not be retrieved: OSError")
    assert "connection reset" not in check.detail


def test_check_status_verifies_the_list(lists):
    seen = []

    def verify_list(document):
        seen.append(document["id"])
        return False

    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 41, "revocation")),
            fetch_list=lists,
            verify_list=verify_list,
            now=NOW,
        )
    )
    assert seen == [REVOCATION_URL]
    assert (check.ok, check.problem) == (False, "status-list-invalid")
    assert "does not verify" in check.detail

    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 42, "revocation")),
            fetch_list=lists,
            verify_list=lambda document: True,
            now=NOW,
        )
    )
    assert check.problem == "revoked"


def test_check_status_expired_and_not_yet_valid_lists(lists):
    entry = status_entry(REVOCATION_URL, 1, "revocation")
    later = NOW + timedelta(days=2)
    check = only(check_status(credential_with(entry), fetch_list=lists, now=later))
    assert (check.ok, check.problem) == (False, "status-list-expired")
    # Clock skew tolerance is the caller's choice.
    check = only(
        check_status(
            credential_with(entry),
            fetch_list=lists,
            now=NOW + timedelta(days=1, minutes=1),
            clock_skew=timedelta(minutes=5),
        )
    )
    assert check.ok
    earlier = NOW - timedelta(days=2)
    check = only(check_status(credential_with(entry), fetch_list=lists, now=earlier))
    assert (check.ok, check.problem) == (False, "status-list-invalid")
    assert "not valid before" in check.detail


def test_check_status_index_out_of_range(lists):
    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, MIN_ENTRIES, "revocation")),
            fetch_list=lists,
            now=NOW,
        )
    )
    assert (check.ok, check.problem) == (False, "status-index-out-of-range")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"type": ["VerifiableCredential"]}, "not a BitstringStatusListCredential"),
        ({"id": "https://elsewhere.example/list"}, "identifies itself"),
        ({"credentialSubject": {"type": "Other"}}, "no credentialSubject"),
        ({"validUntil": "tomorrow"}, "invalid validUntil"),
    ],
)
def test_check_status_invalid_list_documents(lists, change, fragment):
    lists.documents[REVOCATION_URL] = {**lists.documents[REVOCATION_URL], **change}
    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 1, "revocation")),
            fetch_list=lists,
            now=NOW,
        )
    )
    assert (check.ok, check.problem) == (False, "status-list-invalid")
    assert fragment in check.detail


@pytest.mark.parametrize(
    "encoded",
    ["not a list!", encode_raw(bytes(1000)), encode_raw(bytes(16 * 1024 * 1024 + 8)), None],
)
def test_check_status_unusable_encoded_list(lists, encoded):
    document = lists.documents[REVOCATION_URL]
    subject = {**document["credentialSubject"], "encodedList": encoded}
    lists.documents[REVOCATION_URL] = {**document, "credentialSubject": subject}
    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 1, "revocation")),
            fetch_list=lists,
            now=NOW,
        )
    )
    assert (check.ok, check.problem) == (False, "status-list-invalid")
    assert "encodedList" in check.detail


def test_check_status_accepts_json_bytes_from_the_fetcher(lists):
    raw = json.dumps(lists.documents[REVOCATION_URL]).encode()
    check = only(
        check_status(
            credential_with(status_entry(REVOCATION_URL, 42, "revocation")),
            fetch_list=lambda url: raw,
            now=NOW,
        )
    )
    assert check.problem == "revoked"


def test_check_status_message_purpose(lists):
    messages = [{"status": hex(i), "message": m} for i, m in enumerate(["ok", "a", "b", "c"])]
    url = "https://badges.example.org/status/message/1"
    lists.documents[url] = published(url, StatusList(status_size=2).set(9, 2), "message")
    set_entry = status_entry(url, 9, "message", status_size=2, status_messages=messages)
    clear_entry = status_entry(url, 10, "message", status_size=2, status_messages=messages)
    set_check, clear_check = check_status(
        credential_with(set_entry, clear_entry), fetch_list=lists, now=NOW
    )
    assert (set_check.ok, set_check.status, set_check.problem) == (True, 2, None)
    assert "0x2: b" in set_check.detail
    assert (clear_check.ok, clear_check.status) == (True, 0)


def test_check_status_legacy_status_list_2021(lists):
    url = "https://legacy.example/status/1"
    lists.documents[url] = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": url,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": ISSUER,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": StatusList().set(3).encode()[1:],  # no multibase prefix back then
        },
    }
    entry = {
        "id": f"{url}#3",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": url,
    }
    assert only(check_status(credential_with(entry), fetch_list=lists, now=NOW)).problem == (
        "revoked"
    )


def test_check_status_other_status_types(lists):
    revocation_list = {
        "id": "https://issuer.example/revocations/1",
        "type": "1EdTechRevocationList",
    }
    check = only(check_status(credential_with(revocation_list), fetch_list=lists, now=NOW))
    assert (check.ok, check.problem) == (False, "status-entry-invalid")
    assert check.list_url == "https://issuer.example/revocations/1"
    check = only(
        check_status(credential_with({"type": "MysteryStatus"}), fetch_list=lists, now=NOW)
    )
    assert (check.ok, check.problem) == (False, "status-type-unsupported")
    assert sum(lists.calls.values()) == 0


def test_check_status_without_status_checks_nothing(lists):
    assert check_status({"type": ["VerifiableCredential"]}, fetch_list=lists, now=NOW) == []


@pytest.mark.parametrize(
    "status",
    [
        "just a string",
        5,
        [None],
        {"type": "BitstringStatusListEntry"},
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "-1",
            "statusListCredential": REVOCATION_URL,
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "0x10",
            "statusListCredential": REVOCATION_URL,
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": ["revocation"],
            "statusListIndex": "1",
            "statusListCredential": REVOCATION_URL,
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "1",
            "statusListCredential": {"id": REVOCATION_URL},
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusSize": 2,
            "statusListIndex": "1",
            "statusListCredential": REVOCATION_URL,
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusSize": "1",
            "statusListIndex": "1",
            "statusListCredential": REVOCATION_URL,
        },
    ],
)
def test_check_status_never_raises_on_malformed_entries(lists, status):
    credential = {"credentialStatus": status}
    checks = check_status(credential, fetch_list=lists, now=NOW)
    assert checks
    for check in checks:
        assert check.ok is False
        assert check.problem in {"status-entry-invalid", "status-type-unsupported"}
        assert check.detail


def test_check_status_survives_garbage_from_the_fetcher():
    for garbage in (None, 42, b"\xff\xfe", "[1, 2]", b"[" * 100_000):
        check = only(
            check_status(
                credential_with(status_entry(REVOCATION_URL, 1, "revocation")),
                fetch_list=lambda url, garbage=garbage: garbage,
                now=NOW,
            )
        )
        assert (check.ok, check.problem) == (False, "status-list-invalid")


def test_check_status_requires_an_aware_now(lists):
    with pytest.raises(StatusListError, match="timezone-aware"):
        check_status({}, fetch_list=lists, now=datetime(2025, 1, 1))
