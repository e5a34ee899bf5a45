"""credentials.schema: OB 3.0 JSON Schema validation with bundled schemas only."""

from __future__ import annotations

import copy
import json
import re
import socket
from pathlib import Path

import pytest

import schemas
from credentials import schema
from credentials.errors import InputTooLargeError, MalformedInputError

OB_JSON = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
AC_URL = OB_JSON + "ob_v3p0_achievementcredential_schema.json"
PROFILE_URL = OB_JSON + "ob_v3p0_profile_schema.json"
ENDORSEMENT_URL = OB_JSON + "ob_v3p0_endorsementcredential_schema.json"
SIGNED = ("simple-did-key-method.json", "simple-did-web-method.json")
FORMAL = "schemas/ob-v3p0/1edtech-gh-pages-build"

ENDORSEMENT = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ],
    "id": "urn:uuid:4a1a6e2c-5f4c-4a3e-9b1e-0d6d8c1c2e01",
    "type": ["VerifiableCredential", "EndorsementCredential"],
    "name": "Endorsement of the DigCompEdu B1 badge",
    "issuer": {
        "id": "did:web:accreditor.example",
        "type": ["Profile"],
        "name": "Example Accreditation Agency",
    },
    "validFrom": "2026-01-15T09:00:00Z",
    "credentialSubject": {
        "id": "https://badges.example/achievements/digcompedu-b1",
        "type": ["EndorsementSubject"],
        "endorsementComment": "Criteria reviewed and found rigorous.",
    },
    "credentialSchema": [{"id": ENDORSEMENT_URL, "type": "1EdTechJsonSchemaValidator2019"}],
}


def _signed(standards_dir: Path, name: str) -> dict:
    path = standards_dir / "test-vectors" / "1edtech-validator-signed" / name
    return json.loads(path.read_text(encoding="utf-8"))


def _formal(standards_dir: Path, name: str) -> dict:
    return json.loads((standards_dir / FORMAL / name).read_text(encoding="utf-8"))


def _found(violations: list[schema.SchemaViolation]) -> set[tuple[str, str]]:
    return {(v.path, v.keyword) for v in violations}


# ------------------------------------------------------------------------- the bundled variant


@pytest.mark.parametrize("name", SIGNED)
def test_signed_validator_credentials_validate(standards_dir: Path, name: str) -> None:
    assert schema.validate(_signed(standards_dir, name), "AchievementCredential") == []


def test_tampered_credential_reports_each_violation_at_its_path(standards_dir: Path) -> None:
    doc = _signed(standards_dir, "simple-did-key-method.json")
    tampered = copy.deepcopy(doc)
    del tampered["validFrom"]
    tampered["credentialSubject"]["achievement"]["image"] = "https://badges.example/b1.png"
    before = copy.deepcopy(tampered)

    violations = schema.validate(tampered, "AchievementCredential")

    assert _found(violations) == {
        ("/validFrom", "required"),
        ("/credentialSubject/achievement/image", "type"),
    }
    assert all(isinstance(v, schema.SchemaViolation) for v in violations)
    assert "validFrom" in next(v.message for v in violations if v.keyword == "required")
    assert tampered == before, "validate must not mutate its input"


def test_violation_is_frozen() -> None:
    v = schema.SchemaViolation(path="/a", message="m")
    with pytest.raises(AttributeError):
        v.path = "/b"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2022-11-10T07:38:00-08:00", True),
        ("2026-01-15T09:00:00.123Z", True),
        ("2026-01-15T09:00:00", False),  # no offset: not RFC 3339
        ("2026-13-01T00:00:00Z", False),
        ("2026-02-30T00:00:00Z", False),
        ("15/01/2026", False),
    ],
)
def test_date_time_format_is_asserted(standards_dir: Path, value: str, ok: bool) -> None:
    doc = _signed(standards_dir, "simple-did-key-method.json")
    doc["validFrom"] = value
    violations = schema.validate(doc, "AchievementCredential")
    assert (violations == []) is ok
    if not ok:
        assert _found(violations) == {("/validFrom", "format")}


def test_pointer_escapes_slash_and_tilde() -> None:
    violations = schema.validate_against(
        {"a/b": {"c~d": 1}},
        {"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}},
    )
    assert [v.path for v in violations] == ["/a~1b/c~0d"]


def test_profile_validates(standards_dir: Path) -> None:
    issuer = _signed(standards_dir, "simple-did-key-method.json")["issuer"]
    assert schema.validate(issuer, "Profile") == []
    assert _found(schema.validate({"type": ["Profile"]}, "Profile")) == {("/id", "required")}


def test_endorsement_credential_validates_and_its_faults_are_found() -> None:
    assert schema.validate(ENDORSEMENT, "EndorsementCredential") == []
    broken = copy.deepcopy(ENDORSEMENT)
    del broken["name"]
    broken["credentialSubject"]["type"] = ["AchievementSubject"]
    found = _found(schema.validate(broken, "EndorsementCredential"))
    assert ("/name", "required") in found
    assert any(path == "/credentialSubject/type" for path, _ in found)


def test_available_schemas_and_url_mapping() -> None:
    kinds = {(s.kind, s.variant) for s in schema.available_schemas()}
    assert kinds == {
        ("AchievementCredential", "jsonld"),
        ("EndorsementCredential", "jsonld"),
        ("Profile", "jsonld"),
    }
    assert schema.schema_for_url(AC_URL).kind == "AchievementCredential"
    assert schema.schema_for_url(PROFILE_URL).kind == "Profile"
    endorsement = schema.schema_for_url(ENDORSEMENT_URL)
    assert endorsement.kind == "EndorsementCredential"
    assert endorsement.derived_from == AC_URL + "#/$defs/EndorsementCredential"
    assert schema.schema_for_url("https://example.com/my-schema.json") is None


def test_unknown_kind_or_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="ClrCredential/jsonld"):
        schema.validate({}, "ClrCredential")
    with pytest.raises(ValueError, match="AchievementCredential/formal"):
        schema.validate({}, "AchievementCredential", variant="formal")


