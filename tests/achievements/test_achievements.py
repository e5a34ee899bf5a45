"""Achievements: validation, alignments and level scales, composite rules, the OB 3.0
Achievement they become (schema-valid and canonicalisable inside a credential), the public
page at their ``id``, the API and the pages."""

from __future__ import annotations

import io
import uuid

import pytest
from accounts_helpers import login
from achievements_helpers import BASE
from achievements_helpers import credential_around as _credential
from factories import competence_uri, level_uri, tiny_png
from flask import current_app
from programmes_helpers import (
    achievement_data,
    bearer,
    item,
    make_achievement,
    make_framework,
    make_programme,
    people,
)

from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement, AchievementRequirement
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from badge_service.frameworks.models import STATUS_DRAFT
from badge_service.programmes import service as programmes
from credentials import jsonld, schema
from credentials import models as ob


@pytest.fixture
def setup(app, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    programmes.add_trainer(session, p.coordinator, programme, p.trainer)
    session.commit()
    return p, programme


def _fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


# --- validation ------------------------------------------------------------------------------


def test_create_with_every_field(setup, session):
    p, programme = setup
    version = make_framework()
    achievement = make_achievement(
        p.coordinator, programme, achievement_type="Competency",
        alignments=[str(item(version, "2.1").id), item(version, "2.3").id],
        level_scale_version_id=str(version.id), validity_days="730",
        tags=["DigCompEdu", " DigCompEdu ", "numérique"], human_code=" DCE-2 ",
        requires_portfolio=True)
    assert achievement.name == "NUMEFA – Fondements pédagogiques"
    assert achievement.language == "fr"
    assert [a.item.human_code for a in achievement.alignments] == ["2.1", "2.3"]
    assert [lvl.human_code for lvl in achievements.levels_of(achievement.level_scale_version)
            ] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    assert achievement.validity_days == 730
    assert achievement.tags == ["DigCompEdu", "numérique"]
    assert achievement.human_code == "DCE-2"
    assert achievement.requires_portfolio is True

    # re-aligning keeps kept rows (no unique-constraint clash) and the new order
    achievements.update(session, p.coordinator, achievement,
                        {"alignments": [item(version, "2.3").id, item(version, "2.2").id]},
                        now=utcnow())
    session.commit()
    session.expire_all()
    assert [a.item.human_code for a in achievement.alignments] == ["2.3", "2.2"]


def test_validation_reports_every_field(setup, session):
    p, programme = setup
    published = make_framework()
    draft = make_framework(status=STATUS_DRAFT)
    no_levels = make_framework(levels=False)
    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme, {
            "achievement_type": "Trophy",
            "name": {"fr": ""},
            "description": {"de": "Beschreibung"},
            "criteria": {"en": "x" * 20_001},
            "alignments": [str(item(draft, "2.1").id), "not-an-id", str(uuid.uuid4()),
                           str(item(published, "A1").id)],
            "level_scale_version_id": str(draft.id),
            "validity_days": 0,
            "tags": ["ok", 3],
            "human_code": "x" * 101,
            "requires": [str(uuid.uuid4())],
            "requires_portfolio": "yes",
            "colour": "blue",
        }, now=utcnow())
    errors = _fields(caught.value)
    assert set(errors) == {
        "achievement_type", "name", "description.de", "criteria.en", "alignments[0]",
        "alignments[1]", "alignments[2]", "alignments[3]", "level_scale_version_id",
        "validity_days", "tags[1]", "human_code", "requires[0]", "requires_portfolio",
        "colour"}
    assert "published version only" in errors["alignments[0]"]
    assert "proficiency level" in errors["alignments[3]"]
    assert "not published" in errors["level_scale_version_id"]
    assert session.scalar(db.select(db.func.count()).select_from(Achievement)) == 0

    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme, achievement_data(
            level_scale_version_id=no_levels.id), now=utcnow())
    assert "no proficiency levels" in _fields(caught.value)["level_scale_version_id"]


def test_types_are_the_ob_enumeration_or_extensions(setup, session):
    p, programme = setup
    for kind in ("Badge", "Certificate", "Diploma", "Competency", "Course", "ext:Workshop"):
        make_achievement(p.coordinator, programme, achievement_type=kind)
    with pytest.raises(ValidationFailed):
        achievements.create(session, p.coordinator, programme,
                            achievement_data(achievement_type="ext:"), now=utcnow())


