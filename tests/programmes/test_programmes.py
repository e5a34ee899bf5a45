"""Programmes and trainers: the service rules, the JSON API and the pages (SQLite and
PostgreSQL, through the ``app`` fixture)."""

from __future__ import annotations

import uuid

import pytest
from accounts_helpers import login
from db_helpers import empty_database
from programmes_helpers import (
    bearer,
    make_achievement,
    make_programme,
    people,
)

from badge_service import policy
from badge_service.clock import utcnow
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db
from badge_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme, ProgrammeRole

# --- service ---------------------------------------------------------------------------------


def test_coordinator_creates_and_updates_a_programme(app, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    assert programme.title == "Certificat NUMEFA"
    assert programme.title_i18n == {"fr": "Certificat NUMEFA", "en": "NUMEFA certificate"}
    assert programme.organisation_id == p.organisation.id

    programmes.update(session, p.coordinator, programme,
                      {"title": {"en": "NUMEFA university certificate"}}, now=utcnow())
    assert programme.title == "NUMEFA university certificate"  # main text follows the data
    assert programme.updated_at is not None

    # administrators may too; a coordinator of another organisation may not
    make_programme(p.admin, p.organisation, slug="du")
    with pytest.raises(Forbidden):
        programmes.create(session, p.outsider, p.organisation.id,
                          {"slug": "x", "title": {"fr": "X"}}, now=utcnow())


def test_programme_validation_names_every_field(app, session):
    p = people()
    with pytest.raises(ValidationFailed) as caught:
        programmes.create(session, p.coordinator, p.organisation.id,
                          {"slug": "Not A Slug", "title": {"fr": "  ", "de": "Titel"},
                           "description": {"en": "x" * 20_001}, "colour": "red"},
                          now=utcnow())
    fields = {e.field for e in caught.value.errors}
    assert fields == {"slug", "title.de", "description.en", "colour"}
    with pytest.raises(ValidationFailed) as caught:
        programmes.create(session, p.coordinator, p.organisation.id, {"slug": "ok"},
                          now=utcnow())
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("title", "is required in French or English (or both)")]
    with pytest.raises(ValidationFailed) as caught:
        programmes.create(session, p.coordinator, uuid.uuid4(), {"slug": "ok"}, now=utcnow())
    assert caught.value.errors[0].field == "organisation_id"


def test_slug_is_unique_per_organisation(app, session):
    p = people()
    make_programme(p.coordinator, p.organisation, slug="numefa")
    with pytest.raises(Conflict) as caught:
        make_programme(p.coordinator, p.organisation, slug="numefa")
    assert caught.value.errors[0].field == "slug"
    session.rollback()
    # the same slug in another organisation is fine
    make_programme(p.admin, p.other_organisation, slug="numefa")