def test_compiled_validators_are_cached() -> None:
    first = schema._validator("AchievementCredential", "jsonld")
    assert schema._validator("AchievementCredential", "jsonld") is first


def test_remote_refs_are_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(MalformedInputError, match=re.escape("https://example.com/remote.json")):
        schema.validate_against({}, {"$ref": "https://example.com/remote.json"})
    # A bundled $id resolves from the bundle.
    assert schema.validate_against({}, {"$ref": PROFILE_URL + "#/$defs/Image"}) != []


def test_malformed_schema_and_deep_nesting_are_refused() -> None:
    with pytest.raises(MalformedInputError, match="not a valid JSON Schema"):
        schema.validate_against({}, {"type": 5})
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(InputTooLargeError):
        schema.validate_against(deep, {"properties": {"a": {"$ref": "#"}}})


# ------------------------------------------- the shared schemas behave as its README says


def test_bundled_schemas_follow_the_generator_pattern(standards_dir: Path) -> None:
    """Each class schema is that class's $defs entry plus $defs: the basis of the derived
    EndorsementCredential schema (no registry package ships that file)."""

    def body(doc: dict) -> dict:
        return {k: v for k, v in doc.items() if k not in {"$schema", "$id", "title", "$defs"}}

    bundled = schemas.bundled_documents("json_schemas")
    ac, profile = bundled[AC_URL], bundled[PROFILE_URL]
    assert body(profile) == ac["$defs"]["Profile"]
    assert all(ac["$defs"][k] == v for k, v in profile["$defs"].items())

    formal_ac = _formal(standards_dir, "achievementcredential.json")
    formal_end = _formal(standards_dir, "endorsementcredential.json")
    assert body(formal_end) == formal_ac["$defs"]["EndorsementCredential"]
    assert all(formal_ac["$defs"][k] == v for k, v in formal_end["$defs"].items())


def test_endorsement_matches_the_formal_published_schema(standards_dir: Path) -> None:
    formal = _formal(standards_dir, "endorsementcredential.json")
    assert schema.validate_against(ENDORSEMENT, formal) == []
    broken = copy.deepcopy(ENDORSEMENT)
    del broken["name"]
    assert ("/name", "required") in _found(schema.validate_against(broken, formal))


def test_single_proof_object_fails_formal_passes_jsonld(standards_dir: Path) -> None:
    doc = _signed(standards_dir, "simple-did-web-method.json")
    assert isinstance(doc["proof"], dict)
    formal = _formal(standards_dir, "achievementcredential.json")
    assert _found(schema.validate_against(doc, formal)) == {("/proof", "type")}
    assert schema.validate(doc, "AchievementCredential") == []


def test_proof_array_passes_both(standards_dir: Path) -> None:
    doc = _signed(standards_dir, "simple-did-key-method.json")
    assert isinstance(doc["proof"], list)
    assert schema.validate_against(doc, _formal(standards_dir, "achievementcredential.json")) == []


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("image-string", ("/credentialSubject/achievement/image", "type")),
        ("no-id", ("/id", "required")),
        ("no-validFrom", ("/validFrom", "required")),
    ],
)
def test_faults_fail_both_variants(standards_dir: Path, tamper: str, expected: tuple) -> None:
    doc = _signed(standards_dir, "simple-did-key-method.json")
    if tamper == "image-string":
        doc["credentialSubject"]["achievement"]["image"] = "https://badges.example/b1.png"
    else:
        del doc[tamper.removeprefix("no-")]
    formal = _formal(standards_dir, "achievementcredential.json")
    assert expected in _found(schema.validate(doc, "AchievementCredential"))
    assert expected in _found(schema.validate_against(doc, formal))


def test_bitstring_status_entry_passes_both(standards_dir: Path) -> None:
    doc = _signed(standards_dir, "simple-did-key-method.json")
    doc["credentialStatus"] = {
        "id": "https://badges.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://badges.example/status/1",
    }
    assert schema.validate(doc, "AchievementCredential") == []
    assert schema.validate_against(doc, _formal(standards_dir, "achievementcredential.json")) == []


def test_neither_variant_requires_subject_id_or_identifier(standards_dir: Path) -> None:
    # OB 3.0 says credentialSubject needs `id` or `identifier`; the schemas do not enforce it,
    # so a schema pass alone is not enough (the builders and verify() must check it).
    doc = _signed(standards_dir, "simple-did-key-method.json")
    del doc["credentialSubject"]["id"]
    assert "identifier" not in doc["credentialSubject"]
    assert schema.validate(doc, "AchievementCredential") == []
    assert schema.validate_against(doc, _formal(standards_dir, "achievementcredential.json")) == []


def test_formal_profile_schema_accepts_the_issuer(standards_dir: Path) -> None:
    issuer = _signed(standards_dir, "simple-did-key-method.json")["issuer"]
    assert schema.validate_against(issuer, _formal(standards_dir, "profile.json")) == []


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
    good = _signed(standards_dir, "simple-did-key-method.json")
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
