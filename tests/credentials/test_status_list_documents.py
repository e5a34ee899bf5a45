"""W3C Bitstring Status List 1.0: index allocation, and the status entry and status list
credential documents."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from status_list_helpers import ISSUER, NOW, REVOCATION_URL, SUSPENSION_URL

from credentials.errors import StatusListError
from credentials.status_list import (
    MIN_ENTRIES,
    StatusList,
    random_free_index,
    status_entry,
    status_list_credential,
)

# --- allocation ------------------------------------------------------------------------------


def test_random_free_index_never_returns_a_used_index():
    rng = random.Random(1)
    used: set[int] = set()
    for _ in range(2000):
        index = random_free_index(used, 4096, rng)
        assert 0 <= index < 4096
        assert index not in used
        used.add(index)
    # With a predicate instead of a set.
    for _ in range(500):
        index = random_free_index(used.__contains__, 4096, rng)
        assert index not in used
        used.add(index)


def test_random_free_index_finds_the_last_free_slots_of_a_nearly_full_list():
    free = {5, 70_000, MIN_ENTRIES - 1}
    used = set(range(MIN_ENTRIES)) - free
    rng = random.Random(7)
    seen = {random_free_index(used, MIN_ENTRIES, rng) for _ in range(60)}
    assert seen == free
    seen = {random_free_index(lambda i: i in used, MIN_ENTRIES, rng) for _ in range(60)}
    assert seen == free


def test_random_free_index_is_uniform_over_free_indexes():
    rng = random.Random(3)
    counts = Counter(random_free_index({0, 1, 2, 3}, 8, rng) for _ in range(4000))
    assert set(counts) == {4, 5, 6, 7}
    assert all(800 < count < 1200 for count in counts.values()), counts


def test_random_free_index_refuses_a_full_list():
    with pytest.raises(StatusListError, match="full"):
        random_free_index(set(range(16)), 16, random.Random(0))
    with pytest.raises(StatusListError, match="full"):
        random_free_index(lambda _index: True, 16, random.Random(0))


def test_random_free_index_uses_a_system_rng_by_default():
    assert 0 <= random_free_index(set(), 10) < 10


# --- documents -------------------------------------------------------------------------------


def test_status_entry_shape():
    entry = status_entry(REVOCATION_URL, 94567, "revocation")
    assert entry == {
        "id": f"{REVOCATION_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": REVOCATION_URL,
    }
    custom = status_entry(REVOCATION_URL, 0, "suspension", entry_id="urn:uuid:1234")
    assert custom["id"] == "urn:uuid:1234"
    assert custom["statusListIndex"] == "0"
    for bad_index in (-1, "5", True, 1.5):
        with pytest.raises(StatusListError):
            status_entry(REVOCATION_URL, bad_index, "revocation")
    with pytest.raises(StatusListError, match="statusMessage"):
        status_entry(REVOCATION_URL, 3, "message", status_size=2)


def test_status_list_credential_shape():
    status_list = StatusList().set(10)
    credential = status_list_credential(
        REVOCATION_URL,
        ISSUER,
        status_list,
        "revocation",
        valid_from=datetime(2025, 1, 1, 9, 30, 15, 123456, tzinfo=UTC),
        valid_until=datetime(2025, 1, 2, tzinfo=UTC),
        ttl=timedelta(minutes=5),
    )
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["id"] == REVOCATION_URL
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"] == ISSUER
    assert credential["validFrom"] == "2025-01-01T09:30:15Z"
    assert credential["validUntil"] == "2025-01-02T00:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["id"] == f"{REVOCATION_URL}#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["ttl"] == 300_000
    assert StatusList.decode(subject["encodedList"]) == status_list
    assert "proof" not in credential


def test_status_list_credential_refuses_naive_datetimes():
    with pytest.raises(StatusListError, match="timezone-aware"):
        status_list_credential(
            REVOCATION_URL, ISSUER, StatusList(), "revocation", valid_from=datetime(2025, 1, 1)
        )


def test_documents_use_only_terms_their_context_defines():
    """Safe-mode canonicalization raises on any term the VC 2.0 context does not define."""
    from credentials.jsonld import to_nquads

    list_credential = status_list_credential(
        REVOCATION_URL,
        {"id": ISSUER, "name": "Org"},
        StatusList().set(1),
        "revocation",
        valid_from=NOW,
        valid_until=NOW + timedelta(days=1),
        ttl=60_000,
    )
    assert "#encodedList>" in to_nquads(list_credential)
    messages = [{"status": hex(i), "message": m} for i, m in enumerate("abcd")]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": [
            status_entry(REVOCATION_URL, 1, "revocation"),
            status_entry(
                SUSPENSION_URL,
                2,
                "message",
                status_size=2,
                status_messages=messages,
                status_reference="https://badges.example.org/status-codes",
            ),
        ],
    }
    nquads = to_nquads(credential)
    assert "#statusListIndex>" in nquads
    assert "#statusSize>" in nquads
