"""The cohorts API: CRUD, members (paged), import (multipart and text/csv), authorisation."""

from __future__ import annotations

import io

from accounts_helpers import bearer
from cohort_helpers import csv_bytes, fixture_bytes, make_world
from sqlalchemy import func, select

from badge_service.accounts.models import User
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_cohort(client, cohort_world, headers, name="NUMEFA 2025-2026", **extra):
    response = client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts",
                           json={"name": name, **extra}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_cohort_crud(client, cohort_world):
    headers = bearer(cohort_world.coordinator)
    cohort = make_cohort(client, cohort_world, headers, start_date="2025-09-01",
                         end_date="2026-06-30")
    assert cohort["start_date"] == "2025-09-01"
    assert cohort["members"] == {"invited": 0, "active": 0, "withdrawn": 0}
    url = f"/api/v1/cohorts/{cohort['id']}"
    assert client.get(url, headers=headers).json["name"] == "NUMEFA 2025-2026"

    listing = client.get(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts", headers=headers)
    assert listing.json["total"] == 1
    assert listing.json["items"][0]["id"] == cohort["id"]

    response = client.patch(url, json={"name": "NUMEFA 2025–2026 (groupe A)"}, headers=headers)
    assert response.status_code == 200
    assert response.json["name"].endswith("(groupe A)")
    response = client.patch(url, json={"end_date": "2025-01-01"}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "end_date",
                                        "message": "is before the start date"}]

    duplicate = client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts",
                            json={"name": "numefa 2025–2026 (GROUPE A)"}, headers=headers)
    assert duplicate.status_code == 409
    assert client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts",
                       json={"name": "  "}, headers=headers).status_code == 422
    assert client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts",
                       json={"name": "X", "colour": "red"}, headers=headers).status_code == 422

    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert count(Cohort) == 0


def test_members_add_list_update_remove(client, cohort_world):
    headers = bearer(cohort_world.trainer)  # trainers manage cohorts too
    cohort = make_cohort(client, cohort_world, headers)
    members_url = f"/api/v1/cohorts/{cohort['id']}/members"
    response = client.post(members_url, headers=headers, json={
        "email": "  Claire.Dubois@Ecole.example ", "given_name": "Claire",
        "family_name": "Dubois", "participant_code": "NUM25-100", "country": "be",
        "preferred_language": "fr-be", "organisation_name": "École X", "job_role": "prof"})
    assert response.status_code == 201, response.json
    member = response.json
    assert member["email"] == "claire.dubois@ecole.example"
    assert (member["country"], member["preferred_language"], member["status"]) == (
        "BE", "fr-BE", "invited")
    assert response.headers["Location"].endswith(f"/members/{member['id']}")

    again = client.post(members_url, headers=headers, json={
        "email": "CLAIRE.DUBOIS@ecole.example", "given_name": "C", "family_name": "D"})
    assert again.status_code == 409
    bad = client.post(members_url, headers=headers, json={
        "email": "nope", "given_name": "", "family_name": "D", "country": "XX"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"email", "given_name", "country"}

    for i in range(3):
        client.post(members_url, headers=headers, json={
            "email": f"p{i}@x.example", "given_name": f"P{i}", "family_name": f"Z{i}"})
    page = client.get(members_url + "?per_page=2&page=2", headers=headers).json
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 2)
    found = client.get(members_url + "?q=dubois", headers=headers).json
    assert [m["email"] for m in found["items"]] == ["claire.dubois@ecole.example"]
    assert client.get(members_url + "?status=gone", headers=headers).status_code == 422
    hostile = client.get(members_url + "?q=%00%25_\\", headers=headers)
    assert hostile.status_code == 200
    assert hostile.json["total"] == 0

    member_url = f"{members_url}/{member['id']}"
    response = client.patch(member_url, headers=headers,
                            json={"status": "withdrawn", "job_role": "directrice"})
    assert response.status_code == 200
    assert (response.json["status"], response.json["job_role"]) == ("withdrawn", "directrice")
    assert client.patch(member_url, headers=headers,
                        json={"status": "gone"}).status_code == 422
    assert client.patch(member_url, headers=headers,
                        json={"given_name": None}).status_code == 422
    assert client.get(members_url + "?status=withdrawn", headers=headers).json["total"] == 1

    assert client.delete(member_url, headers=headers).status_code == 204
    assert client.get(member_url, headers=headers).status_code == 404
    # The account stays.
    assert db.session.scalar(select(User).where(
        User.email == "claire.dubois@ecole.example")) is not None


