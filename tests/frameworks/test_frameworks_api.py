"""The frameworks API: import/export, reading, drafts, problems with paths and lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from badge_service.accounts.service import users as accounts
from badge_service.organisations import service as organisations

NOW = datetime(2025, 10, 6, 9, 30, tzinfo=UTC)


@pytest.fixture
def fixtures(shared_dir) -> dict[str, bytes]:
    folder = shared_dir / "fixtures" / "frameworks"
    return {p.name: p.read_bytes() for p in folder.glob("*.json")}


@pytest.fixture
def tokens(session, auth_headers):
    admin = accounts.create_user(session, email="admin@example.org", now=NOW,
                                 is_administrator=True)
    lille = organisations.create(session, admin, {"slug": "ulille", "name": "Lille"}, now=NOW)
    coordinator = accounts.create_user(session, email="coord@example.org", now=NOW)
    accounts.grant_coordinator(session, coordinator, lille)
    reader = accounts.create_user(session, email="reader@example.org", now=NOW)
    out = {name: auth_headers(user, name="t")
           for name, user in (("admin", admin), ("coordinator", coordinator),
                              ("reader", reader))}
    out["lille"] = str(lille.id)
    session.commit()
    return out


def test_import_read_export(client, tokens, fixtures):
    admin = tokens["admin"]
    package = json.loads(fixtures["digcompedu.json"])
    # Sent as written (the test client's json= would sort the keys): the export keeps the order.
    body = b'{"format": "case", "package": ' + fixtures["digcompedu.json"] + b"}"
    response = client.post("/api/v1/frameworks/import", data=body,
                           content_type="application/json", headers=admin)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["created_framework"]
    assert body["created_version"]
    assert body["version"]["number"] == 1
    assert body["version"]["status"] == "published"
    framework_id = body["framework"]["id"]
    version_id = body["version"]["id"]
    assert response.headers["Location"].endswith(f"/framework-versions/{version_id}")

    again = client.post("/api/v1/frameworks/import", json={"package": package}, headers=admin)
    assert again.status_code == 200
    assert again.json["created_version"] is False

    reader = tokens["reader"]
    listing = client.get("/api/v1/frameworks?per_page=1", headers=reader).json
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == framework_id
    detail = client.get(f"/api/v1/frameworks/{framework_id}", headers=reader).json
    assert [v["number"] for v in detail["versions"]] == [1]
    assert detail["can_edit"] is False
    assert client.get(f"/api/v1/frameworks/{framework_id}",
                      headers=admin).json["can_edit"] is True

    version = client.get(f"/api/v1/framework-versions/{version_id}", headers=reader).json
    roots = version["items"]
    assert [r["human_code"] for r in roots] == ["1", "2", "3", "4", "5", "6", "P"]
    area2 = roots[1]
    assert area2["labels"] == {"en": "Digital Resources", "fr": "Ressources numériques"}
    assert [c["human_code"] for c in area2["children"]] == ["2.1", "2.2", "2.3"]
    assert [lvl["human_code"] for lvl in version["levels"]] == ["A1", "A2", "B1", "B2", "C1",
                                                                 "C2"]
    assert version["rubric_count"] == 1
    assert len(version["associations"]) == 5
    levels = client.get(f"/api/v1/framework-versions/{version_id}/levels", headers=reader).json
    assert next(lvl["labels"]["fr"] for lvl in levels["items"]) == "Nouveau venu (A1)"

    exported = client.get(f"/api/v1/framework-versions/{version_id}/export", headers=reader)
    assert exported.status_code == 200
    assert exported.get_data() == fixtures["digcompedu.json"]
    assert "attachment" in exported.headers["Content-Disposition"]
    csv_export = client.get(f"/api/v1/frameworks/{framework_id}/export?format=csv",
                            headers=reader)
    assert csv_export.mimetype == "text/csv"
    assert csv_export.get_data(as_text=True).startswith("\ufeffidentifier,parent_identifier,")
    # the CSV goes back in through the API and changes nothing
    back = client.post("/api/v1/frameworks/import",
                       json={"format": "csv", "csv": csv_export.get_data(as_text=True)},
                       headers=admin)
    assert back.status_code == 200
    assert back.json["format"] == "csv"
    bad = client.get(f"/api/v1/frameworks/{framework_id}/export?format=xml", headers=reader)
    assert bad.status_code == 422


def test_import_errors_are_problems_with_paths_and_lines(client, tokens, fixtures):
    admin = tokens["admin"]
    package = json.loads(fixtures["numefa.json"])
    package["CFItems"][3]["identifier"] = package["CFItems"][0]["identifier"]
    package["CFAssociations"][10]["associationType"] = "looksLike"
    response = client.post("/api/v1/frameworks/import", json={"package": package},
                           headers=admin)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    fields = {e.get("field") for e in response.json["errors"]}
    assert {"CFItems[3].identifier", "CFAssociations[10].associationType"} <= fields

    text = "item_type,label_fr,position\narea,A,\nzone,B,x\n"
    response = client.post("/api/v1/frameworks/import",
                           json={"format": "csv", "csv": text, "title": "T"}, headers=admin)
    assert response.status_code == 422
    assert {(e["row"], e["field"]) for e in response.json["errors"]} == {
        (3, "item_type"), (3, "position")}

    response = client.post("/api/v1/frameworks/import", json={"format": "csv"}, headers=admin)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "csv"
    response = client.post("/api/v1/frameworks/import", json={"packages": {}}, headers=admin)
    assert response.status_code == 422
    # nothing was written by any of these
    assert client.get("/api/v1/frameworks", headers=admin).json["total"] == 0


@pytest.fixture
def small_limit(app_config):
    app_config["MAX_IMPORT_BYTES"] = 2000
    return app_config


def test_import_over_the_size_limit(small_limit, client, tokens, fixtures):
    response = client.post("/api/v1/frameworks/import",
                           json={"package": json.loads(fixtures["numefa.json"])},
                           headers=tokens["admin"])
    assert response.status_code == 413
    assert response.json["type"].endswith("/problems/payload-too-large")


def test_authorisation(client, tokens, fixtures):
    package = json.loads(fixtures["numefa.json"])
    response = client.post("/api/v1/frameworks/import", json={"package": package},
                           headers=tokens["reader"])
    assert response.status_code == 403
    response = client.post("/api/v1/frameworks/import", json={"package": package},
                           headers=tokens["coordinator"])
    assert response.status_code == 403  # shared frameworks are for administrators
    response = client.post("/api/v1/frameworks/import",
                           json={"package": package, "organisation_id": tokens["lille"]},
                           headers=tokens["coordinator"])
    assert response.status_code == 201
    assert client.get("/api/v1/frameworks").status_code == 401


def test_draft_workflow(client, tokens, fixtures):
    coordinator = tokens["coordinator"]
    response = client.post("/api/v1/frameworks/import",
                           json={"package": json.loads(fixtures["du-pedagogie-lille.json"]),
                                 "organisation_id": tokens["lille"]}, headers=coordinator)
    framework_id = response.json["framework"]["id"]
    v1 = client.get(f"/api/v1/framework-versions/{response.json['version']['id']}",
                    headers=coordinator).json
    block = v1["items"][0]["children"][0]
    assert block["human_code"] == "BCC1"
    refused = client.patch(f"/api/v1/framework-items/{block['id']}",
                           json={"labels": {"en": "x"}}, headers=coordinator)
    assert refused.status_code == 409
    assert "published" in refused.json["detail"]

    draft = client.post(f"/api/v1/frameworks/{framework_id}/drafts", headers=coordinator)
    assert draft.status_code == 201
    assert draft.json["number"] == 2
    assert client.post(f"/api/v1/frameworks/{framework_id}/drafts",
                       headers=coordinator).status_code == 409
    tree = client.get(f"/api/v1/framework-versions/{draft.json['id']}",
                      headers=coordinator).json
    du, lll = tree["items"]
    bcc1 = du["children"][0]
    assert bcc1["identifier"] == block["identifier"]
    assert bcc1["id"] != block["id"]

    changed = client.patch(f"/api/v1/framework-items/{bcc1['id']}",
                           json={"labels": {"en": "Designing courses", "fr": None},
                                 "human_code": "B1"}, headers=coordinator)
    assert changed.status_code == 200, changed.json
    assert changed.json["labels"] == {"en": "Designing courses"}
    assert changed.json["human_code"] == "B1"
    moved = client.patch(f"/api/v1/framework-items/{bcc1['id']}",
                         json={"parent_id": lll["id"], "position": 1}, headers=coordinator)
    assert moved.json["parent_id"] == lll["id"]
    assert moved.json["position"] == 1
    bad = client.patch(f"/api/v1/framework-items/{du['id']}",
                       json={"parent_id": du["children"][1]["id"]}, headers=coordinator)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "parent_id"
    added = client.post(f"/api/v1/framework-versions/{draft.json['id']}/items",
                        json={"item_type": "criterion", "parent_id": bcc1["id"],
                              "human_code": "B1.z",
                              "labels": {"fr": "Nouveau critère"},
                              "statements": {"fr": "Un critère ajouté."}},
                        headers=coordinator)
    assert added.status_code == 201, added.json
    assert added.json["uri"].endswith("/CFItems/" + added.json["identifier"])
    gone = client.delete(f"/api/v1/framework-items/{du['children'][1]['id']}",
                         headers=coordinator)
    assert gone.status_code == 204
    patched = client.patch(f"/api/v1/framework-versions/{draft.json['id']}",
                           json={"title_i18n": {"en": "New English title"}},
                           headers=coordinator)
    assert patched.status_code == 200

    exported = client.get(f"/api/v1/framework-versions/{draft.json['id']}/export",
                          headers=coordinator).json
    codes = {i["humanCodingScheme"] for i in exported["CFItems"]}
    assert "B1.z" in codes
    assert "BCC2" not in codes
    assert "BCC2.a" not in codes
    assert exported["CFDocument"]["extensions"]["ext:labels"]["en"]["title"] == \
        "New English title"

    published = client.post(f"/api/v1/framework-versions/{draft.json['id']}/publish",
                            headers=coordinator)
    assert published.status_code == 200
    assert published.json["status"] == "published"
    assert client.delete(f"/api/v1/framework-versions/{draft.json['id']}",
                         headers=coordinator).status_code == 409
    detail = client.get(f"/api/v1/frameworks/{framework_id}", headers=coordinator).json
    assert detail["current_version"]["number"] == 2
    assert detail["draft_version_id"] is None

    third = client.post(f"/api/v1/frameworks/{framework_id}/drafts", headers=coordinator).json
    assert client.delete(f"/api/v1/framework-versions/{third['id']}",
                         headers=coordinator).status_code == 204
    assert [v["number"] for v in client.get(f"/api/v1/frameworks/{framework_id}",
                                             headers=coordinator).json["versions"]] == [1, 2]
    assert client.post(f"/api/v1/frameworks/{framework_id}/drafts",
                       headers=tokens["reader"]).status_code == 403


def test_openapi_documents_the_import_formats(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/frameworks/import"]["post"]
    schema = document["components"]["schemas"]["ImportIn"]
    assert schema["properties"]["format"]["enum"] == ["case", "csv"]
    assert "requestBody" in operation
    export = document["paths"]["/api/v1/framework-versions/{version_id}/export"]["get"]
    assert [p["name"] for p in export["parameters"]] == ["version_id", "format"]
    assert "ItemNode" in document["components"]["schemas"]
