"""Shared by the DID tests (no tests here): a did:web issuer, its document URL, and a fake fetcher
serving canned bytes."""

from __future__ import annotations

import json
from typing import Any

from credentials.errors import FetchError

WEB_DID = "did:web:badges.example.org"
WEB_URL = "https://badges.example.org/.well-known/did.json"


class FakeFetcher:
    """Serves canned bytes per URL and records every request."""

    def __init__(self, responses: dict[str, Any]) -> None:
        self.responses = responses
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if url not in self.responses:
            raise FetchError(f"404 for {url}", url=url)
        value = self.responses[url]
        if isinstance(value, Exception):
            raise value
        return value if isinstance(value, bytes) else json.dumps(value).encode()
