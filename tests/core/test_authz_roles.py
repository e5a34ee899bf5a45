"""Who may do what: coordinators, administrators and plain users, and a participant (no staff
role) who reaches no staff route and sees nothing of another organisation."""

from __future__ import annotations

import pytest
from accounts_helpers import bearer, login, make_org, make_user
from authz_helpers import ANY_USER, PUBLIC, sample_value

from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow

REPO_DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "badge_service" / \
    "demo" / "data"


# --- roles --------------------------------------------------------------------------------------


@pytest.fixture
def authz_world(app):
    """Two organisations with one coordinator each, an administrator and a plain user."""
    admin = make_user("admin@example.org", admin=True)
    alice = make_user("alice@example.org", name="Alice (coordinator A)")
    bruno = make_user("bruno@example.org", name="Bruno (coordinator B)")
    paul = make_user("paul@example.org", name="Paul (participant)")
    org_a = make_org("org-a", coordinators=(alice,))
    org_b = make_org("org-b", coordinators=(bruno,))
    return {"admin": admin, "alice": alice, "bruno": bruno, "paul": paul, "a": org_a,
            "b": org_b}


def test_coordinator_cannot_edit_another_organisation(authz_world, app, client):
    a, b = authz_world["a"], authz_world["b"]
    headers = bearer(authz_world["alice"])
    assert client.patch(f"/api/v1/organisations/{a.id}", json={"name": "A renamed"},
                        headers=headers).status_code == 200
    refused = client.patch(f"/api/v1/organisations/{b.id}", json={"name": "Hijacked"},
                           headers=headers)
    assert refused.status_code == 403
    assert refused.json["type"].endswith("/problems/forbidden")
    for path, body in [(f"/api/v1/organisations/{b.id}/coordinators",
                        {"user_id": str(authz_world["alice"].id)})]:
        assert client.post(path, json=body, headers=headers).status_code == 403
    assert client.delete(f"/api/v1/organisations/{b.id}/coordinators/{authz_world['bruno'].id}",
                         headers=headers).status_code == 403

    login(client, "alice@example.org")
    assert client.get(f"/organisations/{a.id}/edit").status_code == 200
    assert client.get(f"/organisations/{b.id}/edit").status_code == 403
    assert client.post(f"/organisations/{b.id}/edit", data={"name": "Hijacked"}
                       ).status_code == 403
    assert client.post(f"/organisations/{b.id}/coordinators",
                       data={"email": "alice@example.org"}).status_code == 403
    assert client.post(f"/organisations/{b.id}/coordinators/{authz_world['bruno'].id}/remove"
                       ).status_code == 403
    page = client.get(f"/organisations/{b.id}").get_data(as_text=True)
    assert "/edit" not in page  # no edit button where it would not work
    assert client.get(f"/api/v1/organisations/{b.id}", headers=headers).json["name"] == "Org-B"


def test_only_administrators_create_users_and_organisations(authz_world, app, client):
    headers = bearer(authz_world["alice"])
    assert client.post("/api/v1/users", json={"email": "new@example.org"},
                       headers=headers).status_code == 403
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.post("/api/v1/organisations", json={"slug": "org-c", "name": "C"},
                       headers=headers).status_code == 403
    login(client, "alice@example.org")
    assert client.get("/users").status_code == 403
    assert client.post("/users", data={"email": "new@example.org"}).status_code == 403
    assert client.get("/organisations/new").status_code == 403
    assert client.post("/organisations/new", data={"slug": "org-c", "name": "C"}
                       ).status_code == 403
    assert client.post(f"/users/{authz_world['paul'].id}/active", data={"active": "0"}
                       ).status_code == 403
    assert accounts.find_user_by_email(app.extensions["sqlalchemy"].session,
                                       "new@example.org") is None


def test_users_cannot_read_or_change_other_users(authz_world, client):
    paul, alice = authz_world["paul"], authz_world["alice"]
    headers = bearer(paul)
    assert client.get(f"/api/v1/users/{paul.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{alice.id}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{alice.id}", json={"display_name": "x"},
                        headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{paul.id}", json={"is_administrator": True},
                        headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{paul.id}", json={"is_active": False},
                        headers=headers).status_code == 403
    mine = client.patch(f"/api/v1/users/{paul.id}", json={"display_name": "Paul D."},
                        headers=headers)
    assert mine.status_code == 200
    assert mine.json["display_name"] == "Paul D."


