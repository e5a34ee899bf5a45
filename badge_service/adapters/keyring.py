"""Each organisation's signing keys and issuer identity, over credentials.keys.KeyStore.

Keys live in ``KEYS_DIR/<organisation slug>/`` (PKCS#8, scrypt-encrypted, mode 0600). Decrypting
one is deliberately slow (scrypt), so decrypted keys are kept in this process's memory, keyed by
the file's identity; rotation writes a new key and the cache follows.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from badge_service.errors import Conflict, NotFound, ServiceError
from credentials.did import did_document, did_web_from_url
from credentials.errors import CredentialsError, KeyDecryptionError
from credentials.keys import KeyInfo, KeyPair, KeyStore

ALGORITHM = "Ed25519"


class Organisation(Protocol):
    """What the keyring needs of an organisation (badge_service.organisations.models): an
    adapter knows no domain, so it takes anything with these two attributes."""

    slug: str
    did_method: str


def did_web_of(slug: str, public_base_url: str, host_organisation: str | None = None) -> str:
    """did:web of an organisation: a path under the service (did:web:host:issuers:slug), or
    the host itself for the one organisation configured as HOST_DID_ORGANISATION."""
    if host_organisation and slug == host_organisation:
        return did_web_from_url(public_base_url)
    return did_web_from_url(f"{public_base_url}/issuers/{slug}")
log = logging.getLogger(__name__)


class KeyringError(ServiceError):
    status = 503
    problem = "signing-unavailable"
    title = "Signing is not available"


@dataclass(frozen=True)
class IssuerIdentity:
    """Who signs for an organisation right now."""

    issuer_id: str
    verification_method: str
    key_id: str
    key: KeyPair

    def signer(self) -> Any:
        return self.key.signer(self.verification_method)


class Keyring:
    def __init__(self, keys_dir: str | Path, passphrase: str | None, public_base_url: str,
                 *, scrypt_log_n: int = 17, host_organisation: str | None = None) -> None:
        self.host_organisation = host_organisation
        self.keys_dir = Path(keys_dir)
        self.passphrase = passphrase
        self.public_base_url = public_base_url
        self.scrypt_log_n = scrypt_log_n
        self._cache: dict[tuple[str, str], KeyPair] = {}
        #: slug -> (keys.json's stat signature, its compromised keys); see compromised_keys.
        self._compromised: dict[str, tuple[tuple[int, int, int], list[KeyInfo]]] = {}
        self._lock = threading.Lock()

    def _store(self, organisation: Organisation) -> KeyStore:
        if not self.passphrase:
            raise KeyringError("no key passphrase is configured (set BADGE_KEY_PASSPHRASE)")
        return KeyStore(self.keys_dir / organisation.slug, self.passphrase,
                        scrypt_log_n=self.scrypt_log_n)

    def did_web(self, organisation: Organisation) -> str:
        return did_web_of(organisation.slug, self.public_base_url,
                                     self.host_organisation)

    @staticmethod
    def _active_info(store: KeyStore) -> Any:
        """The active key's metadata, read from the index without decrypting anything
        (decryption is deliberately slow; the decrypted key is cached by :meth:`_load`)."""
        for info in store.list():
            if info.status == "active" and info.algorithm == ALGORITHM:
                return info
        return None

    def ensure_key(self, organisation: Organisation, *, now: datetime) -> str:
        """Create the organisation's first key if it has none; return the active key id."""
        store = self._store(organisation)
        info = self._active_info(store)
        if info is not None:
            return info.key_id
        self._private_keys_dir()
        try:
            return store.generate(key_id=f"{organisation.slug}-1", algorithm=ALGORITHM,
                                  now=now).info.key_id
        except CredentialsError as exc:
            # Another worker may have created it meanwhile: use theirs.
            info = self._active_info(store)
            if info is not None:
                return info.key_id
            raise KeyringError(f"cannot create a signing key: {exc.detail}") from None

    def rotate(self, organisation: Organisation, *, now: datetime) -> str:
        store = self._store(organisation)
        existing = store.list()
        if not existing:
            raise Conflict(f"{organisation.slug} has no key to rotate yet")
        key_id = f"{organisation.slug}-{len(existing) + 1}"
        try:
            return store.rotate(now, ALGORITHM, key_id=key_id).info.key_id
        except CredentialsError as exc:
            raise KeyringError(f"cannot rotate the signing key: {exc.detail}") from None

    def _private_keys_dir(self) -> None:
        # KeyStore makes each organisation's folder 0700 but its parents with the umask's mode;
        # the folder that holds every organisation's keys is private too. Only before a first
        # key is written: rotation and marking need an existing folder.
        self.keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _load(self, store: KeyStore, organisation: Organisation, key_id: str) -> KeyPair:
        cache_key = (organisation.slug, key_id)
        with self._lock:
            key = self._cache.get(cache_key)
        if key is None:
            try:
                key = store.load(key_id)
            except CredentialsError as exc:
                raise KeyringError(f"cannot load signing key {key_id}: {exc.detail}") from None
            with self._lock:
                self._cache[cache_key] = key
        return key

    def check_keys(self) -> str | None:
        """Decrypt the organisations' active keys until one loads (warming the cache): None
        when it was the first, else "decryption" (wrong passphrase) or "unreadable". Reads
        the folders, not the database, so it works before migrations ran. The first key that
        loads is enough: all keys share the passphrase, and each decryption costs a scrypt run
        (~0.3 s at the production cost) in every worker's start-up, which must not grow with
        the organisations."""
        if not self.passphrase or not self.keys_dir.is_dir():
            return None
        found = None
        for folder in sorted(p for p in self.keys_dir.iterdir() if p.is_dir()):
            try:
                store = KeyStore(folder, self.passphrase, scrypt_log_n=self.scrypt_log_n)
                info = self._active_info(store)
                if info is None:
                    continue
                key = store.load(info.key_id)
            except CredentialsError as exc:
                # Details (paths, causes) go to the log only; /healthz says what to fix.
                log.error("signing key of %s cannot be loaded: %s", folder.name, exc.detail)
                if isinstance(exc, KeyDecryptionError):
                    found = "decryption"
                else:
                    found = found or "unreadable"
                continue
            with self._lock:
                self._cache[(folder.name, info.key_id)] = key
            return found
        return found

    def identity(self, organisation: Organisation) -> IssuerIdentity:
        """The issuer id and active key: did:web (key id as fragment) or the key's did:key."""
        store = self._store(organisation)
        info = self._active_info(store)
        if info is None:
            raise KeyringError(
                f"organisation {organisation.slug} has no signing key; run "
                f"'badge-service keys rotate --organisation {organisation.slug}' or "
                "'badge-service init'"
            )
        key = self._load(store, organisation, info.key_id)
        if organisation.did_method == "key":
            return IssuerIdentity(key.did_key, key.did_key_vm, info.key_id, key)
        did = self.did_web(organisation)
        return IssuerIdentity(did, f"{did}#{info.key_id}", info.key_id, key)

    def identity_for_issuer(self, organisation: Organisation, issuer_id: str) -> IssuerIdentity:
        """Who signs for ``issuer_id`` — for documents that must stay signed by the issuer of
        earlier credentials (status lists). A did:web stays the same across rotations (its
        active key signs); a did:key *is* a key, so that key signs, even once retired from
        issuing credentials."""
        current = self.identity(organisation)
        if issuer_id == current.issuer_id:
            return current
        if issuer_id.startswith("did:key:"):
            store = self._store(organisation)
            for info in store.list():
                key = KeyPair.from_public_multibase(info.public_multibase)
                if key.did_key == issuer_id:
                    private = self._load(store, organisation, info.key_id)
                    return IssuerIdentity(issuer_id, private.did_key_vm, info.key_id, private)
        raise KeyringError(f"no key of {organisation.slug} can sign as {issuer_id}")

    def did_document(self, organisation: Organisation) -> dict:
        """The did:web document: active and retired keys, all usable for assertions."""
        store = self._store(organisation)
        return did_document(self.did_web(organisation), store.public_keys())

    def key_infos(self, organisation: Organisation) -> list[Any]:
        return self._store(organisation).list()

    def mark_compromised(self, organisation: Organisation, key_id: str, *, since: datetime,
                         now: datetime, reason: str | None = None) -> KeyInfo:
        """Record that a retired key was compromised from ``since`` on (see
        services/key_compromise.py for what verification then accepts). The key stays in the
        DID document: credentials it signed before ``since`` must keep verifying elsewhere."""
        store = self._store(organisation)
        info = next((i for i in store.list() if i.key_id == key_id), None)
        if info is None:
            known = ", ".join(i.key_id for i in store.list()) or "none"
            raise NotFound(f"{organisation.slug} has no key {key_id!r} (its keys: {known})")
        if info.active:
            raise Conflict(
                f"{key_id} is the active key of {organisation.slug}: rotate first "
                f"('badge-service keys rotate --organisation {organisation.slug}') so that "
                "nothing new is signed with it, then mark it compromised")
        try:
            return store.mark_compromised(key_id, since=since, now=now, reason=reason)
        except CredentialsError as exc:
            raise Conflict(exc.detail) from None

    def compromised_keys(self, organisation: Organisation) -> list[KeyInfo]:
        """The organisation's keys marked compromised. Without a passphrase nothing of ours
        verifies anyway (our DID documents cannot be served), so there is nothing to judge."""
        if not self.passphrase:
            return []
        # Asked on every verification of a signature, for every organisation: the index is
        # parsed again only when its file changed (written atomically, so a new inode; the CLI
        # that marks a key may be another process).
        store = self._store(organisation)
        try:
            stat = store.index_path.stat()
        except FileNotFoundError:
            return []
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._compromised.get(organisation.slug)
        if cached is not None and cached[0] == signature:
            return cached[1]
        try:
            marked = [i for i in store.list() if i.compromised_since]
        except CredentialsError as exc:
            raise KeyringError(f"cannot read the keys of {organisation.slug}: "
                               f"{exc.detail}") from None
        with self._lock:
            self._compromised[organisation.slug] = (signature, marked)
        return marked


def current_keyring() -> Keyring:
    """The application's keyring (one per app; it caches decrypted keys)."""
    return keyring_of(current_app._get_current_object())  # type: ignore[attr-defined]


def keyring_of(app: Any) -> Keyring:
    keyring = app.extensions.get("badge_keyring")
    if keyring is None:
        keyring = Keyring(app.config["KEYS_DIR"], app.config["KEY_PASSPHRASE"],
                          app.config["PUBLIC_BASE_URL"],
                          scrypt_log_n=app.config["KEY_SCRYPT_LOG_N"],
                          host_organisation=app.config["HOST_DID_ORGANISATION"])
        app.extensions["badge_keyring"] = keyring
    return keyring
