"""Encrypted key files: scrypt/AES-256 PKCS#8 PEM, tamper detection, openssl compatibility,
and single key files on disk."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from keys_helpers import FAST, PASSPHRASE, flip_ciphertext_byte

from credentials.errors import KeyDecryptionError, KeyError_
from credentials.keys import KeyPair, read_key_file, write_key_file

# -- encrypted PEM -------------------------------------------------------------------------------


def test_encrypted_pem_round_trip_and_format() -> None:
    key = KeyPair.generate("P-256")
    pem = key.to_encrypted_pem(PASSPHRASE, scrypt_log_n=FAST)
    assert pem.startswith(b"publicKeyMultibase: " + key.public_multibase.encode() + b"\n")
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem
    loaded = KeyPair.from_encrypted_pem(pem, PASSPHRASE)
    assert loaded == key
    assert loaded.has_private
    # Standard PKCS#8: cryptography reads it without us.
    raw = serialization.load_pem_private_key(pem, PASSPHRASE.encode())
    assert KeyPair.from_key_object(raw) == key
    # The passphrase is NFC-normalised: the decomposed form decrypts too.
    decomposed = PASSPHRASE.replace("\u00e9", "e\u0301")
    assert decomposed != PASSPHRASE
    assert KeyPair.from_encrypted_pem(pem, decomposed) == key


def test_encrypted_pem_uses_scrypt_aes256() -> None:
    pem = KeyPair.generate().to_encrypted_pem(PASSPHRASE)  # default cost
    der = base64.b64decode(b"".join(pem.splitlines()[2:-1]))
    assert bytes.fromhex("06092b06010401da47040b") in der  # scrypt OID 1.3.6.1.4.1.11591.4.11
    assert bytes.fromhex("060960864801650304012a") in der  # aes256-CBC 2.16.840.1.101.3.4.1.42
    assert bytes.fromhex("0203020000") in der  # N = 2**17


def test_encrypted_pem_errors() -> None:
    key = KeyPair.generate()
    pem = key.to_encrypted_pem(PASSPHRASE, scrypt_log_n=FAST)
    with pytest.raises(KeyDecryptionError, match="wrong passphrase") as caught:
        KeyPair.from_encrypted_pem(pem, "wrong", source="key 'k1'")
    assert "k1" in caught.value.detail
    assert "wrong" not in caught.value.detail.replace("wrong passphrase", "")
    with pytest.raises(KeyError_, match="empty key passphrase"):
        KeyPair.from_encrypted_pem(pem, "")
    with pytest.raises(KeyError_, match="empty key passphrase"):
        key.to_encrypted_pem(b"")
    plain = key.cryptography_key(private=True).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(KeyDecryptionError, match="not an encrypted PKCS#8"):
        KeyPair.from_encrypted_pem(plain, PASSPHRASE)
    with pytest.raises(KeyError_, match="no private half"):
        key.public_only().to_encrypted_pem(PASSPHRASE)
    with pytest.raises(KeyError_, match="2\\*\\*10"):
        key.to_encrypted_pem(PASSPHRASE, scrypt_log_n=10)


def test_tampering_that_still_decrypts_is_detected() -> None:
    # Ed25519 PKCS#8 is 48 bytes → 4 CBC blocks; flipping a bit in ciphertext block 1 garbles
    # the first seed half and flips a bit of the second: it decrypts to *another* valid key.
    key = KeyPair.generate()
    pem = key.to_encrypted_pem(PASSPHRASE, scrypt_log_n=FAST)
    tampered = flip_ciphertext_byte(pem, 48)
    other = serialization.load_pem_private_key(tampered, PASSPHRASE.encode())
    assert KeyPair.from_key_object(other) != key  # cryptography alone would not notice
    with pytest.raises(KeyDecryptionError, match="does not match the public key"):
        KeyPair.from_encrypted_pem(tampered, PASSPHRASE)


def test_openssl_reads_our_key_files(tmp_path: Path) -> None:
    # Backups must stay readable by standard tools, not only by this project.
    if shutil.which("openssl") is None:
        message = "the openssl command is not installed (Debian package 'openssl')"
        if os.environ.get("CI"):
            pytest.fail(message + " — required under CI")
        pytest.skip(message)
    key = KeyPair.generate()
    path = tmp_path / "k.pem"
    path.write_bytes(key.to_encrypted_pem("pw-for-openssl", scrypt_log_n=FAST))
    out = subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(path),
            "-passin",
            "pass:pw-for-openssl",
            "-pubout",
            "-outform",
            "DER",
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert out[-32:] == key.public_bytes


# -- single key files ------------------------------------------------------------------------------


def test_write_and_read_key_file(tmp_path: Path) -> None:
    key = KeyPair.generate()
    path = tmp_path / "issuer.pem"
    write_key_file(path, key, PASSPHRASE, scrypt_log_n=FAST)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path, PASSPHRASE) == key
    with pytest.raises(KeyError_, match="already exists"):
        write_key_file(path, KeyPair.generate(), PASSPHRASE, scrypt_log_n=FAST)
    assert read_key_file(path, PASSPHRASE) == key  # untouched
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    path.chmod(0o644)
    with pytest.raises(KeyError_, match="chmod 600"):
        read_key_file(path, PASSPHRASE)
    with pytest.raises(KeyError_, match="does not exist"):
        read_key_file(tmp_path / "missing.pem", PASSPHRASE)
