"""Canonical forms equal plain pyld (:func:`canonicalize_with_pyld`, a fresh cache and private
copies of the contexts), on both the N-Quads fast path and pyld's node map."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from jsonld_helpers import FAST_PATH, badge
from pyld import jsonld as pyld_jsonld

from credentials import jsonld
from credentials.jsonld import (
    bundled_loader,
    canonicalize,
    canonicalize_nquads,
    canonicalize_with_pyld,
)

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
