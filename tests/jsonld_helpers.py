"""Shared by the JSON-LD tests (no tests here): context URLs, a small badge, made-up proofs, and
varied credentials, with the names of those that take the N-Quads fast path."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from factories import make_clr, make_credential, make_endorsement

import schemas
from credentials.jsonld import DocumentLoader

V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
VOCAB = "https://example.org/vocab#"
ISSUER = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def fresh_loader() -> DocumentLoader:
    """A loader with its own caches over private copies (a test that pollutes them stays local)."""
    return DocumentLoader(copy.deepcopy(schemas.bundled_documents("contexts")))


def badge(**extra: Any) -> dict:
    """A small OpenBadgeCredential; ``extra`` entries replace or add top-level entries."""
    return {
        "@context": [V2, OB],
        "id": "urn:uuid:2f0a3c5e-8a1b-4d2e-9f3a-6b7c8d9e0f1a",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Centre de formation"},
        "validFrom": "2025-10-06T09:30:00Z",
        "name": "Badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://badges.example.org/achievements/a",
                "type": ["Achievement"],
                "name": "Achievement",
                "criteria": {"narrative": "Done."},
            },
        },
        **extra,
    }


def fake_proof(suffix: str = "1") -> dict:
    # Canonicalization never checks a signature: a well-formed, made-up proof is enough.
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-10-06T09:30:00Z",
        "verificationMethod": f"{ISSUER}#{ISSUER.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z5vgFc9AZNEq4Hbx7PqkX7W2kvzKbTvmp4Y2hQ8T5mRgh" + suffix * 10,
    }


def varied_documents() -> dict[str, dict]:
    """Credentials covering what we issue and receive, plus constructs pyld handles itself."""
    credential = make_credential()
    signed = {**make_credential(email="b@example.org"), "proof": fake_proof()}
    status = {
        "id": "https://badges.example.org/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://badges.example.org/status/1",
    }
    tricky_text = (
        "Émoji 🎓👩🏽‍🏫, « guillemets », \"quotes\", 'apostrophes', back\\slash, tab\there, "
        "new\nline, CR\r\nLF, 日本語, العربية, zero\u200bwidth, line\u2028para\u2029sep, nel\x85"
    )
    endorsement = make_endorsement()
    return {
        "ob-credential": credential,
        "ob-credential-with-status": make_credential(credential_status=status),
        "ob-credential-valid-until": make_credential(valid_until=datetime(2030, 1, 1, tzinfo=UTC)),
        "ob-signed-credential": signed,
        "endorsement": endorsement,
        "credential-with-endorsement": {
            **credential,
            "endorsement": [{**endorsement, "proof": fake_proof("2")}],
        },
        "clr": make_clr([signed]),
        "tricky-strings": badge(name=tricky_text, description=tricky_text + "\n"),
        "language-tagged": badge(
            name=[{"@value": "Bonjour", "@language": "fr"}, {"@value": "Hi", "@language": "en-GB"}]
        ),
        "typed-and-native-values": badge(
            credentialSubject={
                "type": ["AchievementSubject"],
                "creditsEarned": 3,
                "activityEndDate": "2025-09-29T09:30:00Z",
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "hashed": False,
                        "identityHash": "claire@example.org",
                        "identityType": "emailAddress",
                    }
                ],
                "achievement": {"type": ["Achievement"], "name": "A", "criteria": {}},
            }
        ),
        "blank-node-ids": badge(
            id="_:b0",
            issuer={"id": "_:b1", "type": ["Profile"], "name": "Issuer"},
            evidence=[
                {"id": "_:b1", "type": ["Evidence"], "name": "Same node as the issuer"},
                {"type": ["Evidence"], "name": "Unlabelled"},
            ],
        ),
        "several-subjects-and-empties": badge(
            credentialSubject=[
                {
                    "id": "did:example:learner1",
                    "type": ["AchievementSubject"],
                    "achievement": {"type": ["Achievement"], "name": "A", "tag": []},
                },
                {
                    "id": "did:example:learner2",
                    "type": ["AchievementSubject"],
                    "achievement": {"type": ["Achievement"], "name": "A", "criteria": {}},
                },
            ]
        ),
        "inline-context": {
            **badge(),
            "@context": [V2, OB, {"localNote": VOCAB + "localNote", "localFlag": VOCAB + "flag"}],
            "localNote": ["defined inline", True, -7, 12345678901234567890],
            "localFlag": [False, {"@value": "typed", "@type": VOCAB + "Datatype"}],
        },
        "nested-properties": {
            **badge(),
            "@context": [V2, OB, {"details": "@nest", "detailNote": VOCAB + "detailNote"}],
            "details": {"detailNote": "nested with @nest", "description": "also nested"},
        },
        "node-level-context": badge(
            evidence=[
                {
                    "@context": {"evidenceNote": {"@id": VOCAB + "evidenceNote"}},
                    "type": ["Evidence"],
                    "evidenceNote": "defined on the node",
                }
            ]
        ),
        # Beyond the fast path: pyld's own node map must give the same answer.
        "double": badge(
            credentialSubject={
                "type": ["AchievementSubject"],
                "creditsEarned": 2.5,
                "achievement": {"type": ["Achievement"], "name": "A", "criteria": {}},
            }
        ),
        "list-json-graph": {
            **badge(),
            "@context": [
                V2,
                OB,
                {
                    "ordered": {"@id": VOCAB + "ordered", "@container": "@list"},
                    "raw": {"@id": VOCAB + "raw", "@type": "@json"},
                    "inner": {"@id": VOCAB + "inner", "@container": "@graph"},
                },
            ],
            "ordered": ["first", {"id": "https://example.org/second"}, 3],
            "raw": {"b": [1, 2.5, None, "é"], "a": True},
            "inner": {"id": "https://example.org/g", "name": "inside a graph"},
        },
        "direction": badge(name={"@value": "مرحبا", "@language": "ar", "@direction": "rtl"}),
    }


FAST_PATH = {
    "ob-credential", "ob-credential-with-status", "ob-credential-valid-until", "endorsement",
    "tricky-strings", "language-tagged", "typed-and-native-values", "blank-node-ids",
    "several-subjects-and-empties", "inline-context", "node-level-context", "nested-properties",
}  # fmt: skip
