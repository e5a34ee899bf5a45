"""base58btc, base64url, multibase and multicodec encodings used by keys and proofs.

Every decoding error is an :class:`~credentials.errors.EncodingError` that says what is wrong
and where (character and position), because these values arrive from untrusted documents.
"""

from __future__ import annotations

import base64
import binascii
import re

from credentials.errors import EncodingError

__all__ = [
    "B58_ALPHABET",
    "ED25519_PRIV",
    "ED25519_PUB",
    "MAX_BASE58_CHARS",
    "P256_PRIV",
    "P256_PUB",
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "decode_base58btc_multibase",
    "encode_base58btc_multibase",
    "multibase_decode",
    "multibase_encode",
    "multicodec_unwrap",
    "multicodec_wrap",
    "varint_decode",
    "varint_encode",
]

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(B58_ALPHABET)}
# Ten base-58 digits per step keep the big-integer work to a handful of operations for the
# 32-96-byte values (keys, signatures) this module exists for.
_CHUNK_DIGITS = 10
_CHUNK = 58**_CHUNK_DIGITS

#: Refuse longer base58 input: conversion is quadratic in length, and no key or signature we
#: handle comes near it (a 64-byte signature is 88 characters).
MAX_BASE58_CHARS = 4096

# Multicodec table entries (https://github.com/multiformats/multicodec/blob/master/table.csv).
ED25519_PUB = 0xED
ED25519_PRIV = 0x1300
P256_PUB = 0x1200
P256_PRIV = 0x1306

_MAX_VARINT_BYTES = 9  # the unsigned-varint spec caps values at 2**63 - 1
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def b58encode(data: bytes) -> str:
    """Encode bytes as base58btc (Bitcoin alphabet); leading zero bytes become ``1``."""
    data = bytes(data)
    stripped = data.lstrip(b"\0")
    zeros = len(data) - len(stripped)
    n = int.from_bytes(stripped, "big")
    digits: list[str] = []
    while n:
        n, chunk = divmod(n, _CHUNK)
        for _ in range(_CHUNK_DIGITS):
            chunk, r = divmod(chunk, 58)
            digits.append(B58_ALPHABET[r])
    # The last chunk was padded with zero digits above the most significant one.
    while digits and digits[-1] == "1":
        digits.pop()
    return "1" * zeros + "".join(reversed(digits))


def b58decode(value: str, *, _offset: int = 0) -> bytes:
    """Decode base58btc; raises EncodingError naming the first invalid character."""
    if not isinstance(value, str):
        raise EncodingError(f"base58btc value must be a string, not {type(value).__name__}")
    if len(value) > MAX_BASE58_CHARS:
        raise EncodingError(
            f"base58btc value is {len(value)} characters long, over the "
            f"{MAX_BASE58_CHARS}-character limit"
        )
    index = _B58_INDEX
    n = 0
    for start in range(0, len(value), _CHUNK_DIGITS):
        part = value[start : start + _CHUNK_DIGITS]
        chunk = 0
        for i, ch in enumerate(part):
            digit = index.get(ch)
            if digit is None:
                position = _offset + start + i
                raise EncodingError(
                    f"invalid base58btc character {ch!r} at position {position}",
                    character=ch,
                    position=position,
                )
            chunk = chunk * 58 + digit
        n = n * 58 ** len(part) + chunk
    zeros = len(value) - len(value.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, as JOSE and multibase ``u`` use it)."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64url_decode(value: str | bytes, *, _offset: int = 0) -> bytes:
    """Decode unpadded base64url; padding, ``+``, ``/`` and whitespace are refused."""
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("ascii")
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"base64url value has a non-ASCII byte at position {_offset + exc.start}",
                position=_offset + exc.start,
            ) from None
    if not isinstance(value, str):
        raise EncodingError(f"base64url value must be a string, not {type(value).__name__}")
    match = _B64URL_RE.match(value)
    end = match.end() if match else 0
    if end != len(value):
        ch = value[end]
        position = _offset + end
        hint = " (padding is not allowed)" if ch == "=" else ""
        raise EncodingError(
            f"invalid base64url character {ch!r} at position {position}{hint}",
            character=ch,
            position=position,
        )
    if len(value) % 4 == 1:
        raise EncodingError(f"base64url value has an impossible length ({len(value)} characters)")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - guarded by the checks above
        raise EncodingError(f"invalid base64url value: {exc}") from None


def multibase_encode(data: bytes, base: str = "z") -> str:
    """Multibase-encode: ``z`` = base58btc, ``u`` = base64url without padding."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise EncodingError(f"unsupported multibase prefix {base!r} (supported: 'z', 'u')")


def multibase_decode(value: str, *, allowed: str = "zu") -> bytes:
    """Decode a multibase string whose prefix is one of ``allowed``."""
    if not isinstance(value, str):
        raise EncodingError(f"multibase value must be a string, not {type(value).__name__}")
    if not value:
        raise EncodingError("multibase value is empty")
    prefix = value[0]
    if prefix not in allowed or prefix not in "zu":
        wanted = " or ".join(repr(p) for p in allowed)
        raise EncodingError(
            f"unsupported multibase prefix {prefix!r} at position 0 (expected {wanted})",
            character=prefix,
            position=0,
        )
    if prefix == "z":
        return b58decode(value[1:], _offset=1)
    return b64url_decode(value[1:], _offset=1)


def encode_base58btc_multibase(data: bytes) -> str:
    """``z`` + base58btc, as Data Integrity ``proofValue`` and Multikey values use."""
    return "z" + b58encode(data)


def decode_base58btc_multibase(value: str) -> bytes:
    """Decode a value that must be base58btc multibase (prefix ``z``)."""
    return multibase_decode(value, allowed="z")


def varint_encode(value: int) -> bytes:
    """Unsigned LEB128 varint, as multicodec prefixes use."""
    if value < 0 or value >= 1 << 63:
        raise EncodingError(f"varint value {value} is out of range")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_decode(data: bytes) -> tuple[int, int]:
    """Decode a leading unsigned varint; returns (value, number of bytes used).

    Non-minimal encodings are refused, as the unsigned-varint spec requires, so one codec has
    exactly one byte form.
    """
    value = 0
    for i, byte in enumerate(data[:_MAX_VARINT_BYTES]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise EncodingError(f"non-minimal varint encoding (byte {i} is 0x00)")
            return value, i + 1
    if len(data) >= _MAX_VARINT_BYTES:
        raise EncodingError(f"varint longer than {_MAX_VARINT_BYTES} bytes")
    raise EncodingError("truncated varint (input ended before the last byte)")


def multicodec_wrap(codec: int, payload: bytes) -> bytes:
    """Prefix ``payload`` with the varint of ``codec``."""
    return varint_encode(codec) + bytes(payload)


def multicodec_unwrap(data: bytes) -> tuple[int, bytes]:
    """Split a multicodec-prefixed value into (codec, payload)."""
    if not data:
        raise EncodingError("multicodec value is empty")
    codec, used = varint_decode(data)
    return codec, bytes(data[used:])
