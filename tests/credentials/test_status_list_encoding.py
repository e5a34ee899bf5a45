"""W3C Bitstring Status List 1.0: the bitstring — decoding, bit order, encoding and refusals."""

from __future__ import annotations

import base64
import gzip
import re

import pytest
from status_list_helpers import encode_raw

from credentials.errors import InputTooLargeError, StatusListError
from credentials.status_list import (
    MIN_ENTRIES,
    StatusList,
)

# Example 3 of the W3C Recommendation (https://www.w3.org/TR/vc-bitstring-status-list/):
# a 16 KiB list with no entry set.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
# A list produced by another implementation (the DHS SVIP interop status list
# https://dhs-svip.github.io/ns/uscis/status/3, whose Go test asserts index 4000 is set).
FOREIGN_INDEX_4000 = "uH4sIAAAAAAAAA-3OMQEAAAgDoEU3ugEWwENIQMI3cx0AAAAAAAAAAAAAAAAAAACgLGiNcIEAQAAA"


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