def test_main_language(setup, session):
    p, programme = setup
    english = make_achievement(p.coordinator, programme,
                               name={"en": "Workshop"}, description={"en": "A workshop."},
                               criteria={"en": "Attend."})
    assert english.language == "en"
    assert english.name == "Workshop"
    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme, achievement_data(
            language="fr", name={"en": "Only English"}, description={"en": "x"},
            criteria={"en": "y"}), now=utcnow())
    assert set(_fields(caught.value)) == {"name", "description", "criteria"}
    with pytest.raises(ValidationFailed) as caught:
        achievements.update(session, p.coordinator, english, {"language": "de"}, now=utcnow())
    assert set(_fields(caught.value)) == {"language"}


def test_only_coordinators_write(setup, session):
    p, programme = setup
    with pytest.raises(Forbidden):
        achievements.create(session, p.trainer, programme, achievement_data(), now=utcnow())
    achievement = make_achievement(p.coordinator, programme)
    with pytest.raises(Forbidden):
        achievements.update(session, p.trainer, achievement, {"human_code": "X"}, now=utcnow())
    with pytest.raises(Forbidden):
        achievements.delete(session, p.trainer, achievement)
    assert achievements.get_readable(session, p.trainer, achievement.id) is achievement
    with pytest.raises(NotFound):
        achievements.get_readable(session, p.outsider, achievement.id)
    make_achievement(p.admin, programme, human_code="ADM")


# --- composite rules -------------------------------------------------------------------------


def _numefa(p, programme):
    units = [make_achievement(p.coordinator, programme, human_code=f"UE{i}",
                              name={"fr": f"NUMEFA – unité {i}"}) for i in range(1, 6)]
    certificate = make_achievement(
        p.coordinator, programme, achievement_type="Certificate", human_code="NUMEFA",
        name={"fr": "Certificat d'université NUMEFA", "en": "NUMEFA university certificate"},
        requires=[u.id for u in units])
    return units, certificate


def test_numefa_certificate_requires_its_five_unit_badges(setup, session):
    p, programme = setup
    units, certificate = _numefa(p, programme)
    rules = achievements.composite_requirements(certificate)
    assert rules.is_composite
    assert not rules.portfolio
    assert rules.achievement_ids == frozenset(u.id for u in units)
    held = [u.id for u in units[:4]]
    assert not rules.is_satisfied(held, portfolio_validated=True)
    assert rules.missing(held) == {units[4].id}
    assert rules.is_satisfied([*held, units[4].id, uuid.uuid4()], portfolio_validated=False)
    assert achievements.is_satisfied(certificate, [u.id for u in units], False)
    assert [c.id for c in achievements.composites_requiring(session, units[2].id)] == [
        certificate.id]
    # unit badges are awarded by people, never by rule
    unit_rules = achievements.composite_requirements(units[0])
    assert not unit_rules.is_composite
    assert not unit_rules.is_satisfied([], portfolio_validated=True)


def test_du_requires_its_modules_and_a_validated_portfolio(setup, session):
    p, programme = setup
    blocks = [make_achievement(p.coordinator, programme, human_code=f"BCC{i}",
                               achievement_type="Competency") for i in range(1, 5)]
    diploma = make_achievement(p.coordinator, programme, achievement_type="Diploma",
                               requires=[b.id for b in blocks], requires_portfolio=True)
    ids = [b.id for b in blocks]
    assert not achievements.is_satisfied(diploma, ids, portfolio_validated=False)
    assert achievements.is_satisfied(diploma, ids, portfolio_validated=True)
    assert [a.id for a in achievements.portfolio_composites(session, programme.id)] == [
        diploma.id]
    # portfolio alone is a composite rule too
    portfolio_only = make_achievement(p.coordinator, programme, requires_portfolio=True)
    assert achievements.is_satisfied(portfolio_only, [], portfolio_validated=True)


def test_cycles_and_self_requirements_are_refused(setup, session):
    p, programme = setup
    a = make_achievement(p.coordinator, programme, human_code="A", name={"fr": "Alpha"})
    b = make_achievement(p.coordinator, programme, human_code="B", name={"fr": "Bêta"},
                         requires=[a.id])
    c = make_achievement(p.coordinator, programme, human_code="C", name={"fr": "Gamma"},
                         requires=[b.id])
    with pytest.raises(ValidationFailed) as caught:
        achievements.set_requirements(session, p.coordinator, a, [c.id], False, now=utcnow())
    message = _fields(caught.value)["requires[0]"]
    assert "cycle" in message
    assert "A Alpha → C Gamma → B Bêta → A Alpha" in message
    with pytest.raises(ValidationFailed) as caught:
        achievements.update(session, p.coordinator, a, {"requires": [a.id]}, now=utcnow())
    assert "itself" in _fields(caught.value)["requires[0]"]
    session.rollback()
    assert achievements.required_ids(a) == []
    # a diamond is not a cycle
    achievements.set_requirements(session, p.coordinator, c, [b.id, a.id], False, now=utcnow())
    session.commit()
    assert set(achievements.required_ids(c)) == {a.id, b.id}


