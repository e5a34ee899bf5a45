"""JSON-LD caches that never leak: repeated, interleaved and threaded documents, inline and
imported contexts, and separate loaders each keep their own meaning."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from jsonld_helpers import FAST_PATH, OB, V2, VOCAB, badge, fresh_loader

from credentials import jsonld
from credentials.errors import CanonicalizationError, DocumentNotFound, UndefinedTermError
from credentials.jsonld import (
    bundled_loader,
    canonicalize,
    canonicalize_with_pyld,
)

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
