"""Framework pages: list, view (tree, levels, links), import with every error shown, export
downloads, drafts, item editing, publishing — and who may do what."""

from __future__ import annotations

import io
import json
import re

import pytest
from accounts_helpers import is_login_redirect, login, make_org, make_user
from sqlalchemy import func, select

from badge_service.formats import case
from badge_service.frameworks.models import Framework, FrameworkVersion


@pytest.fixture
def fixtures(shared_dir) -> dict[str, bytes]:
    folder = shared_dir / "fixtures" / "frameworks"
    return {p.name: p.read_bytes() for p in folder.glob("*.json")}


@pytest.fixture
def people(app):
    admin = make_user("admin@example.org", admin=True)
    coordinator = make_user("coord@example.org")
    reader = make_user("reader@example.org")
    lille = make_org("ulille", coordinators=(coordinator,), name="Université de Lille")
    return {"admin": admin, "coordinator": coordinator, "reader": reader, "lille": lille}


def upload(client, content: bytes, name: str = "framework.json", **fields):
    data = {"file": (io.BytesIO(content), name), **fields}
    return client.post("/frameworks/import", data=data, content_type="multipart/form-data")


def test_pages_need_login(client):
    assert is_login_redirect(client.get("/frameworks"))
    assert is_login_redirect(client.get("/frameworks/import"))