def test_authorisation(client, cohort_world):
    cohort = make_cohort(client, cohort_world, bearer(cohort_world.coordinator))
    members_url = f"/api/v1/cohorts/{cohort['id']}/members"
    coordinator = bearer(cohort_world.coordinator)
    for i in (1, 2):
        client.post(members_url, headers=coordinator, json={
            "email": f"p{i}@x.example", "given_name": f"P{i}", "family_name": "Z"})
    participant = db.session.scalar(select(User).where(User.email == "p1@x.example"))

    outsider = bearer(cohort_world.outsider)
    assert client.get(f"/api/v1/cohorts/{cohort['id']}", headers=outsider).status_code == 404
    assert client.get(members_url, headers=outsider).status_code == 404
    assert client.post(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts", headers=outsider,
                       json={"name": "X"}).status_code == 404  # cannot even see the programme

    other = make_world("nancy")
    other_headers = bearer(other.coordinator)
    assert client.get(members_url, headers=other_headers).status_code == 404
    assert client.post(f"/api/v1/cohorts/{cohort['id']}/import?dry_run=true",
                       data=csv_bytes(), content_type="text/csv",
                       headers=other_headers).status_code == 404

    # A participant sees the cohort and only their own membership, and changes nothing.
    mine = bearer(participant)
    got = client.get(f"/api/v1/cohorts/{cohort['id']}", headers=mine)
    assert got.status_code == 200
    assert "members" not in got.json
    listing = client.get(members_url, headers=mine).json
    assert [m["email"] for m in listing["items"]] == ["p1@x.example"]
    others = db.session.scalar(select(CohortMember).join(User).where(
        User.email == "p2@x.example"))
    assert client.get(f"{members_url}/{others.id}", headers=mine).status_code == 404
    assert client.post(members_url, headers=mine, json={
        "email": "p3@x.example", "given_name": "P", "family_name": "Z"}).status_code == 403
    assert client.patch(f"/api/v1/cohorts/{cohort['id']}", headers=mine,
                        json={"name": "Mine"}).status_code == 403
    assert client.delete(f"/api/v1/cohorts/{cohort['id']}", headers=mine).status_code == 403
    assert client.post(f"/api/v1/cohorts/{cohort['id']}/invitations", headers=mine,
                       json={}).status_code == 403
    listing = client.get(f"/api/v1/programmes/{cohort_world.programme.id}/cohorts", headers=mine)
    assert [c["id"] for c in listing.json["items"]] == [cohort["id"]]
    me = client.get("/api/v1/me/cohorts", headers=mine).json
    assert [(m["cohort_name"], m["programme_title"]) for m in me["items"]] == [
        ("NUMEFA 2025-2026", "Certificat NUMEFA")]
    assert client.get(f"/api/v1/cohorts/{cohort['id']}").status_code == 401


