"""The encrypted on-disk key store: a directory of keys, their ``keys.json`` index, rotation
and compromise marks.

A loaded key is compared with the public key recorded in ``keys.json``: the container's CBC has
no integrity check, so a tampered file that still decrypts to *some* key is refused as well.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credentials.errors import KeyDecryptionError, KeyError_
from credentials.key_encodings import ED25519
from credentials.key_files import ensure_private_directory, read_private_file, write_atomic
from credentials.key_pair import KeyPair
from credentials.pkcs8 import passphrase_bytes

__all__ = ["KEY_ID_PATTERN", "KeyInfo", "KeyStore", "StoredKey"]

#: Key ids double as file names and DID URL fragments: keep them to a safe, portable set.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_METADATA_FILE = "keys.json"
_LOCK_FILE = ".keys.lock"


@dataclass(frozen=True)
class KeyInfo:
    """Public metadata of a stored key (one entry of ``keys.json``)."""

    key_id: str
    algorithm: str
    created: str
    status: str  # "active" | "retired"
    public_multibase: str
    retired: str | None = None
    #: A retired key reported compromised: what it signed from ``compromised_since`` on may be
    #: a thief's; ``compromised`` is when the report was recorded.
    compromised_since: str | None = None
    compromised: str | None = None
    compromise_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_json(self) -> dict[str, str]:
        entry = {
            "id": self.key_id,
            "algorithm": self.algorithm,
            "created": self.created,
            "status": self.status,
            "publicKeyMultibase": self.public_multibase,
        }
        for name, value in (("retired", self.retired),
                            ("compromisedSince", self.compromised_since),
                            ("compromised", self.compromised),
                            ("compromiseReason", self.compromise_reason)):
            if value is not None:
                entry[name] = value
        return entry


@dataclass(frozen=True)
class StoredKey:
    """A decrypted key with its metadata."""

    info: KeyInfo
    key: KeyPair

    @property
    def key_id(self) -> str:
        return self.info.key_id


class KeyStore:
    """A directory of passphrase-encrypted PKCS#8 keys plus a ``keys.json`` index.

    Layout: ``<directory>/<key_id>.pem`` (mode 0600) and ``<directory>/keys.json``; the
    directory is kept at mode 0700. One key per algorithm is active; :meth:`rotate` retires it
    but keeps it loadable so credentials it signed still verify.
    """

    def __init__(
        self, directory: str | os.PathLike[str], passphrase: str | bytes, *, scrypt_log_n: int = 17
    ) -> None:
        self._directory = Path(directory)
        self._passphrase = passphrase_bytes(passphrase)
        if not 14 <= scrypt_log_n <= 20:
            raise KeyError_(f"scrypt cost 2**{scrypt_log_n} is outside 2**14..2**20")
        self._scrypt_log_n = scrypt_log_n

    def __repr__(self) -> str:
        return f"KeyStore({str(self._directory)!r})"

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def index_path(self) -> Path:
        """The ``keys.json`` index (its stat tells a cache when the keys changed)."""
        return self._directory / _METADATA_FILE

    def path_for(self, key_id: str) -> Path:
        """The file that holds ``key_id`` (validated)."""
        return self._directory / f"{_check_key_id(key_id)}.pem"

    # -- reading ------------------------------------------------------------------------------

    # The method shadows the builtin inside the class body: annotations say builtins.list.
    def list(self) -> builtins.list[KeyInfo]:
        """All keys, oldest first, active and retired."""
        return list(self._read_metadata())

    def info(self, key_id: str) -> KeyInfo:
        _check_key_id(key_id)
        for entry in self._read_metadata():
            if entry.key_id == key_id:
                return entry
        raise KeyError_(f"no key {key_id!r} in {self._directory / _METADATA_FILE}", key_id=key_id)

    def load(self, key_id: str) -> KeyPair:
        """Decrypt ``key_id``; refuses group/world-readable files and tampered content."""
        info = self.info(key_id)
        path = self.path_for(key_id)
        source = f"key {key_id!r} ({path})"
        if not path.exists() and not path.is_symlink():
            raise KeyError_(
                f"{source} is listed in keys.json but its file is missing; restore it from backup",
                key_id=key_id,
                path=str(path),
            )
        data = read_private_file(path, source)
        pair = KeyPair.from_encrypted_pem(data, self._passphrase, source=source)
        if pair.algorithm != info.algorithm or pair.public_multibase != info.public_multibase:
            raise KeyDecryptionError(
                f"{source} decrypts to a key that does not match the public key recorded in "
                "keys.json: the file was replaced, corrupted or tampered with",
                source=source,
            )
        return pair

    def active(self, algorithm: str = ED25519) -> StoredKey:
        """The active key of ``algorithm``, decrypted."""
        for entry in self._read_metadata():
            if entry.active and entry.algorithm == algorithm:
                return StoredKey(entry, self.load(entry.key_id))
        raise KeyError_(
            f"no active {algorithm} key in {self._directory}; generate one first",
            algorithm=algorithm,
        )

    def public_keys(self) -> builtins.list[tuple[str, KeyPair, bool]]:
        """``(key_id, public KeyPair, active)`` for every key, as ``did.did_document`` takes."""
        return [
            (entry.key_id, KeyPair.from_public_multibase(entry.public_multibase), entry.active)
            for entry in self._read_metadata()
        ]

    # -- writing ------------------------------------------------------------------------------

    def generate(
        self, key_id: str | None = None, algorithm: str = ED25519, *, now: datetime
    ) -> StoredKey:
        """Create the first active key of ``algorithm``; use :meth:`rotate` to replace one."""
        with self._locked():
            entries = self._read_metadata()
            current = [e for e in entries if e.active and e.algorithm == algorithm]
            if current:
                raise KeyError_(
                    f"{self._directory} already has an active {algorithm} key "
                    f"{current[0].key_id!r}; use rotate() to replace it",
                    algorithm=algorithm,
                )
            stored = self._create(entries, key_id, algorithm, now)
            self._write_metadata([*entries, stored.info])
            return stored

    def rotate(
        self, now: datetime, algorithm: str = ED25519, *, key_id: str | None = None
    ) -> StoredKey:
        """Make a new active key; the previous one becomes ``retired`` but stays loadable."""
        with self._locked():
            entries = self._read_metadata()
            stored = self._create(entries, key_id, algorithm, now)
            stamp = _iso(now)
            updated = [
                KeyInfo(**{**e.__dict__, "status": "retired", "retired": stamp})
                if e.active and e.algorithm == algorithm
                else e
                for e in entries
            ]
            self._write_metadata([*updated, stored.info])
            return stored

    def mark_compromised(
        self, key_id: str, *, since: datetime, now: datetime, reason: str | None = None
    ) -> KeyInfo:
        """Record that retired key ``key_id`` was compromised from ``since`` on.

        The key stays listed and loadable (what it signed before ``since`` must still verify);
        judging which credentials it really signed before then is the verifier's business.
        The active key is refused: rotate first, or the next credential is signed with it. A
        mark can be moved earlier, never later: a later time would accept more forgeries.
        """
        _check_key_id(key_id)
        stamp, marked = _iso(since), _iso(now)
        if since > now:
            raise KeyError_(f"the compromise time {stamp} is in the future (now {marked})")
        reason = _check_reason(reason)
        with self._locked():
            entries = self._read_metadata()
            found = next((e for e in entries if e.key_id == key_id), None)
            if found is None:
                raise KeyError_(f"no key {key_id!r} in {self._directory}", key_id=key_id)
            if found.active:
                raise KeyError_(
                    f"key {key_id!r} is the active key; rotate first so that nothing new is "
                    "signed with it, then mark it compromised",
                    key_id=key_id,
                )
            if found.compromised_since is not None and found.compromised_since <= stamp:
                raise KeyError_(
                    f"key {key_id!r} is already marked compromised since "
                    f"{found.compromised_since}; a mark can only be moved earlier",
                    key_id=key_id,
                )
            updated = replace(found, compromised_since=stamp, compromised=marked,
                              compromise_reason=reason or found.compromise_reason)
            self._write_metadata([updated if e is found else e for e in entries])
            return updated

    def _create(
        self, entries: builtins.list[KeyInfo], key_id: str | None, algorithm: str, now: datetime
    ) -> StoredKey:
        created = _iso(now)
        if key_id is None:
            key_id = f"key-{now.astimezone(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        _check_key_id(key_id)
        path = self.path_for(key_id)
        if any(e.key_id == key_id for e in entries) or path.exists():
            raise KeyError_(f"key id {key_id!r} already exists in {self._directory}")
        pair = KeyPair.generate(algorithm)
        pem = pair.to_encrypted_pem(self._passphrase, scrypt_log_n=self._scrypt_log_n)
        write_atomic(path, pem, overwrite=False)
        info = KeyInfo(key_id, algorithm, created, "active", pair.public_multibase)
        return StoredKey(info, pair)

    def _read_metadata(self) -> builtins.list[KeyInfo]:
        path = self._directory / _METADATA_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            document = json.loads(raw)
            return [
                KeyInfo(
                    key_id=_check_key_id(item["id"]),
                    algorithm=item["algorithm"],
                    created=item["created"],
                    status=item["status"],
                    public_multibase=item["publicKeyMultibase"],
                    retired=item.get("retired"),
                    compromised_since=_optional_stamp(item, "compromisedSince"),
                    compromised=_optional_stamp(item, "compromised"),
                    compromise_reason=_check_reason(item.get("compromiseReason")),
                )
                for item in document["keys"]
            ]
        except (ValueError, KeyError, TypeError, KeyError_) as exc:
            raise KeyError_(f"{path} is malformed ({exc}); restore it from backup") from None

    def _write_metadata(self, entries: builtins.list[KeyInfo]) -> None:
        document = {"version": 1, "keys": [e.to_json() for e in entries]}
        data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
        write_atomic(self._directory / _METADATA_FILE, data, overwrite=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        ensure_private_directory(self._directory)
        try:
            import fcntl  # POSIX only; elsewhere the store runs unlocked
        except ImportError:  # pragma: no cover
            yield
            return
        fd = os.open(self._directory / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
        raise KeyError_(
            f"invalid key id {key_id!r}: use 1-64 characters from A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit",
            key_id=key_id,
        )
    return key_id


_MAX_REASON = 500


def _check_reason(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise KeyError_("the compromise reason must be a string")
    reason = reason.strip()
    if len(reason) > _MAX_REASON:
        raise KeyError_(f"the compromise reason is longer than {_MAX_REASON} characters")
    if any(unicodedata.category(c).startswith("C") for c in reason):
        # It is printed by `keys list` on a terminal: no control characters.
        raise KeyError_("the compromise reason must be one line of text")
    return reason or None


def _optional_stamp(item: Mapping[str, Any], name: str) -> str | None:
    """A recorded time, checked: comparisons of compromise times are of these strings."""
    value = item.get(name)
    if value is not None and not (isinstance(value, str) and _STAMP.fullmatch(value)):
        raise ValueError(f"{name} {value!r} is not a UTC time like 2026-01-31T12:00:00Z")
    return value


#: Times in keys.json: UTC, whole seconds, so that their string order is their time order.
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _iso(now: datetime) -> str:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
