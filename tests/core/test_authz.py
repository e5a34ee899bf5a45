"""Authorisation on every route, CSRF on forms, and who may do what.

The first test reads ``app.url_map`` at run time, so every route added later (by any module)
is checked too: anonymous requests are refused unless the endpoint is in the reviewed
PUBLIC allow-list below. Adding a public route means adding it here, on purpose.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from accounts_helpers import PASSWORD, bearer, is_login_redirect, login, make_org, make_user
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from badge_service.accounts.service import users as accounts
from badge_service.clock import utcnow

REPO_DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "badge_service" / \
    "demo" / "data"

#: Endpoints anyone may call without logging in, each with the reason it is public. Review
#: every addition: a new endpoint that is neither here nor refuses anonymous requests fails
#: test_every_route_refuses_anonymous_requests, whatever its name.
PUBLIC = {
    "static": "CSS, scripts, icons",
    "home.index": "home page",
    "home.problem": "problem type documentation (problem+json 'type' URIs)",
    "home.health": "load balancer health check",
    "accounts.login": "the login form",
    "accounts.request_login_link": "asks for a login link; says the same whether or not the "
                               "address has an account",
    "accounts.login_with_link": "token-gated: GET shows a button, POST spends the token",
    "accounts.forgot_password": "like request_login_link",
    "accounts.reset_password": "token-gated like login links",
    "api.openapi_document": "the API's description",
    "achievements.achievement_view": "an OB Achievement's id: verifiers and employers open it",
    "home.upload_file": "badge and issuer images, referenced by public credentials",
    "programmes.trainer_invitation": "token-gated like password resets (GET shows the form, "
                                     "POST spends the token)",
    "cohorts.accept_invitation": "token-gated like login links (GET confirms, POST spends)",
    # A credential's public face: its id (OB 3.0 / VC), the downloads linked from it.
    "delivery.public_credential": "a credential's id: HTML, or signed JSON by negotiation",
    "delivery.public_credential_json": "the signed credential, for verifiers",
    "delivery.public_credential_jwt": "the VC-JWT form, for verifiers",
    "delivery.public_credential_image": "the credential page's image (SVG)",
    "delivery.public_credential_image_png": "link previews (PNG)",
    "delivery.public_badge_svg": "baked badge download",
    "delivery.public_badge_png": "baked badge download",
    "certificates.public_certificate_pdf": "the PDF certificate of a credential",
    # What verifiers resolve: issuer DIDs and status lists.
    "organisations.public_did_document": "an organisation's did:web document",
    "organisations.public_host_did_document": "the host organisation's did:web document",
    "status.public_status_list": "Bitstring Status List credentials",
    # Employers verify without an account (rate-limited).
    "verification.public_verify": "the verification page",
    "verification.public_help": "help for the verification page",
    "api.verification_public_verify": "POST /api/v1/verify",
    "vcapi.public_verify_credential": "W3C VC-API verification",
    "vcapi.public_verify_presentation": "W3C VC-API verification",
}


def is_public(endpoint: str) -> bool:
    """Only what is listed: a name (e.g. "public_…") is no review."""
    return endpoint in PUBLIC


def sample_value(converter) -> str:  # type: ignore[no-untyped-def]
    if isinstance(converter, UUIDConverter):
        return str(uuid.uuid4())
    if isinstance(converter, IntegerConverter):
        return "7"
    if isinstance(converter, FloatConverter):
        return "1.5"
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return f"x{uuid.uuid4().hex[:8]}"


def anonymous_requests(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        values = {name: sample_value(conv) for name, conv in rule._converters.items()}
        _, path = rule.build(values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_every_route_refuses_anonymous_requests(app):
    client = app.test_client()
    checked, refused = 0, []
    for endpoint, method, path in anonymous_requests(app):
        if is_public(endpoint):
            continue
        checked += 1
        response = client.open(path, method=method, json={} if method != "GET" else None)
        response.close()
        if path.startswith("/api/") or endpoint.startswith("vcapi."):
            ok = (response.status_code == 401
                  and response.content_type == "application/problem+json"
                  and response.json["type"].endswith("/problems/authentication-required"))
        else:
            ok = (is_login_redirect(response)
                  and urlsplit(response.headers["Location"]).path == "/login")
        if not ok:
            refused.append(f"{method} {path} ({endpoint}) -> {response.status_code}")
    assert not refused, "reachable without logging in:\n" + "\n".join(refused)
    assert checked >= 20  # pages and API: the enumeration really ran


def test_public_allow_list_is_current(app):
    """Every listed endpoint exists, so the list cannot silently rot."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC.keys(), PUBLIC.keys() - endpoints
    assert endpoints >= ANY_USER.keys(), ANY_USER.keys() - endpoints
    assert not PUBLIC.keys() & ANY_USER.keys()


def test_public_pages_are_reachable(app, client):
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/login/email").status_code == 200
    assert client.get("/password/forgot").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/problems/forbidden").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    css = client.get("/static/site.css")
    css.close()  # a streamed file
    assert css.status_code == 200


