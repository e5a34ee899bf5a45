"""Key pairs, Multikey/JWK import-export, encrypted key files and the key store."""

from __future__ import annotations

import base64
import json
import os
import pickle
import shutil
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from credentials.errors import EncodingError, KeyDecryptionError, KeyError_
from credentials.keys import KeyPair, KeyStore, read_key_file, write_key_file
from credentials.multibase import b64url_encode

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple \u00e9t\u00e9"
FAST = 14  # scrypt cost for tests; the default (2**17) is exercised once below


# -- W3C / 1EdTech vectors ---------------------------------------------------------------------


def test_w3c_key_pair_vector(standards_dir: Path) -> None:
    folder = standards_dir / "test-vectors/eddsa-rdfc-2022"
    pair = json.loads((folder / "keyPair.json").read_text())
    key = KeyPair.from_secret_multibase(pair["privateKeyMultibase"])
    assert key.algorithm == "Ed25519"
    assert key.public_multibase == pair["publicKeyMultibase"]
    assert key.secret_multibase() == pair["privateKeyMultibase"]
    assert key.did_key == "did:key:" + pair["publicKeyMultibase"]
    assert key.did_key_vm == f"{key.did_key}#{pair['publicKeyMultibase']}"
    assert KeyPair.from_public_multibase(pair["publicKeyMultibase"]) == key
    # Ed25519 is deterministic: the key reproduces the published signature.
    hash_data = bytes.fromhex((folder / "combinedHashDataInt.txt").read_text().strip())
    signature = bytes.fromhex((folder / "sigHexDataInt.txt").read_text().strip())
    assert key.sign(hash_data) == signature
    assert key.public_only().verify(signature, hash_data)


def test_1edtech_ob_vector_with_64_byte_secret(standards_dir: Path) -> None:
    values = json.loads(
        (standards_dir / "test-vectors/ob-v3p0-eddsa-rdfc-2022/transcribed-values.json").read_text()
    )
    key = KeyPair.from_secret_multibase(values["secretKeyMultibase"])
    assert key.public_bytes.hex() == values["publicKeyHex"]
    assert key.public_multibase == values["publicKeyMultibase"]
    signature = key.sign(bytes.fromhex(values["dataToSignHex"]))
    assert signature.hex() == values["signatureHex"]
    # Our export is the 32-byte seed form, which imports back to the same key.
    assert KeyPair.from_secret_multibase(key.secret_multibase()) == key


