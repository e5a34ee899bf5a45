"""Badge plans of the shared framework fixtures become achievements (NUMEFA unit badges and
certificate, DU blocks and diploma, Lille workshops), through the service and the command line;
the resulting OB Achievements align to the imported CASE items and are schema-valid."""

from __future__ import annotations

import json

import pytest
from achievements_helpers import BASE
from achievements_helpers import credential_around as _credential
from programmes_helpers import make_programme, people

from badge_service.achievements import service as achievements
from badge_service.cli import main
from badge_service.clock import utcnow
from badge_service.errors import ValidationFailed
from badge_service.frameworks import service as fw
from credentials import jsonld, schema


@pytest.fixture
def fixtures(shared_dir) -> dict[str, bytes]:
    folder = shared_dir / "fixtures" / "frameworks"
    return {name: (folder / name).read_bytes()
            for name in ("digcompedu.json", "numefa.json", "du-pedagogie-lille.json")}


def _import_frameworks(session, admin, fixtures, names=("digcompedu.json", "numefa.json",
                                                        "du-pedagogie-lille.json")):
    for name in names:
        fw.import_file(session, admin, fixtures[name], max_bytes=10_000_000, now=utcnow(),
                       base_url=BASE)
    session.commit()


def test_numefa_plan(app, session, fixtures):
    p = people()
    _import_frameworks(session, p.admin, fixtures)
    programme = make_programme(p.coordinator, p.organisation, slug="numefa")
    package = json.loads(fixtures["numefa.json"])
    result = achievements.import_badge_plan(session, p.coordinator, programme, package,
                                            now=utcnow())
    session.commit()
    codes = [a.human_code for a in result.created]
    assert codes == ["UE1", "UE2", "UE3", "UE4", "UE5", "NUMEFA"]
    units, certificate = result.created[:5], result.created[5]
    assert units[1].name == "NUMEFA – Évaluation numérique"
    assert units[1].achievement_type == "Badge"
    # aligned to the unit and its three outcomes, by their CASE URIs
    assert [a.item.human_code for a in units[1].alignments] == ["UE2", "UE2.1", "UE2.2",
                                                                "UE2.3"]
    assert certificate.achievement_type == "Certificate"
    rules = achievements.composite_requirements(certificate)
    assert rules.achievement_ids == {u.id for u in units}
    assert rules.portfolio  # "validated capstone pedagogical project"
    assert "capstone" in certificate.criteria_i18n["en"]
    assert achievements.is_satisfied(certificate, [u.id for u in units], True)

    for achievement in result.created:
        document = achievements.to_ob_achievement(achievement, BASE)
        credential = _credential(document)
        assert schema.validate(credential, "AchievementCredential") == []
        jsonld.canonicalize(credential)
    document = achievements.to_ob_achievement(units[0], BASE)
    package_items = {i["humanCodingScheme"]: i["uri"] for i in package["CFItems"]}
    assert document["alignment"][0]["targetUrl"] == package_items["UE1"]

    again = achievements.import_badge_plan(session, p.coordinator, programme, package,
                                           now=utcnow())
    assert again.created == []
    assert len(again.existing) == 6


def test_du_plan_by_group(app, session, fixtures):
    p = people()
    _import_frameworks(session, p.admin, fixtures)
    du = make_programme(p.coordinator, p.organisation, slug="du-pedagogie")
    workshops = make_programme(p.coordinator, p.organisation, slug="ateliers-lll")
    package = json.loads(fixtures["du-pedagogie-lille.json"])
    result = achievements.import_badge_plan(session, p.coordinator, du, package, now=utcnow(),
                                            groups=["blockBadges"])
    assert [a.human_code for a in result.created] == ["BCC1", "BCC2", "BCC3", "BCC4",
                                                      "DU-PEDAGOGIE"]
    diploma = result.created[-1]
    assert diploma.achievement_type == "Diploma"
    assert achievements.composite_requirements(diploma).portfolio  # "oral defence passed"
    result = achievements.import_badge_plan(session, p.coordinator, workshops, package,
                                            now=utcnow(), groups=["workshopBadges"],
                                            final=False)
    assert [a.human_code for a in result.created] == ["ATL1", "ATL2", "ATL3"]


def test_plan_errors(app, session, fixtures):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    package = json.loads(fixtures["numefa.json"])
    with pytest.raises(ValidationFailed, match="import and publish this framework"):
        achievements.import_badge_plan(session, p.coordinator, programme, package,
                                       now=utcnow())
    with pytest.raises(ValidationFailed, match="no badge plan"):
        achievements.import_badge_plan(session, p.coordinator, programme,
                                       json.loads(fixtures["digcompedu.json"]), now=utcnow())
    _import_frameworks(session, p.admin, fixtures, names=("numefa.json",))
    package["CFDocument"]["extensions"]["ext:badgePlan"]["moduleBadges"][2]["unit"] = "UE9"
    with pytest.raises(ValidationFailed) as caught:
        achievements.import_badge_plan(session, p.coordinator, programme, package,
                                       now=utcnow(), groups=["moduleBadges", "nope"])
    fields = {e.field: e.message for e in caught.value.errors}
    assert fields == {"nope": "no such group in the badge plan",
                      "moduleBadges[2]": "no framework item coded 'UE9'"}
    session.rollback()
    assert session.scalars(achievements.of_programme(programme)).all() == []

    package = json.loads(fixtures["numefa.json"])
    with pytest.raises(ValidationFailed) as caught:
        achievements.import_badge_plan(session, p.coordinator, programme, package,
                                       now=utcnow(), groups=[])
    assert {e.field for e in caught.value.errors} == {"finalCredential.requires"}
    assert "requires UE1, which is not an achievement" in caught.value.errors[0].message


def test_cli(app, session, fixtures, tmp_path):
    p = people()
    _import_frameworks(session, p.admin, fixtures, names=("numefa.json",))
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["programmes", "create", "lille", "numefa", "--title-fr",
                                  "Certificat NUMEFA", "--title-en", "NUMEFA certificate"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["programmes", "create", "lille", "Bad Slug"])
    assert result.exit_code == 1
    assert "slug:" in result.output
    assert "title: is required" in result.output

    result = runner.invoke(main, ["programmes", "add-trainer", "lille/numefa",
                                  "trainer@example.org"])
    assert result.exit_code == 0, result.output
    assert "now a trainer" in result.output

    plan = tmp_path / "numefa.json"
    plan.write_bytes(fixtures["numefa.json"])
    result = runner.invoke(main, ["programmes", "import-plan", str(plan), "--programme",
                                  "lille/numefa"])
    assert result.exit_code == 0, result.output
    assert result.output.count("created\t") == 6
    result = runner.invoke(main, ["programmes", "list"])
    assert "lille/numefa\tCertificat NUMEFA\t6 achievements" in result.output

    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = runner.invoke(main, ["programmes", "import-plan", str(broken), "--programme",
                                  "lille/numefa"])
    assert result.exit_code == 1
    assert "not UTF-8 JSON" in result.output
    result = runner.invoke(main, ["programmes", "import-plan", str(plan), "--programme",
                                  "lille/nothing"])
    assert result.exit_code == 1
    assert "no programme 'lille/nothing'" in result.output
