"""CASE 1.1 JSON and CSV: the fixtures parse unchanged, build back byte for byte, round-trip
through CSV, and every kind of bad input is reported with its JSON path or CSV line."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from badge_service.errors import PayloadTooLarge, UnsupportedMediaType
from badge_service.formats import case

FIXTURES = ("digcompedu.json", "numefa.json", "du-pedagogie-lille.json")
TIME = "2025-09-01T00:00:00Z"


@pytest.fixture(scope="module")
def fixture_texts(shared_dir) -> dict[str, str]:
    folder = shared_dir / "fixtures" / "frameworks"
    return {name: (folder / name).read_text(encoding="utf-8") for name in FIXTURES}


def parsed(text: str) -> case.Package:
    result = case.parse_json_text(text)
    assert result.errors == []
    assert result.package is not None
    return result.package


def fields(result: case.ParseResult) -> set[str | None]:
    return {error.field for error in result.errors}


# --- the fixtures ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_builds_back_byte_for_byte(fixture_texts, name):
    text = fixture_texts[name]
    package = parsed(text)
    built = case.build_package(package, default_time="1999-01-01T00:00:00Z")
    assert built == json.loads(text)
    assert case.dumps(built) == text


def test_digcompedu_model(fixture_texts):
    package = parsed(fixture_texts["digcompedu.json"])
    assert package.language == "en"
    assert package.title_i18n["fr"].startswith("DigCompEdu – Cadre européen")
    kinds = [item.item_type for item in package.items]
    assert kinds.count("area") == 6
    assert kinds.count("competence") == 22
    assert kinds.count("level") == 6
    by_code = {item.human_code: item for item in package.items}
    competence = by_code["2.1"]
    assert competence.parent == by_code["2"].identifier
    assert competence.labels == {"en": "Selecting digital resources",
                                 "fr": competence.labels["fr"]}
    assert competence.labels["fr"]
    assert set(competence.statements) == {"en", "fr"}
    levels = sorted((i for i in package.items if i.item_type == "level"),
                    key=lambda i: i.position)
    assert [i.human_code for i in levels] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    assert levels[0].labels == {"en": "Newcomer (A1)", "fr": "Nouveau venu (A1)"}
    assert levels[-1].labels["en"] == "Pioneer (C2)"
    assert {a.association_type for a in package.associations} == {"precedes"}
    assert len(package.rubrics[0]["CFRubricCriteria"]) == 22


def test_programme_frameworks_keep_cross_framework_links(fixture_texts):
    numefa = parsed(fixture_texts["numefa.json"])
    digcompedu = parsed(fixture_texts["digcompedu.json"])
    targets = {item.identifier for item in digcompedu.items}
    links = [a for a in numefa.associations if a.association_type == "isRelatedTo"]
    assert len(links) == 29
    assert all(a.destination in targets for a in links)
    assert all(a.destination_uri.startswith("https://case.example.org/") for a in links)
    du = parsed(fixture_texts["du-pedagogie-lille.json"])
    assert {i.item_type for i in du.items} == {"group", "block", "criterion", "competence"}
    depth = {}
    for item in case.tree_order(du.items):
        depth[item.identifier] = 0 if item.parent is None else depth[item.parent] + 1
    assert max(depth.values()) == 2


@pytest.mark.parametrize("name", FIXTURES)
def test_csv_round_trip(fixture_texts, name):
    package = parsed(fixture_texts[name])
    text = case.build_csv(package)
    again = case.parse_csv(text)
    assert again.errors == []
    assert case.core(again.package) == case.core(package)
    assert case.build_csv(again.package) == text
    # Through CSV and back, CASE-only data comes from the stored version.
    merged = case.merge_csv(again.package, package)
    assert case.same_content(merged, package)
    assert case.build_package(merged, default_time=TIME) == json.loads(fixture_texts[name])


def test_csv_variants_read_the_same(fixture_texts):
    package = parsed(fixture_texts["numefa.json"])
    text = case.build_csv(package)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    variants = {
        "crlf-comma": text.encode(),
        "bom-semicolon-lf": b"\xef\xbb\xbf" + out.getvalue().encode(),
    }
    for label, content in variants.items():
        fmt, result = case.read(content, max_bytes=1 << 20)
        assert fmt == "csv", label
        assert result.errors == [], label
        assert case.core(result.package) == case.core(package), label


def test_hand_written_csv_with_codes_and_no_identifiers():
    text = (
        "item_type;human_code;parent_identifier;label_fr;label_en;statement_fr\n"
        "area;D1;;Domaine un;Domain one;\n"
        "competence;D1.1;D1;Compétence « un »;Competence one;Énoncé; avec point-virgule\n"
    )
    # the second row has one field too many: the statement is not quoted
    result = case.parse_csv(text, title="Mon référentiel", language="fr")
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "expected 6 fields (as in the header), found 7")]
    text = text.replace("Énoncé; avec point-virgule", '"Énoncé; avec point-virgule"')
    result = case.parse_csv(text, title="Mon référentiel", language="fr")
    assert result.errors == []
    package = result.package
    area, competence = package.items
    assert competence.parent == area.identifier
    assert competence.statements == {"fr": "Énoncé; avec point-virgule"}
    assert package.title == "Mon référentiel"
    # identifiers are derived, so the same file imports as the same framework
    assert case.parse_csv(text, title="Mon référentiel", language="fr").package == package
    built = case.build_package(case.assign_uris(package, "https://badges.example.org"),
                               default_time=TIME)
    assert case.parse_package(built).errors == []
    item = built["CFItems"][1]
    assert item["CFItemType"] == "Competence"
    assert item["abbreviatedStatement"] == "Compétence « un »"
    assert item["extensions"]["ext:labels"]["en"] == {"name": "Competence one"}
    assert built["CFDefinitions"]["CFItemTypes"][0]["title"] == "Competence area"


# --- bad CASE input ---------------------------------------------------------------------------


@pytest.fixture
def digcompedu(fixture_texts) -> dict:
    return json.loads(fixture_texts["digcompedu.json"])


def test_every_error_is_reported_with_its_path(digcompedu):
    data = copy.deepcopy(digcompedu)
    data["CFItems"][12]["identifier"] = data["CFItems"][3]["identifier"]
    del data["CFItems"][5]["fullStatement"]
    data["CFAssociations"][7]["associationType"] = "isCousinOf"
    data["CFAssociations"][8]["destinationNodeURI"]["identifier"] = "no-such-item"
    data["CFItems"][4]["humanCodingScheme"] = 12
    result = case.parse_package(data)
    assert result.package is None
    assert fields(result) >= {
        "CFItems[12].identifier",
        "CFItems[5].fullStatement",
        "CFAssociations[7].associationType",
        "CFAssociations[8].destinationNodeURI.identifier",
        "CFItems[4].humanCodingScheme",
    }
    messages = {e.field: e.message for e in result.errors}
    assert "isCousinOf" in messages["CFAssociations[7].associationType"]
    assert "isRelatedTo" in messages["CFAssociations[7].associationType"]
    assert "duplicate identifier" in messages["CFItems[12].identifier"]
    assert "CFItems[3]" in messages["CFItems[12].identifier"]
    assert "dangling" in messages["CFAssociations[8].destinationNodeURI.identifier"]


def test_cycles_in_the_hierarchy_are_refused(digcompedu):
    data = copy.deepcopy(digcompedu)
    items = {i["humanCodingScheme"]: i for i in data["CFItems"]}
    area = items["1"]
    child_of_area = next(a for a in data["CFAssociations"]
                         if a["associationType"] == "isChildOf"
                         and a["originNodeURI"]["identifier"] == area["identifier"])
    child_of_area["destinationNodeURI"] = {"title": "1.1",
                                           "identifier": items["1.1"]["identifier"],
                                           "uri": items["1.1"]["uri"]}
    result = case.parse_package(data)
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.message.startswith("isChildOf cycle:")
    assert error.field.startswith("CFAssociations[")


def test_second_parent_and_foreign_items_are_refused(digcompedu):
    data = copy.deepcopy(digcompedu)
    extra = copy.deepcopy(data["CFAssociations"][0])
    extra["identifier"] = "another"
    data["CFAssociations"].append(extra)
    data["CFItems"][2]["CFDocumentURI"]["identifier"] = "someone-else"
    rubric = data["CFRubrics"][0]["CFRubricCriteria"][3]
    rubric["CFItemURI"]["identifier"] = "gone"
    result = case.parse_package(data)
    assert fields(result) == {
        f"CFAssociations[{len(data['CFAssociations']) - 1}].originNodeURI.identifier",
        "CFItems[2].CFDocumentURI.identifier",
        "CFRubrics[0].CFRubricCriteria[3].CFItemURI.identifier",
    }


def test_shape_errors():
    assert fields(case.parse_package([])) == {None}
    assert fields(case.parse_package({"CFItems": []})) == {"CFDocument"}
    result = case.parse_package({"CFDocument": {"identifier": "has space", "title": ""},
                                 "CFItems": {}, "CFAssociations": [1]})
    assert fields(result) == {"CFDocument.identifier", "CFDocument.title", "CFItems",
                              "CFAssociations[0]"}
    result = case.parse_package({"CFDocument": {"identifier": "d", "title": "T\x00"}})
    assert "CFDocument.title" in fields(result)
    result = case.parse_json_text('{"CFDocument": {,}}')
    assert result.errors[0].row == 1
    assert "not valid JSON" in result.errors[0].message


def test_extension_association_types_are_kept(digcompedu):
    data = copy.deepcopy(digcompedu)
    data["CFAssociations"][-1]["associationType"] = "ext:buildsOn"
    package = parsed(json.dumps(data))
    assert package.associations[-1].association_type == "ext:buildsOn"
    assert case.build_package(package, default_time=TIME) == data


# --- bad CSV input ----------------------------------------------------------------------------


def test_csv_errors_name_line_and_column():
    text = (
        "identifier,parent_identifier,item_type,label_fr,position,associations\r\n"
        "a,,area,A,,\r\n"
        "b,zz,competence,B,x,\r\n"
        "c,a,skillset,C,,\r\n"
        "a,,area,again,,\r\n"
        "d,a,competence,,,\r\n"
        "e,a,competence,E,,isCousinOf:a\r\n"
        "f,a,competence,F,,isRelatedTo\r\n"
        '"g,a,competence,G,,\r\n'
    )
    result = case.parse_csv(text, title="T")
    found = {(e.row, e.field) for e in result.errors}
    assert found == {(9, None)}  # the unterminated quote hides the rest: fix it first
    result = case.parse_csv(text.rsplit("\r\n", 2)[0] + "\r\n", title="T")
    found = {(e.row, e.field) for e in result.errors}
    assert found == {
        (3, "parent_identifier"), (3, "position"), (4, "item_type"), (5, "identifier"),
        (6, None), (7, "associations"), (8, "associations"),
    }


def test_csv_header_and_cycles():
    result = case.parse_csv("identifier,kind,label_fr\nx,area,X\n", title="T")
    assert {(e.row, e.field) for e in result.errors} == {(1, "kind"), (1, "item_type")}
    result = case.parse_csv("identifier,parent_identifier,item_type,label_fr\n"
                            "a,b,area,A\nb,a,area,B\n", title="T")
    assert [(e.row, e.field) for e in result.errors] == [(2, "parent_identifier")]
    assert "cycle" in result.errors[0].message
    result = case.parse_csv("identifier,item_type,label_fr\nx,area,X\n")
    assert [e.field for e in result.errors] == ["title"]


def test_read_checks_size_and_type_by_content():
    with pytest.raises(PayloadTooLarge):
        case.read(b"x" * 11, max_bytes=10)
    with pytest.raises(UnsupportedMediaType, match="spreadsheet"):
        case.read(b"PK\x03\x04rest-of-an-xlsx", max_bytes=100)
    with pytest.raises(UnsupportedMediaType, match="not a text file"):
        case.read(b"\x89PNG\r\n\x1a\n\x00\x00", max_bytes=100)
    with pytest.raises(UnsupportedMediaType, match="line 2"):
        case.read("item_type,label_fr\narea,caf\xe9\n".encode("latin-1"), max_bytes=100)
    fmt, result = case.read(b'\xef\xbb\xbf  {"CFDocument": 1}', max_bytes=100)
    assert fmt == "case"
    assert fields(result) == {"CFDocument"}


def test_kind_of():
    assert case.kind_of("ProficiencyLevel", "Proficiency level") == "level"
    assert case.kind_of("CompetenceArea") == "area"
    assert case.kind_of("", "Domaine de compétences") == "area"
    assert case.kind_of("CompetenceBlock") == "block"
    assert case.kind_of(None, "Unité d'enseignement") == "unit"
    assert case.kind_of(None, "Critère d'exigence") == "criterion"
    assert case.kind_of(None, "Whatever") == "other"


def test_csv_cells_that_spreadsheets_would_run_are_neutralised():
    package = case.parse_csv("item_type,human_code,label_fr,statement_fr\n"
                             "competence,C1,'=SUM(A1),-- une note\n", title="T").package
    item = package.items[0]
    assert item.labels == {"fr": "=SUM(A1)"}
    assert item.statements == {"fr": "-- une note"}
    text = case.build_csv(package, bom=True)
    assert text.startswith("\ufeffidentifier,")
    assert ",'=SUM(A1),,'-- une note," in text  # label_fr, label_en, statement_fr
    assert case.core(case.parse_csv(text).package) == case.core(package)


def test_lengths_the_database_cannot_hold_are_refused(digcompedu):
    data = copy.deepcopy(digcompedu)
    data["CFAssociations"][-1]["associationType"] = "ext:" + "x" * 100
    data["CFItems"][0]["humanCodingScheme"] = "1" * 101
    data["CFItems"][1]["uri"] = "https://example.org/" + "u" * 1000
    assert fields(case.parse_package(data)) == {
        f"CFAssociations[{len(data['CFAssociations']) - 1}].associationType",
        "CFItems[0].humanCodingScheme", "CFItems[1].uri"}
    result = case.parse_csv("item_type,label_fr,language\narea,A,fr-" + "-ab" * 10 + "\n",
                            title="T")
    assert [(e.row, e.field) for e in result.errors] == [(2, "language")]


def test_normalisations_keep_the_information(digcompedu):
    data = copy.deepcopy(digcompedu)
    del data["CFItems"][0]["abbreviatedStatement"]  # the name is still in ext:labels.en
    orphan = data["CFItems"][1]["identifier"]
    data["CFAssociations"] = [a for a in data["CFAssociations"]
                              if a["originNodeURI"]["identifier"] != orphan]
    package = parsed(json.dumps(data))
    assert package.items[0].labels["en"] == "Professional Engagement"
    assert package.items[1].parent is None  # no isChildOf: a child of the document
    built = case.build_package(package, default_time=TIME)
    assert built["CFItems"][0]["abbreviatedStatement"] == "Professional Engagement"
    added = [a for a in built["CFAssociations"] if a["originNodeURI"]["identifier"] == orphan]
    assert len(added) == 1
    assert added[0]["destinationNodeURI"]["identifier"] == data["CFDocument"]["identifier"]
    assert case.parse_package(built).errors == []
