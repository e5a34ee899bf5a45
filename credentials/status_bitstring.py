"""W3C Bitstring Status List 1.0: the bitstring itself and its ``encodedList`` codec.

The bitstring is immutable here: every change returns a new :class:`StatusList`, so a list that
has been signed and published can never be altered behind the signature's back.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Mapping

from .errors import InputTooLargeError, StatusListError

__all__ = ["MAX_DECODED_BYTES", "MAX_STATUS_SIZE", "MIN_ENTRIES", "StatusList", "check_status_size"]

#: The spec's minimum (and our default) number of entries: 16 KiB of 1-bit entries. Smaller
#: lists shrink the crowd each credential hides in, so we neither make nor accept them.
MIN_ENTRIES = 131_072

#: Largest uncompressed bitstring we inflate. GZIP compresses runs of zeros about 1000:1, so a
#: few kilobytes of encodedList could otherwise expand to gigabytes.
MAX_DECODED_BYTES = 16 * 1024 * 1024

#: Entries wider than this are refused: a message list needs 2**statusSize messages.
MAX_STATUS_SIZE = 16

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class StatusList:
    """A bitstring of ``size`` entries of ``status_size`` bits each; index 0 is the left-most bit.

    Values are unsigned integers read most significant bit first. Instances never change;
    :meth:`set`, :meth:`set_many` and :meth:`flip` return new lists.
    """

    __slots__ = ("_bits", "_size", "_status_size")

    def __init__(self, size: int = MIN_ENTRIES, status_size: int = 1) -> None:
        check_status_size(status_size)
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
        check_status_size(status_size)
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
        cls, encoded: object, status_size: int = 1, *, max_bytes: int = MAX_DECODED_BYTES
    ) -> StatusList:
        """Parse an ``encodedList`` (with or without the ``u`` multibase prefix)."""
        # ``encoded`` comes straight from a fetched document: any JSON value, refused unless str.
        check_status_size(status_size)
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


def check_status_size(status_size: int) -> None:
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
