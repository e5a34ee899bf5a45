"""did:key documents, the did:web DID <-> URL mapping, and the DID documents we publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from did_helpers import WEB_DID, WEB_URL, FakeFetcher

from credentials.did import (
    DID_CONTEXTS,
    Resolver,
    did_document,
    did_key,
    did_key_document,
    did_web_from_url,
    did_web_to_url,
)
from credentials.errors import KeyError_, ResolutionError
from credentials.keys import KeyPair

W3C_DID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


# -- did:key -----------------------------------------------------------------------------------


def test_did_key_document_shape(standards_dir: Path) -> None:
    pair = json.loads((standards_dir / "test-vectors/eddsa-rdfc-2022/keyPair.json").read_text())
    key = KeyPair.from_public_multibase(pair["publicKeyMultibase"])
    assert did_key(key) == W3C_DID
    vm_id = f"{W3C_DID}#{pair['publicKeyMultibase']}"
    assert did_key_document(W3C_DID) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": W3C_DID,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": W3C_DID,
                "publicKeyMultibase": pair["publicKeyMultibase"],
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
    # The signed W3C vector names exactly this verification method.
    signed = json.loads(
        (standards_dir / "test-vectors/eddsa-rdfc-2022/signedDataInt.json").read_text()
    )
    method = Resolver().resolve_verification_method(signed["proof"]["verificationMethod"])
    assert method.id == vm_id
    assert method.key == key


@pytest.mark.parametrize("bad", ["did:key:", "did:key:abc", "did:key:z6Mk0abc", "did:web:x"])
def test_did_key_document_rejects_bad_dids(bad: str) -> None:
    with pytest.raises(ResolutionError):
        did_key_document(bad)


def test_p256_did_key_resolves() -> None:
    key = KeyPair.generate("P-256")
    method = Resolver().resolve_verification_method(key.did_key_vm)
    assert method.key == key
    assert method.type == "Multikey"
    assert method.key.algorithm == "P-256"


# -- did:web mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        # The did:web method specification's examples (§3.2 Read/Resolve).
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com:u:bob", "https://example.com/u/bob/did.json"),
        ("did:web:example.com%3a8443", "https://example.com:8443/.well-known/did.json"),
        ("did:web:example.com:a%20b", "https://example.com/a%20b/did.json"),
    ],
)
def test_did_web_to_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:key:z6Mk",
        "did:web:exa mple.com",
        "did:web:192.168.0.1",
        "did:web:example.com/path",
        "did:web:example.com#frag",
        "did:web:example.com:..",
        "did:web:example.com:%2E%2E",
        "did:web:example.com:a%2Fb",
        "did:web:example.com::a",
        "did:web:example.com%3A99999",
        "did:web:example.com%40evil.org",
        "did:web:-bad-.com",
        "did:web:example.com:user~x",
    ],
)
def test_did_web_to_url_rejects(did: str) -> None:
    with pytest.raises(ResolutionError):
        did_web_to_url(did)


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://badges.example.org", "did:web:badges.example.org"),
        ("https://badges.example.org/", "did:web:badges.example.org"),
        ("https://Badges.Example.org:443", "did:web:badges.example.org"),
        ("https://example.com:3000/user/alice/", "did:web:example.com%3A3000:user:alice"),
        ("https://example.com/a:b/c", "did:web:example.com:a%3Ab:c"),
    ],
)
def test_did_web_from_url(url: str, did: str) -> None:
    assert did_web_from_url(url) == did


def test_did_web_round_trip() -> None:
    for base in ("https://example.com", "https://example.com:8443/org/team-1", "https://a.b.c/x"):
        did = did_web_from_url(base)
        document_url = did_web_to_url(did)
        expected = base + ("/.well-known/did.json" if base.count("/") == 2 else "/did.json")
        assert document_url == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://user:pw@example.com",
        "https://example.com/?q=1",
        "https://example.com/#x",
        "https://10.0.0.1",
        "https://example.com//double",
        "https://example.com/../up",
        "https://example.com:notaport",
        "ftp://example.com",
    ],
)
def test_did_web_from_url_rejects(url: str) -> None:
    with pytest.raises(ResolutionError):
        did_web_from_url(url)


# -- DID documents we publish -------------------------------------------------------------------


def test_did_document_lists_retired_keys_for_assertion() -> None:
    old, current, p256 = KeyPair.generate(), KeyPair.generate(), KeyPair.generate("P-256")
    document = did_document(
        WEB_DID, [("key-2024", old, False), ("key-2025", current, True), ("es-1", p256, True)]
    )
    ids = [f"{WEB_DID}#key-2024", f"{WEB_DID}#key-2025", f"{WEB_DID}#es-1"]
    assert document["@context"] == list(DID_CONTEXTS)
    assert document["id"] == WEB_DID
    assert document["verificationMethod"] == [
        {
            "id": ids[0],
            "type": "Multikey",
            "controller": WEB_DID,
            "publicKeyMultibase": old.public_multibase,
        },
        {
            "id": ids[1],
            "type": "Multikey",
            "controller": WEB_DID,
            "publicKeyMultibase": current.public_multibase,
        },
        {
            "id": ids[2],
            "type": "Multikey",
            "controller": WEB_DID,
            "publicKeyMultibase": p256.public_multibase,
        },
    ]
    assert document["assertionMethod"] == ids
    assert document["authentication"] == ids[1:]
    assert document["verificationMethod"][2]["publicKeyMultibase"].startswith("zDn")

    # And our resolver accepts what we publish, retired key included.
    fetcher = FakeFetcher({WEB_URL: document})
    resolver = Resolver(fetcher)
    retired = resolver.resolve_verification_method(ids[0])
    assert retired.key == old
    assert retired.controller == WEB_DID
    assert retired.relationships == frozenset({"assertionMethod"})
    active = resolver.resolve_verification_method(ids[1])
    assert active.relationships == frozenset({"assertionMethod", "authentication"})
    assert fetcher.calls == [WEB_URL]  # fetched once per resolver instance


def test_did_document_validation() -> None:
    key = KeyPair.generate()
    with pytest.raises(KeyError_, match="appears twice"):
        did_document(WEB_DID, [("a", key, True), ("a", KeyPair.generate(), False)])
    with pytest.raises(KeyError_, match="repeats a public key"):
        did_document(WEB_DID, [("a", key, True), ("b", key.public_only(), False)])
    with pytest.raises(KeyError_, match="invalid key id"):
        did_document(WEB_DID, [("has space", key, True)])
    with pytest.raises(KeyError_, match="at least one key"):
        did_document(WEB_DID, [])
    with pytest.raises(ResolutionError):
        did_document("https://example.com", [("a", key, True)])
    with pytest.raises(ResolutionError):
        did_document(WEB_DID + "#frag", [("a", key, True)])


def test_did_document_does_not_mutate_or_share_input() -> None:
    keys = [("a", KeyPair.generate(), True)]
    snapshot = list(keys)
    first = did_document(WEB_DID, keys)
    first["assertionMethod"].append("x")
    assert keys == snapshot
    assert did_document(WEB_DID, keys)["assertionMethod"] == [f"{WEB_DID}#a"]
