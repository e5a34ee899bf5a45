"""The JSON-LD loader and canonicalization: offline, safe mode, and caches that never leak.

The reference for every canonical form is :func:`canonicalize_with_pyld` -- plain pyld with a
fresh cache and private copies of the contexts -- so each comparison can fail if our caches,
our N-Quads fast path or pyoxigraph's RDFC-1.0 ever diverge from what pyld alone produces.
"""

from __future__ import annotations

import copy
import json
import random
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import make_clr, make_credential, make_endorsement
from pyld import jsonld as pyld_jsonld

import schemas
from credentials import jsonld
from credentials.errors import CanonicalizationError, DocumentNotFound, UndefinedTermError
from credentials.jsonld import (
    DocumentLoader,
    bundled_loader,
    canonicalize,
    canonicalize_nquads,
    canonicalize_with_pyld,
    to_nquads,
)

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


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return varied_documents()


@pytest.fixture(scope="module")
def references(documents: dict[str, dict]) -> dict[str, str]:
    return {name: canonicalize_with_pyld(doc, bundled_loader()) for name, doc in documents.items()}


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


# --- output equals plain pyld -----------------------------------------------------------------


def test_canonical_forms_equal_plain_pyld(
    documents: dict[str, dict], references: dict[str, str]
) -> None:
    for name, document in documents.items():
        assert canonicalize(document) == references[name], name


def test_fast_path_is_taken_where_expected(documents: dict[str, dict]) -> None:
    # Without this, the comparison above could be testing pyld against itself.
    for name, document in documents.items():
        prepared, _ = jsonld._with_sentinel_vocab(document)
        expanded = jsonld._expand(prepared, jsonld._options(bundled_loader(), ""))
        try:
            jsonld._simple_nquads(expanded)
            simple = True
        except jsonld._NotSimple:
            simple = False
        assert simple == (name in FAST_PATH), name


def test_fast_path_and_pyld_node_map_give_the_same_dataset(documents: dict[str, dict]) -> None:
    loader = bundled_loader()
    for name in sorted(FAST_PATH):
        prepared, _ = jsonld._with_sentinel_vocab(documents[name])
        options = jsonld._options(loader, jsonld._RELATIVE_BASE)
        fast = jsonld._simple_nquads(jsonld._expand(prepared, options))
        reference = pyld_jsonld.JsonLdProcessor().to_rdf(copy.deepcopy(prepared), options)
        assert canonicalize_nquads(fast) == canonicalize_nquads(reference), name


def test_control_characters_are_escaped_as_rdfc_requires() -> None:
    # RDFC-1.0 (and Digital Bazaar's rdf-canonize) write U+0000..U+001F and U+007F as escapes
    # (\b \t \n \f \r short forms, else \uXXXX upper case). pyld's own URDNA2015 writes most of
    # them raw, which is why the pyld comparisons above use no such characters.
    document = badge(name="nul\x00bel\x07bs\x08vt\x0bff\x0cus\x1fdel\x7fend")
    canonical = canonicalize(document)
    assert '"nul\\u0000bel\\u0007bs\\bvt\\u000Bff\\fus\\u001Fdel\\u007Fend"' in canonical


def test_1edtech_validator_credentials_equal_plain_pyld(standards_dir: Path) -> None:
    folder = standards_dir / "test-vectors/1edtech-validator-signed"
    for path in sorted(folder.glob("*.json")):
        credential = json.loads(path.read_text(encoding="utf-8"))
        unsecured = {k: v for k, v in credential.items() if k != "proof"}
        for document in (credential, unsecured):
            assert canonicalize(document) == canonicalize_with_pyld(document, None), path.name


# --- caches -----------------------------------------------------------------------------------


def test_repeated_and_interleaved_documents_keep_their_own_meaning(
    documents: dict[str, dict], references: dict[str, str]
) -> None:
    names = sorted(documents)
    loader = fresh_loader()
    for seed in range(3):
        order = names * 2
        random.Random(seed).shuffle(order)
        for name in order:
            assert canonicalize(documents[name], loader) == references[name], (seed, name)


def test_threads_sharing_a_loader_get_the_same_results(
    documents: dict[str, dict], references: dict[str, str]
) -> None:
    loader = fresh_loader()
    names = sorted(documents) * 3

    def run(seed: int) -> list[tuple[str, str]]:
        order = names[:]
        random.Random(seed).shuffle(order)
        return [(name, canonicalize(documents[name], loader)) for name in order]

    with ThreadPoolExecutor(max_workers=4) as pool:
        for results in pool.map(run, range(4)):
            for name, canonical in results:
                assert canonical == references[name], name


