"""Organisations through the API, the pages and the demo: creation, updates (not the slug),
did:key and http base URLs, and their coordinators."""

from __future__ import annotations

import uuid

import pytest
from accounts_helpers import bearer, login, make_org, make_user
from db_helpers import empty_database
from sqlalchemy import select

from badge_service.accounts.models import OrganisationRole
from badge_service.accounts.service import users as accounts
from badge_service.organisations import service as organisations
from badge_service.organisations.models import Organisation

# --- organisations ------------------------------------------------------------------------------


def test_administrator_creates_an_organisation(app, client, session):
    headers = bearer(make_user("admin@example.org", admin=True))
    response = client.post("/api/v1/organisations", headers=headers, json={
        "slug": "lille-dapi", "name": "Université de Lille — DAPI",
        "name_i18n": {"en": "University of Lille — DAPI"},
        "description_i18n": {"fr": "Pédagogie universitaire", "en": "University teaching"},
        "url": "https://www.univ-lille.fr", "email": "DAPI@univ-lille.example"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["issuer_did"] == "did:web:badges.example.org:issuers:lille-dapi"
    assert body["did_method"] == "web"
    assert body["email"] == "dapi@univ-lille.example"
    assert body["name_i18n"] == {"en": "University of Lille — DAPI"}
    assert response.headers["Location"].endswith(f"/api/v1/organisations/{body['id']}")
    got = client.get(f"/api/v1/organisations/{body['id']}", headers=headers).json
    assert got == body
    listed = client.get("/api/v1/organisations", headers=headers).json
    assert [o["slug"] for o in listed["items"]] == ["lille-dapi"]

    taken = client.post("/api/v1/organisations", headers=headers,
                        json={"slug": "lille-dapi", "name": "Again"})
    assert taken.status_code == 409
    assert taken.json["errors"] == [{"field": "slug", "message": "already used"}]
    bad = client.post("/api/v1/organisations", headers=headers, json={
        "slug": "Not A Slug", "name": " ", "url": "javascript:alert(1)", "email": "x",
        "did_method": "btc"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"slug", "name", "url", "email",
                                                       "did_method"}
    assert session.scalar(select(Organisation).where(Organisation.slug == "lille-dapi"))


def test_coordinator_updates_but_cannot_change_the_slug(app, client, session):
    alice = make_user("alice@example.org")
    org = make_org("edulab", coordinators=(alice,))
    headers = bearer(alice)
    response = client.patch(f"/api/v1/organisations/{org.id}", headers=headers, json={
        "name": "TechnofuturTIC — eduLAB", "description_i18n": {"en": "Teacher training"}})
    assert response.status_code == 200
    assert response.json["name"] == "TechnofuturTIC — eduLAB"
    assert response.json["description_i18n"] == {"en": "Teacher training"}
    slug = client.patch(f"/api/v1/organisations/{org.id}", headers=headers,
                        json={"slug": "other"})
    assert slug.status_code == 422  # not even a field of the update body
    with pytest.raises(accounts.ValidationFailed, match="slug cannot change"):
        organisations.update(session, alice, org, {"slug": "other"})
    nulls = client.patch(f"/api/v1/organisations/{org.id}", headers=headers,
                         json={"name": None, "name_i18n": None})
    assert nulls.status_code == 422
    assert [e["field"] for e in nulls.json["errors"]] == ["name"]
    session.expire_all()
    assert session.get(Organisation, org.id).slug == "edulab"


def test_did_key_organisations_and_http_base_urls(app, client, session):
    headers = bearer(make_user("admin@example.org", admin=True))
    response = client.post("/api/v1/organisations", headers=headers,
                           json={"slug": "drane", "name": "DRANE Nancy-Metz",
                                 "did_method": "key"})
    assert response.json["issuer_did"] is None  # the active key's did:key
    org = session.get(Organisation, uuid.UUID(response.json["id"]))
    org.did_method = "web"
    assert (organisations.issuer_did(org, "https://badges.example.org:8443")
            == "did:web:badges.example.org%3A8443:issuers:drane")


def test_demo_on_http_shows_organisation_pages(app_config, tmp_path):
    """A local demo runs on http://127.0.0.1: no did:web there, and no crash either."""
    from badge_service import create_app

    app_config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    demo = create_app(app_config)
    with demo.app_context():
        try:
            make_user("admin@example.org", admin=True)
            org = make_org("lille")
            client = demo.test_client()
            login(client, "admin@example.org")
            page = client.get(f"/organisations/{org.id}")
            assert page.status_code == 200
            assert "did:web needs an https public base URL" in page.get_data(as_text=True)
        finally:
            empty_database()


def test_coordinators_are_added_and_removed(app, client, session):
    alice = make_user("alice@example.org")
    bruno = make_user("bruno@example.org")
    org = make_org("edulab", coordinators=(alice,))
    headers = bearer(alice)
    path = f"/api/v1/organisations/{org.id}/coordinators"
    assert client.post(path, json={"user_id": str(bruno.id)}, headers=headers).status_code == 204
    assert client.post(path, json={"user_id": str(bruno.id)}, headers=headers).status_code == 204
    listed = client.get(path, headers=headers).json
    assert [u["email"] for u in listed["items"]] == ["alice@example.org", "bruno@example.org"]
    assert client.get("/api/v1/me", headers=bearer(bruno)).json["coordinator_of"] == [
        str(org.id)]
    unknown = client.post(path, json={"user_id": "00000000-0000-4000-8000-000000000000"},
                          headers=headers)
    assert unknown.status_code == 404
    assert client.delete(f"{path}/{bruno.id}", headers=headers).status_code == 204
    assert [u["email"] for u in client.get(path, headers=headers).json["items"]] == [
        "alice@example.org"]
    # Bruno lost the role, and with it the right to edit.
    assert client.patch(f"/api/v1/organisations/{org.id}", json={"name": "x"},
                        headers=bearer(bruno)).status_code == 403


def test_organisation_pages(app, client, session):
    make_user("admin@example.org", admin=True)
    alice = make_user("alice@example.org", name="Alice")
    login(client, "admin@example.org")
    form = client.get("/organisations/new")
    assert form.status_code == 200
    created = client.post("/organisations/new", data={
        "slug": "lille-dapi", "name": "Université de Lille", "name_en": "University of Lille",
        "description_fr": "DAPI", "description_en": "", "url": "", "email": "",
        "did_method": "web"})
    assert created.status_code == 302
    org = session.scalar(select(Organisation))
    assert org.name_i18n == {"en": "University of Lille"}
    assert org.description_i18n == {"fr": "DAPI"}
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "did:web:badges.example.org:issuers:lille-dapi" in page
    invalid = client.post("/organisations/new", data={"slug": "Bad Slug", "name": ""})
    assert invalid.status_code == 422
    assert "lower-case letters" in invalid.get_data(as_text=True)

    client.post(f"/organisations/{org.id}/coordinators", data={"email": "ALICE@example.org"})
    assert session.scalar(select(OrganisationRole.user_id)) == alice.id
    missing = client.post(f"/organisations/{org.id}/coordinators",
                          data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "No account has this email address" in missing.get_data(as_text=True)

    client.post("/logout")
    login(client, "alice@example.org")
    edit = client.get(f"/organisations/{org.id}/edit")
    assert edit.status_code == 200
    assert 'name="slug"' not in edit.get_data(as_text=True)  # the slug is not editable
    saved = client.post(f"/organisations/{org.id}/edit", data={
        "slug": "hijack", "name": "Université de Lille — DAPI", "name_en": "",
        "url": "https://www.univ-lille.fr", "did_method": "web"})
    assert saved.status_code == 422  # a forged slug field is refused, not ignored
    saved = client.post(f"/organisations/{org.id}/edit", data={
        "name": "Université de Lille — DAPI", "name_en": "", "description_fr": "DAPI",
        "url": "https://www.univ-lille.fr", "email": "dapi@example.org", "did_method": "web"})
    assert saved.status_code == 302
    session.expire_all()
    org = session.get(Organisation, org.id)
    assert (org.slug, org.name, org.name_i18n) == ("lille-dapi", "Université de Lille — DAPI",
                                                   {})
    assert client.post(f"/organisations/{org.id}/coordinators/{alice.id}/remove"
                       ).status_code == 302
    assert session.scalar(select(OrganisationRole)) is None
    assert client.get(f"/organisations/{org.id}/edit").status_code == 403