def test_import_view_export(client, session, people, fixtures):
    login(client, "admin@example.org")
    form = client.get("/frameworks/import").get_data(as_text=True)
    assert 'name="csrf_token"' in form
    assert 'enctype="multipart/form-data"' in form
    assert "Shared by every organisation" in form
    response = upload(client, fixtures["digcompedu.json"], organisation_id="")
    assert response.status_code == 302, response.get_data(as_text=True)
    version = session.scalar(select(FrameworkVersion))
    assert response.headers["Location"].endswith(f"/frameworks/versions/{version.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported «DigCompEdu" in page
    assert "Ressources numériques" in page
    assert "Digital Resources" in page
    assert "Sélection de ressources numériques" in page or "2.1" in page
    levels = page.split("<h2>Proficiency levels</h2>")[1].split("</ol>")[0]
    assert re.findall(r"<strong>(\w\d)</strong>", levels) == ["A1", "A2", "B1", "B2", "C1",
                                                              "C2"]
    assert "Nouveau venu (A1)" in levels
    assert "Pioneer (C2)" in levels
    assert "Rubric: DigCompEdu progression model" in page
    assert "22 criteria" in page

    exported = client.get(f"/frameworks/versions/{version.id}/export?format=case")
    assert exported.get_data() == fixtures["digcompedu.json"]
    assert exported.headers["Content-Disposition"].startswith("attachment; filename=")
    as_csv = client.get(f"/frameworks/versions/{version.id}/export?format=csv")
    assert as_csv.mimetype == "text/csv"
    assert case.parse_csv(as_csv.get_data(as_text=True)).errors == []
    assert client.get(f"/frameworks/versions/{version.id}/export?format=pdf").status_code == 404

    # the same file again: nothing new
    again = upload(client, fixtures["digcompedu.json"], organisation_id="")
    assert "identical to version 1" in client.get(again.headers["Location"]).get_data(
        as_text=True)
    listing = client.get("/frameworks").get_data(as_text=True)
    assert "DigCompEdu" in listing
    assert "Shared" in listing


def test_import_shows_every_error(client, session, people, fixtures):
    login(client, "admin@example.org")
    data = json.loads(fixtures["digcompedu.json"])
    data["CFItems"][12]["identifier"] = data["CFItems"][3]["identifier"]
    data["CFAssociations"][2]["associationType"] = "isCousinOf<script>"
    response = upload(client, json.dumps(data).encode(), organisation_id="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "CFItems[12].identifier" in page
    assert "CFAssociations[2].associationType" in page
    assert "isCousinOf&lt;script&gt;" in page
    assert "isCousinOf<script>" not in page
    assert "Nothing was imported" in page
    bad_csv = b"item_type;label_fr;position\r\narea;A;\r\nzone;B;x\r\n"
    response = upload(client, bad_csv, name="f.csv", organisation_id="", title="T")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"<td>3</td><td><code>item_type</code></td>", page)
    assert re.search(r"<td>3</td><td><code>position</code></td>", page)
    response = upload(client, b"PK\x03\x04xlsx", name="f.xlsx", organisation_id="")
    assert response.status_code == 415
    assert session.scalar(select(Framework)) is None


def test_coordinator_drafts_edits_and_publishes(client, session, people, fixtures):
    login(client, "coord@example.org")
    form = client.get("/frameworks/import").get_data(as_text=True)
    assert "Shared by every organisation" not in form
    assert "Université de Lille" in form
    response = upload(client, fixtures["numefa.json"], organisation_id=str(people["lille"].id))
    assert response.status_code == 302
    v1 = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fondements pédagogiques" in v1
    assert "Pedagogical foundations" in v1
    assert "isRelatedTo" in v1
    assert "(not stored here)" in v1
    framework = session.scalar(select(Framework))
    response = client.post(f"/frameworks/{framework.id}/drafts")
    assert response.status_code == 302
    draft_url = response.headers["Location"]
    draft_page = client.get(draft_url).get_data(as_text=True)
    assert "This is a draft" in draft_page
    draft_id = draft_url.rsplit("/", 1)[1]
    item_ids = re.findall(r'href="/frameworks/items/([0-9a-f-]+)/edit"', draft_page)
    assert len(item_ids) == 20
    first = item_ids[0]
    edit = client.get(f"/frameworks/items/{first}/edit").get_data(as_text=True)
    assert 'value="Fondements pédagogiques"' in edit
    response = client.post(f"/frameworks/items/{first}/edit", data={
        "item_type": "unit", "human_code": "UE1", "label_fr": "Fondements (révisé)",
        "label_en": "Foundations", "statement_fr": "Nouvel énoncé.", "statement_en": "",
        "parent_id": "", "position": "", "type_title": "Unité d'enseignement", "notes": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(f"/frameworks/items/{first}/edit", data={
        "item_type": "unit", "label_fr": "", "label_en": "", "statement_fr": "",
        "statement_en": "", "parent_id": "", "position": ""})
    assert response.status_code == 422
    assert "at least a label or a statement" in response.get_data(as_text=True)
    response = client.post(f"/frameworks/versions/{draft_id}/items/new", data={
        "item_type": "outcome", "human_code": "UE1.4", "parent_id": first,
        "label_fr": "", "label_en": "", "statement_fr": "Un quatrième acquis.",
        "statement_en": "A fourth outcome.", "position": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    ue5 = re.search(r'<tr id="item-([0-9a-f-]+)">\s*<td[^>]*><strong>UE5</strong>',
                    draft_page)[1]
    response = client.post(f"/frameworks/items/{ue5}/delete")  # UE5 and its outcomes
    assert response.status_code == 302
    response = client.post(f"/frameworks/versions/{draft_id}/edit", data={
        "title_fr": "NUMEFA 2026", "title_en": "NUMEFA 2026 (EN)",
        "description_fr": "", "description_en": ""})
    assert response.status_code == 302
    page = client.get(draft_url).get_data(as_text=True)
    assert "Fondements (révisé)" in page
    assert "Un quatrième acquis." in page
    assert "UE5.1" not in page
    response = client.post(f"/frameworks/versions/{draft_id}/publish")
    assert response.status_code == 302
    page = client.get(draft_url).get_data(as_text=True)
    assert "published" in page
    assert "This is a draft" not in page
    exported = client.get(f"/frameworks/versions/{draft_id}/export?format=case").json
    assert exported["CFDocument"]["title"] == "NUMEFA 2026"
    assert case.parse_package(exported).errors == []
    # published: the edit form is refused
    assert client.post(f"/frameworks/items/{first}/edit", data={
        "item_type": "unit", "label_fr": "x"}).status_code == 409


def test_readers_see_but_cannot_change(client, session, people, fixtures):
    login(client, "coord@example.org")
    upload(client, fixtures["du-pedagogie-lille.json"], organisation_id=str(people["lille"].id))
    client.post("/logout")
    framework = session.scalar(select(Framework))
    login(client, "reader@example.org")
    page = client.get(f"/frameworks/{framework.id}").get_data(as_text=True)
    assert "Concevoir des enseignements" in page
    assert "create a draft" not in page
    assert client.get("/frameworks/import").status_code == 403
    assert client.post(f"/frameworks/{framework.id}/drafts").status_code == 403
    assert session.scalar(select(func.count())
                          .select_from(FrameworkVersion)) == 1
    version = framework.versions[0]
    item = version.items[0]
    assert client.get(f"/frameworks/items/{item.id}/edit").status_code == 403
    assert client.get(f"/frameworks/versions/{version.id}/edit").status_code == 403


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_forms_need_the_csrf_token(csrf_on, client, session, people, fixtures):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post("/login", data={"email": "admin@example.org",
                                           "password": "correct horse battery staple",
                                           "csrf_token": token})
    assert response.status_code == 302
    assert upload(client, fixtures["numefa.json"], organisation_id="").status_code == 400
    assert session.scalar(select(Framework)) is None
    form = client.get("/frameworks/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    response = upload(client, fixtures["numefa.json"], organisation_id="", csrf_token=token)
    assert response.status_code == 302