def test_cross_programme_requirements_are_refused(setup, session):
    p, programme = setup
    other = make_programme(p.coordinator, p.organisation, slug="du")
    foreign = make_achievement(p.coordinator, other, name={"fr": "Étranger"})
    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme,
                            achievement_data(requires=[foreign.id]), now=utcnow())
    assert "another programme" in _fields(caught.value)["requires[0]"]


def test_delete_refused_while_required(setup, session):
    p, programme = setup
    units, certificate = _numefa(p, programme)
    with pytest.raises(Conflict) as caught:
        achievements.delete(session, p.coordinator, units[0])
    assert "required by “Certificat d'université NUMEFA”" in caught.value.detail
    achievements.delete(session, p.coordinator, certificate)
    achievements.delete(session, p.coordinator, units[0])
    session.commit()
    assert session.scalar(db.select(db.func.count()).select_from(AchievementRequirement)) == 0
    assert session.scalar(db.select(db.func.count()).select_from(Achievement)) == 4


# --- the OB 3.0 Achievement --------------------------------------------------------------


def _full(p, programme, session):
    version = make_framework()
    achievement = make_achievement(
        p.coordinator, programme, achievement_type="Competency",
        name={"fr": "Ressources numériques — B1", "en": "Digital resources — B1"},
        description={"fr": "Domaine 2 de DigCompEdu.", "en": "DigCompEdu area 2."},
        criteria={"fr": "Portfolio validé : niveau **B1**.", "en": "Validated portfolio."},
        alignments=[item(version, code).id for code in ("2.1", "2.2", "2.3")],
        level_scale_version_id=version.id, validity_days=365, human_code="DCE-2-B1")
    achievements.set_image(session, p.coordinator, achievement, tiny_png(),
                           upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=10_000,
                           now=utcnow())
    session.commit()
    return achievement


def test_to_ob_achievement(setup, session):
    p, programme = setup
    achievement = _full(p, programme, session)
    doc = achievements.to_ob_achievement(achievement, BASE)
    ach_id = f"{BASE}/achievements/{achievement.id}"
    assert doc["id"] == ach_id
    assert doc["type"] == ["Achievement"]
    assert doc["achievementType"] == "Competency"
    assert doc["name"] == "Ressources numériques — B1"
    assert doc["inLanguage"] == "fr"
    assert doc["criteria"] == {"narrative": "Portfolio validé : niveau **B1**."}
    assert doc["related"] == [{"id": f"{ach_id}?lang=en", "type": ["Related"],
                               "inLanguage": "en", "name": "Digital resources — B1",
                               "description": "DigCompEdu area 2."}]
    assert doc["image"]["id"] == f"{BASE}/uploads/{achievement.image_path}"
    assert doc["image"]["type"] == "Image"
    assert [a["targetUrl"] for a in doc["alignment"]] == [competence_uri(c) for c in
                                                          ("2.1", "2.2", "2.3")]
    first = doc["alignment"][0]
    assert first["targetType"] == "CFItem"
    assert first["targetCode"] == "2.1"
    assert first["targetName"] == "Sélection de ressources numériques"
    assert first["targetFramework"].startswith("DigCompEdu (cadre européen")
    [rd] = doc["resultDescription"]
    assert rd["id"] == f"{ach_id}#levels"
    assert rd["resultType"] == "RubricCriterionLevel"
    assert [lvl["id"] for lvl in rd["rubricCriterionLevel"]] == [
        level_uri(c) for c in ("A1", "A2", "B1", "B2", "C1", "C2")]
    assert rd["rubricCriterionLevel"][2]["name"] == "Intégrateur (B1)"
    assert rd["rubricCriterionLevel"][2]["level"] == "B1"
    assert achievements.result_description_id(BASE, achievement) == rd["id"]
    assert doc["humanCode"] == "DCE-2-B1"


