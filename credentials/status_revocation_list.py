"""Checking a 1EdTech Revocation List Status Method (``vcrl``) entry: a JSON document at
``credentialStatus.id`` naming the issuer's revoked credentials by id."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .status_outcome import (
    ENTRY_INVALID,
    LIST_INVALID,
    MAX_REASON_CHARS,
    REVOKED,
    ListUnusable,
    StatusCheck,
    cached,
    fail,
    fetch_document,
    id_of,
    without_fragment,
)

__all__ = ["RevocationListChecker"]


class RevocationListChecker:
    """Checks ``1EdTechRevocationList`` entries of one credential, each list fetched once."""

    def __init__(self, fetch_list: Callable[[str], Any], credential: Mapping[str, Any]) -> None:
        self._fetch = fetch_list
        self._credential = credential
        self._revocation_lists: dict[str, dict[str, str] | ListUnusable] = {}

    def check(self, entry: Mapping[str, Any]) -> StatusCheck:
        url = entry.get("id")
        if not isinstance(url, str) or not url:
            return fail(
                "revocation",
                None,
                None,
                ENTRY_INVALID,
                "a 1EdTechRevocationList credentialStatus needs the list's URL as its id",
            )
        credential_id = self._credential.get("id")
        if not isinstance(credential_id, str) or not credential_id:
            return fail(
                "revocation",
                None,
                url,
                ENTRY_INVALID,
                "a 1EdTech Revocation List names revoked credentials by id, and this credential "
                "has no id; revocation status is unknown",
            )
        try:
            revoked = self._revocation_list(url)
        except ListUnusable as unusable:
            return fail("revocation", None, url, unusable.problem, unusable.detail)
        if credential_id in revoked:
            reason = revoked[credential_id]
            because = f": {reason}" if reason else ""
            return StatusCheck(
                "revocation",
                None,
                url,
                1,
                False,
                REVOKED,
                f"credential is revoked{because} (listed in the 1EdTech Revocation List {url})",
            )
        return StatusCheck(
            "revocation",
            None,
            url,
            0,
            True,
            None,
            f"revocation: not listed in the 1EdTech Revocation List {url}",
        )

    def _revocation_list(self, url: str) -> dict[str, str]:
        """``{revoked credential id: reason}`` of the list at ``url`` (fetched once per call)."""
        # A fragment is never sent to the server: entries differing by one share a document.
        url = without_fragment(url)
        return cached(self._revocation_lists, url, lambda: self._load_revocation_list(url))

    def _load_revocation_list(self, url: str) -> dict[str, str]:
        document = fetch_document(self._fetch, url, "revocation list")
        if document is None:
            raise ListUnusable(LIST_INVALID, f"revocation list {url} is not a JSON object")
        listed_id = document.get("id")
        if listed_id is not None and without_fragment(listed_id) != without_fragment(url):
            raise ListUnusable(
                LIST_INVALID, f"revocation list at {url} identifies itself as {listed_id!r}"
            )
        # The list is not signed: what binds it to the issuer is the URL in the signed
        # credential. A list naming another issuer is someone else's list, so it cannot speak
        # for this credential either way.
        if "issuer" in document:
            list_issuer = id_of(document["issuer"])
            credential_issuer = id_of(self._credential.get("issuer"))
            if list_issuer is None or list_issuer != credential_issuer:
                raise ListUnusable(
                    LIST_INVALID,
                    f"revocation list {url} is published by {list_issuer!r}, not by the "
                    f"credential's issuer {credential_issuer!r}",
                )
        entries = document.get("revokedCredentials", [])
        if not isinstance(entries, list):
            raise ListUnusable(
                LIST_INVALID, f"revocation list {url}: revokedCredentials is not an array"
            )
        revoked: dict[str, str] = {}
        for position, item in enumerate(entries):
            item_id = item.get("id") if isinstance(item, Mapping) else None
            if not isinstance(item_id, str) or not item_id:
                # A list we cannot read in full might hide the one entry that matters.
                raise ListUnusable(
                    LIST_INVALID,
                    f"revocation list {url}: revokedCredentials[{position}] has no id string",
                )
            reason = item.get("reason")
            text = " ".join(reason.split())[:MAX_REASON_CHARS] if isinstance(reason, str) else ""
            revoked[item_id] = text
        return revoked
