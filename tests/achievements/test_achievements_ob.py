"""Achievements as OB 3.0 Achievements (schema-valid and canonicalisable inside a credential)
and the public page at their ``id``."""

from __future__ import annotations

import uuid

from achievement_rules_helpers import _numefa
from achievements_helpers import BASE
from achievements_helpers import credential_around as _credential
from factories import competence_uri, level_uri, tiny_png
from flask import current_app
from programmes_helpers import item, make_achievement, make_framework

from badge_service.achievements import service as achievements
from badge_service.clock import utcnow
from credentials import jsonld, schema
from credentials import models as ob

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