def test_ob_achievement_is_schema_valid_and_canonicalisable_in_a_credential(setup, session):
    p, programme = setup
    full = _full(p, programme, session)
    minimal = make_achievement(p.coordinator, programme, name={"en": "Workshop"},
                               description={"en": "A workshop."}, criteria={},
                               achievement_type="ext:Workshop", tags=[])
    for achievement in (full, minimal):
        credential = _credential(achievements.to_ob_achievement(achievement, BASE))
        assert schema.validate(credential, "AchievementCredential") == []
        nquads = jsonld.canonicalize(credential)  # refuses undefined terms
        assert f"<{BASE}/achievements/{achievement.id}>" in nquads
    minimal_doc = achievements.to_ob_achievement(minimal, BASE)
    assert minimal_doc["criteria"] == {"id": f"{BASE}/achievements/{minimal.id}#criteria"}
    assert "related" not in minimal_doc
    assert "image" not in minimal_doc
    assert minimal_doc["inLanguage"] == "en"


def test_item_without_uri_gets_a_urn(setup, session):
    _p, _programme = setup
    version = make_framework()
    competence = item(version, "2.1")
    competence.uri = None
    session.commit()
    assert achievements.item_url(BASE, competence) == f"urn:uuid:{competence.identifier}"
    competence.identifier = "DCE-2.1"
    assert achievements.item_url(BASE, competence) == f"{BASE}/framework-items/{competence.id}"
    session.rollback()


# --- public page -----------------------------------------------------------------------------