def test_users_cannot_see_or_revoke_other_users_tokens(authz_world, app, client, session):
    alice_token = accounts.create_api_token(session, authz_world["alice"], "alice's script",
                                            now=utcnow())
    session.commit()
    alice_headers = {"Authorization": f"Bearer {alice_token.secret}"}
    paul_headers = bearer(authz_world["paul"], "paul's script")

    listed = client.get("/api/v1/tokens", headers=paul_headers).json["items"]
    assert [t["name"] for t in listed] == ["paul's script"]
    assert client.delete(f"/api/v1/tokens/{alice_token.record.id}",
                         headers=paul_headers).status_code == 404
    login(client, "paul@example.org")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "alice&#39;s script" not in page
    assert "alice's script" not in page
    assert client.post(f"/account/tokens/{alice_token.record.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=alice_headers).status_code == 200  # still valid


def test_administrator_can_do_everything_here(authz_world, client):
    headers = bearer(authz_world["admin"])
    b = authz_world["b"]
    assert client.patch(f"/api/v1/organisations/{b.id}", json={"url": "https://b.example"},
                        headers=headers).status_code == 200
    assert client.get(f"/api/v1/users/{authz_world['paul'].id}", headers=headers).status_code == 200
    assert client.get("/api/v1/users", headers=headers).json["total"] == 4


def test_an_administrator_cannot_lock_themselves_out(authz_world, client):
    admin = authz_world["admin"]
    headers = bearer(admin)
    for body in ({"is_active": False}, {"is_administrator": False}):
        response = client.patch(f"/api/v1/users/{admin.id}", json=body, headers=headers)
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] in body
    assert client.get("/api/v1/me", headers=headers).json["is_administrator"] is True


# --- a participant (no staff role) reaches no staff route ---------------------------------------


#: A write refused before authorisation for its empty body (JSON validation first: 400/415/
#: 422) shows nothing the OpenAPI document does not; with the row counts unchanged it is
#: a refusal too. Allowing a valid write is each module's own tests' business.
WRITE_REFUSALS = {400, 403, 404, 405, 415, 422}


@pytest.fixture
def foreign(app, client):
    """Paul, a participant of a programme of organisation A and nothing else; organisation B
    with one of everything, whose ids fill the swept paths."""
    from programmes_helpers import make_achievement
    from sqlalchemy import select

    from badge_service.accounts.models import ApiToken
    from badge_service.cohorts import service as cohorts
    from badge_service.cohorts.models import CohortMember
    from badge_service.db import db
    from badge_service.frameworks import service as frameworks
    from badge_service.programmes import service as programmes

    session = db.session
    now = utcnow()
    alice = make_user("alice@example.org", name="Alice (coordinator A)")
    bruno = make_user("bruno@example.org", name="Bruno (coordinator B)")
    paul = make_user("paul@example.org", name="Paul (participant)")
    org_a = make_org("org-a", coordinators=(alice,))
    org_b = make_org("org-b", coordinators=(bruno,))
    programme_a = programmes.create(session, alice, org_a.id, {
        "slug": "a", "title": {"fr": "Programme A"}}, now=now)
    cohort_a = cohorts.create_cohort(session, alice, programme_a, {"name": "A 2025"}, now=now)
    cohorts.add_member(session, alice, cohort_a, {
        "email": paul.email, "given_name": "Paul", "family_name": "P"}, now=now,
        default_language="fr")

    programme_b = programmes.create(session, bruno, org_b.id, {
        "slug": "b", "title": {"fr": "Programme B"}}, now=now)
    cohort_b = cohorts.create_cohort(session, bruno, programme_b, {"name": "B 2025"}, now=now)
    member_b = cohorts.add_member(session, bruno, cohort_b, {
        "email": "carla@example.org", "given_name": "Carla", "family_name": "C"}, now=now,
        default_language="fr")
    pending = cohorts.store_pending_import(session, bruno, programme_b, cohort_b, "b.csv",
                                           b"email,given_name,family_name\n", now=now)
    imported = frameworks.import_file(
        session, bruno, (REPO_DATA / "numefa.json").read_bytes(), max_bytes=10_000_000,
        now=now, base_url=app.config["PUBLIC_BASE_URL"], organisation_id=org_b.id,
        draft=True)
    session.commit()
    achievement_b = make_achievement(bruno, programme_b)
    awarded = client.post(f"/api/v1/achievements/{achievement_b.id}/awards",
                          json={"recipients": [{"email": "carla@example.org"}],
                                "notify": False}, headers=bearer(bruno))
    assert awarded.status_code == 201, awarded.get_data(as_text=True)
    credential_id = awarded.json["outcomes"][0]["credential"]["id"]
    token_b = session.scalars(select(ApiToken).where(ApiToken.user_id == bruno.id)).first()
    assert session.scalar(select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort_a.id)) == paul.id
    return paul, {
        "programme_id": programme_b.id, "achievement_id": achievement_b.id,
        "cohort_id": cohort_b.id, "member_id": member_b.id, "pending_id": pending.id,
        "organisation_id": org_b.id, "user_id": bruno.id, "token_id": token_b.id,
        "credential_id": credential_id, "framework_id": imported.framework.id,
        "version_id": imported.version.id, "item_id": imported.version.items[0].id,
    }


