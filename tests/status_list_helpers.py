"""Shared by the Bitstring Status List tests (no tests here): fixed times and URLs, and an
encodedList built with the standard library only."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = "did:example:issuer"
REVOCATION_URL = "https://badges.example.org/status/revocation/1"
SUSPENSION_URL = "https://badges.example.org/status/suspension/1"


def encode_raw(bits: bytes) -> str:
    """encodedList built with the standard library only, independent of StatusList.encode."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits)).decode().rstrip("=")