def test_every_problem_type_has_a_page(app, client):
    """problem+json "type" URIs resolve, for every error class anyone defined."""
    from badge_service.errors import ServiceError
    from badge_service.home.views import _subclasses
    from credentials.errors import CredentialsError

    slugs = {cls.problem for cls in (ServiceError, *_subclasses(ServiceError), CredentialsError,
                                     *_subclasses(CredentialsError))}
    slugs |= {"csrf-failed", "method-not-allowed", "internal-error", "http-error"}
    for slug in sorted(slugs):
        assert client.get(f"/problems/{slug}").status_code == 200, slug
    assert client.get("/problems/no-such-thing").status_code == 404


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no CSRF token"
    return match.group(1)


def test_forms_need_the_csrf_token(csrf_config, app, client):
    make_user("ana@example.org")
    without = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert without.status_code == 400
    assert "security token is missing" in without.get_data(as_text=True)
    assert is_login_redirect(client.get("/dashboard"))
    # A JSON client gets the same refusal as a problem.
    as_json = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 400
    assert as_json.json["type"] == "https://badges.example.org/problems/csrf-failed"

    token = csrf_token(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                        "csrf_token": token[:-2] + "xx"})
    assert wrong.status_code == 400
    ok = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/dashboard").status_code == 200

    # Logging out is a form too.
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200
    token = csrf_token(client.get("/dashboard").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert is_login_redirect(client.get("/dashboard"))


def test_another_sessions_csrf_token_does_not_work(csrf_config, app):
    make_user("ana@example.org")
    attacker, victim = app.test_client(), app.test_client()
    token = csrf_token(attacker.get("/login").get_data(as_text=True))
    victim.get("/login")
    response = victim.post("/login", data={"email": "ana@example.org", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 400


def test_api_is_exempt_from_csrf_and_refuses_cookies(csrf_config, app, client, session):
    admin = make_user("admin@example.org", admin=True)
    headers = bearer(admin)
    # Bearer token, no CSRF token: accepted.
    created = client.post("/api/v1/tokens", json={"name": "script"}, headers=headers)
    assert created.status_code == 201
    # A logged-in browser session (cookie) is not an API credential.
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD,
                                "csrf_token": token})
    assert client.get("/dashboard").status_code == 200
    for method, path, body in [("GET", "/api/v1/me", None),
                               ("GET", "/api/v1/users", None),
                               ("POST", "/api/v1/organisations", {"slug": "x", "name": "X"}),
                               ("POST", "/api/v1/tokens", {"name": "from a cookie"})]:
        response = client.open(path, method=method, json=body)
        assert response.status_code == 401, (method, path)
        assert response.content_type == "application/problem+json"
    # Nor is a token in the query string or a cookie.
    secret = headers["Authorization"].split()[1]
    assert client.get("/api/v1/me", query_string={"token": secret}).status_code == 401
    client.set_cookie("Authorization", f"Bearer {secret}")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 200


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

#: Endpoints any logged-in user may use, GET answering 200 even when the path names another
#: organisation's objects, each with the reason. Review every addition. Every other endpoint
#: is swept by test_a_participant_reaches_no_staff_route.
ANY_USER = {
    "home.dashboard": "one's own dashboard",
    "accounts.logout": "one's own session",
    "accounts.change_password": "one's own password",
    "accounts.tokens": "one's own API tokens (page)",
    "api.accounts_me": "one's own profile",
    "api.accounts_list_tokens": "one's own API tokens",
    "api.accounts_create_token": "one's own API tokens",
    "cohorts.mine": "one's own cohorts",
    "api.cohorts_my_memberships": "one's own cohorts",
    "delivery.my_credentials": "one's own badges",
    "api.delivery_my_credentials": "one's own badges",
    # Listings filtered to what the user may see (the sweep checks that nothing of the other
    # organisation's programmes, cohorts, participants or credentials shows).
    "programmes.programme_list": "filtered listing",
    "api.programmes_list_programmes": "filtered listing",
    "cohorts.index": "filtered listing",
    "awards.index": "filtered listing",
    "api.awards_list_credentials": "filtered listing",
    # Organisations issue public credentials: their names, logos and DIDs are public anyway.
    "organisations.organisation_list": "organisation directory",
    "organisations.organisation_view": "organisation directory",
    "api.organisations_list_organisations": "organisation directory",
    "api.organisations_get_organisation": "organisation directory",
    "api.organisations_list_coordinators": "whom to contact in an organisation (their emails)",
    # services/frameworks.py: "every logged-in user may read" frameworks, drafts included.
    "frameworks.framework_list": "frameworks are readable by all users",
    "frameworks.framework_view": "frameworks are readable by all users",
    "frameworks.version_view": "frameworks are readable by all users",
    "frameworks.version_export": "frameworks are readable by all users",
    "api.frameworks_list_frameworks": "frameworks are readable by all users",
    "api.frameworks_get_framework": "frameworks are readable by all users",
    "api.frameworks_export_framework": "frameworks are readable by all users",
    "api.frameworks_get_version": "frameworks are readable by all users",
    "api.frameworks_export_version": "frameworks are readable by all users",
    "api.frameworks_list_levels": "frameworks are readable by all users",
    "api.frameworks_get_item": "frameworks are readable by all users",
}

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