def test_64_byte_secret_with_wrong_public_half_is_refused() -> None:
    from credentials.multibase import ED25519_PRIV, b58encode, multicodec_wrap

    seed = bytes(range(32))
    own = KeyPair.from_key_object(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
    good = "z" + b58encode(multicodec_wrap(ED25519_PRIV, seed + own.public_bytes))
    assert KeyPair.from_secret_multibase(good) == own
    bad = "z" + b58encode(multicodec_wrap(ED25519_PRIV, seed + KeyPair.generate().public_bytes))
    with pytest.raises(KeyError_, match="does not match"):
        KeyPair.from_secret_multibase(bad)


# -- Ed25519 / P-256 ---------------------------------------------------------------------------


def test_ed25519_generate_sign_verify() -> None:
    key = KeyPair.generate("Ed25519")
    assert key.public_multibase.startswith("z6Mk")
    signature = key.sign(b"data")
    assert len(signature) == 64
    assert key.verify(signature, b"data")
    assert not key.verify(signature, b"datA")
    assert not key.verify(signature[:-1], b"data")
    assert not key.verify(bytes(64), b"data")
    assert not key.verify("not bytes", b"data")  # type: ignore[arg-type]
    assert not KeyPair.generate().verify(signature, b"data")


def test_p256_multikey_jwk_and_raw_signatures() -> None:
    key = KeyPair.generate("P-256")
    assert key.algorithm == "P-256"
    assert key.public_multibase.startswith("zDn")
    assert len(key.public_bytes) == 33
    assert KeyPair.from_public_multibase(key.public_multibase) == key
    assert KeyPair.from_secret_multibase(key.secret_multibase()) == key
    signature = key.sign(b"payload")
    assert len(signature) == 64  # IEEE P1363 r || s, as JOSE ES256 carries it
    assert key.verify(signature, b"payload")
    assert not key.verify(signature, b"Payload")
    # An independent check: cryptography verifies the DER form of our r || s.
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    key.cryptography_key().verify(encode_dss_signature(r, s), b"payload", ec.ECDSA(hashes.SHA256()))
    # DER signatures are refused rather than guessed at.
    der = key.cryptography_key(private=True).sign(b"payload", ec.ECDSA(hashes.SHA256()))
    assert not key.verify(der, b"payload")


def test_p256_multikey_known_vector() -> None:
    # did:key spec test vector (P-256): multicodec 0x1200 + compressed point.
    multibase = "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
    key = KeyPair.from_public_multibase(multibase)
    assert key.algorithm == "P-256"
    assert key.public_multibase == multibase
    assert key.did_key == "did:key:" + multibase


def test_public_multibase_errors() -> None:
    with pytest.raises(EncodingError, match="prefix 'z'"):
        KeyPair.from_public_multibase("u7QE")
    with pytest.raises(EncodingError, match="position 5"):
        KeyPair.from_public_multibase("z6Mkr0VnaZ")
    from credentials.multibase import b58encode, multicodec_wrap

    with pytest.raises(KeyError_, match="32 bytes"):
        KeyPair.from_public_multibase("z" + b58encode(multicodec_wrap(0xED, bytes(10))))

    with pytest.raises(KeyError_, match="0x1205"):
        KeyPair.from_public_multibase("z" + b58encode(multicodec_wrap(0x1205, bytes(32))))
    with pytest.raises(KeyError_, match="not a point"):
        KeyPair.from_public_multibase(
            "z" + b58encode(multicodec_wrap(0x1200, b"\x02" + (1).to_bytes(32, "big")))
        )


def test_unsupported_generation() -> None:
    with pytest.raises(KeyError_, match="RSA"):
        KeyPair.generate("RSA")
    with pytest.raises(KeyError_, match="secp384r1"):
        KeyPair.from_key_object(ec.generate_private_key(ec.SECP384R1()))


# -- JWK -----------------------------------------------------------------------------------------


def test_rfc8037_ed25519_jwk_and_thumbprint() -> None:
    # RFC 8037 appendix A.1-A.3.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    key = KeyPair.from_public_jwk(jwk)
    assert key.to_public_jwk() == jwk
    assert key.jwk_thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert key.to_public_jwk(kid="k1") == {**jwk, "kid": "k1"}


def test_rfc7638_rsa_thumbprint() -> None:
    # RFC 7638 §3.1 example key.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
            "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4"
            "QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
            "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    key = KeyPair.from_public_jwk(jwk)
    assert key.algorithm == "RSA"
    assert key.jwk_thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert key.to_public_jwk() == {"kty": "RSA", "n": jwk["n"], "e": "AQAB"}
    with pytest.raises(KeyError_, match="no Multikey"):
        _ = key.public_multibase


def test_p256_jwk_round_trip_and_rsa_verify() -> None:
    key = KeyPair.generate("P-256")
    jwk = key.to_public_jwk()
    assert set(jwk) == {"kty", "crv", "x", "y"}
    assert KeyPair.from_public_jwk(jwk) == key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_key = KeyPair.from_public_jwk(KeyPair.from_key_object(private).to_public_jwk())
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = private.sign(b"msg", padding.PKCS1v15(), hashes.SHA256())
    assert rsa_key.verify(signature, b"msg")
    assert not rsa_key.verify(signature, b"msG")


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        (
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                "d": "x",
            },
            "private",
        ),
        (
            {"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            "X25519",
        ),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "32 bytes"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "11qY+AYK"}, "malformed"),
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, "P-384"),
        (
            {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(bytes(32)),
                "y": b64url_encode(bytes(32)),
            },
            "not a point",
        ),
        ({"kty": "RSA", "n": b64url_encode(b"\xc1" * 128), "e": "AQAB"}, "too small"),
        ({"kty": "oct", "k": "abc"}, "private"),
        ({"kty": "XYZ"}, "not supported"),
        (["not", "a", "dict"], "JSON object"),
    ],
)
def test_bad_jwks_are_refused(jwk: object, message: str) -> None:
    with pytest.raises(KeyError_, match=message):
        KeyPair.from_public_jwk(jwk)  # type: ignore[arg-type]


