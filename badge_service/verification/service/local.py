"""Our own documents, served locally: what a verification fetches under ``PUBLIC_BASE_URL``.

Documents under our own base URL never go over the network: :class:`LocalDocuments` serves them
from the database and the keyring (credentials as issued, DID documents, signed status lists), so
verifying our credentials works without DNS and sees a revocation at once.
:class:`LocalFirstFetcher` sends every other URL to the guarded fetcher.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from badge_service.awards.models import IssuedCredential
from badge_service.errors import NotFound
from badge_service.keys.service import CompromisedKeys
from badge_service.organisations import service as organisations
from badge_service.status import service as status_lists
from credentials.errors import CredentialsError, FetchError

log = logging.getLogger(__name__)

Fetcher = Callable[[str], bytes]

_CREDENTIAL_PATH = re.compile(r"^/credentials/([0-9a-fA-F-]{32,36})(?:[/.][^?#]*)?$")
_ISSUER_DID_PATH = re.compile(r"^/issuers/([A-Za-z0-9_-]{1,64})/did\.json$")
_STATUS_PATH = re.compile(r"^/status/([A-Za-z0-9_-]{1,64})/([a-z]+)/([0-9]{1,9})$")


class LocalDocuments:
    """Documents under our ``PUBLIC_BASE_URL``, read from the database and the keyring.

    ``fetch`` raises :class:`FetchError` (with a message safe to show) for anything it cannot
    serve; it never goes over the network.
    """

    def __init__(self, session: Session, keyring: Any, public_base_url: str, *, now: datetime,
                 host_organisation: str | None = None) -> None:
        self.session = session
        self.keyring = keyring
        self.base = public_base_url.rstrip("/")
        self.now = now
        self.host_organisation = host_organisation
        #: Every door verifying through this service judges compromised keys by our records.
        self.key_policy = CompromisedKeys(self)

    def owns(self, url: str) -> bool:
        """Whether ``url`` is under our base URL (scheme and host compared case-blind)."""
        if not isinstance(url, str):
            return False
        try:
            parts, base = urlsplit(url), urlsplit(self.base)
            same_origin = (parts.scheme.lower(), parts.netloc.lower()) == (
                base.scheme.lower(), base.netloc.lower())
        except ValueError:
            return False
        base_path = base.path.rstrip("/")
        return same_origin and (parts.path == base_path
                                or parts.path.startswith(base_path + "/"))

    def _path(self, url: str) -> str:
        """The path below our base URL (which may itself have a path)."""
        base_path = urlsplit(self.base).path.rstrip("/")
        return urlsplit(url).path[len(base_path):] or "/"

    def issued(self, url: str) -> IssuedCredential | None:
        """The credential a URL designates: its id, or any page under it (PDF, image, JWT)."""
        if not self.owns(url):
            return None
        match = _CREDENTIAL_PATH.match(self._path(url))
        if not match:
            return None
        try:
            credential_id = uuid.UUID(match.group(1))
        except ValueError:
            return None
        return self.session.get(IssuedCredential, credential_id)

    def fetch(self, url: str) -> bytes:
        try:
            document = self._document(url)
        except FetchError:
            raise
        except Exception:
            # Whatever failed here (keys, database) is ours to log, not the verifier's to read.
            log.exception("serving %s locally failed", url)
            raise FetchError(f"{url} could not be read from this service", url=url) from None
        if document is None:
            raise FetchError(f"{url}: no such document on this service", url=url)
        return json.dumps(document, ensure_ascii=False).encode("utf-8")

    def _document(self, url: str) -> dict | None:
        path = self._path(url)
        issued = self.issued(url)
        if issued is not None:
            return issued.document
        match = _ISSUER_DID_PATH.match(path)
        if match and match.group(1) != self.host_organisation:
            # The host organisation's DID is did:web:<host>: its path DID is nobody's (the
            # served route answers 404 too).
            return self._did_document(match.group(1))
        if path == "/.well-known/did.json" and self.host_organisation:
            return self._did_document(self.host_organisation)
        match = _STATUS_PATH.match(path)
        if match and match.group(2) in status_lists.PURPOSES:
            slug, purpose, number = match.group(1), match.group(2), int(match.group(3))
            try:
                organisation = organisations.by_slug(self.session, slug)
                status_list = status_lists.find(self.session, organisation, purpose, number)
            except NotFound:
                return None
            identity = self.keyring.identity_for_issuer(organisation, status_list.issuer_id)
            return status_lists.signed_credential(
                self.session, status_list, identity=identity,
                public_base_url=self.base, now=self.now)
        return None

    def _did_document(self, slug: str) -> dict | None:
        try:
            organisation = organisations.by_slug(self.session, slug)
        except NotFound:
            return None
        if organisation.did_method != "web":
            return None
        return self.keyring.did_document(organisation)


class LocalFirstFetcher:
    """``fetcher(url) -> bytes``: our own documents locally, every other URL through ``remote``."""

    def __init__(self, local: LocalDocuments | None, remote: Fetcher) -> None:
        self.local = local
        self.remote = remote

    def __call__(self, url: str) -> bytes:
        if self.local is not None and self.local.owns(url):
            return self.local.fetch(url)
        try:
            return self.remote(url)
        except CredentialsError:
            raise
        except Exception:
            # The guarded fetcher raises FetchError; anything else is a bug whose message
            # (which may say anything) must not reach the person verifying.
            log.exception("fetching %s failed unexpectedly", url)
            raise FetchError(f"could not fetch {url}", url=url) from None
