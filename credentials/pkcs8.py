"""The encrypted private key container: PKCS#8 ``EncryptedPrivateKeyInfo`` with PBES2/scrypt.

PBES2 with scrypt (RFC 7914 §7) and AES-256-CBC. ``cryptography`` can only *write* PBKDF2 with
2048 iterations for PKCS#8, which is cheap to brute-force, so the container is assembled here;
it stays standard PKCS#8 that ``cryptography``/OpenSSL read back. Because CBC has no integrity
check, the public key is written in clear above the PEM block, and loading compares it (and
the key store's ``keys.json``) with the key the file decrypts to.
"""

from __future__ import annotations

import base64
import re
import secrets
import unicodedata
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from credentials.errors import KeyDecryptionError, KeyError_

__all__ = [
    "MAX_KEY_FILE_BYTES",
    "decrypt_pem",
    "encrypted_pem",
    "passphrase_bytes",
    "public_label",
    "recorded_public_multibase",
]

MAX_KEY_FILE_BYTES = 64 * 1024
_PUBLIC_LABEL = "publicKeyMultibase:"
_PUBLIC_LABEL_RE = re.compile(rb"^publicKeyMultibase: (z[1-9A-HJ-NP-Za-km-z]+)\r?$", re.MULTILINE)


def passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        # NFC so the same passphrase typed on different systems derives the same key.
        passphrase = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if not isinstance(passphrase, bytes | bytearray):
        raise KeyError_("the key passphrase must be a string")
    if not passphrase:
        raise KeyError_(
            "an empty key passphrase is refused; set BADGE_KEY_PASSPHRASE to a long secret"
        )
    return bytes(passphrase)


def encrypted_pem(private: Any, passphrase: str | bytes, scrypt_log_n: int) -> bytes:
    """PKCS#8 PEM encrypted with PBES2 (scrypt N=2**scrypt_log_n, r=8, p=1; AES-256-CBC)."""
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    encrypted = _pbes2_scrypt_encrypt(der, passphrase_bytes(passphrase), scrypt_log_n)
    return _pem("ENCRYPTED PRIVATE KEY", encrypted)


def public_label(public_multibase: str) -> bytes:
    """The line written above the PEM block of a key file."""
    # PEM parsers ignore text before the BEGIN line (RFC 7468 §5.2); the public key there
    # tells people which key a file holds and lets loading detect a swapped or altered body.
    return f"{_PUBLIC_LABEL} {public_multibase}\n".encode("ascii")


def decrypt_pem(data: bytes, passphrase: str | bytes, source: str) -> Any:
    """The private key object of an encrypted PKCS#8 PEM. ``source`` names it in errors."""
    secret = passphrase_bytes(passphrase)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyDecryptionError(
            f"{source} is {len(data)} bytes, too large to be a private key", source=source
        )
    if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" not in data:
        raise KeyDecryptionError(
            f"{source} is not an encrypted PKCS#8 PEM file (no 'BEGIN ENCRYPTED PRIVATE "
            "KEY' block); unencrypted or foreign key files are refused",
            source=source,
        )
    try:
        return serialization.load_pem_private_key(data, password=secret)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyDecryptionError(
            f"cannot decrypt {source}: wrong passphrase, or the file is truncated, "
            "corrupted or tampered with",
            source=source,
        ) from None


def recorded_public_multibase(data: bytes) -> str | None:
    """The public key written in clear above the PEM block, if any."""
    recorded = _PUBLIC_LABEL_RE.search(data)
    return recorded.group(1).decode("ascii") if recorded else None


# -- PKCS#8 PBES2/scrypt container (RFC 5958, RFC 8018, RFC 7914 §7) ----------------------------

_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _der_seq(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _der_oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _der(0x06, bytes(body))


def _pbes2_scrypt_encrypt(pkcs8_der: bytes, passphrase: bytes, log_n: int) -> bytes:
    if not 14 <= log_n <= 20:
        raise KeyError_(f"scrypt cost 2**{log_n} is outside the accepted range 2**14..2**20")
    salt, iv = secrets.token_bytes(16), secrets.token_bytes(16)
    n, r, p = 1 << log_n, 8, 1
    key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(pkcs8_der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    scrypt_params = _der_seq(_der(0x04, salt), _der_int(n), _der_int(r), _der_int(p), _der_int(32))
    algorithm = _der_seq(
        _der_oid(_OID_PBES2),
        _der_seq(
            _der_seq(_der_oid(_OID_SCRYPT), scrypt_params),
            _der_seq(_der_oid(_OID_AES256_CBC), _der(0x04, iv)),
        ),
    )
    return _der_seq(algorithm, _der(0x04, ciphertext))


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"
    ).encode("ascii")
