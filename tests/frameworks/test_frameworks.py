"""Framework services on both databases: import the fixtures unchanged, export them equal,
versions and drafts, editing, authorisation, all-or-nothing imports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from badge_service import policy
from badge_service.accounts.service import users as accounts
from badge_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from badge_service.formats import case
from badge_service.frameworks import service as fw
from badge_service.frameworks.models import (
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.organisations import service as organisations

NOW = datetime(2025, 10, 6, 9, 30, tzinfo=UTC)
BASE = "https://badges.example.org"
MAX = 10 * 1024 * 1024
FIXTURES = ("digcompedu.json", "numefa.json", "du-pedagogie-lille.json")


@pytest.fixture
def fixture_bytes(shared_dir) -> dict[str, bytes]:
    folder = shared_dir / "fixtures" / "frameworks"
    return {name: (folder / name).read_bytes() for name in FIXTURES}


@pytest.fixture
def people(session):
    admin = accounts.create_user(session, email="admin@example.org", now=NOW,
                                 is_administrator=True)
    lille = organisations.create(session, admin, {"slug": "ulille", "name": "Université de "
                                                  "Lille — DAPI"}, now=NOW)
    drane = organisations.create(session, admin, {"slug": "drane", "name": "DRANE Nancy-Metz"},
                                 now=NOW)
    coordinator = accounts.create_user(session, email="coord@example.org", now=NOW)
    accounts.grant_coordinator(session, coordinator, lille)
    trainer = accounts.create_user(session, email="trainer@example.org", now=NOW)
    session.commit()
    return {"admin": admin, "lille": lille, "drane": drane, "coordinator": coordinator,
            "trainer": trainer}


def do_import(session, actor, content, **options):
    options.setdefault("now", NOW)
    result = fw.import_file(session, actor, content, max_bytes=MAX, base_url=BASE, **options)
    session.commit()
    return result


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_fixtures_import_unchanged_and_export_equal(session, people, fixture_bytes):
    admin, lille = people["admin"], people["lille"]
    imported = {}
    for name in FIXTURES:
        org = None if name == "digcompedu.json" else lille.id
        result = do_import(session, admin, fixture_bytes[name], organisation_id=org)
        assert result.created_framework
        assert result.created_version
        assert result.version.number == 1
        assert result.version.status == "published"
        imported[name] = result
    session.expire_all()
    for name, result in imported.items():
        version = fw.get_version(session, result.version.id)
        exported = fw.export_case(version)
        assert exported == json.loads(fixture_bytes[name])
        assert case.dumps(exported).encode() == fixture_bytes[name]
    digcompedu = fw.get_version(session, imported["digcompedu.json"].version.id)
    assert digcompedu.framework.organisation_id is None
    assert digcompedu.framework.identifier == "1cd445ca-d08c-55ee-abb1-2df69362211d"
    assert len(digcompedu.items) == 35
    assert digcompedu.title_i18n["fr"].startswith("DigCompEdu – Cadre européen")
    # The rubric survives storage.
    assert len(fw.rubrics(digcompedu)[0]["CFRubricCriteria"]) == 22
    numefa = fw.get_version(session, imported["numefa.json"].version.id)
    links = [a for a in numefa.associations if a.association_type == "isRelatedTo"]
    assert len(links) == 29
    assert all(link.destination_id is None for link in links)  # in DigCompEdu, not here
    targets = fw.stored_items(session, {link.destination_identifier for link in links})
    assert {t.version_id for t in targets.values()} == {digcompedu.id}


def test_levels_and_find_item(session, people, fixture_bytes):
    result = do_import(session, people["admin"], fixture_bytes["digcompedu.json"])
    version = result.version
    scale = fw.levels(session, version)
    assert [level.human_code for level in scale] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    assert scale[0].labels == {"en": "Newcomer (A1)", "fr": "Nouveau venu (A1)"}
    assert scale[-1].labels["en"] == "Pioneer (C2)"
    assert all(level.item_type == "level" for level in scale)
    item = fw.find_item(session, version.id, "2.1")
    assert item.labels["en"] == "Selecting digital resources"
    assert fw.find_item(session, version.id, item.identifier).id == item.id
    assert fw.find_item(session, version.id, item.uri).id == item.id
    with pytest.raises(NotFound):
        fw.find_item(session, version.id, "9.9")
    depth = {i.human_code: d for i, d in fw.tree(version)}
    assert depth["2"] == 0
    assert depth["2.1"] == 1
    assert depth["A1"] == 1


def test_reimport_is_idempotent_then_adds_a_version(session, people, fixture_bytes):
    admin = people["admin"]
    first = do_import(session, admin, fixture_bytes["digcompedu.json"])
    again = do_import(session, admin, fixture_bytes["digcompedu.json"])
    assert not again.created_framework
    assert not again.created_version
    assert again.version.id == first.version.id
    data = json.loads(fixture_bytes["digcompedu.json"])
    labels = data["CFItems"][0]["extensions"]["ext:labels"]
    labels["fr"]["name"] = "Engagement professionnel (révisé)"
    data["CFDocument"]["lastChangeDateTime"] = "2026-01-01T00:00:00Z"
    changed = do_import(session, admin, json.dumps(data).encode())
    assert not changed.created_framework
    assert changed.created_version
    assert changed.version.number == 2
    assert count(session, Framework) == 1
    session.expire_all()
    framework = fw.get(session, first.framework.id)
    assert [v.number for v in framework.versions] == [1, 2]
    old = fw.find_item(session, framework.versions[0].id, "1")
    new = fw.find_item(session, framework.versions[1].id, "1")
    assert old.identifier == new.identifier
    assert old.id != new.id
    assert old.labels["fr"] == "Engagement professionnel"
    assert fw.export_case(framework.versions[1]) == data


def test_csv_export_reimport_round_trip(session, people, fixture_bytes):
    admin, lille = people["admin"], people["lille"]
    do_import(session, admin, fixture_bytes["digcompedu.json"])
    numefa = do_import(session, admin, fixture_bytes["du-pedagogie-lille.json"],
                       organisation_id=lille.id)
    text = fw.export_csv(numefa.version)
    again = do_import(session, admin, text.encode())
    assert again.format == "csv"
    assert not again.created_version  # same content: nothing new
    # Edit a label in the CSV: a new version, with everything CASE-only carried over.
    edited = text.replace("Concevoir un enseignement", "Concevoir un enseignement (2026)", 1)
    assert edited != text
    changed = do_import(session, admin, edited.encode())
    assert changed.created_version
    assert changed.version.number == 2
    exported = fw.export_case(changed.version)
    original = json.loads(fixture_bytes["du-pedagogie-lille.json"])
    assert exported["CFDocument"]["extensions"] == original["CFDocument"]["extensions"]
    assert len(exported["CFAssociations"]) == len(original["CFAssociations"])
    assert {a["identifier"] for a in exported["CFAssociations"]} == {
        a["identifier"] for a in original["CFAssociations"]}


def test_csv_only_framework_round_trips(session, people):
    coordinator, lille = people["coordinator"], people["lille"]
    text = (
        "\ufeffidentifier;parent_identifier;human_code;item_type;label_fr;label_en;"
        "statement_fr;position;associations\r\n"
        "atelier-doc;;;document;Ateliers 2026;Workshops 2026;Offre annuelle;;\r\n"
        ";;N;progression;Niveaux;Levels;;;\r\n"
        ";N;N1;level;Débutant;Beginner;;1;precedes:N2\r\n"
        ";N;N2;level;Confirmé;Advanced;;2;\r\n"
        ";;C1;competence;Concevoir;Design;Concevoir un cours;;isRelatedTo:N1\r\n"
    ).encode()
    result = do_import(session, coordinator, text, organisation_id=lille.id)
    version = result.version
    assert version.framework.identifier == "atelier-doc"
    assert version.framework.organisation_id == lille.id
    assert [lvl.human_code for lvl in fw.levels(session, version)] == ["N1", "N2"]
    exported = fw.export_case(version)
    assert case.parse_package(exported).errors == []
    assert exported["CFItems"][0]["uri"].startswith(f"{BASE}/ims/case/v1p1/CFItems/")
    csv_text = fw.export_csv(version)
    assert do_import(session, coordinator, csv_text.encode()).created_version is False
    assert do_import(session, coordinator, json.dumps(exported).encode()).created_version is False
    reparsed = case.parse_csv(csv_text).package
    assert case.core(reparsed) == case.core(case.parse_csv(text.decode(), language="fr").package)


def test_hierarchy_of_any_depth(session, people):
    """Areas → competences → sub-competences → criteria (four levels) survive import, the tree
    view, CASE export and re-import: nothing in the model assumes two levels."""
    coordinator, lille = people["coordinator"], people["lille"]
    text = (
        "identifier;parent_identifier;human_code;item_type;label_fr;label_en;position\n"
        "bloc;;B1;area;Bloc un;Block one;1\n"
        "comp;bloc;B1.1;competence;Compétence;Competence;1\n"
        "sous;comp;B1.1.a;competence;Sous-compétence;Sub-competence;1\n"
        "crit;sous;B1.1.a.i;criterion;Critère;Criterion;1\n"
        "crit2;sous;B1.1.a.ii;criterion;Critère deux;Criterion two;2\n"
    ).encode()
    version = do_import(session, coordinator, text, organisation_id=lille.id,
                        title="Profondeur").version
    assert [(item.human_code, depth) for item, depth in fw.tree(version)] == [
        ("B1", 0), ("B1.1", 1), ("B1.1.a", 2), ("B1.1.a.i", 3), ("B1.1.a.ii", 3)]
    by_code = {item.human_code: item for item in version.items}
    chain, item = [], by_code["B1.1.a.ii"]
    while item is not None:
        chain.append(item.human_code)
        item = next((i for i in version.items if i.id == item.parent_id), None)
    assert chain == ["B1.1.a.ii", "B1.1.a", "B1.1", "B1"]
    assert [i.human_code for i in fw.descendants(version, by_code["B1.1"])] == [
        "B1.1", "B1.1.a", "B1.1.a.i", "B1.1.a.ii"]

    exported = fw.export_case(version)
    ids = {item["identifier"]: item["humanCodingScheme"] for item in exported["CFItems"]}
    parents = {ids[a["originNodeURI"]["identifier"]]: ids.get(a["destinationNodeURI"]["identifier"])
               for a in exported["CFAssociations"] if a["associationType"] == "isChildOf"}
    assert parents["B1.1.a.i"] == "B1.1.a"
    assert parents["B1.1.a"] == "B1.1"
    assert parents["B1.1"] == "B1"
    assert do_import(session, coordinator, json.dumps(exported).encode()).created_version is False


def test_bad_import_writes_nothing_and_lists_every_error(session, people, fixture_bytes):
    data = json.loads(fixture_bytes["digcompedu.json"])
    data["CFItems"][12]["identifier"] = data["CFItems"][3]["identifier"]
    data["CFAssociations"][2]["associationType"] = "isCousinOf"
    with pytest.raises(ValidationFailed) as caught:
        fw.import_file(session, people["admin"], json.dumps(data).encode(), max_bytes=MAX,
                       now=NOW, base_url=BASE)
    # Item 12's own identifier is gone, so its isChildOf and its rubric criterion dangle.
    assert {e.field for e in caught.value.errors} == {
        "CFItems[12].identifier", "CFAssociations[2].associationType",
        "CFAssociations[12].originNodeURI.identifier",
        "CFRubrics[0].CFRubricCriteria[6].CFItemURI.identifier"}
    assert "nothing was imported" in caught.value.detail
    session.rollback()
    assert count(session, Framework) == count(session, FrameworkItem) == 0
    # A CSV link to an item stored nowhere is a dangling reference.
    text = b"item_type,human_code,label_fr,associations\ncompetence,C1,C,isRelatedTo:nowhere\n"
    with pytest.raises(ValidationFailed) as caught:
        fw.import_file(session, people["admin"], text, max_bytes=MAX, now=NOW, base_url=BASE,
                       title="T")
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "associations")]
    session.rollback()
    assert count(session, Framework) == 0


def test_size_limit(session, people, fixture_bytes):
    from badge_service.errors import PayloadTooLarge

    with pytest.raises(PayloadTooLarge):
        fw.import_file(session, people["admin"], fixture_bytes["numefa.json"], max_bytes=1000,
                       now=NOW, base_url=BASE)


def test_authorisation(session, people, fixture_bytes):
    admin, coordinator, trainer = people["admin"], people["coordinator"], people["trainer"]
    lille, drane = people["lille"], people["drane"]
    with pytest.raises(Forbidden):  # shared frameworks: administrators only
        do_import(session, coordinator, fixture_bytes["digcompedu.json"])
    with pytest.raises(Forbidden):
        do_import(session, trainer, fixture_bytes["numefa.json"], organisation_id=lille.id)
    with pytest.raises(Forbidden):  # not their organisation
        do_import(session, coordinator, fixture_bytes["numefa.json"], organisation_id=drane.id)
    session.rollback()
    shared = do_import(session, admin, fixture_bytes["digcompedu.json"])
    own = do_import(session, coordinator, fixture_bytes["numefa.json"],
                    organisation_id=lille.id)
    assert own.framework.organisation_id == lille.id
    with pytest.raises(Forbidden):
        fw.create_draft(session, coordinator, shared.framework, now=NOW)
    draft = fw.create_draft(session, coordinator, own.framework, now=NOW)
    with pytest.raises(Forbidden):
        fw.publish(session, trainer, draft, now=NOW)
    assert policy.may_import_framework(session, admin, own.framework.organisation_id)
    assert not policy.may_import_framework(session, trainer, own.framework.organisation_id)
    # The command line (actor None) may do anything.
    assert policy.may_import_framework(session, None, None)
    with pytest.raises(Conflict):  # already stored, owned by Lille
        do_import(session, admin, fixture_bytes["numefa.json"], organisation_id=drane.id)


def test_draft_editing_and_publishing(session, people, fixture_bytes):
    admin = people["admin"]
    first = do_import(session, admin, fixture_bytes["digcompedu.json"]).version
    framework = first.framework
    area = fw.find_item(session, first.id, "2")
    with pytest.raises(Conflict, match="published and cannot change"):
        fw.update_item(session, admin, area, {"labels": {"fr": "x"}}, now=NOW)
    later = NOW + timedelta(days=1)
    draft = fw.create_draft(session, admin, framework, now=later)
    session.commit()
    assert draft.number == 2
    assert draft.status == "draft"
    with pytest.raises(Conflict):
        fw.create_draft(session, admin, framework, now=later)
    assert fw.export_case(draft)["CFItems"] == fw.export_case(first)["CFItems"]

    # labels, statements, code
    item = fw.find_item(session, draft.id, "2.1")
    fw.update_item(session, admin, item, {"labels": {"fr": "Choisir des ressources"},
                                          "statements": {"en": "Choosing resources."},
                                          "human_code": "2.1a"}, now=later)
    # move 2.1a under area 3, first place; add and remove items
    area3 = fw.find_item(session, draft.id, "3")
    fw.update_item(session, admin, item, {"parent_id": area3.id, "position": 1}, now=later)
    new = fw.add_item(session, admin, draft, {
        "item_type": "competence", "human_code": "2.6", "parent_id":
        fw.find_item(session, draft.id, "2").id,
        "labels": {"fr": "Nouvelle compétence", "en": "New competence"}}, now=later)
    removed = fw.delete_item(session, admin, fw.find_item(session, draft.id, "6"), now=later)
    assert removed == 6  # area 6 and its five competences
    session.commit()
    session.expire_all()
    draft = fw.get_version(session, draft.id)
    codes = {i.human_code: i for i in draft.items}
    assert "6" not in codes
    assert "6.1" not in codes
    assert codes["2.1a"].parent_id == codes["3"].id
    assert codes["2.1a"].position == 1
    assert [i.human_code for i in sorted((i for i in draft.items
                                          if i.parent_id == codes["3"].id),
                                         key=lambda i: i.position)] == [
        "2.1a", "3.1", "3.2", "3.3", "3.4"]
    assert [i.position for i in sorted((i for i in draft.items
                                        if i.parent_id == codes["2"].id),
                                       key=lambda i: i.position)] == [1, 2, 3]
    assert codes["2.6"].identifier == new.identifier
    exported = fw.export_case(draft)
    assert case.parse_package(exported).errors == []
    by_code = {i["humanCodingScheme"]: i for i in exported["CFItems"]}
    assert by_code["2.1a"]["identifier"] == item.identifier  # identifier kept
    assert by_code["2.1a"]["extensions"]["ext:labels"]["fr"]["name"] == "Choisir des ressources"
    assert by_code["2.1a"]["fullStatement"] == "Choosing resources."
    assert by_code["2.1a"]["lastChangeDateTime"] == "2025-10-07T09:30:00Z"
    assert by_code["2.6"]["abbreviatedStatement"] == "New competence"
    criteria = exported["CFRubrics"][0]["CFRubricCriteria"]
    assert len(criteria) == 22 - 5  # the deleted competences' criteria went with them
    # the published version did not move
    assert fw.export_case(fw.get_version(session, first.id)) == json.loads(
        fixture_bytes["digcompedu.json"])

    published = fw.publish(session, admin, draft, now=later)
    session.commit()
    assert published.status == "published"
    assert published.published_at == later
    with pytest.raises(Conflict, match="published"):
        fw.add_item(session, admin, published, {"item_type": "area", "labels": {"fr": "x"}},
                    now=later)
    # re-importing the original fixture is now a change again: version 3
    assert do_import(session, admin, fixture_bytes["digcompedu.json"]).version.number == 3


def test_edit_validation(session, people, fixture_bytes):
    admin = people["admin"]
    version = do_import(session, admin, fixture_bytes["digcompedu.json"], draft=True).version
    assert version.status == "draft"
    area = fw.find_item(session, version.id, "1")
    child = fw.find_item(session, version.id, "1.1")
    with pytest.raises(ValidationFailed) as caught:
        fw.update_item(session, admin, area, {"parent_id": child.id, "item_type": "nope",
                                              "position": 0, "identifier": "x"}, now=NOW)
    assert {e.field for e in caught.value.errors} == {"parent_id", "item_type", "position",
                                                      "identifier"}
    with pytest.raises(ValidationFailed):
        fw.update_item(session, admin, child, {"labels": {"en": None, "fr": ""},
                                               "statements": {"en": None, "fr": None}},
                       now=NOW)
    with pytest.raises(Conflict):
        fw.add_item(session, admin, version, {"item_type": "area", "labels": {"fr": "x"},
                                              "identifier": area.identifier}, now=NOW)
    with pytest.raises(Conflict, match="draft"):  # while a draft exists, no import
        do_import(session, admin, fixture_bytes["digcompedu.json"])
    session.rollback()
    # discarding the only (draft) version removes the framework
    fw.delete_draft(session, admin, fw.get_version(session, version.id))
    session.commit()
    assert count(session, Framework) == count(session, FrameworkVersion) == 0
    assert count(session, FrameworkItem) == count(session, FrameworkAssociation) == 0


def test_version_details_edit(session, people, fixture_bytes):
    admin = people["admin"]
    version = do_import(session, admin, fixture_bytes["numefa.json"], draft=True).version
    fw.update_version(session, admin, version, {"title_i18n": {"fr": "NUMEFA 2026"},
                                                "description_i18n": {"en": "Updated"}},
                      now=NOW + timedelta(hours=1))
    exported = fw.export_case(version)
    assert exported["CFDocument"]["title"] == "NUMEFA 2026"
    assert exported["CFDocument"]["extensions"]["ext:labels"]["en"]["description"] == "Updated"
    assert exported["CFDocument"]["lastChangeDateTime"] == "2025-10-06T10:30:00Z"
    assert exported["CFItems"][0]["CFDocumentURI"]["title"] == "NUMEFA 2026"
    with pytest.raises(ValidationFailed):
        fw.update_version(session, admin, version, {"title_i18n": {"fr": ""}}, now=NOW)
    fw.publish(session, admin, version, now=NOW)
    assert version.framework.title == "NUMEFA 2026"
