"""Model builders: shapes, purity, times, identity hashes, evidence, languages and input checks."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import factories
import pytest
from models_helpers import ISSUER, NOW, signed_like

from credentials import models
from credentials.errors import MalformedInputError

# Properties of multiplicity [0..*] or [1..*] in OB 3.0 / CLR 2.0, by class: always arrays.
MULTI_VALUED = {
    "VerifiableCredential": {"credentialSchema", "endorsement", "endorsementJwt", "evidence"},
    "Profile": {"endorsement", "endorsementJwt", "otherIdentifier"},
    "Achievement": {"alignment", "endorsement", "endorsementJwt", "otherIdentifier", "related",
                    "resultDescription", "tag"},
    "AchievementSubject": {"identifier", "result"},
    "ResultDescription": {"alignment", "allowedValue", "rubricCriterionLevel"},
    "RubricCriterionLevel": {"alignment"},
    "Result": {"alignment"},
    "ClrSubject": {"achievement", "association", "identifier", "verifiableCredential"},
}


def walk_dicts(node: object, path: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield path, node
        for key, child in node.items():
            if key != "@context":
                yield from walk_dicts(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from walk_dicts(child, f"{path}[{i}]")


# --------------------------------------------------------------------------- shape


def test_credential_shape(credential: dict) -> None:
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == ISSUER
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["validFrom"] == "2025-10-06T09:30:00Z"
    assert credential["awardedDate"] == "2025-10-06T09:30:00Z"
    subject = credential["credentialSubject"]
    ach = subject["achievement"]
    assert [a["targetCode"] for a in ach["alignment"]] == ["2.1", "2.2", "2.3"]
    assert {a["targetType"] for a in ach["alignment"]} == {"CFItem"}
    rd = ach["resultDescription"][0]
    assert [lvl["level"] for lvl in rd["rubricCriterionLevel"]] == [
        "A1", "A2", "B1", "B2", "C1", "C2"
    ]
    achieved = subject["result"][0]
    assert achieved["resultDescription"] == rd["id"]
    b1 = next(lvl for lvl in rd["rubricCriterionLevel"] if lvl["id"] == achieved["achievedLevel"])
    assert b1["level"] == "B1"
    assert subject["identifier"][0]["hashed"] is True
    assert "id" not in subject  # no DID given: the hashed email identifies the learner


def test_every_typed_object_has_its_type_and_multi_valued_fields_are_arrays(
    credential: dict, clr: dict, endorsed_credential: dict
) -> None:
    for document in (credential, clr, endorsed_credential):
        for path, node in walk_dicts(document):
            if not path.endswith("/criteria"):
                assert "type" in node, f"{path} has no type"
            types = node.get("type")
            types = [types] if isinstance(types, str) else types or []
            multi = set().union(*(MULTI_VALUED.get(t, set()) for t in types))
            for key in multi & node.keys():
                assert isinstance(node[key], list), f"{path}/{key} is not an array"
            assert None not in node.values(), f"{path} has a null value"
            assert [] not in node.values(), f"{path} has an empty array"


def test_alias_type_and_refused_type() -> None:
    subject = models.achievement_subject(factories.make_achievement(), id="did:example:x")
    alias = models.achievement_credential(
        "urn:uuid:1", ISSUER, subject, valid_from=NOW, credential_type="AchievementCredential"
    )
    assert alias["type"] == ["VerifiableCredential", "AchievementCredential"]
    with pytest.raises(MalformedInputError, match="credential_type"):
        models.achievement_credential(
            "urn:uuid:1", ISSUER, subject, valid_from=NOW, credential_type="Badge"
        )


def test_credential_name_defaults_to_the_achievement_name(credential: dict) -> None:
    assert credential["name"] == credential["credentialSubject"]["achievement"]["name"]


def test_endorsement_shape(endorsement: dict) -> None:
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["credentialSubject"] == {
        "id": factories.SERVICE + "/achievements/digcompedu-2-b1",
        "type": ["EndorsementSubject"],
        "endorsementComment": "Critères alignés sur DigCompEdu et évaluation exigeante.",
    }
    assert endorsement["name"] == "Recommandation du badge DigCompEdu 2 — B1"
    assert endorsement["credentialSchema"][0]["id"] == models.ENDORSEMENT_CREDENTIAL_SCHEMA


def test_clr_shape(clr: dict, credential: dict) -> None:
    assert clr["@context"] == [
        models.VC_V2_CONTEXT, models.CLR_CONTEXT, models.OB_CONTEXT, models.OB_EXTENSIONS_CONTEXT
    ]
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    subject = clr["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    members = subject["verifiableCredential"]
    assert len(members) == 2
    assert members[0] == signed_like(credential)  # embedded verbatim, proof and @context kept
    # Both members award the same achievement: listed once.
    assert [a["id"] for a in subject["achievement"]] == [
        credential["credentialSubject"]["achievement"]["id"]
    ]
    assert subject["identifier"][0]["type"] == "IdentityObject"
    assert clr["credentialSchema"] == [
        {"id": models.CLR_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
    ]


def test_clr_associations_and_refusals(credential: dict) -> None:
    first = factories.make_achievement(factories.SERVICE + "/achievements/a")
    second = factories.make_achievement(factories.SERVICE + "/achievements/b")
    link = models.association("isParentOf", first["id"], second["id"])
    assert link == {"type": "Association", "associationType": "isParentOf",
                    "sourceId": first["id"], "targetId": second["id"]}
    doc = models.clr_credential(
        "urn:uuid:2", ISSUER, [credential], valid_from=NOW, name="Record",
        subject_id="did:example:learner", achievements=[first, second], associations=[link],
        partial=True,
    )
    assert doc["partial"] is True
    assert doc["credentialSubject"]["association"] == [link]
    with pytest.raises(MalformedInputError, match="not the id of an achievement"):
        models.clr_credential(
            "urn:uuid:2", ISSUER, [credential], valid_from=NOW, name="Record",
            subject_id="did:example:learner",
            associations=[models.association("isParentOf", first["id"], second["id"])],
        )
    with pytest.raises(MalformedInputError, match="credentials\\[0\\]"):
        models.clr_credential("urn:uuid:2", ISSUER, [factories.make_endorsement()],
                              valid_from=NOW, name="Record", subject_id="did:example:learner")
    with pytest.raises(MalformedInputError, match="at least one"):
        models.clr_credential("urn:uuid:2", ISSUER, [], valid_from=NOW, name="Record",
                              subject_id="did:example:learner")
    with pytest.raises(MalformedInputError, match="association_type"):
        models.association("sameAs", first["id"], second["id"])


def test_factory_uses_the_fixture_framework_uris(shared_dir: Path, credential: dict) -> None:
    package = json.loads(
        (shared_dir / "fixtures" / "frameworks" / "digcompedu.json").read_text(encoding="utf-8")
    )
    codes = {item["uri"]: item["humanCodingScheme"] for item in package["CFItems"]}
    ach = credential["credentialSubject"]["achievement"]
    for align in ach["alignment"]:
        assert codes[align["targetUrl"]] == align["targetCode"]
    for level in ach["resultDescription"][0]["rubricCriterionLevel"]:
        assert codes[level["id"]] == level["level"]
    rubric_uris = {rubric["uri"] for rubric in package["CFRubrics"]}
    assert ach["resultDescription"][0]["alignment"][0]["targetUrl"] in rubric_uris


# --------------------------------------------------------------------------- purity


def test_builders_do_not_mutate_their_inputs_and_copy_what_they_embed() -> None:
    level = models.rubric_criterion_level("urn:x:b1", {"fr": "B1", "en": "B1"}, level="B1")
    align = models.alignment("2.1", "https://example.org/2.1", target_type="CFItem")
    rd = models.result_description("urn:x:rd", "Niveau", "RubricCriterionLevel",
                                   rubric_criterion_levels=[level], alignments=[align])
    names = {"fr": "Nom", "en": "Name"}
    editions = {"en": "https://example.org/a?lang=en"}
    tags = ["a", "b"]
    ach = models.achievement("https://example.org/a", names, names, names,
                             alignments=[align], result_descriptions=[rd],
                             language_editions=editions, tags=tags)
    ident = models.identity_object_for_email("x@example.org", salt="s1")
    res = models.result(rd, level)
    ev = models.evidence("https://example.org/e", content=b"abc")
    status = {"id": "https://example.org/status/1#5", "type": "BitstringStatusListEntry",
              "statusPurpose": "revocation", "statusListIndex": "5",
              "statusListCredential": "https://example.org/status/1"}
    issuer = models.profile(ISSUER, names, image="https://example.org/logo.png")
    inputs = [level, align, rd, names, editions, tags, ach, ident, res, ev, status, issuer]
    before = copy.deepcopy(inputs)

    subject = models.achievement_subject(ach, identifiers=[ident], results=[res])
    cred = models.achievement_credential(
        "urn:uuid:3", issuer, subject, valid_from=NOW, evidence=[ev], credential_status=status
    )
    clr = models.clr_credential("urn:uuid:4", issuer, [cred], valid_from=NOW, name=names,
                                identifiers=[ident])
    assert inputs == before

    # Outputs share nothing with the inputs: changing one leaves the other alone.
    cred["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] = "changed"
    cred["issuer"]["name"] = "changed"
    cred["credentialStatus"]["statusListIndex"] = "6"
    clr["credentialSubject"]["verifiableCredential"][0]["id"] = "urn:uuid:changed"
    subject["identifier"][0]["salt"] = "changed"
    assert inputs == before
    assert cred["id"] == "urn:uuid:3"


# --------------------------------------------------------------------------- time


def test_naive_datetimes_are_refused() -> None:
    subject = models.achievement_subject(factories.make_achievement(), id="did:example:x")
    naive = datetime(2025, 10, 6, 9, 30)
    with pytest.raises(MalformedInputError, match="valid_from is a naive datetime") as info:
        models.achievement_credential("urn:uuid:1", ISSUER, subject, valid_from=naive)
    assert info.value.context["field"] == "valid_from"
    with pytest.raises(MalformedInputError, match="valid_until is a naive"):
        models.achievement_credential("urn:uuid:1", ISSUER, subject, valid_from=NOW,
                                      valid_until=naive)
    with pytest.raises(MalformedInputError, match="awarded_date is a naive"):
        models.achievement_credential("urn:uuid:1", ISSUER, subject, valid_from=NOW,
                                      awarded_date=naive)
    with pytest.raises(MalformedInputError, match="activity_start_date is a naive"):
        models.achievement_subject(factories.make_achievement(), id="did:example:x",
                                   activity_start_date=naive)
    with pytest.raises(MalformedInputError, match="timezone-aware"):
        models.format_datetime("2025-10-06T09:30:00Z")


def test_times_are_whole_seconds_utc() -> None:
    paris = timezone(timedelta(hours=2))
    value = datetime(2025, 10, 6, 11, 30, 59, 999_999, tzinfo=paris)
    assert models.format_datetime(value) == "2025-10-06T09:30:59Z"
    assert models.format_datetime(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00Z"
    subject = models.achievement_subject(factories.make_achievement(), id="did:example:x")
    doc = models.achievement_credential("urn:uuid:1", ISSUER, subject, valid_from=value,
                                        valid_until=value + timedelta(days=365))
    assert doc["validFrom"] == "2025-10-06T09:30:59Z"
    assert doc["validUntil"] == "2026-10-06T09:30:59Z"
    with pytest.raises(MalformedInputError, match="must be after valid_from"):
        models.achievement_credential("urn:uuid:1", ISSUER, subject, valid_from=value,
                                      valid_until=value)


# --------------------------------------------------------------------------- identity


def test_identity_hash_matches_an_independent_computation() -> None:
    salt = "0123456789abcdef0123456789abcdef"
    expected = hashlib.sha256(b"claire.dubois@ecole-exemple.example" + salt.encode()).hexdigest()
    identity = models.identity_object_for_email(" Claire.Dubois@Ecole-Exemple.EXAMPLE ", salt=salt)
    assert identity == {
        "type": "IdentityObject",
        "identityHash": "sha256$" + expected,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }
    # Reproducible for a salt, different for another.
    assert models.identity_object_for_email("claire.dubois@ecole-exemple.example",
                                            salt=salt) == identity
    other = models.identity_object_for_email("claire.dubois@ecole-exemple.example", salt="x")
    assert other["identityHash"] != identity["identityHash"]


def test_identity_matches() -> None:
    identity = models.identity_object_for_email("claire@example.org", salt="pepper")
    assert models.identity_matches(identity, "Claire@Example.org ")
    assert not models.identity_matches(identity, "claire@example.com")
    assert not models.identity_matches({**identity, "salt": "other"}, "claire@example.org")
    upper = {**identity, "identityHash": "sha256$" + identity["identityHash"][7:].upper()}
    assert models.identity_matches(upper, "claire@example.org")
    md5 = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
           "identityHash": "md5$" + hashlib.md5(b"Claire@Example.org").hexdigest()}
    assert models.identity_matches(md5, "Claire@Example.org")
    plain = {"type": "IdentityObject", "identityType": "emailAddress", "hashed": False,
             "identityHash": "claire@example.org"}
    assert models.identity_matches(plain, "CLAIRE@example.org")
    for bad in ({}, {**identity, "identityType": "name"}, {**identity, "hashed": "yes"},
                {**identity, "identityHash": "sha1$00"}, {**identity, "identityHash": 5}):
        assert not models.identity_matches(bad, "claire@example.org")
    assert not models.identity_matches(identity, None)  # type: ignore[arg-type]


def test_identity_refuses_bad_input() -> None:
    with pytest.raises(MalformedInputError, match="salt"):
        models.identity_object_for_email("claire@example.org", salt="")
    for bad in ("claire", "@example.org", "claire@", "cl aire@example.org"):
        with pytest.raises(MalformedInputError, match="email"):
            models.identity_object_for_email(bad, salt="s")
    with pytest.raises(MalformedInputError, match=r"id .*or at least one identifier"):
        models.achievement_subject(factories.make_achievement())


# --------------------------------------------------------------------------- evidence


def test_evidence_digest(credential: dict) -> None:
    ev = credential["evidence"][0]
    digest = base64.b64encode(hashlib.sha256(factories.EVIDENCE_CONTENT).digest()).decode()
    assert ev["digestSRI"] == "sha256-" + digest
    assert ev["mediaType"] == "text/plain"
    assert ev["type"] == ["Evidence"]
    strong = models.evidence(content=b"abc", digest_algorithm="sha512")
    assert strong["digestSRI"] == "sha512-" + base64.b64encode(
        hashlib.sha512(b"abc").digest()).decode()
    with pytest.raises(MalformedInputError, match="digest_algorithm"):
        models.evidence(content=b"abc", digest_algorithm="md5")
    with pytest.raises(MalformedInputError, match="evidence needs"):
        models.evidence()


# --------------------------------------------------------------------------- languages


def test_localised_achievement() -> None:
    ach = models.achievement(
        "https://example.org/a",
        {"fr": "Nom", "en": "Name"},
        {"fr": "Description FR", "en": "Description EN"},
        {"fr": "Critères", "en": "Criteria"},
    )
    assert ach["name"] == "Nom"
    assert ach["description"] == "Description FR"
    assert ach["criteria"] == {"narrative": "Critères"}
    assert ach["inLanguage"] == "fr"
    assert ach["related"] == [{"id": "https://example.org/a#en", "type": ["Related"],
                               "inLanguage": "en", "name": "Name",
                               "description": "Description EN"}]
    english = models.achievement("https://example.org/a", {"fr": "Nom", "en": "Name"},
                                 "Only English", "Criteria", in_language="en")
    assert (english["name"], english["inLanguage"]) == ("Name", "en")
    assert english["related"] == [{"id": "https://example.org/a#fr", "type": ["Related"],
                                   "inLanguage": "fr", "name": "Nom"}]
    plain = models.achievement("https://example.org/a", "Name", "Description", "Criteria")
    assert "inLanguage" not in plain
    assert "related" not in plain
    with pytest.raises(MalformedInputError, match="no text in the main language 'de'"):
        models.achievement("https://example.org/a", {"fr": "Nom"}, "D", "C", in_language="de")
    with pytest.raises(MalformedInputError, match="language_editions"):
        models.achievement("https://example.org/a#x", {"fr": "Nom", "en": "Name"}, "D", "C")
    with pytest.raises(MalformedInputError, match="criteria"):
        models.achievement("https://example.org/a", "Name", "Description")


def test_other_objects_keep_the_main_language() -> None:
    names = {"fr": "Université", "en": "University"}
    assert models.profile(ISSUER, names)["name"] == "Université"
    assert models.profile(ISSUER, names, language="en")["name"] == "University"
    assert models.alignment(names, "https://example.org/x")["targetName"] == "Université"
    assert models.image("https://example.org/i.png", names)["caption"] == "Université"


# --------------------------------------------------------------------------- input checks


def test_clear_errors_for_bad_values() -> None:
    with pytest.raises(MalformedInputError, match="absolute IRI"):
        models.profile("issuers/1", "Name")
    with pytest.raises(MalformedInputError, match="achievement_type"):
        models.achievement("https://example.org/a", "N", "D", "C", achievement_type="Medal")
    assert models.achievement("https://example.org/a", "N", "D", "C",
                              achievement_type="ext:Medal")["achievementType"] == "ext:Medal"
    with pytest.raises(MalformedInputError, match="target_type"):
        models.alignment("x", "https://example.org/x", target_type="Competence")
    with pytest.raises(MalformedInputError, match="result_type"):
        models.result_description("urn:x:rd", "R", "Level")
    with pytest.raises(MalformedInputError, match="required_level"):
        models.result_description("urn:x:rd", "R", "RubricCriterionLevel",
                                  required_level="urn:x:missing")
    with pytest.raises(MalformedInputError, match="status"):
        models.result("urn:x:rd", status="Done")


def test_results_must_refer_to_the_achievement() -> None:
    ach = factories.make_achievement()
    rd_id = ach["resultDescription"][0]["id"]
    with pytest.raises(MalformedInputError, match="not a result description"):
        models.achievement_subject(ach, id="did:example:x",
                                   results=[models.result("urn:x:other", "urn:x:level")])
    with pytest.raises(MalformedInputError, match="not a level"):
        models.achievement_subject(ach, id="did:example:x",
                                   results=[models.result(rd_id, "urn:x:level")])