def test_public_page_html_and_json_by_content_negotiation(setup, client, session):
    p, programme = setup
    achievement = _full(p, programme, session)
    path = f"/achievements/{achievement.id}"
    html = client.get(path)  # anonymous: no login
    assert html.status_code == 200
    assert html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "Ressources numériques — B1" in text
    assert "Sélection de ressources numériques" in text
    assert "Intégrateur (B1)" in text
    assert "365 days" in text
    assert "Accept" in html.headers["Vary"]
    assert "Edit" not in text  # management links only for coordinators
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Digital resources — B1" in english

    for accept in ("application/ld+json", "application/json",
                   "application/json, text/html;q=0.5"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.mimetype == accept.split(",")[0]
        document = response.json
        assert document["@context"] == [ob.VC_V2_CONTEXT, ob.OB_CONTEXT]
        # the id resolves to this very resource
        assert document["id"] == BASE + path
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(path + "?format=json").json["id"] == BASE + path
    browser = client.get(path, headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert browser.mimetype == "text/html"

    document = client.get(path, headers={"Accept": "application/ld+json"}).json
    jsonld.canonicalize(document)  # a stand-alone JSON-LD document with no undefined terms

    missing = client.get(f"/achievements/{uuid.uuid4()}", headers={"Accept":
                                                                   "application/json"})
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    image = client.get(f"/uploads/{achievement.image_path}")
    assert image.status_code == 200
    assert image.mimetype == "image/png"


def test_public_page_lists_requirements_and_escapes(setup, client, session):
    p, programme = setup
    units, certificate = _numefa(p, programme)
    achievements.update(session, p.coordinator, units[0],
                        {"name": {"fr": "<script>alert(1)</script>"}}, now=utcnow())
    session.commit()
    text = client.get(f"/achievements/{certificate.id}").get_data(as_text=True)
    assert "Awarded automatically" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert" not in text
    unit = client.get(f"/achievements/{units[1].id}").get_data(as_text=True)
    assert "Part of" in unit
    assert "Certificat d&#39;université NUMEFA" in unit


# --- API -------------------------------------------------------------------------------------


def test_api_achievement_crud(setup, client, session):
    p, programme = setup
    version = make_framework()
    headers = bearer(p.coordinator)
    body = {"achievement_type": "Badge", "name": {"fr": "Atelier – Concevoir un enseignement",
                                                  "en": "Workshop – Designing a course"},
            "description": {"fr": "Atelier du Lille Learning Lab."},
            "criteria": {"fr": "Participation et production d'une séquence."},
            "alignments": [str(item(version, "2.2").id)],
            "level_scale_version_id": str(version.id), "tags": ["atelier"],
            "human_code": "ATL1", "validity_days": 1095}
    response = client.post(f"/api/v1/programmes/{programme.id}/achievements", json=body,
                           headers=headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert created["url"] == f"{BASE}/achievements/{created['id']}"
    assert created["alignments"][0]["human_code"] == "2.2"
    assert created["alignments"][0]["uri"] == competence_uri("2.2")
    assert [lvl["human_code"] for lvl in created["levels"]][:2] == ["A1", "A2"]
    assert created["requires"] == []
    assert created["image_url"] is None
    url = response.headers["Location"]
    assert url.endswith(f"/api/v1/achievements/{created['id']}")

    response = client.patch(url, json={"validity_days": None, "level_scale_version_id": None,
                                       "name": {"en": "Workshop"}, "language": "en",
                                       "description": {"en": "A workshop."},
                                       "criteria": {"en": "Attend."}},
                            headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["validity_days"] is None
    assert response.json["levels"] == []
    assert response.json["name"] == {"en": "Workshop"}
    response = client.patch(url, json={"language": "fr"}, headers=headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"name", "description", "criteria"}

    listing = client.get(f"/api/v1/programmes/{programme.id}/achievements",
                         headers=bearer(p.trainer)).json
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == created["id"]
    assert client.get(url, headers=bearer(p.trainer)).status_code == 200
    assert client.get(url, headers=bearer(p.outsider)).status_code == 404
    assert client.patch(url, json={"tags": []}, headers=bearer(p.trainer)).status_code == 403
    assert client.delete(url, headers=bearer(p.trainer)).status_code == 403
    assert client.post(f"/api/v1/programmes/{programme.id}/achievements", json=body,
                       headers=bearer(p.trainer)).status_code == 403

    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_api_requirements(setup, client, session):
    p, programme = setup
    units, certificate = _numefa(p, programme)
    headers = bearer(p.coordinator)
    url = f"/api/v1/achievements/{certificate.id}/requirements"
    got = client.get(url, headers=headers).json
    assert got["achievement_ids"] == [str(u.id) for u in units]
    assert got["is_composite"] is True
    assert got["requires_portfolio"] is False

    response = client.put(url, json={"achievement_ids": [str(u.id) for u in units[:2]],
                                     "requires_portfolio": True}, headers=headers)
    assert response.status_code == 200
    assert response.json == {"achievement_ids": [str(u.id) for u in units[:2]],
                             "requires_portfolio": True, "is_composite": True}

    cycle = client.put(f"/api/v1/achievements/{units[0].id}/requirements",
                       json={"achievement_ids": [str(certificate.id)]}, headers=headers)
    assert cycle.status_code == 422
    assert cycle.json["errors"][0]["field"] == "requires[0]"
    assert "cycle" in cycle.json["errors"][0]["message"]

    other = make_programme(p.coordinator, p.organisation, slug="other")
    foreign = make_achievement(p.coordinator, other)
    response = client.put(url, json={"achievement_ids": [str(foreign.id)]}, headers=headers)
    assert response.status_code == 422
    assert "another programme" in response.json["errors"][0][
        "message"]

    response = client.delete(f"/api/v1/achievements/{units[0].id}", headers=headers)
    assert response.status_code == 409
    assert "required by" in response.json["detail"]


def test_api_image_upload(setup, client, session, app):
    p, programme = setup
    achievement = make_achievement(p.coordinator, programme)
    headers = bearer(p.coordinator)
    url = f"/api/v1/achievements/{achievement.id}/image"
    response = client.post(url, headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(tiny_png()), "badge.svg")})
    assert response.status_code == 200, response.json
    assert response.json["content_type"] == "image/png"  # by content, not by name
    image_url = response.json["image_url"]
    assert image_url.startswith(f"{BASE}/uploads/")
    assert image_url.endswith(".png")
    served = client.get(image_url.removeprefix(BASE))
    assert served.data == tiny_png()

    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)'
           b'</script><circle r="4"/></svg>')
    response = client.post(url, headers={**headers, "Content-Type": "image/svg+xml"}, data=svg)
    assert response.status_code == 200
    assert response.json["content_type"] == "image/svg+xml"
    assert response.json["sanitised"]
    stored = client.get(response.json["image_url"].removeprefix(BASE)).data
    assert b"script" not in stored
    assert b"onload" not in stored
    assert b"circle" in stored

    response = client.post(url, headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"GIF89a....."), "badge.png")})
    assert response.status_code == 415
    assert response.json["errors"][0]["field"] == "file"
    app.config["MAX_UPLOAD_BYTES"] = 50
    response = client.post(url, headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(tiny_png()), "badge.png")})
    assert response.status_code == 413
    response = client.post(url, headers=headers, content_type="multipart/form-data", data={})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "file"
    assert client.post(url, headers=bearer(p.trainer), data=svg,
                       content_type="image/svg+xml").status_code == 403

    assert client.delete(url, headers=headers).status_code == 204
    session.expire_all()
    assert session.get(Achievement, achievement.id).image_path is None


