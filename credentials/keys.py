"""Key pairs (Ed25519, P-256; RSA for verification only) and the encrypted on-disk key store.

Signature formats: Ed25519 signatures are the 64 raw bytes of RFC 8032. P-256 signatures are
ECDSA over SHA-256 in the IEEE P1363 form ``r || s`` (64 bytes, each half big-endian, left-padded)
because that is what JOSE (ES256) and Data Integrity (``ecdsa-*``) carry; DER signatures are
refused by :meth:`KeyPair.verify`. RSA keys only verify, as RS256 (PKCS#1 v1.5 with SHA-256).

Private key files are PKCS#8 ``EncryptedPrivateKeyInfo`` using PBES2 with scrypt (RFC 7914 §7)
and AES-256-CBC. ``cryptography`` can only *write* PBKDF2 with 2048 iterations for PKCS#8, which
is cheap to brute-force, so the container is assembled here; it stays standard PKCS#8 that
``cryptography``/OpenSSL read back. Because CBC has no integrity check, a loaded key is also
compared with the public key recorded in the store's ``keys.json``: a tampered file that still
decrypts to *some* key is refused as well.

This module is the front door; each part lives in a module of its own:
:mod:`credentials.key_pair` (KeyPair, KeySigner), :mod:`credentials.key_encodings` (Multikey,
JWK), :mod:`credentials.pkcs8` (the encrypted container), :mod:`credentials.key_files` (single
key files) and :mod:`credentials.key_store` (the store).
"""

from __future__ import annotations

from credentials.key_encodings import ED25519, P256, RSA
from credentials.key_files import read_key_file, write_key_file
from credentials.key_pair import KeyPair, KeySigner
from credentials.key_store import KEY_ID_PATTERN, KeyInfo, KeyStore, StoredKey

__all__ = [
    "ED25519",
    "KEY_ID_PATTERN",
    "P256",
    "RSA",
    "KeyInfo",
    "KeyPair",
    "KeySigner",
    "KeyStore",
    "StoredKey",
    "read_key_file",
    "write_key_file",
]
