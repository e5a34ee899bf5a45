"""Shared by the model builder tests (no tests here): a fixed issuer and time, and proof-shaped
objects that make embedded credentials look signed."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

NOW = datetime(2025, 10, 6, 9, 30, tzinfo=UTC)
ISSUER = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def fake_proof() -> dict:
    """A proof-shaped object, so embedded credentials look like signed ones to the checks."""
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-10-06T09:30:00Z",
        "verificationMethod": f"{ISSUER}#{ISSUER.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 86,
    }


def signed_like(document: dict) -> dict:
    return {**copy.deepcopy(document), "proof": [fake_proof()]}
