"""The key store: generating, rotating, retiring and marking keys compromised, its index, and
the file checks (permissions, tampering, swapped and symlinked files, key ids)."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from keys_helpers import FAST, PASSPHRASE, flip_ciphertext_byte

from credentials.errors import KeyDecryptionError, KeyError_
from credentials.keys import KeyPair, KeyStore

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


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

    path.write_bytes(flip_ciphertext_byte(original, 48))
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