def _row_counts() -> dict[str, int]:
    from sqlalchemy import func, select

    from badge_service.db import db

    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_a_participant_reaches_no_staff_route(app, foreign):
    """Every page and API route but the public and the personal ones, with a logged-in
    participant's session or token and the ids of another organisation's real objects: reads
    are 403 or 404, never 200 (nor 500); writes are refused and change nothing."""
    paul, ids = foreign
    web = app.test_client()
    login(web, paul.email)
    api = app.test_client()
    headers = bearer(paul)
    before = _row_counts()
    read, wrote, wrong = 0, 0, []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint in ANY_USER:
            continue
        values = {name: str(ids[name]) if name in ids else sample_value(conv)
                  for name, conv in rule._converters.items()}
        _, path = rule.build(values)
        is_api = path.startswith("/api/") or rule.endpoint.startswith("vcapi.")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if is_api:
                response = api.open(path, method=method, headers=headers,
                                    json=None if method == "GET" else {})
            else:
                response = web.open(path, method=method, data=None if method == "GET" else {})
            response.close()
            status = response.status_code
            if method == "GET":
                read += 1
                ok = status in (403, 404)
            else:
                wrote += 1
                ok = status in WRITE_REFUSALS
            if not ok:
                wrong.append(f"{method} {path} ({rule.endpoint}) -> {status}")
    assert not wrong, "a participant got through:\n" + "\n".join(wrong)
    assert read >= 30  # the enumeration really ran
    assert wrote >= 30
    assert _row_counts() == before
    assert web.get("/dashboard").status_code == 200  # still logged in: no false refusals


def test_a_participants_listings_show_nothing_of_another_organisation(app, foreign):
    """The filtered listings of ANY_USER, read by the participant: none of organisation B's
    programmes, cohorts, participants, credentials or pending imports appear."""
    paul, ids = foreign
    private = [str(ids[name]) for name in ("programme_id", "cohort_id", "member_id",
                                           "credential_id", "pending_id", "token_id")]
    private.append("carla@example.org")  # organisation B's participant
    web = app.test_client()
    login(web, paul.email)
    headers = bearer(paul)
    checked = 0
    for rule in app.url_map.iter_rules():
        if (rule.endpoint not in ANY_USER or "GET" not in rule.methods
                or rule._converters):
            continue
        client_headers = headers if rule.rule.startswith("/api/") else None
        response = web.get(rule.rule, headers=client_headers)
        assert response.status_code == 200, rule.endpoint
        text = response.get_data(as_text=True)
        leaked = [value for value in private if value in text]
        assert not leaked, (rule.endpoint, leaked)
        checked += 1
    assert checked >= 10
    # and the participant's own programme is there: the listings are not simply empty
    assert "Programme A" in web.get("/programmes").get_data(as_text=True)