# -- signer, repr, pickling ----------------------------------------------------------------------


def test_signer_protocol() -> None:
    key = KeyPair.generate()
    signer = key.signer()
    assert signer.verification_method == f"{key.did_key}#{key.public_multibase}"
    assert signer.algorithm == "Ed25519"
    assert key.verify(signer.sign(b"x"), b"x")
    custom = key.signer("did:web:example.com#key-1")
    assert custom.verification_method == "did:web:example.com#key-1"
    with pytest.raises(KeyError_, match="no private half"):
        key.public_only().signer()
    with pytest.raises(KeyError_, match="no private half"):
        key.public_only().sign(b"x")


def test_private_material_never_printed() -> None:
    key = KeyPair.generate()
    secret = key.secret_multibase()
    raw_seed = key.cryptography_key(private=True).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    for text in (repr(key), str(key), repr(key.signer()), f"{key}", repr([key])):
        assert secret not in text
        assert secret[1:] not in text
        assert raw_seed.hex() not in text
        assert b64url_encode(raw_seed) not in text
    assert "private=yes" in repr(key)
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(key)


def test_equality_ignores_private_half() -> None:
    key = KeyPair.generate()
    assert key == key.public_only()
    assert hash(key) == hash(key.public_only())
    assert key != KeyPair.generate()
    assert key != "z6Mk"


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


def _flip_ciphertext_byte(pem: bytes, offset_from_end: int) -> bytes:
    lines = pem.splitlines()
    der = bytearray(base64.b64decode(b"".join(lines[2:-1])))
    der[-offset_from_end] ^= 0x01
    body = base64.encodebytes(bytes(der)).replace(b"\n", b"")
    chunks = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([lines[0], lines[1], *chunks, lines[-1]]) + b"\n"


def test_tampering_that_still_decrypts_is_detected() -> None:
    # Ed25519 PKCS#8 is 48 bytes → 4 CBC blocks; flipping a bit in ciphertext block 1 garbles
    # the first seed half and flips a bit of the second: it decrypts to *another* valid key.
    key = KeyPair.generate()
    pem = key.to_encrypted_pem(PASSPHRASE, scrypt_log_n=FAST)
    tampered = _flip_ciphertext_byte(pem, 48)
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


# -- key store --------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys", PASSPHRASE, scrypt_log_n=FAST)


def test_store_generate_writes_private_files(store: KeyStore) -> None:
    stored = store.generate("issuer-1", now=NOW)
    assert stored.key_id == "issuer-1"
    assert stored.info.status == "active"
    assert stored.info.created == "2025-03-01T12:00:00Z"
    path = store.directory / "issuer-1.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    index = json.loads((store.directory / "keys.json").read_text())
    assert index == {
        "version": 1,
        "keys": [
            {
                "id": "issuer-1",
                "algorithm": "Ed25519",
                "created": "2025-03-01T12:00:00Z",
                "status": "active",
                "publicKeyMultibase": stored.key.public_multibase,
            }
        ],
    }
    assert store.load("issuer-1") == stored.key
    assert store.active().key == stored.key
    assert PASSPHRASE not in repr(store)
    assert not [p for p in store.directory.iterdir() if p.name.endswith(".tmp")]


def test_store_default_key_id_and_algorithms(store: KeyStore) -> None:
    ed = store.generate(now=NOW)
    assert ed.key_id.startswith("key-20250301-")
    p256 = store.generate(algorithm="P-256", now=NOW)
    assert p256.key.algorithm == "P-256"
    assert store.active("P-256").key_id == p256.key_id
    assert store.active("Ed25519").key_id == ed.key_id
    with pytest.raises(KeyError_, match="use rotate"):
        store.generate(now=NOW)
    with pytest.raises(KeyError_, match="cannot generate"):
        store.generate(algorithm="RSA", now=NOW)


