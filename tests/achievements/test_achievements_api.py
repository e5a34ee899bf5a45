"""Achievements through the API (CRUD, requirements, image upload) and the pages."""

from __future__ import annotations

import io

from accounts_helpers import login
from achievement_rules_helpers import _numefa
from achievements_helpers import BASE
from factories import competence_uri, tiny_png
from programmes_helpers import bearer, item, make_achievement, make_framework, make_programme

from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement
from badge_service.db import db

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
