"""The JSON-LD loader and canonicalization safe mode: bundled contexts only, never the network,
and undefined terms, relative IRIs and anything pyld would silently drop refused and named."""

from __future__ import annotations

import copy
import socket
from typing import Any

import pytest
from jsonld_helpers import CLR, ISSUER, OB, OB_EXT, V2, VOCAB, badge
from pyld import jsonld as pyld_jsonld

from credentials.errors import CanonicalizationError, DocumentNotFound, UndefinedTermError
from credentials.jsonld import (
    bundled_loader,
    canonicalize,
    canonicalize_with_pyld,
    to_nquads,
)

# --- the loader -------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)


@pytest.fixture
def no_pyld_global_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(url: str, options: object = None) -> None:
        raise AssertionError(f"pyld's global document loader was asked for {url}")

    monkeypatch.setattr(pyld_jsonld, "_default_document_loader", refuse)


def test_loader_serves_bundled_contexts_only(no_network: None) -> None:
    loader = bundled_loader()
    for url in (V2, OB, OB_EXT, CLR):
        assert url in loader
        remote = loader(url)
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]
    for url in (
        "https://example.org/evil-context.jsonld",
        "https://www.w3.org/2018/credentials",  # the VC 1.1 vocabulary, not its v1 context
        "http://www.w3.org/ns/credentials/v2",  # not the canonical (https) URL
        V2 + "#",
    ):
        assert url not in loader
        with pytest.raises(DocumentNotFound) as info:
            loader(url)
        assert info.value.url == url
        assert url in str(info.value)


@pytest.mark.parametrize("where", ["top", "node", "scoped"])
def test_unknown_context_in_a_document_names_the_url(
    where: str, no_network: None, no_pyld_global_loader: None
) -> None:
    url = "https://attacker.example/context.jsonld"
    if where == "top":
        document = badge(**{"@context": [V2, OB, url]})
    elif where == "node":
        document = badge(evidence=[{"@context": url, "type": ["Evidence"]}])
    else:
        document = {
            **badge(evidence=[{"type": ["Evidence"], "scoped": {"x": 1}}]),
            "@context": [V2, OB, {"scoped": {"@id": VOCAB + "scoped", "@context": url}}],
        }
    for run in (to_nquads, canonicalize):
        with pytest.raises(DocumentNotFound) as info:
            run(document)
        assert info.value.url == url


def test_pyld_global_loader_is_never_used(
    documents: dict[str, dict], no_network: None, no_pyld_global_loader: None
) -> None:
    for document in documents.values():
        assert canonicalize(document)
        assert canonicalize_with_pyld(document, bundled_loader())


# --- safe mode --------------------------------------------------------------------------------

# A double makes the expanded document leave the fast path: the checks must hold on both paths.
SLOW_PATH = {"creditsAvailable": 1.5}


@pytest.fixture(params=["fast", "pyld-node-map"])
def path(request: pytest.FixtureRequest) -> dict:
    return {} if request.param == "fast" else SLOW_PATH


def with_achievement(path: dict, **extra: Any) -> dict:
    document = badge()
    document["credentialSubject"]["achievement"].update(path, **extra)
    return document


def test_undefined_property_is_refused_and_named(path: dict) -> None:
    for document, term in (
        (with_achievement(path, favouriteColour="blue"), "favouriteColour"),
        ({**with_achievement(path), "undefinedTopLevel": 1}, "undefinedTopLevel"),
    ):
        with pytest.raises(UndefinedTermError) as info:
            canonicalize(document)
        assert info.value.term == term
        assert term in info.value.detail
        assert info.value.context == {"term": term, "relative_iri": False}


def test_undefined_type_is_refused_and_named(path: dict) -> None:
    document = with_achievement(path, type=["Achievement", "MysteryAchievement"])
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document)
    assert info.value.term == "MysteryAchievement"


def test_vc_issuer_dependent_vocabulary_counts_as_undefined(path: dict) -> None:
    # VC 2.0 alone maps unknown terms to its @vocab; a signature would "cover" a term no one
    # defined, so safe mode refuses it as well.
    document = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:learner", "shoeSize": 42, **path},
    }
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document)
    assert info.value.term in {"shoeSize", "creditsAvailable"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "achievements/relative"), ("image", "images/badge.png"), ("id", "#fragment")],
)
def test_relative_iri_is_refused_and_named(field: str, value: str, path: dict) -> None:
    document = with_achievement(path, **{field: value})
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document)
    assert info.value.term == value
    assert info.value.context["relative_iri"] is True
    assert value in info.value.detail


@pytest.mark.parametrize("bad", ["did:example:has space", "https://example.org/tab\there"])
def test_malformed_iri_pyld_would_drop_is_refused(bad: str, path: dict) -> None:
    # pyld drops every triple whose IRI fails its absolute-IRI test -- here the whole subject.
    document = badge()
    document["credentialSubject"].update(path, id=bad)
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document)
    assert info.value.term == bad
    assert info.value.context["relative_iri"] is True


@pytest.mark.parametrize("key", ["favourite colour", "@notAKeyword", "nulled"])
def test_property_pyld_drops_while_expanding_is_refused(key: str, path: dict) -> None:
    # pyld drops, without a word, a key mapped to null, a keyword-like key and a key that does
    # not expand to an absolute IRI (a space survives even our sentinel @vocab).
    document = with_achievement(path, **{key: "silently dropped"})
    document["@context"] = [V2, OB, {"nulled": None}]
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document)
    assert info.value.term == key


def test_blank_node_property_is_refused(path: dict) -> None:
    document = with_achievement(path, **{"_:hidden": "not an RDF predicate"})
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document)
    assert info.value.term == "_:hidden"


def test_malformed_documents_raise_canonicalization_errors() -> None:
    with pytest.raises(CanonicalizationError, match="no @context"):
        canonicalize({"type": "VerifiableCredential"})
    with pytest.raises(CanonicalizationError, match="protected term redefinition"):
        canonicalize(badge(**{"@context": [V2, OB, {"name": VOCAB + "name"}]}))
    deep: dict = {"narrative": "bottom"}
    for _ in range(5000):
        deep = {"criteria": deep}
    with pytest.raises(CanonicalizationError):
        canonicalize(with_achievement({}, criteria=deep))


def test_input_is_not_modified(documents: dict[str, dict]) -> None:
    for document in documents.values():
        before = copy.deepcopy(document)
        canonicalize(document)
        assert document == before
