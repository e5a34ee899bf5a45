"""PNG baking: one ``iTXt`` chunk with keyword ``openbadgecredential``, uncompressed, holding
the credential's JSON or its compact JWT (Open Badges 3.0 §5.3.1)."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Mapping
from typing import Any

from credentials.errors import BakingError, InputTooLargeError

from .common import MAX_IMAGE_BYTES, Credential, _check_size, _parse_payload, _payload_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB2_PNG_KEYWORD = b"openbadges"

_CHUNK_TYPE = re.compile(rb"[A-Za-z]{4}")
# PNG limits chunk lengths to 2**31 - 1 so that they fit a signed 32-bit integer.
_MAX_CHUNK_LENGTH = 2**31 - 1


class _Chunk:
    __slots__ = ("data", "offset", "type")

    def __init__(self, chunk_type: bytes, data: bytes, offset: int) -> None:
        self.type = chunk_type
        self.data = data
        self.offset = offset


def _read_png(png: bytes, max_bytes: int) -> list[_Chunk]:
    """Split a PNG into its chunks, checking signature, lengths, CRCs and IHDR…IEND framing."""
    if not isinstance(png, bytes | bytearray | memoryview):
        raise BakingError(f"PNG must be bytes, got {type(png).__name__}")
    png = bytes(png)
    _check_size(png, max_bytes, "PNG image")
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image: the 8-byte PNG signature is missing")
    chunks: list[_Chunk] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if offset == len(png):
            raise BakingError(f"PNG is truncated: no IEND chunk before end of file at {offset}")
        if offset + 12 > len(png):
            raise BakingError(
                f"PNG is truncated: chunk header at offset {offset} needs 12 bytes, "
                f"{len(png) - offset} remain"
            )
        length, chunk_type = struct.unpack_from(">I4s", png, offset)
        if not _CHUNK_TYPE.fullmatch(chunk_type):
            raise BakingError(f"PNG chunk at offset {offset} has an invalid type {chunk_type!r}")
        name = chunk_type.decode("ascii")
        if length > _MAX_CHUNK_LENGTH:
            raise BakingError(f"PNG chunk {name} at offset {offset} declares length {length}")
        end = offset + 12 + length
        if end > len(png):
            raise BakingError(
                f"PNG is truncated: chunk {name} at offset {offset} declares {length} data "
                f"bytes, {len(png) - offset - 12} remain"
            )
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack_from(">I", png, offset + 8 + length)
        if zlib.crc32(data, zlib.crc32(chunk_type)) != crc:
            raise BakingError(f"PNG chunk {name} CRC mismatch at offset {offset}")
        if not chunks and chunk_type != b"IHDR":
            raise BakingError(f"PNG must start with IHDR, found {name} at offset {offset}")
        if chunk_type == b"IHDR" and (chunks or length != 13):
            raise BakingError(f"PNG has a misplaced or malformed IHDR chunk at offset {offset}")
        chunks.append(_Chunk(chunk_type, data, offset))
        offset = end
        if chunk_type == b"IEND":
            break
    if offset != len(png):
        # Bytes after IEND are not part of the image; refusing them keeps a baked badge from
        # smuggling a second payload that some other reader might pick up.
        raise BakingError(f"PNG has {len(png) - offset} unexpected bytes after IEND at {offset}")
    return chunks


def _write_png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    parts = [PNG_SIGNATURE]
    for chunk_type, data in chunks:
        crc = zlib.crc32(data, zlib.crc32(chunk_type))
        parts.append(struct.pack(">I4s", len(data), chunk_type))
        parts.append(data)
        parts.append(struct.pack(">I", crc))
    return b"".join(parts)


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def _parse_itxt(chunk: _Chunk, max_bytes: int) -> str:
    """The text of an ``openbadgecredential`` iTXt chunk (PNG spec §11.3.4.5 layout)."""
    where = f"PNG chunk iTXt at offset {chunk.offset}"
    parts = chunk.data.split(b"\x00", 1)
    if len(parts) != 2 or len(parts[1]) < 2:
        raise BakingError(f"{where} is malformed: no compression flag after the keyword")
    rest = parts[1]
    flag, method = rest[0], rest[1]
    fields = rest[2:].split(b"\x00", 2)
    if len(fields) != 3:
        raise BakingError(
            f"{where} is malformed: language tag and translated keyword must be NUL-terminated"
        )
    text = fields[2]
    if flag == 1:
        # OB 3.0 forbids compression when baking, but other bakers have used it; read it with
        # a cap so that a small chunk cannot inflate into gigabytes.
        if method != 0:
            raise BakingError(f"{where} uses unknown compression method {method}")
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(text, max_bytes + 1)
        except zlib.error as exc:
            raise BakingError(f"{where} holds corrupt compressed text: {exc}") from exc
        if len(inflated) > max_bytes or inflater.unconsumed_tail:
            raise InputTooLargeError(f"{where} inflates beyond the {max_bytes}-byte limit")
        if not inflater.eof:
            # A cut zlib stream still inflates to a prefix: refuse it rather than read part of
            # a credential (its end, or its checksum, is missing).
            raise BakingError(f"{where} holds truncated compressed text")
        text = inflated
    elif flag != 0:
        raise BakingError(f"{where} has an invalid compression flag {flag}")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError(f"{where} text is not UTF-8: {exc}") from exc


def bake_png(
    png: bytes, credential: Mapping[str, Any] | str, *, max_bytes: int = MAX_IMAGE_BYTES
) -> bytes:
    """``png`` with ``credential`` in an ``openbadgecredential`` iTXt chunk right after IHDR.

    A credential already baked into the image is replaced, never duplicated.
    """
    text = _payload_text(credential)
    chunks = _read_png(png, max_bytes)
    itxt = PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    kept = [
        (chunk.type, chunk.data)
        for chunk in chunks
        if not (chunk.type == b"iTXt" and _itxt_keyword(chunk.data) == PNG_KEYWORD)
    ]
    # Right after IHDR: a reader that stops at the first matching chunk finds it before the
    # image data, and it is valid there for every PNG (iTXt may appear anywhere before IEND).
    baked = _write_png([kept[0], (b"iTXt", itxt), *kept[1:]])
    _check_size(baked, max_bytes, "baked PNG image")
    return baked


def unbake_png(png: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> Credential:
    """The credential baked into ``png``: a dict (JSON) or a str (compact JWT)."""
    chunks = _read_png(png, max_bytes)
    found = [
        chunk
        for chunk in chunks
        if chunk.type == b"iTXt" and _itxt_keyword(chunk.data) == PNG_KEYWORD
    ]
    if not found:
        hint = ""
        if any(
            chunk.type in (b"iTXt", b"tEXt") and _itxt_keyword(chunk.data) == OB2_PNG_KEYWORD
            for chunk in chunks
        ):
            hint = " (it carries an Open Badges 2.0 'openbadges' chunk instead)"
        raise BakingError(f"PNG has no openbadgecredential iTXt chunk{hint}")
    if len(found) > 1:
        # The spec forbids a second chunk; which one a reader picks would decide the result.
        offsets = ", ".join(str(chunk.offset) for chunk in found)
        raise BakingError(f"PNG has {len(found)} openbadgecredential chunks (offsets {offsets})")
    chunk = found[0]
    return _parse_payload(_parse_itxt(chunk, max_bytes), f"PNG chunk iTXt at offset {chunk.offset}")
