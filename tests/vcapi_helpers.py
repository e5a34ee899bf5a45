"""Requests and documents shared by the VC-API conformance tests (issue options, input shapes,
presentations, relatedResource)."""

from __future__ import annotations

import uuid
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
DI_V2 = "https://w3id.org/security/data-integrity/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def badge(issuer: str, **changes: Any) -> dict:
    document = {
        "@context": [VC_V2, OB],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Lille Learning Lab"},
        "validFrom": "2026-09-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {"id": "https://badges.example.org/achievements/teamwork",
                            "type": ["Achievement"], "name": "Teamwork",
                            "description": "Works well in a team.",
                            "criteria": {"narrative": "Nominated by peers."}},
        },
    }
    document.update(changes)
    return document


def issue(client, credential: Any, headers: dict, **body: Any):  # type: ignore[no-untyped-def]
    return client.post("/credentials/issue", json={"credential": credential, **body},
                       headers=headers)


def errors_of(response) -> dict:  # type: ignore[no-untyped-def]
    """field -> message of a problem+json answer (fails when the answer is not one)."""
    assert response.content_type == "application/problem+json", response.get_data(as_text=True)
    return {e.get("field"): e["message"] for e in response.json.get("errors", [])}


def proofs_of(document: dict) -> list[dict]:
    """The proofs of a signed document, whether ``proof`` is one object or an array."""
    proof = document["proof"]
    return proof if isinstance(proof, list) else [proof]


def api_verify(client, document: Any):  # type: ignore[no-untyped-def]
    """The one report POST /api/v1/verify gives for ``document``."""
    response = client.post("/api/v1/verify", json={"credentials": [document], "lang": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [report] = response.json["results"]
    return report
