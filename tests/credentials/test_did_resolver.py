"""The DID resolver (with fake fetchers only): fetch errors, caching, verification method lookup
and relationships, https controller documents and standalone verification methods."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from did_helpers import WEB_DID, WEB_URL, FakeFetcher

from credentials.did import DID_CONTEXTS, MAX_DOCUMENT_BYTES, Resolver, did_document
from credentials.errors import FetchError, ResolutionError
from credentials.keys import KeyPair

# -- resolver ----------------------------------------------------------------------------------


def _web_document(**extra: Any) -> tuple[dict[str, Any], KeyPair]:
    key = KeyPair.generate()
    document = did_document(WEB_DID, [("key-1", key, True)])
    document.update(extra)
    return document, key


def test_resolver_without_fetcher_refuses_did_web() -> None:
    with pytest.raises(ResolutionError, match="no fetcher configured") as caught:
        Resolver().resolve(WEB_DID)
    assert WEB_URL in caught.value.detail


def test_resolver_preseeded_documents() -> None:
    document, key = _web_document()
    resolver = Resolver(documents={WEB_DID: document})
    assert resolver.resolve(WEB_DID) == document
    assert resolver.resolve(WEB_DID + "#key-1") == document
    assert resolver.resolve_verification_method(f"{WEB_DID}#key-1").key == key
    # Returned documents are copies: callers cannot poison later resolutions.
    resolver.resolve(WEB_DID)["verificationMethod"].clear()
    document["verificationMethod"].clear()
    assert resolver.resolve_verification_method(f"{WEB_DID}#key-1").key == key


def test_resolver_fetch_errors() -> None:
    document, _ = _web_document()
    cases: list[tuple[Any, type[Exception], str]] = [
        (b"{not json", ResolutionError, "not valid JSON"),
        (b"[1, 2]", ResolutionError, "not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, ResolutionError, "not valid JSON"),
        (b" " * (MAX_DOCUMENT_BYTES + 1), FetchError, "byte limit"),
        ({**document, "id": "did:web:evil.example"}, ResolutionError, "must equal"),
        (OSError("connection reset"), FetchError, "connection reset"),
        (FetchError("refused by policy"), FetchError, "refused by policy"),
    ]
    for response, error, message in cases:
        resolver = Resolver(FakeFetcher({WEB_URL: response}))
        with pytest.raises(error, match=message):
            resolver.resolve(WEB_DID)
    with pytest.raises(FetchError, match="404"):
        Resolver(FakeFetcher({})).resolve("did:web:missing.example")


def test_resolver_fetcher_returning_text_is_refused() -> None:
    with pytest.raises(FetchError, match="not bytes"):
        Resolver(lambda url: "{}").resolve(WEB_DID)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("did:example:123", "not supported"),
        ("http://example.com/issuer", "only did:key, did:web and https"),
        ("urn:uuid:1234", "only did:key"),
        ("", "not a DID or URL"),
    ],
)
def test_resolver_unsupported_targets(target: str, message: str) -> None:
    with pytest.raises(ResolutionError, match=message):
        Resolver(FakeFetcher({})).resolve(target)


def test_resolver_caches_per_instance_only() -> None:
    document, _ = _web_document()
    fetcher = FakeFetcher({WEB_URL: document})
    Resolver(fetcher).resolve(WEB_DID)
    second = Resolver(fetcher)
    second.resolve(WEB_DID)
    second.resolve(WEB_DID)
    assert fetcher.calls == [WEB_URL, WEB_URL]


def test_relative_ids_embedded_methods_and_jwk_types() -> None:
    ed, p256, ed2020 = KeyPair.generate(), KeyPair.generate("P-256"), KeyPair.generate()
    import cryptography.hazmat.primitives.asymmetric.rsa as rsa

    rsa_key = KeyPair.from_key_object(
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    document = {
        "id": WEB_DID,
        "verificationMethod": [
            {
                "id": "#ed",
                "type": "Multikey",
                "controller": WEB_DID,
                "publicKeyMultibase": ed.public_multibase,
            },
            {
                "id": "#jwk",
                "type": "JsonWebKey",
                "controller": WEB_DID,
                "publicKeyJwk": p256.to_public_jwk(),
            },
            {
                "id": f"{WEB_DID}#rsa",
                "type": "JsonWebKey2020",
                "controller": WEB_DID,
                "publicKeyJwk": rsa_key.to_public_jwk(),
            },
            {
                "id": "#2020",
                "type": "Ed25519VerificationKey2020",
                "controller": WEB_DID,
                "publicKeyMultibase": ed2020.public_multibase,
            },
        ],
        "assertionMethod": [
            "#ed",
            f"{WEB_DID}#jwk",
            "#rsa",
            {
                "id": "#embedded",
                "type": "Multikey",
                "controller": WEB_DID,
                "publicKeyMultibase": ed2020.public_multibase,
            },
        ],
        "authentication": "#2020",
    }
    resolver = Resolver(FakeFetcher({WEB_URL: document}))
    by_fragment = {
        fragment: resolver.resolve_verification_method(f"{WEB_DID}#{fragment}")
        for fragment in ("ed", "jwk", "rsa", "2020", "embedded")
    }
    assert by_fragment["ed"].key == ed
    assert by_fragment["ed"].id == f"{WEB_DID}#ed"
    assert by_fragment["jwk"].key == p256
    assert by_fragment["jwk"].type == "JsonWebKey"
    assert by_fragment["rsa"].key == rsa_key
    assert by_fragment["2020"].key == ed2020
    assert by_fragment["2020"].relationships == frozenset({"authentication"})
    assert by_fragment["embedded"].relationships == frozenset({"assertionMethod"})
    for fragment in ("ed", "jwk", "rsa"):
        assert by_fragment[fragment].relationships == frozenset({"assertionMethod"})
        assert by_fragment[fragment].controller == WEB_DID


def test_method_lookup_failures() -> None:
    key = KeyPair.generate()
    document = {
        "id": WEB_DID,
        "verificationMethod": [
            {
                "id": "#other-controller",
                "type": "Multikey",
                "controller": "did:web:evil.example",
                "publicKeyMultibase": key.public_multibase,
            },
            {
                "id": "#odd",
                "type": "EcdsaSecp256k1VerificationKey2019",
                "controller": WEB_DID,
                "publicKeyHex": "00",
            },
            {"id": "#nokey", "type": "Multikey", "controller": WEB_DID},
            {
                "id": "#wrongtype",
                "type": "Ed25519VerificationKey2020",
                "controller": WEB_DID,
                "publicKeyMultibase": KeyPair.generate("P-256").public_multibase,
            },
            {
                "id": "#badjwk",
                "type": "JsonWebKey",
                "controller": WEB_DID,
                "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"},
            },
        ],
        "assertionMethod": ["#other-controller", "#odd"],
    }
    resolver = Resolver(documents={WEB_DID: document})
    expectations = {
        "missing": "has no verification method",
        "other-controller": "names controller",
        "odd": "unsupported type",
        "nokey": "no publicKeyMultibase",
        "wrongtype": "P-256 key",
        "badjwk": "private key members",
    }
    for fragment, message in expectations.items():
        with pytest.raises(ResolutionError, match=message):
            resolver.resolve_verification_method(f"{WEB_DID}#{fragment}")
    with pytest.raises(ResolutionError, match="needs a '#fragment'"):
        resolver.resolve_verification_method(WEB_DID)


def test_bare_did_key_is_its_single_method(standards_dir: Path) -> None:
    # The 1EdTech validator fixture names a did:key without fragment as its method.
    fixture = json.loads(
        (
            standards_dir / "test-vectors/1edtech-validator-signed/simple-did-key-method.json"
        ).read_text()
    )
    vm = fixture["proof"][0]["verificationMethod"]
    assert "#" not in vm
    method = Resolver().resolve_verification_method(vm)
    multibase = vm.removeprefix("did:key:")
    assert method.id == f"{vm}#{multibase}"
    assert method.controller == vm
    assert "assertionMethod" in method.relationships
    assert method.key.public_multibase == multibase


def test_https_controller_document_of_ob_vector(standards_dir: Path) -> None:
    values = json.loads(
        (standards_dir / "test-vectors/ob-v3p0-eddsa-rdfc-2022/transcribed-values.json").read_text()
    )
    controller = values["controller"]
    document = {
        "@context": list(DID_CONTEXTS),
        "id": controller,
        "verificationMethod": [
            {
                "id": values["verificationMethod"],
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": values["publicKeyMultibase"],
            }
        ],
        "assertionMethod": [values["verificationMethod"]],
    }
    fetcher = FakeFetcher({controller: document})
    method = Resolver(fetcher).resolve_verification_method(values["verificationMethod"])
    assert method.key.public_bytes.hex() == values["publicKeyHex"]
    assert method.relationships == frozenset({"assertionMethod"})
    assert fetcher.calls == [controller]


def test_standalone_verification_method_document() -> None:
    key = KeyPair.generate()
    vm_url = "https://issuer.example/keys/1"
    controller_url = "https://issuer.example/profile"
    vm_doc = {
        "id": vm_url,
        "type": "Multikey",
        "controller": controller_url,
        "publicKeyMultibase": key.public_multibase,
    }
    listing = {"id": controller_url, "assertionMethod": [vm_url]}
    method = Resolver(
        FakeFetcher({vm_url: vm_doc, controller_url: listing})
    ).resolve_verification_method(vm_url)
    assert method.id == vm_url
    assert method.controller == controller_url
    assert method.key == key
    assert method.relationships == frozenset({"assertionMethod"})

    silent = {"id": controller_url, "assertionMethod": []}
    with pytest.raises(ResolutionError, match="does not list"):
        Resolver(FakeFetcher({vm_url: vm_doc, controller_url: silent})).resolve_verification_method(
            vm_url
        )

    other = KeyPair.generate()
    conflicting = {
        "id": controller_url,
        "verificationMethod": [{**vm_doc, "publicKeyMultibase": other.public_multibase}],
        "assertionMethod": [vm_url],
    }
    with pytest.raises(ResolutionError, match="different key"):
        Resolver(
            FakeFetcher({vm_url: vm_doc, controller_url: conflicting})
        ).resolve_verification_method(vm_url)

    with pytest.raises(ResolutionError, match="no controller"):
        Resolver(
            documents={vm_url: {k: v for k, v in vm_doc.items() if k != "controller"}}
        ).resolve_verification_method(vm_url)


def test_resolver_rejects_non_object_seeds() -> None:
    with pytest.raises(ResolutionError, match="not a JSON object"):
        Resolver(documents={WEB_DID: ["x"]})  # type: ignore[dict-item]
