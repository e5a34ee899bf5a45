"""Model builders against the official 1EdTech JSON Schemas and the JSON-LD contexts: every
emitted key is a defined term and expansion drops nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import factories
import pytest
from cachetools import LRUCache
from jsonschema import Draft201909Validator
from models_helpers import ISSUER, NOW, signed_like
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from referencing import Registry

from credentials import models

SCHEMA_FILES = {
    "purl-capture": "purl-capture-2026-07/ob_v3p0_achievementcredential_schema.json",
    "gh-pages": "1edtech-gh-pages-build/achievementcredential.json",
}
PROFILE_SCHEMA_FILES = {
    "purl-capture": "purl-capture-2026-07/ob_v3p0_profile_schema.json",
    "gh-pages": "1edtech-gh-pages-build/profile.json",
}
# Context files of ../shared/standards/contexts, by the URL documents name them with.
CONTEXT_FILES = {
    models.VC_V2_CONTEXT: "w3c/credentials-v2.jsonld",
    models.OB_EXTENSIONS_CONTEXT: "ob-v3p0/extensions.json",
    models.CLR_CONTEXT: "clr-v2p0/context-2.0.1.json",
}
OB_303_VARIANTS = {
    "3.0.3-2024": "ob-v3p0/context-3.0.3.json",
    "3.0.3-updated-2026": "ob-v3p0/context-3.0.3.updated-2026.json",
}
RELATIVE_BASE = "https://relative-iri.invalid/"


# --------------------------------------------------------------------------- helpers


def _refuse_remote(uri: str) -> Any:
    raise AssertionError(f"schema tried to resolve a remote reference: {uri}")


def schema_validator(path: Path) -> Draft201909Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(
        schema,
        registry=Registry(retrieve=_refuse_remote),
        format_checker=Draft201909Validator.FORMAT_CHECKER,
    )


def schema_errors(path: Path, document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in schema_validator(path).iter_errors(document)
    ]


def load_contexts(standards_dir: Path, ob_variant: str) -> dict[str, Any]:
    root = standards_dir / "contexts"
    files = {**CONTEXT_FILES, models.OB_CONTEXT: OB_303_VARIANTS[ob_variant]}
    return {url: json.loads((root / f).read_text(encoding="utf-8")) for url, f in files.items()}


def context_terms(context: object) -> set[str]:
    """Every term a context defines, at top level or in any scoped context."""
    terms: set[str] = set()
    if isinstance(context, dict):
        for key, value in context.items():
            if key == "@context":
                terms |= context_terms(value)
            elif not key.startswith("@"):
                terms.add(key)
                if isinstance(value, dict) and "@context" in value:
                    terms |= context_terms(value["@context"])
    elif isinstance(context, list):
        for item in context:
            terms |= context_terms(item)
    return terms


def used_terms(node: object) -> Iterator[tuple[str, str]]:
    """(path, term) for every key and every ``type`` value, recursively; skips @context."""
    def walk(value: object, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "@context":
                    continue
                yield path, key
                if key == "type":
                    for t in child if isinstance(child, list) else [child]:
                        yield f"{path}/type", t
                walk_child = walk(child, f"{path}/{key}")
                yield from walk_child
        elif isinstance(value, list):
            for i, child in enumerate(value):
                yield from walk(child, f"{path}[{i}]")
    return walk(node, "")


def undefined_terms(document: dict, contexts: dict[str, Any]) -> list[str]:
    defined: set[str] = set()
    for url in document["@context"]:
        defined |= context_terms(contexts[url])
    return [f"{path}: {term}" for path, term in used_terms(document) if term not in defined]


def expansion_problems(document: dict, contexts: dict[str, Any]) -> list[str]:
    """What JSON-LD expansion would drop or leave relative (what the signer would refuse)."""
    def loader(url: str, options: object = None) -> dict:
        return {"contextUrl": None, "documentUrl": url, "document": contexts[url]}

    dropped: list[str] = []
    expanded = jsonld.expand(
        copy.deepcopy(document),
        {
            "documentLoader": loader,
            "contextResolver": ContextResolver(LRUCache(64), loader),
            # pyld resolves relative IRIs against a default base; make them recognisable.
            "base": RELATIVE_BASE,
        },
        on_property_dropped=lambda term: dropped.append(f"dropped property {term}"),
    )
    problems = list(dropped)

    def relative(iri: object) -> bool:
        return not isinstance(iri, str) or ":" not in iri or iri.startswith(RELATIVE_BASE)

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "@type" and "@value" not in value:
                    for t in child if isinstance(child, list) else [child]:
                        if relative(t):
                            problems.append(f"relative type {t}")
                elif key == "@id" and relative(child):
                    problems.append(f"relative id {child}")
                elif not key.startswith("@") and relative(key):
                    problems.append(f"relative property {key}")
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(expanded)
    return problems


@pytest.fixture(scope="module")
def ob_schemas(standards_dir: Path) -> Path:
    return standards_dir / "schemas" / "ob-v3p0"


# --------------------------------------------------------------------------- official schemas


@pytest.mark.parametrize("variant", sorted(SCHEMA_FILES))
def test_credential_validates_against_both_official_schemas(
    ob_schemas: Path, credential: dict, endorsed_credential: dict, variant: str
) -> None:
    path = ob_schemas / SCHEMA_FILES[variant]
    assert schema_errors(path, credential) == []
    assert schema_errors(path, signed_like(credential)) == []
    assert schema_errors(path, endorsed_credential) == []


@pytest.mark.parametrize("variant", sorted(SCHEMA_FILES))
def test_schema_check_can_fail(ob_schemas: Path, credential: dict, variant: str) -> None:
    broken = copy.deepcopy(credential)
    broken["credentialSubject"]["identifier"][0]["extra"] = "not allowed"
    del broken["validFrom"]
    errors = schema_errors(ob_schemas / SCHEMA_FILES[variant], broken)
    assert any("validFrom" in e for e in errors)
    assert any("extra" in e for e in errors)


@pytest.mark.parametrize("variant", sorted(PROFILE_SCHEMA_FILES))
def test_issuer_profile_validates_against_both_profile_schemas(
    ob_schemas: Path, credential: dict, variant: str
) -> None:
    path = ob_schemas / PROFILE_SCHEMA_FILES[variant]
    assert schema_errors(path, credential["issuer"]) == []


def test_endorsement_validates_against_official_schema(
    ob_schemas: Path, endorsement: dict
) -> None:
    path = ob_schemas / "1edtech-gh-pages-build" / "endorsementcredential.json"
    assert schema_errors(path, endorsement) == []
    assert schema_errors(path, signed_like(endorsement)) == []


# --------------------------------------------------------------------------- JSON-LD terms


@pytest.mark.parametrize("ob_variant", sorted(OB_303_VARIANTS))
@pytest.mark.parametrize("which", ["credential", "endorsement", "endorsed_credential", "clr"])
def test_every_emitted_key_is_a_context_term(
    standards_dir: Path, request: pytest.FixtureRequest, which: str, ob_variant: str
) -> None:
    document = request.getfixturevalue(which)
    assert undefined_terms(document, load_contexts(standards_dir, ob_variant)) == []


@pytest.mark.parametrize("ob_variant", sorted(OB_303_VARIANTS))
@pytest.mark.parametrize("which", ["credential", "endorsement", "endorsed_credential", "clr"])
def test_jsonld_expansion_drops_nothing(
    standards_dir: Path, request: pytest.FixtureRequest, which: str, ob_variant: str
) -> None:
    document = request.getfixturevalue(which)
    assert expansion_problems(document, load_contexts(standards_dir, ob_variant)) == []


def test_term_checks_can_fail(standards_dir: Path, credential: dict) -> None:
    contexts = load_contexts(standards_dir, "3.0.3-updated-2026")
    bad = copy.deepcopy(credential)
    bad["credentialSubject"]["achievement"]["criteria"]["level"] = "B1"  # scoped elsewhere
    bad["evidence"][0]["sha256"] = "00"  # defined nowhere
    assert any("sha256" in p for p in undefined_terms(bad, contexts))
    problems = expansion_problems(bad, contexts)
    assert any("sha256" in p for p in problems)
    assert any("level" in p for p in problems)
    without_extensions = {**credential, "@context": credential["@context"][:2]}
    assert any(models.JSON_SCHEMA_VALIDATOR in p
               for p in expansion_problems(without_extensions, contexts))


def test_extensions_context_only_when_an_extension_term_is_used() -> None:
    subject = models.achievement_subject(factories.make_achievement(), id="did:example:x")
    plain = models.achievement_credential(
        "urn:uuid:1", ISSUER, subject, valid_from=NOW, credential_schema=()
    )
    assert plain["@context"] == [models.VC_V2_CONTEXT, models.OB_CONTEXT]
    assert "credentialSchema" not in plain
    with_schema = models.achievement_credential("urn:uuid:1", ISSUER, subject, valid_from=NOW)
    assert with_schema["@context"] == [
        models.VC_V2_CONTEXT, models.OB_CONTEXT, models.OB_EXTENSIONS_CONTEXT
    ]
    assert with_schema["credentialSchema"] == [
        {"id": models.ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    forced = models.achievement_credential(
        "urn:uuid:1", ISSUER, subject, valid_from=NOW, credential_schema=(), extensions=True
    )
    assert forced["@context"][-1] == models.OB_EXTENSIONS_CONTEXT
