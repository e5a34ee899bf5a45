"""Shared by the VC-JWT tests (no tests here): a fixed time, issuer DIDs and a credential, a fake
fetcher, and a compact JWS built without joserfc so verification is checked independently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from credentials.did import Resolver, did_document
from credentials.errors import FetchError
from credentials.jwt import JwtResult, verify_jwt
from credentials.keys import KeyPair
from credentials.multibase import b64url_decode, b64url_encode

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
VALID_FROM = "2025-01-15T08:30:00Z"
VALID_FROM_TS = int(datetime(2025, 1, 15, 8, 30, tzinfo=UTC).timestamp())
WEB_DID = "did:web:badges.example.org"
WEB_URL = "https://badges.example.org/.well-known/did.json"


def make_credential(issuer_id: str, **changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3f1c2f8e-0d7b-4a7e-9b1a-5b7f0c1d2e3f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "Académie d'exemple"},
        "validFrom": VALID_FROM,
        "name": "Ressources numériques (B1)",
        "credentialSubject": {
            "id": "did:example:claire",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example.org/achievements/digcompedu-2-b1",
                "type": ["Achievement"],
                "name": "Ressources numériques",
                "description": "Sélectionner, créer et partager des ressources numériques.",
                "criteria": {"narrative": "Portfolio évalué par deux formateurs."},
            },
        },
    }
    credential.update(changes)
    return credential


class FakeFetcher:
    def __init__(self, responses: dict[str, Any]) -> None:
        self.responses = responses
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if url not in self.responses:
            raise FetchError(f"404 for {url}", url=url)
        return json.dumps(self.responses[url]).encode()


def craft(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    """A compact JWS built without joserfc, so verification is checked independently."""
    signing_input = (
        b64url_encode(json.dumps(header).encode())
        + "."
        + b64url_encode(json.dumps(payload).encode())
    )
    return signing_input + "." + b64url_encode(sign(signing_input.encode()))


def claims_payload(credential: dict[str, Any], **claims: Any) -> dict[str, Any]:
    issuer = credential["issuer"]
    base = {
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": VALID_FROM_TS,
    }
    return {**credential, **base, **claims}


def verify(token: str | bytes, resolver: Resolver | None = None, **kwargs: Any) -> JwtResult:
    return verify_jwt(token, resolver=resolver or Resolver(), now=kwargs.pop("now", NOW), **kwargs)


def problems(result: JwtResult) -> list[str]:
    return [problem for problem, _ in result.errors]


def split(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def web_setup() -> tuple[KeyPair, KeyPair, Resolver, FakeFetcher]:
    retired, active = KeyPair.generate(), KeyPair.generate("P-256")
    document = did_document(WEB_DID, [("key-2024", retired, False), ("key-2025", active, True)])
    fetcher = FakeFetcher({WEB_URL: document})
    return retired, active, Resolver(fetcher), fetcher