# --- pages -----------------------------------------------------------------------------------


def test_pages_create_edit_delete_an_achievement(setup, client, session):
    p, programme = setup
    version = make_framework()
    unit = make_achievement(p.coordinator, programme, human_code="UE1")
    login(client, "coord@example.org")
    form = client.get(f"/programmes/{programme.id}/achievements/new")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Sélection de ressources numériques" in page  # alignment picker
    assert str(item(version, "A1").id) not in page  # levels are not alignment targets
    assert f'value="{version.id}"' in page  # level scale select
    assert f'value="{unit.id}"' in page  # requirement checkbox
    assert 'name="csrf_token"' in page
    assert 'enctype="multipart/form-data"' in page

    data = {
        "achievement_type": "Certificate", "language": "fr", "human_code": "NUMEFA",
        "name_fr": "Certificat NUMEFA", "name_en": "NUMEFA certificate",
        "description_fr": "Le certificat.", "description_en": "",
        "criteria_fr": "Les cinq unités.", "criteria_en": "",
        "alignments": [str(item(version, "2.1").id), str(item(version, "2.2").id)],
        "level_scale_version_id": str(version.id), "validity_days": "", "tags": "a, b",
        "requires": [str(unit.id)], "requires_portfolio": "on",
        "image": (io.BytesIO(tiny_png()), "badge.png"),
    }
    response = client.post(f"/programmes/{programme.id}/achievements/new", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    created = session.scalar(db.select(Achievement).where(Achievement.human_code == "NUMEFA"))
    assert created.requires_portfolio
    assert achievements.required_ids(created) == [unit.id]
    assert created.tags == ["a", "b"]
    assert created.image_path.endswith(".png")
    assert created.name_i18n == {"fr": "Certificat NUMEFA", "en": "NUMEFA certificate"}
    view = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Edit" in view
    assert "Delete this achievement" in view

    # an invalid image fails the whole form: nothing saved
    bad = {**data, "human_code": "OTHER", "image": (io.BytesIO(b"%PDF-1.7"), "x.png")}
    response = client.post(f"/programmes/{programme.id}/achievements/new", data=bad,
                           content_type="multipart/form-data")
    assert response.status_code == 415
    assert "not a PNG or SVG" in response.get_data(as_text=True)
    assert "Certificat NUMEFA" in response.get_data(as_text=True)  # the form keeps its values
    assert response.get_data(as_text=True).count('name="requires"') == 2  # UE1 and NUMEFA only
    assert session.scalar(db.select(Achievement).where(Achievement.human_code == "OTHER")) is None

    edit = client.get(f"/achievements/{created.id}/edit").get_data(as_text=True)
    assert "Certificat NUMEFA" in edit
    assert "checked" in edit
    response = client.post(f"/achievements/{created.id}/edit", data={
        **{k: v for k, v in data.items() if k != "image"}, "requires": [],
        "requires_portfolio": "", "remove_image": "on", "name_fr": ""},
        content_type="multipart/form-data")
    assert response.status_code == 422  # the French name is the main language's
    response = client.post(f"/achievements/{created.id}/edit", data={
        **{k: v for k, v in data.items() if k != "image"}, "requires": [],
        "remove_image": "on"}, content_type="multipart/form-data")
    assert response.status_code == 302
    session.expire_all()
    assert achievements.required_ids(created) == []
    assert created.image_path is None

    response = client.post(f"/achievements/{created.id}/delete", follow_redirects=True)
    assert "deleted" in response.get_data(as_text=True)


def test_pages_authorisation(setup, client, session):
    p, programme = setup
    achievement = make_achievement(p.coordinator, programme)
    login(client, "trainer@example.org")
    assert client.get(f"/programmes/{programme.id}/achievements/new").status_code == 403
    assert client.get(f"/achievements/{achievement.id}/edit").status_code == 403
    assert client.post(f"/achievements/{achievement.id}/delete").status_code == 403
    client.post("/logout")
    login(client, "outsider@example.org")
    assert client.get(f"/achievements/{achievement.id}/edit").status_code == 404
    # the public page stays public
    assert client.get(f"/achievements/{achievement.id}").status_code == 200