def test_import_multipart_dry_run_then_real(client, cohort_world, shared_dir):
    headers = bearer(cohort_world.coordinator)
    url = f"/api/v1/programmes/{cohort_world.programme.id}/cohorts/import"
    data = fixture_bytes(shared_dir)
    response = client.post(url + "?dry_run=true", headers=headers,
                           data={"file": (io.BytesIO(data), "anything.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    preview = response.json
    assert preview["dry_run"] is True
    assert preview["ok"] is True
    assert preview["applied"] is False
    assert preview["summary"]["create"] == 40
    assert preview["errors"] == []
    assert preview["cohorts"] == [{"name": "NUMEFA 2025-2026", "id": None, "action": "create",
                                   "rows": 40}]
    assert preview["rows"][0]["line"] == 2
    assert preview["rows"][0]["action"] == "create"
    assert count(CohortMember) == 0
    assert count(Cohort) == 0

    response = client.post(url + "?dry_run=false", headers=headers,
                           data={"file": (io.BytesIO(data), "numefa.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.json["applied"] is True
    assert count(CohortMember) == 40
    cohort_id = response.json["cohorts"][0]["id"]
    assert all(r["member_id"] for r in response.json["rows"])

    # Into the cohort, as a text/csv body: everyone is already there.
    response = client.post(f"/api/v1/cohorts/{cohort_id}/import?dry_run=true", headers=headers,
                           data=data, content_type="text/csv; charset=utf-8")
    assert response.json["summary"]["unchanged"] == 40


def test_import_with_errors_is_a_422_with_every_row_and_writes_nothing(client, cohort_world):
    headers = bearer(cohort_world.coordinator)
    users = count(User)
    url = f"/api/v1/programmes/{cohort_world.programme.id}/cohorts/import?cohort=C1"
    data = csv_bytes("1,Ana,Silva,ana@x.example,,,,,,",
                     "2,<script>alert(1)</script>,Li,bad@,,,,,,",
                     "3,Bo,Li,ANA@X.EXAMPLE,,,,,,")
    preview = client.post(url + "&dry_run=true", headers=headers, data=data,
                          content_type="text/csv")
    assert preview.status_code == 200
    assert preview.json["ok"] is False
    assert [(e["row"], e["field"]) for e in preview.json["errors"]] == [(3, "email"),
                                                                      (4, "email")]
    response = client.post(url, headers=headers, data=data, content_type="text/csv")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["detail"] == "the file has 2 errors in 2 rows; nothing was imported"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "email"), (4, "email")]
    assert "lines 2 and 4" in body["errors"][1]["message"]
    assert body["preview"]["rows"][1]["values"]["given_name"] == "<script>alert(1)</script>"
    assert count(CohortMember) == 0
    assert count(Cohort) == 0
    assert count(User) == users


def test_import_request_checks(client, cohort_world, app):
    headers = bearer(cohort_world.coordinator)
    url = f"/api/v1/programmes/{cohort_world.programme.id}/cohorts/import"
    response = client.post(url, headers=headers, json={"rows": []})
    assert response.status_code == 415
    response = client.post(url, headers=headers, data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "file"
    response = client.post(url + "?dry_run=maybe", headers=headers, data=csv_bytes(),
                           content_type="text/csv")
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "dry_run"
    response = client.post(url + "?dry_run=true", headers=headers,
                           data="é".encode("latin-1") + b"\n", content_type="text/csv")
    assert response.status_code == 422
    assert "not UTF-8" in response.json["detail"]
    response = client.post(url + "?dry_run=true", headers=headers,
                           data=b"PK\x03\x04xlsx", content_type="text/csv")
    assert response.status_code == 415
    assert "xlsx" in response.json["detail"]
    app.config["MAX_IMPORT_BYTES"] = 100
    response = client.post(url + "?dry_run=true", headers=headers,
                           data=csv_bytes("1,A,B,a@x.example,,,,,C,"), content_type="text/csv")
    assert response.status_code == 413
    assert response.json["type"].endswith("/problems/payload-too-large")


def test_openapi_documents_the_import_parameters(client, cohort_world):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/cohorts/{cohort_id}/import"]["post"]
    assert {p["name"] for p in operation["parameters"]} >= {"cohort_id", "dry_run", "invite"}
    assert "ImportOut" in document["components"]["schemas"]