def test_store_rotate_keeps_retired_keys(store: KeyStore) -> None:
    first = store.generate("k1", now=NOW)
    second = store.rotate(LATER, key_id="k2")
    assert store.active().key_id == "k2"
    assert [(i.key_id, i.status, i.retired) for i in store.list()] == [
        ("k1", "retired", "2026-03-01T12:00:00Z"),
        ("k2", "active", None),
    ]
    assert store.load("k1") == first.key  # still loadable for verification and audits
    assert store.load("k2") == second.key
    assert first.key != second.key
    third = store.rotate(LATER)
    assert [i.status for i in store.list()] == ["retired", "retired", "active"]
    assert store.public_keys() == [
        ("k1", first.key, False),
        ("k2", second.key, False),
        (third.key_id, third.key, True),
    ]
    assert not store.public_keys()[0][1].has_private


def test_rotate_on_empty_store_creates_first_key(store: KeyStore) -> None:
    stored = store.rotate(NOW)
    assert store.active().key_id == stored.key_id


def test_store_wrong_passphrase_names_key_not_passphrase(store: KeyStore) -> None:
    store.generate("k1", now=NOW)
    wrong = KeyStore(store.directory, "hunter2-not-it", scrypt_log_n=FAST)
    with pytest.raises(KeyDecryptionError) as caught:
        wrong.load("k1")
    detail = caught.value.detail
    assert "'k1'" in detail
    assert str(store.directory / "k1.pem") in detail
    assert "hunter2" not in detail
    assert PASSPHRASE not in detail


