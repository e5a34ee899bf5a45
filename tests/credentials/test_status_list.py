"""W3C Bitstring Status List 1.0: encoding, allocation, documents and status checks."""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from credentials.errors import FetchError, InputTooLargeError, StatusListError
from credentials.status_list import (
    MIN_ENTRIES,
    StatusCheck,
    StatusList,
    check_status,
    random_free_index,
    status_entry,
    status_list_credential,
)

# Example 3 of the W3C Recommendation (https://www.w3.org/TR/vc-bitstring-status-list/):
# a 16 KiB list with no entry set.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
# A list produced by another implementation (the DHS SVIP interop status list
# https://dhs-svip.github.io/ns/uscis/status/3, whose Go test asserts index 4000 is set).
FOREIGN_INDEX_4000 = "uH4sIAAAAAAAAA-3OMQEAAAgDoEU3ugEWwENIQMI3cx0AAAAAAAAAAAAAAAAAAACgLGiNcIEAQAAA"

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = "did:example:issuer"
REVOCATION_URL = "https://badges.example.org/status/revocation/1"
SUSPENSION_URL = "https://badges.example.org/status/suspension/1"


def encode_raw(bits: bytes) -> str:
    """encodedList built with the standard library only, independent of StatusList.encode."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits)).decode().rstrip("=")


# --- the bitstring ---------------------------------------------------------------------------


def test_spec_example_decodes_to_an_empty_list_of_the_minimum_size():
    status_list = StatusList.decode(SPEC_EXAMPLE)
    assert status_list.size == MIN_ENTRIES == 131_072
    assert len(status_list.to_bytes()) == 16 * 1024
    assert status_list.set_indexes() == []
    assert StatusList.decode(status_list.encode()) == status_list


def test_list_from_another_implementation_has_its_known_bit():
    status_list = StatusList.decode(FOREIGN_INDEX_4000)
    assert status_list.set_indexes() == [4000]
    assert status_list.get(4000) == 1
    assert status_list.get(3999) == 0
    assert status_list.get(4001) == 0
    assert StatusList().set(4000) == status_list


def test_bit_order_index_zero_is_the_most_significant_bit_of_the_first_byte():
    assert StatusList().set(0).to_bytes()[:2] == b"\x80\x00"
    assert StatusList().set(7).to_bytes()[:2] == b"\x01\x00"
    assert StatusList().set(8).to_bytes()[:2] == b"\x00\x80"
    last = StatusList().set(MIN_ENTRIES - 1).to_bytes()
    assert last[-1] == 0x01
    assert not any(last[:-1])
    # And reading a bitstring built by hand: 0b0100_0000 in byte 2 is index 17.
    raw = bytearray(MIN_ENTRIES // 8)
    raw[2] = 0b0100_0000
    assert StatusList.decode(encode_raw(bytes(raw))).set_indexes() == [17]


def test_encode_is_multibase_base64url_of_gzip():
    status_list = StatusList().set(3).set(99_999)
    encoded = status_list.encode()
    assert encoded.startswith("u")
    body = encoded[1:]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", body)
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert compressed[:2] == b"\x1f\x8b"  # GZIP magic, not raw zlib
    assert gzip.decompress(compressed) == status_list.to_bytes()
    # Deterministic: the same bits always encode (and so sign) the same way.
    assert StatusList().set(99_999).set(3).encode() == encoded


def test_round_trip_and_immutability():
    empty = StatusList()
    changed = empty.set(5).set(131_000).set(64_000)
    assert empty.set_indexes() == []
    assert changed.set_indexes() == [5, 64_000, 131_000]
    decoded = StatusList.decode(changed.encode())
    assert decoded == changed
    assert decoded.set(5, 0).set_indexes() == [64_000, 131_000]
    assert changed.set_many({1: 1, 5: 0}).set_indexes() == [1, 64_000, 131_000]


def test_flip_toggles_and_returns_a_new_list():
    status_list = StatusList()
    flipped = status_list.flip(42)
    assert flipped.get(42) == 1
    assert status_list.get(42) == 0
    assert flipped.flip(42) == status_list


def test_larger_lists_are_allowed():
    status_list = StatusList(size=MIN_ENTRIES * 2).set(MIN_ENTRIES * 2 - 1)
    decoded = StatusList.decode(status_list.encode())
    assert decoded.size == MIN_ENTRIES * 2
    assert decoded.set_indexes() == [MIN_ENTRIES * 2 - 1]


def test_lists_below_the_privacy_minimum_are_refused():
    with pytest.raises(StatusListError, match="131072"):
        StatusList(size=MIN_ENTRIES - 1)
    with pytest.raises(StatusListError, match="minimum is 131072"):
        StatusList.decode(encode_raw(bytes(1024)))


def test_multi_bit_entries():
    status_list = StatusList(status_size=2)
    assert status_list.size == MIN_ENTRIES
    assert len(status_list.to_bytes()) == 2 * MIN_ENTRIES // 8
    changed = status_list.set(0, 2).set(5, 3)
    # Entry 0 = bits 0-1 ("10"), entry 5 = bits 10-11 ("11"), most significant bit first.
    assert changed.to_bytes()[:2] == bytes([0b1000_0000, 0b0011_0000])
    decoded = StatusList.decode(changed.encode(), status_size=2)
    assert (decoded.get(0), decoded.get(5), decoded.get(6)) == (2, 3, 0)
    assert decoded.set_indexes() == [0, 5]
    with pytest.raises(StatusListError, match="does not fit in 2 bit"):
        status_list.set(1, 4)
    with pytest.raises(StatusListError, match="flip"):
        status_list.flip(1)
    # 16 KiB of 2-bit entries is only 65536 entries: below the minimum.
    with pytest.raises(StatusListError, match="minimum"):
        StatusList.decode(SPEC_EXAMPLE, status_size=2)


def test_bad_indexes_and_values_are_refused():
    status_list = StatusList()
    for index in (-1, MIN_ENTRIES, True, "3"):
        with pytest.raises(StatusListError):
            status_list.get(index)
    with pytest.raises(StatusListError, match="out of range"):
        status_list.set(MIN_ENTRIES)
    with pytest.raises(StatusListError):
        status_list.set(1, 2)
    with pytest.raises(StatusListError, match="statusSize"):
        StatusList(status_size=0)


def test_decode_accepts_the_list_without_multibase_prefix():
    status_list = StatusList().set(77)
    assert StatusList.decode(status_list.encode()[1:]) == status_list


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("u$$$not-base64$$$", "not base64url"),
        ("u" + base64.urlsafe_b64encode(b"plain bytes, no gzip").decode(), "not valid GZIP"),
        (SPEC_EXAMPLE[:-12], "truncated|not valid GZIP"),
        ("u", "empty"),
        ("uA", "not base64url"),
    ],
)
def test_malformed_encoded_lists_are_refused(encoded, message):
    with pytest.raises(StatusListError, match=message):
        StatusList.decode(encoded)


def test_decode_refuses_non_strings():
    with pytest.raises(StatusListError, match="string"):
        StatusList.decode(b"uH4sI")  # type: ignore[arg-type]


def test_gzip_bomb_is_refused():
    bomb = encode_raw(bytes(16 * 1024 * 1024 + 1))
    assert len(bomb) < 40_000  # small on the wire…
    with pytest.raises(InputTooLargeError, match="limit"):
        StatusList.decode(bomb)  # …but more than the default 16 MiB once inflated
    with pytest.raises(InputTooLargeError):
        StatusList.decode(SPEC_EXAMPLE, max_bytes=1024)


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
