"""credentials.schema's native check (jsonschema-rs): it never accepts what jsonschema refuses,
keyword by keyword and on altered credentials, and never fetches or overflows."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from schema_validation_helpers import PROFILE_URL, signed_vector

from credentials import schema
from credentials.errors import InputTooLargeError, MalformedInputError

# ------------------------ the native check (jsonschema-rs) never accepts what jsonschema refuses

# (schema, instances): each keyword the OB schemas use, at the edges of its semantics.
KEYWORD_CASES = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None]),
    ({"type": "number"}, [1, 1.5, True, "1"]),
    ({"type": ["string", "null"]}, ["x", None, 1, False]),
    ({"type": "object"}, [{}, [], "x"]),
    ({"type": "array"}, [[], {}, "x"]),
    ({"type": "boolean"}, [True, 0, None]),
    ({"enum": ["a", "b"]}, ["a", "c", 1, ["a"], None]),
    ({"enum": []}, ["a"]),
    ({"pattern": "^a"}, ["ab", "ba", 1, None]),
    ({"format": "date-time"}, ["2026-01-15T09:00:00Z", "2026-01-15T09:00:00", 5]),
    ({"format": "date"}, ["2026-02-28", "2026-02-30", None]),
    ({"format": "uri"}, ["not a uri", 1]),
    ({"minItems": 2}, [[], [1, 2], "x"]),
    ({"required": ["a", "b"]}, [{}, {"a": 1}, {"a": 1, "b": 2}, [], "x"]),
    (
        {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
        [{"a": "x"}, {"a": 1}, {"b": 1}, {}, [], "x"],
    ),
    ({"additionalProperties": {"type": "string"}}, [{"a": "x"}, {"a": 1}, {}]),
    ({"propertyNames": {"pattern": "^[a-z]{2}$"}}, [{"en": 1}, {"EN": 1}, {}, "EN"]),
    ({"items": {"type": "string"}}, [["a"], ["a", 1], [], "x"]),
    (
        {"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": False},
        [["a"], ["a", 1], ["a", 1, 2], [1], []],
    ),
    (
        {"items": [{"type": "string"}], "additionalItems": {"type": "integer"}},
        [["a", 1, 2], ["a", "b"], ["a"]],
    ),
    ({"additionalItems": False}, [[1, 2]]),  # ignored without an array `items`
    ({"items": {}, "additionalItems": False}, [[1, 2]]),
    ({"contains": {"enum": ["x"]}}, [[], ["x"], ["y", "x"], ["y"], "x"]),
    ({"oneOf": [{"type": "string"}, {"enum": ["a"]}]}, ["a", "b", 1]),
    ({"oneOf": [{"type": "integer"}, {"type": "number"}, {"type": "string"}]}, [1, 1.5, "x", None]),
    ({"anyOf": [{"type": "string"}, {"minItems": 1}]}, ["x", [], [1], 1]),
    ({"allOf": [{"type": "array"}, {"minItems": 1}]}, [[], [1], "x"]),
    ({"properties": {"a": False, "b": True}}, [{"a": 1}, {"b": 1}, {}]),
    ({"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "enum": ["a"]}, ["a", "b", 1]),
    ({"$defs": {"a/b": {"type": "string"}}, "items": {"$ref": "#/$defs/a~1b"}}, [["x"], [1]]),
    (
        {"properties": {"n": {"$ref": "#"}, "v": {"type": "integer"}}},
        [{"n": {"n": {"v": 1}}}, {"n": {"n": {"v": "1"}}}, {"n": 5}],
    ),
    ({"$ref": PROFILE_URL + "#/$defs/Image"}, [{}, {"id": "https://x/i.png", "type": "Image"}]),
]


def _case_ids() -> list[str]:
    return [json.dumps(s)[:60] for s, _ in KEYWORD_CASES]


@pytest.mark.parametrize(("document_schema", "instances"), KEYWORD_CASES, ids=_case_ids())
def test_native_check_never_accepts_what_jsonschema_refuses(document_schema: dict,
                                                            instances: list) -> None:
    """The native check may be stricter (it checks every format; ours only date and date-time),
    since jsonschema decides whatever it refuses; it must never be laxer."""
    compiled = schema._compiled(json.dumps(document_schema, sort_keys=True))
    assert compiled.fast is not None
    for instance in instances:
        expected = compiled.validator.is_valid(instance)
        if compiled.fast(instance):
            assert expected, instance
        assert (schema.validate_against(instance, document_schema) == []) is expected


def test_native_check_agrees_on_the_keywords_the_ob_schemas_use() -> None:
    """Only 'format: uri' differs (jsonschema checks no uri format here); everything else the
    OB 3.0 schemas use is decided the same way, so valid credentials never pay for jsonschema."""
    disagreements = set()
    for document_schema, instances in KEYWORD_CASES:
        compiled = schema._compiled(json.dumps(document_schema, sort_keys=True))
        for instance in instances:
            if compiled.fast(instance) is not compiled.validator.is_valid(instance):
                disagreements.add(json.dumps(document_schema))
    assert disagreements == {json.dumps({"format": "uri"})}


@pytest.mark.parametrize(
    "outside",
    [{"$ref": "https://example.com/remote.json"}, {"items": {"$ref": "#/$defs/missing"}}],
    ids=lambda s: json.dumps(s)[:50],
)
def test_refs_outside_the_bundle_are_never_fetched(outside: dict) -> None:
    assert schema._compiled(json.dumps(outside, sort_keys=True)).fast is None
    with pytest.raises(MalformedInputError, match="not bundled"):
        schema.validate_against([1], outside)


def test_every_bundled_schema_has_a_native_check() -> None:
    for bundled in schema.available_schemas():
        assert schema._schema(bundled.kind, bundled.variant).fast is not None, bundled


def test_deep_documents_never_reach_the_native_check() -> None:
    """A stack overflow in native code ends the process; jsonschema raises instead."""
    deep: dict = {}
    node = deep
    for _ in range(50_000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(InputTooLargeError):
        schema.validate_against(deep, {"properties": {"a": {"$ref": "#"}}})


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_DELETE = object()
_REPLACEMENTS = (None, "x", "2026-02-30T00:00:00Z", [], {"EN": "x"})


def _mutants(document: dict):
    """``document`` altered in place, one node at a time (deleted, replaced, wrapped in or taken
    out of an array), restored after each yield."""
    for path in _paths(document)[1:]:
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        original = parent[path[-1]]
        options: list = [_DELETE, *_REPLACEMENTS, [original]]
        if isinstance(original, list) and original:
            options += [original[0], [*original, "x"]]
        if isinstance(original, dict):
            options += [{k: v for k, v in original.items() if k != "type"}, {**original, "EN": 1}]
        for option in options:
            if option is _DELETE and isinstance(parent, list):
                parent[path[-1] : path[-1] + 1] = []
            elif option is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = option
            yield path, option
            if option is _DELETE and isinstance(parent, list):
                parent[path[-1] : path[-1]] = [original]
            else:
                parent[path[-1]] = original


def test_native_check_agrees_with_jsonschema_on_altered_credentials() -> None:
    from factories import DEFAULT_NOW, make_credential

    from credentials.data_integrity import add_proof
    from credentials.keys import KeyPair

    key = KeyPair.generate("Ed25519")
    credential = add_proof(
        make_credential(issuer_id=key.did_key), key.signer(), created=DEFAULT_NOW
    )
    compiled = schema._schema("AchievementCredential", "jsonld")
    assert compiled.fast(credential) is True
    before = copy.deepcopy(credential)
    outcomes = []
    for path, option in _mutants(credential):
        expected = compiled.validator.is_valid(credential)
        outcomes.append(expected)
        assert compiled.fast(credential) is expected, (path, option)
    assert credential == before
    assert len(outcomes) > 1000
    assert set(outcomes) == {True, False}


def test_validation_results_do_not_depend_on_earlier_documents(standards_dir: Path) -> None:
    good = signed_vector(standards_dir, "simple-did-key-method.json")
    bad = copy.deepcopy(good)
    del bad["validFrom"]
    bad["credentialSubject"]["achievement"]["image"] = "https://badges.example/b1.png"
    compiled = schema._schema("AchievementCredential", "jsonld")
    first_bad = schema.validate(bad, "AchievementCredential")
    assert first_bad
    # Documents that look like schemas (refs, ids, anchors, definitions) and nest deeply: the
    # predicate and the validator come from the schema alone, so nothing here can change them.
    hostile = {
        **good,
        "$ref": "#",
        "$id": "https://evil.example/schema.json",
        "$anchor": "x",
        "$defs": {"Profile": True},
        "oneOf": [True, True],
        "credentialSubject": {**good["credentialSubject"], "$ref": "#/$defs/Profile"},
    }
    schema.validate(hostile, "AchievementCredential")
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["credentialSubject"] = {}
        node = node["credentialSubject"]
    with pytest.raises(InputTooLargeError):
        schema.validate(deep, "AchievementCredential")
    assert schema._schema("AchievementCredential", "jsonld") is compiled
    assert schema.validate(good, "AchievementCredential") == []
    assert schema.validate(bad, "AchievementCredential") == first_bad
    assert schema.validate(bad, "AchievementCredential") == first_bad