def test_store_tampered_and_truncated_files(store: KeyStore) -> None:
    store.generate("k1", now=NOW)
    path = store.directory / "k1.pem"
    original = path.read_bytes()

    lines = original.splitlines()
    middle = bytearray(lines[3])
    middle[10] = ord("A") if middle[10] != ord("A") else ord("B")
    path.write_bytes(b"\n".join([*lines[:3], bytes(middle), *lines[4:]]) + b"\n")
    with pytest.raises(KeyDecryptionError, match="'k1'"):
        store.load("k1")

    path.write_bytes(original[: len(original) // 2])
    with pytest.raises(KeyDecryptionError, match=r"not an encrypted PKCS#8|truncated"):
        store.load("k1")

    path.write_bytes(_flip_ciphertext_byte(original, 48))
    with pytest.raises(KeyDecryptionError, match="does not match"):
        store.load("k1")


def test_store_detects_swapped_key_file(store: KeyStore, tmp_path: Path) -> None:
    store.generate("k1", now=NOW)
    # Another key, encrypted with the same passphrase, moved into k1's place.
    foreign = KeyPair.generate().to_encrypted_pem(PASSPHRASE, scrypt_log_n=FAST)
    body = foreign[foreign.index(b"-----BEGIN") :]  # even without its label line
    path = store.directory / "k1.pem"
    path.write_bytes(body)
    with pytest.raises(KeyDecryptionError, match=r"recorded in keys\.json"):
        store.load("k1")


def test_store_refuses_group_readable_key(store: KeyStore) -> None:
    store.generate("k1", now=NOW)
    path = store.directory / "k1.pem"
    path.chmod(0o640)
    with pytest.raises(KeyError_, match=r"chmod 600") as caught:
        store.load("k1")
    assert "0640" in caught.value.detail
    path.chmod(0o600)
    assert store.load("k1").has_private


def test_store_refuses_symlinked_key_file(store: KeyStore, tmp_path: Path) -> None:
    store.generate("k1", now=NOW)
    path = store.directory / "k1.pem"
    target = tmp_path / "elsewhere.pem"
    path.rename(target)
    path.symlink_to(target)
    with pytest.raises(KeyError_, match="cannot open"):
        store.load("k1")


@pytest.mark.parametrize("key_id", ["", "../escape", ".hidden", "a/b", "a b", "é", "x" * 65, 7])
def test_store_validates_key_ids(store: KeyStore, key_id: object) -> None:
    with pytest.raises(KeyError_, match="invalid key id"):
        store.generate(key_id, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(KeyError_, match="invalid key id"):
        store.load(key_id)  # type: ignore[arg-type]
    assert not list(store.directory.parent.rglob("*.pem"))


def test_store_misc_errors(store: KeyStore, tmp_path: Path) -> None:
    with pytest.raises(KeyError_, match="empty key passphrase"):
        KeyStore(tmp_path / "other", "")
    with pytest.raises(KeyError_, match="no active Ed25519 key"):
        store.active()
    assert store.list() == []
    with pytest.raises(ValueError, match="timezone-aware"):
        store.generate("k0", now=datetime(2025, 1, 1))  # naive on purpose
    stored = store.generate("k1", now=NOW)
    with pytest.raises(KeyError_, match="already exists"):
        store.rotate(LATER, key_id="k1")
    assert store.active().key_id == "k1"
    with pytest.raises(KeyError_, match="no key 'nope'"):
        store.load("nope")
    (store.directory / "k1.pem").unlink()
    with pytest.raises(KeyError_, match="file is missing"):
        store.load("k1")
    (store.directory / "keys.json").write_text("{not json")
    with pytest.raises(KeyError_, match="malformed"):
        store.list()
    assert stored.key.has_private


def test_store_marks_a_retired_key_compromised(store: KeyStore) -> None:
    first = store.generate("k1", now=NOW)
    with pytest.raises(KeyError_, match="'k1' is the active key; rotate first"):
        store.mark_compromised("k1", since=NOW, now=NOW)
    store.rotate(LATER, key_id="k2")
    since = datetime(2025, 9, 1, 8, 30, 15, 999999, tzinfo=UTC)
    marked = store.mark_compromised("k1", since=since, now=LATER, reason="  laptop stolen ")
    # Whole seconds, rounded down: a mark never starts later than what was said.
    assert (marked.compromised_since, marked.compromised, marked.compromise_reason) == (
        "2025-09-01T08:30:15Z", "2026-03-01T12:00:00Z", "laptop stolen")
    entry = json.loads((store.directory / "keys.json").read_text())["keys"][0]
    assert entry == {**entry, "status": "retired", "compromisedSince": "2025-09-01T08:30:15Z",
                     "compromised": "2026-03-01T12:00:00Z", "compromiseReason": "laptop stolen"}
    assert store.info("k1") == marked
    assert store.load("k1") == first.key  # still loadable, still in public_keys
    assert [k for k, _, _ in store.public_keys()] == ["k1", "k2"]
    assert store.info("k2").compromised_since is None

    with pytest.raises(KeyError_, match="can only be moved earlier"):
        store.mark_compromised("k1", since=since + timedelta(days=1), now=LATER)
    with pytest.raises(KeyError_, match="can only be moved earlier"):
        store.mark_compromised("k1", since=since, now=LATER)
    earlier = store.mark_compromised("k1", since=NOW, now=LATER)
    assert earlier.compromised_since == "2025-03-01T12:00:00Z"
    assert earlier.compromise_reason == "laptop stolen"  # kept when none is given
    with pytest.raises(KeyError_, match="in the future"):
        store.mark_compromised("k1", since=LATER + timedelta(seconds=1), now=LATER)
    with pytest.raises(KeyError_, match="one line"):
        store.mark_compromised("k1", since=NOW, now=LATER, reason="a\nb")
    with pytest.raises(KeyError_, match="longer than 500"):
        store.mark_compromised("k1", since=NOW, now=LATER, reason="x" * 501)
    with pytest.raises(KeyError_, match="no key 'k9'"):
        store.mark_compromised("k9", since=NOW, now=LATER)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.mark_compromised("k1", since=datetime(2025, 1, 1), now=LATER)  # naive on purpose

    index = json.loads((store.directory / "keys.json").read_text())
    index["keys"][0]["compromisedSince"] = "2025-09-01 08:30"
    (store.directory / "keys.json").write_text(json.dumps(index))
    with pytest.raises(KeyError_, match=r"malformed.*compromisedSince"):
        store.list()


def test_store_tightens_existing_directory(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    KeyStore(directory, PASSPHRASE, scrypt_log_n=FAST).generate("k1", now=NOW)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_keys_gitignore_keeps_only_readme() -> None:
    keys_dir = Path(__file__).resolve().parents[2] / "keys"
    patterns = (keys_dir / ".gitignore").read_text().split()
    assert "*" in patterns
    assert "!README.md" in patterns
    assert "!.gitignore" in patterns
    readme = (keys_dir / "README.md").read_text()
    for topic in ("BADGE_KEY_PASSPHRASE", "0600", "chmod 600", "rotate", "Backups", "restore"):
        assert topic in readme
