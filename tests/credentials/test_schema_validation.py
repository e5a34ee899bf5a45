"""credentials.schema: OB 3.0 JSON Schema validation with bundled schemas only, and the
bundled schemas against the formal published ones."""

from __future__ import annotations

import copy
import json
import re
import socket
from pathlib import Path

import pytest
from schema_validation_helpers import OB_JSON, PROFILE_URL, signed_vector

import schemas
from credentials import schema
from credentials.errors import InputTooLargeError, MalformedInputError

AC_URL = OB_JSON + "ob_v3p0_achievementcredential_schema.json"
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


def _formal(standards_dir: Path, name: str) -> dict:
    return json.loads((standards_dir / FORMAL / name).read_text(encoding="utf-8"))


def _found(violations: list[schema.SchemaViolation]) -> set[tuple[str, str]]:
    return {(v.path, v.keyword) for v in violations}


# ------------------------------------------------------------------------- the bundled variant


@pytest.mark.parametrize("name", SIGNED)
def test_signed_validator_credentials_validate(standards_dir: Path, name: str) -> None:
    assert schema.validate(signed_vector(standards_dir, name), "AchievementCredential") == []


def test_tampered_credential_reports_each_violation_at_its_path(standards_dir: Path) -> None:
    doc = signed_vector(standards_dir, "simple-did-key-method.json")
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
    doc = signed_vector(standards_dir, "simple-did-key-method.json")
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
    issuer = signed_vector(standards_dir, "simple-did-key-method.json")["issuer"]
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
    doc = signed_vector(standards_dir, "simple-did-web-method.json")
    assert isinstance(doc["proof"], dict)
    formal = _formal(standards_dir, "achievementcredential.json")
    assert _found(schema.validate_against(doc, formal)) == {("/proof", "type")}
    assert schema.validate(doc, "AchievementCredential") == []


def test_proof_array_passes_both(standards_dir: Path) -> None:
    doc = signed_vector(standards_dir, "simple-did-key-method.json")
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
    doc = signed_vector(standards_dir, "simple-did-key-method.json")
    if tamper == "image-string":
        doc["credentialSubject"]["achievement"]["image"] = "https://badges.example/b1.png"
    else:
        del doc[tamper.removeprefix("no-")]
    formal = _formal(standards_dir, "achievementcredential.json")
    assert expected in _found(schema.validate(doc, "AchievementCredential"))
    assert expected in _found(schema.validate_against(doc, formal))


def test_bitstring_status_entry_passes_both(standards_dir: Path) -> None:
    doc = signed_vector(standards_dir, "simple-did-key-method.json")
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
    doc = signed_vector(standards_dir, "simple-did-key-method.json")
    del doc["credentialSubject"]["id"]
    assert "identifier" not in doc["credentialSubject"]
    assert schema.validate(doc, "AchievementCredential") == []
    assert schema.validate_against(doc, _formal(standards_dir, "achievementcredential.json")) == []


def test_formal_profile_schema_accepts_the_issuer(standards_dir: Path) -> None:
    issuer = signed_vector(standards_dir, "simple-did-key-method.json")["issuer"]
    assert schema.validate_against(issuer, _formal(standards_dir, "profile.json")) == []
