"""Shared by the key tests (no tests here): a passphrase with non-ASCII characters, a cheap
scrypt cost, and a bit flip inside an encrypted key file's ciphertext."""

from __future__ import annotations

import base64

PASSPHRASE = "correct horse battery staple \u00e9t\u00e9"
FAST = 14  # scrypt cost for tests; the default (2**17) is exercised once in test_keys_files.py


def flip_ciphertext_byte(pem: bytes, offset_from_end: int) -> bytes:
    lines = pem.splitlines()
    der = bytearray(base64.b64decode(b"".join(lines[2:-1])))
    der[-offset_from_end] ^= 0x01
    body = base64.encodebytes(bytes(der)).replace(b"\n", b"")
    chunks = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([lines[0], lines[1], *chunks, lines[-1]]) + b"\n"