def test_trainers_read_but_do_not_manage(app, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    assert programmes.add_trainer(session, p.coordinator, programme, p.trainer) is True
    assert programmes.add_trainer(session, p.coordinator, programme, p.trainer) is False
    session.commit()
    assert [u.email for u in programmes.trainers(session, programme)] == ["trainer@example.org"]

    assert programmes.can_read(session, p.trainer, programme)
    assert not policy.may_coordinate_programme(session, p.trainer, programme)
    with pytest.raises(Forbidden):
        programmes.update(session, p.trainer, programme, {"slug": "x"}, now=utcnow())
    with pytest.raises(Forbidden):
        programmes.add_trainer(session, p.trainer, programme, p.outsider)
    with pytest.raises(NotFound):  # outsiders learn nothing
        programmes.get_readable(session, p.outsider, programme.id)

    def titles(user):
        return [x.title for x in session.scalars(programmes.visible_to(user))]

    assert titles(p.trainer) == ["Certificat NUMEFA"]
    assert titles(p.coordinator) == ["Certificat NUMEFA"]
    assert titles(p.admin) == ["Certificat NUMEFA"]
    assert titles(p.outsider) == []

    programmes.remove_trainer(session, p.coordinator, programme, p.trainer)
    session.commit()
    assert titles(p.trainer) == []
    with pytest.raises(NotFound):
        programmes.remove_trainer(session, p.coordinator, programme, p.trainer)


def test_participants_read_their_own_programmes(app, session):
    p = people()
    mine = make_programme(p.coordinator, p.organisation, slug="numefa")
    make_programme(p.coordinator, p.organisation, slug="du", title={"fr": "DU"})
    now = utcnow()
    cohort = Cohort(programme_id=mine.id, name="NUMEFA 2025-2026", created_at=now,
                    updated_at=now)
    session.add(cohort)
    session.flush()
    session.add(CohortMember(cohort_id=cohort.id, user_id=p.outsider.id, given_name="Oscar",
                             family_name="Outsider", created_at=now))
    session.commit()
    assert [x.slug for x in session.scalars(programmes.visible_to(p.outsider))] == ["numefa"]
    assert programmes.can_read(session, p.outsider, mine)
    assert not policy.may_coordinate_programme(session, p.outsider, mine)


def test_register_reader_grants_read_access(app, session):
    from sqlalchemy import literal, select

    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    assert not programmes.can_read(session, p.outsider, programme)

    def everyone(user):
        return select(literal(programme.id))

    programmes.register_reader(everyone)
    try:
        assert programmes.can_read(session, p.outsider, programme)
        assert [x.id for x in session.scalars(programmes.visible_to(p.outsider))] == [
            programme.id]
    finally:
        programmes._READERS.remove(everyone)


def test_delete_is_refused_while_achievements_or_cohorts_exist(app, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    achievement = make_achievement(p.coordinator, programme)
    now = utcnow()
    session.add(Cohort(programme_id=programme.id, name="2025", created_at=now, updated_at=now))
    session.commit()
    with pytest.raises(Conflict) as caught:
        programmes.delete(session, p.coordinator, programme)
    assert "1 achievement" in caught.value.detail
    assert "1 cohort" in caught.value.detail
    assert {e.field for e in caught.value.errors} == {"achievement", "cohort"}

    session.delete(achievement)
    for cohort in session.scalars(db.select(Cohort)):
        session.delete(cohort)
    programmes.add_trainer(session, p.coordinator, programme, p.trainer)
    session.commit()
    with pytest.raises(Forbidden):
        programmes.delete(session, p.trainer, programme)
    programmes.delete(session, p.coordinator, programme)  # trainer roles go with it
    session.commit()
    assert session.scalar(db.select(db.func.count()).select_from(ProgrammeRole)) == 0
    assert session.get(Programme, programme.id) is None


# --- API -------------------------------------------------------------------------------------


def test_api_programme_crud(app, client, session):
    p = people()
    headers = bearer(p.coordinator)
    body = {"organisation_id": str(p.organisation.id), "slug": "du-pedagogie",
            "title": {"fr": "DU de pédagogie universitaire", "en": "University Teaching "
                                                                   "Diploma"},
            "description": {"fr": "Quatre blocs de compétences."}}
    response = client.post("/api/v1/programmes", json=body, headers=headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"].endswith(f"/api/v1/programmes/{created['id']}")
    assert created["title"]["en"] == "University Teaching Diploma"
    assert created["description"] == {"fr": "Quatre blocs de compétences."}
    assert created["trainers"] == []

    url = f"/api/v1/programmes/{created['id']}"
    assert client.get(url, headers=headers).json["slug"] == "du-pedagogie"
    response = client.patch(url, json={"description": {"en": "Four blocks."}}, headers=headers)
    assert response.status_code == 200
    assert response.json["description"] == {"en": "Four blocks."}
    assert response.json["title"]["fr"] == "DU de pédagogie universitaire"

    listing = client.get("/api/v1/programmes?per_page=1", headers=headers).json
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == created["id"]
    other = client.get(f"/api/v1/programmes?organisation_id={p.other_organisation.id}",
                       headers=headers).json
    assert other["total"] == 0
    assert client.get("/api/v1/programmes?organisation_id=nope",
                      headers=headers).status_code == 422

    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_api_errors_are_problems_with_fields(app, client, session):
    p = people()
    headers = bearer(p.coordinator)
    response = client.post("/api/v1/programmes", json={
        "organisation_id": str(p.organisation.id), "slug": "Bad Slug", "title": {}},
        headers=headers)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == {"slug", "title"}

    response = client.post("/api/v1/programmes", json={
        "organisation_id": str(p.organisation.id), "slug": "x", "title": {"fr": "X"},
        "extra": 1}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "extra"

    # outsiders: 403 to create in an organisation they do not coordinate, 404 to read
    programme = make_programme(p.coordinator, p.organisation)
    outsider = bearer(p.outsider)
    response = client.post("/api/v1/programmes", json={
        "organisation_id": str(p.organisation.id), "slug": "y", "title": {"fr": "Y"}},
        headers=outsider)
    assert response.status_code == 403
    assert client.get(f"/api/v1/programmes/{programme.id}", headers=outsider).status_code == 404
    assert client.get("/api/v1/programmes", headers=outsider).json["total"] == 0
    assert client.get("/api/v1/programmes").status_code == 401


def test_api_delete_conflict_when_achievements_exist(app, client, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    make_achievement(p.coordinator, programme)
    response = client.delete(f"/api/v1/programmes/{programme.id}",
                             headers=bearer(p.coordinator))
    assert response.status_code == 409
    assert "achievement" in response.json["detail"]
    session.expire_all()
    assert session.get(Programme, programme.id) is not None


def test_api_trainers(app, client, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    headers = bearer(p.coordinator)
    url = f"/api/v1/programmes/{programme.id}/trainers"
    assert client.post(url, json={"email": "TRAINER@example.org"},
                       headers=headers).status_code == 204
    assert client.post(url, json={"user_id": str(p.outsider.id)},
                       headers=headers).status_code == 204
    emails = [u["email"] for u in client.get(url, headers=headers).json["items"]]
    assert sorted(emails) == ["outsider@example.org", "trainer@example.org"]
    assert client.post(url, json={}, headers=headers).status_code == 422
    response = client.post(url, json={"user_id": str(uuid.uuid4())}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "user_id"
    # (an unknown email creates the account: test_programmes_trainer_accounts.py)

    # a trainer reads the programme but cannot assign trainers
    trainer = bearer(p.trainer)
    assert client.get(f"/api/v1/programmes/{programme.id}", headers=trainer).status_code == 200
    assert client.post(url, json={"email": "admin@example.org"},
                       headers=trainer).status_code == 403
    assert client.delete(f"{url}/{p.outsider.id}", headers=headers).status_code == 204
    assert client.delete(f"{url}/{p.outsider.id}", headers=headers).status_code == 404
    assert [u["email"] for u in client.get(url, headers=headers).json["items"]] == [
        "trainer@example.org"]


def test_api_routes_are_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path, method in [("/api/v1/programmes", "post"),
                         ("/api/v1/programmes/{programme_id}/trainers", "post"),
                         ("/api/v1/programmes/{programme_id}/achievements", "get"),
                         ("/api/v1/achievements/{achievement_id}/requirements", "put"),
                         ("/api/v1/achievements/{achievement_id}/image", "post")]:
        assert method in paths[path], (path, method)


# --- pages -----------------------------------------------------------------------------------


def test_pages_create_edit_and_delete_a_programme(app, client, session):
    p = people()
    login(client, "coord@example.org")
    page = client.get("/programmes/new")
    assert page.status_code == 200
    assert b'name="csrf_token"' in page.data
    response = client.post("/programmes/new", data={
        "organisation_id": str(p.organisation.id), "slug": "creia",
        "title_fr": "Module CREIA <IA>", "title_en": "CREIA AI module",
        "description_fr": "", "description_en": ""})
    assert response.status_code == 302
    programme = session.scalar(db.select(Programme).where(Programme.slug == "creia"))
    assert programme.title_i18n == {"fr": "Module CREIA <IA>", "en": "CREIA AI module"}
    view = client.get(response.headers["Location"])
    assert view.status_code == 200
    assert "Module CREIA &lt;IA&gt;" in view.get_data(as_text=True)  # escaped

    listing = client.get("/programmes").get_data(as_text=True)
    assert "Module CREIA &lt;IA&gt;" in listing

    response = client.post(f"/programmes/{programme.id}/edit", data={
        "slug": "creia", "title_fr": "", "title_en": ""})
    assert response.status_code == 422
    assert "is required in French or English" in response.get_data(as_text=True)
    response = client.post(f"/programmes/{programme.id}/edit", data={
        "slug": "creia-ia", "title_fr": "Module CREIA", "title_en": ""})
    assert response.status_code == 302
    session.expire_all()
    assert programme.slug == "creia-ia"
    assert programme.title_i18n == {"fr": "Module CREIA"}

    response = client.post(f"/programmes/{programme.id}/trainers",
                           data={"email": "trainer@example.org"}, follow_redirects=True)
    assert "is now a trainer" in response.get_data(as_text=True)
    assert "trainer@example.org" in response.get_data(as_text=True)
    response = client.post(f"/programmes/{programme.id}/trainers",
                           data={"email": "not an address"})
    assert response.status_code == 422
    assert "email: " in response.get_data(as_text=True)
    response = client.post(f"/programmes/{programme.id}/trainers/{p.trainer.id}/remove",
                           follow_redirects=True)
    assert "no longer a trainer" in response.get_data(as_text=True)

    response = client.post(f"/programmes/{programme.id}/delete", follow_redirects=True)
    assert "deleted" in response.get_data(as_text=True)
    assert session.scalar(db.select(Programme).where(Programme.slug == "creia-ia")) is None


def test_pages_refuse_delete_with_achievements(app, client, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    make_achievement(p.coordinator, programme)
    login(client, "coord@example.org")
    response = client.post(f"/programmes/{programme.id}/delete", follow_redirects=True)
    assert "still has 1 achievement" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Programme, programme.id) is not None


def test_pages_authorisation(app, client, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    programmes.add_trainer(session, p.coordinator, programme, p.trainer)
    session.commit()
    assert client.get("/programmes").status_code == 302  # login first
    assert client.get(f"/programmes/{programme.id}").status_code == 302

    login(client, "trainer@example.org")
    view = client.get(f"/programmes/{programme.id}")
    assert view.status_code == 200
    assert b"New achievement" not in view.data
    assert b"Delete this programme" not in view.data
    assert client.get(f"/programmes/{programme.id}/edit").status_code == 403
    assert client.post(f"/programmes/{programme.id}/delete").status_code == 403
    assert client.get("/programmes/new").status_code == 403
    assert client.post(f"/programmes/{programme.id}/trainers",
                       data={"email": "outsider@example.org"}).status_code == 403
    client.post("/logout")

    login(client, "outsider@example.org")
    assert client.get(f"/programmes/{programme.id}").status_code == 404
    assert client.post(f"/programmes/{programme.id}/delete").status_code == 404


def test_forms_need_a_csrf_token(app_config, database_url):
    from accounts_helpers import make_user

    from badge_service import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    with app.app_context():
        try:
            p_user = make_user("coord@example.org")
            client = app.test_client()
            page = client.get("/login")
            assert page.status_code == 200
            import re

            token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1)
            client.post("/login", data={"email": p_user.email, "password":
                                        "correct horse battery staple",
                                        "csrf_token": token.decode()})
            response = client.post("/programmes/new", data={"slug": "x", "title_fr": "X"})
            assert response.status_code == 400
            assert b"security token" in response.data
        finally:
            empty_database()