def test_inline_redefinitions_do_not_leak_between_documents() -> None:
    def noted(iri: str, *, on_node: bool = False) -> dict:
        context = {"note": {"@id": iri}}
        if on_node:
            return badge(evidence=[{"@context": context, "type": ["Evidence"], "note": "n"}])
        return {**badge(), "@context": [V2, OB, context], "note": "n"}

    loader = fresh_loader()
    cases = [
        (noted(VOCAB + "a"), VOCAB + "a"),
        (noted(VOCAB + "b"), VOCAB + "b"),
        (noted(VOCAB + "c", on_node=True), VOCAB + "c"),
        (badge(), None),
        (noted(VOCAB + "d", on_node=True), VOCAB + "d"),
    ]
    for _ in range(2):
        for document, iri in cases + cases[::-1]:
            canonical = canonicalize(document, loader)
            assert canonical == canonicalize_with_pyld(document, loader)
            notes = [line for line in canonical.splitlines() if '"n"' in line]
            if iri is None:
                assert not notes
            else:
                assert notes == [line for line in notes if f"<{iri}>" in line] != []
    # A document without the inline context must not see the term any more.
    with pytest.raises(UndefinedTermError) as info:
        canonicalize({**badge(), "note": "n"}, loader)
    assert info.value.term == "note"


def test_protected_term_redefinition_fails_even_after_a_permitted_one() -> None:
    # A property-scoped context may override protected terms; the same context embedded
    # directly may not. pyld caches a processed context per active context only, so without
    # care the permitted use would be served from cache to the forbidden one.
    scoped = {"name": VOCAB + "otherName"}
    wrapper = {"wrapper": {"@id": VOCAB + "wrapper", "@context": scoped}}
    permitted = {"@context": [V2, OB, wrapper], "id": "https://example.org/a",
                 "wrapper": {"name": "inner"}}  # fmt: skip
    forbidden = {"@context": [V2, OB, wrapper, scoped], "id": "https://example.org/b",
                 "name": "outer"}  # fmt: skip
    loader = fresh_loader()
    for _ in range(2):
        with pytest.raises(CanonicalizationError, match="protected term redefinition"):
            canonicalize(forbidden, loader)
        assert f'<{VOCAB}otherName> "inner"' in canonicalize(permitted, loader)
    with pytest.raises(CanonicalizationError, match="protected term redefinition"):
        canonicalize(forbidden, loader)


def test_import_cannot_change_the_bundled_contexts() -> None:
    # pyld implements @import by merging the importing context INTO the imported document
    # and caching the merge under its URL: one document could redefine a bundled context for
    # every later one. Such documents are processed against private copies.
    loader = fresh_loader()
    snapshot = json.dumps(loader._documents, sort_keys=True)
    normal = badge()
    expected = canonicalize(normal, loader)
    hostile = {
        "@context": [{"@import": OB, "name": {"@id": VOCAB + "evilName"}, "evil": VOCAB + "e"}],
        "type": ["VerifiableCredential"],
        "name": "hi",
    }
    benign = {
        **badge(),
        "@context": [V2, {"@import": OB, "extraNote": VOCAB + "extraNote"}],
        "extraNote": "imported",
    }
    for _ in range(2):
        with pytest.raises((UndefinedTermError, CanonicalizationError)):
            canonicalize(hostile, loader)
        assert canonicalize(benign, loader) == canonicalize_with_pyld(benign, loader)
        assert f"<{VOCAB}extraNote>" in canonicalize(benign, loader)
        assert json.dumps(loader._documents, sort_keys=True) == snapshot
        assert canonicalize(normal, loader) == expected
        with pytest.raises(UndefinedTermError):
            canonicalize({**normal, "evil": "x"}, loader)


def test_loaders_do_not_share_caches() -> None:
    custom = {"@context": {"type": "@type", "name": VOCAB + "customName", "Thing": VOCAB + "Thing"}}
    url = "https://example.org/contexts/custom.jsonld"
    with_custom = bundled_loader().with_documents({url: custom})
    document = {"@context": [url], "type": "Thing", "name": "x"}
    assert f"<{VOCAB}customName>" in canonicalize(document, with_custom)
    with pytest.raises(DocumentNotFound):
        canonicalize(document, bundled_loader())
    other = bundled_loader().with_documents(
        {url: {"@context": {"type": "@type", "Thing": VOCAB + "Thing"}}}
    )
    with pytest.raises(UndefinedTermError) as info:
        canonicalize(document, other)
    assert info.value.term == "name"


def test_bundled_contexts_are_processed_once_per_loader(
    documents: dict[str, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The point of the caches: after a first pass, no context (the OB context's type-scoped
    # ones included) is processed again.
    loader = fresh_loader()
    names = sorted(FAST_PATH - {"inline-context", "node-level-context"})
    for name in names:
        canonicalize(documents[name], loader)
    calls: list[str] = []
    original = jsonld._Processor._create_term_definition

    def counting(self: Any, active_ctx: Any, local_ctx: Any, term: str, *args: Any, **kw: Any):
        calls.append(term)
        return original(self, active_ctx, local_ctx, term, *args, **kw)

    monkeypatch.setattr(jsonld._Processor, "_create_term_definition", counting)
    for name in names:
        canonicalize(documents[name], loader)
    assert calls == []
