"""base58btc / base64url / multibase / multicodec encodings."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest

from credentials.errors import EncodingError, MalformedInputError
from credentials.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    MAX_BASE58_CHARS,
    P256_PUB,
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    decode_base58btc_multibase,
    encode_base58btc_multibase,
    multibase_decode,
    multibase_encode,
    multicodec_unwrap,
    multicodec_wrap,
    varint_decode,
    varint_encode,
)

# Vectors from the IETF base58 draft (draft-msporny-base58) and Bitcoin's base58 tests.
BASE58_VECTORS = [
    (b"", ""),
    (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
    (
        b"The quick brown fox jumps over the lazy dog.",
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
    ),
    (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    (b"\x00", "1"),
    (b"\x00\x00\x00", "111"),
    (bytes.fromhex("61"), "2g"),
    (bytes.fromhex("626262"), "a3gV"),
    (bytes.fromhex("636363"), "aPEr"),
    (
        bytes.fromhex("00eb15231dfceb60925886b67d065299925915aeb172c06647"),
        "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
    ),
    (bytes.fromhex("ecac89cad93923c02321"), "EJDM8drfXA6uyA"),
    (bytes.fromhex("10c8511e"), "Rt5zm"),
    (bytes.fromhex("00000000000000000000"), "1111111111"),
]


@pytest.mark.parametrize(("raw", "encoded"), BASE58_VECTORS)
def test_base58_known_vectors(raw: bytes, encoded: str) -> None:
    assert b58encode(raw) == encoded
    assert b58decode(encoded) == raw


def test_base58_round_trips_random_values_with_leading_zeros() -> None:
    rng = random.Random(1234)
    for length in [*range(70), 96, 128]:
        for zeros in (0, 1, 3):
            raw = b"\0" * zeros + rng.randbytes(length)
            assert b58decode(b58encode(raw)) == raw


def test_base58_agrees_with_a_naive_reference() -> None:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

    def naive(data: bytes) -> str:
        n = int.from_bytes(data, "big")
        out = ""
        while n:
            n, r = divmod(n, 58)
            out = alphabet[r] + out
        return "1" * (len(data) - len(data.lstrip(b"\0"))) + out

    rng = random.Random(99)
    for _ in range(200):
        raw = rng.randbytes(rng.randint(1, 80))
        assert b58encode(raw) == naive(raw)


@pytest.mark.parametrize(
    ("value", "char", "position"),
    [("abc0def", "0", 3), ("Oab", "O", 0), ("zzI", "I", 2), ("l", "l", 0), ("ab é", " ", 2)],
)
def test_base58_rejects_invalid_characters_naming_them(
    value: str, char: str, position: int
) -> None:
    with pytest.raises(EncodingError) as caught:
        b58decode(value)
    assert caught.value.context == {"character": char, "position": position}
    assert f"{char!r} at position {position}" in caught.value.detail
    assert isinstance(caught.value, MalformedInputError)


def test_base58_refuses_overlong_input() -> None:
    with pytest.raises(EncodingError, match="limit"):
        b58decode("2" * (MAX_BASE58_CHARS + 1))
    with pytest.raises(EncodingError, match="must be a string"):
        b58decode(b"abc")  # type: ignore[arg-type]


def test_base58_is_fast_for_signatures() -> None:
    signatures = [os.urandom(64) for _ in range(2000)]
    start = time.perf_counter()
    for sig in signatures:
        assert b58decode(b58encode(sig)) == sig
    # Generous bound (≈ 10 µs per round trip here); catches an accidentally quadratic loop.
    assert time.perf_counter() - start < 1.0


def test_b64url_round_trip_and_strictness() -> None:
    for length in range(0, 40):
        raw = bytes(range(256))[:length] + b"\xff\xfe" * (length % 3)
        encoded = b64url_encode(raw)
        assert not set("=+/") & set(encoded)
        assert b64url_decode(encoded) == raw
        assert b64url_decode(encoded.encode()) == raw
    assert b64url_encode(b"\xfb\xff") == "-_8"
    with pytest.raises(EncodingError, match="padding is not allowed"):
        b64url_decode("YQ==")
    with pytest.raises(EncodingError, match=r"'\+' at position 2"):
        b64url_decode("ab+c")
    with pytest.raises(EncodingError, match="impossible length"):
        b64url_decode("abcde")
    with pytest.raises(EncodingError, match="non-ASCII"):
        b64url_decode(b"ab" + "é".encode())


def test_multibase_prefixes() -> None:
    raw = bytes(range(40))
    z = multibase_encode(raw, "z")
    u = multibase_encode(raw, "u")
    assert z == "z" + b58encode(raw)
    assert u == "u" + b64url_encode(raw)
    assert multibase_decode(z) == raw
    assert multibase_decode(u) == raw
    assert encode_base58btc_multibase(raw) == z
    assert decode_base58btc_multibase(z) == raw
    with pytest.raises(EncodingError, match="prefix 'u'"):
        decode_base58btc_multibase(u)
    with pytest.raises(EncodingError, match="prefix 'f'"):
        multibase_decode("f00ff")
    with pytest.raises(EncodingError, match="empty"):
        multibase_decode("")
    with pytest.raises(EncodingError):
        multibase_encode(raw, "f")
    # Positions are reported in the multibase string, prefix included.
    with pytest.raises(EncodingError) as caught:
        multibase_decode("z12l4")
    assert caught.value.context["position"] == 3
    with pytest.raises(EncodingError) as caught:
        multibase_decode("uab=")
    assert caught.value.context["position"] == 3


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (ED25519_PUB, b"\xed\x01"),
        (ED25519_PRIV, b"\x80\x26"),
        (P256_PUB, b"\x80\x24"),
        (16384, b"\x80\x80\x01"),
    ],
)
def test_varint_known_values(value: int, encoded: bytes) -> None:
    assert varint_encode(value) == encoded
    assert varint_decode(encoded + b"rest") == (value, len(encoded))


def test_varint_rejects_bad_encodings() -> None:
    with pytest.raises(EncodingError, match="non-minimal"):
        varint_decode(b"\x81\x00")
    with pytest.raises(EncodingError, match="truncated"):
        varint_decode(b"\x80")
    with pytest.raises(EncodingError, match="longer than 9"):
        varint_decode(b"\xff" * 10)
    with pytest.raises(EncodingError, match="out of range"):
        varint_encode(-1)


def test_multicodec_wrap_unwrap() -> None:
    key = bytes(range(32))
    wrapped = multicodec_wrap(ED25519_PUB, key)
    assert wrapped[:2] == b"\xed\x01"
    assert multicodec_unwrap(wrapped) == (ED25519_PUB, key)
    with pytest.raises(EncodingError, match="empty"):
        multicodec_unwrap(b"")


def test_w3c_key_pair_decodes_to_multicodec_prefixed_keys(standards_dir: Path) -> None:
    pair = json.loads((standards_dir / "test-vectors/eddsa-rdfc-2022/keyPair.json").read_text())
    codec, public = multicodec_unwrap(multibase_decode(pair["publicKeyMultibase"]))
    assert (codec, len(public)) == (ED25519_PUB, 32)
    assert pair["publicKeyMultibase"].startswith("z6Mk")
    codec, secret = multicodec_unwrap(multibase_decode(pair["privateKeyMultibase"]))
    assert (codec, len(secret)) == (ED25519_PRIV, 32)
    assert multibase_encode(multicodec_wrap(ED25519_PUB, public)) == pair["publicKeyMultibase"]


def test_w3c_signature_vector_base58(standards_dir: Path) -> None:
    folder = standards_dir / "test-vectors/eddsa-rdfc-2022"
    signature = bytes.fromhex((folder / "sigHexDataInt.txt").read_text().strip())
    proof_value = (folder / "sigBTC58DataInt.txt").read_text().strip()
    assert encode_base58btc_multibase(signature) == proof_value
    assert decode_base58btc_multibase(proof_value) == signature
