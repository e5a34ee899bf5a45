"""The cohort pages: lists, cohort view, member forms, the import preview → confirm flow,
invite buttons, escaping of hostile strings, authorisation and CSRF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from accounts_helpers import login, make_user
from cohort_helpers import csv_bytes, fixture_bytes
from sqlalchemy import func, select

from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.models import Cohort, CohortMember, PendingImport
from badge_service.db import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, url, data: bytes, name: str = "cohort.csv"):
    return client.post(url, data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_create_a_cohort_and_add_a_participant_by_hand(client, cohort_world):
    login(client, cohort_world.coordinator.email)
    page = client.get(f"/programmes/{cohort_world.programme.id}/cohorts")
    assert page.status_code == 200
    assert "No cohort yet" in page.get_data(as_text=True)
    response = client.post(f"/programmes/{cohort_world.programme.id}/cohorts", data={
        "name": "NUMEFA 2025-2026", "start_date": "2025-09-01", "end_date": ""})
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    bad = client.post(f"/programmes/{cohort_world.programme.id}/cohorts", data={
        "name": "X", "start_date": "01/09/2025"})
    assert bad.status_code == 422
    assert "must be a date" in bad.get_data(as_text=True)

    assert client.get(f"/cohorts/{cohort.id}/members/new").status_code == 200
    hostile = '<img src=x onerror="alert(1)">'
    response = client.post(f"/cohorts/{cohort.id}/members/new", data={
        "email": "Eve@X.example", "given_name": hostile, "family_name": "=cmd|' /C calc'!A0",
        "participant_code": "", "country": "fr", "preferred_language": "fr"})
    assert response.status_code == 302
    html = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert hostile not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "eve@x.example" in html
    assert "(not yet sent)" in html

    response = client.post(f"/cohorts/{cohort.id}/members/new", data={
        "email": "not an email", "given_name": "", "family_name": "Z", "country": "France"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "is required (missing name)" in text
    assert "ISO 3166-1" in text
    assert 'value="not an email"' in text  # the form keeps what was typed


def test_edit_withdraw_and_remove(client, cohort_world):
    cohort = cohorts.create_cohort(db.session, cohort_world.coordinator, cohort_world.programme,
                                   {"name": "C1"}, now=utcnow())
    member = cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
        "email": "a@x.example", "given_name": "Ann", "family_name": "Lee"}, now=utcnow(),
        default_language="fr")
    db.session.commit()
    login(client, cohort_world.trainer.email)
    url = f"/cohorts/{cohort.id}/members/{member.id}/edit"
    assert "Ann" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"given_name": "Anne", "family_name": "Lee",
                                      "country": "BE", "status": "withdrawn",
                                      "preferred_language": "en"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert (member.given_name, member.status, member.country) == ("Anne", "withdrawn", "BE")
    assert client.post(url, data={"given_name": "Anne", "family_name": "Lee",
                                  "status": "gone"}).status_code == 422

    response = client.post(f"/cohorts/{cohort.id}/edit", data={
        "name": "C1 bis", "start_date": "2025-09-01", "end_date": "2026-06-30"})
    assert response.status_code == 302
    assert client.post(f"/cohorts/{cohort.id}/members/{member.id}/remove").status_code == 302
    assert count(CohortMember) == 0
    assert client.post(f"/cohorts/{cohort.id}/delete").status_code == 302
    assert count(Cohort) == 0


def test_import_preview_then_confirm(client, cohort_world, shared_dir):
    login(client, cohort_world.coordinator.email)
    url = f"/programmes/{cohort_world.programme.id}/cohorts/import"
    assert "courriel" in client.get(url).get_data(as_text=True)
    preview = upload(client, url, fixture_bytes(shared_dir))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert html.count("new participant</span>") == 40
    assert "Confirm the import" in html
    assert "Nothing is imported yet" in html
    assert count(CohortMember) == 0
    assert count(Cohort) == 0
    pending = db.session.scalar(select(PendingImport))
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    assert sha == pending.sha256

    assert client.post(f"/imports/{pending.id}/confirm",
                       data={"sha256": "0" * 64}).status_code == 409
    result = client.post(f"/imports/{pending.id}/confirm", data={"sha256": sha})
    assert result.status_code == 200
    assert "Imported: 40 new participants" in result.get_data(as_text=True)
    assert count(CohortMember) == 40
    assert count(PendingImport) == 0
    # The stored preview is spent.
    assert client.post(f"/imports/{pending.id}/confirm",
                       data={"sha256": sha}).status_code == 404

    cohort = db.session.scalar(select(Cohort))
    html = upload(client, f"/cohorts/{cohort.id}/import",
                  fixture_bytes(shared_dir)).get_data(as_text=True)
    assert html.count("already in cohort, unchanged") == 40


def test_import_preview_with_errors_has_no_confirm_and_shows_everything_escaped(client,
                                                                                cohort_world):
    login(client, cohort_world.coordinator.email)
    data = csv_bytes("1,<b>bold</b>,Li,li@x.example,,,,,C1,",
                     "2,Ann,\u202eevil,ann@x.example,,,,,C1,",
                     "3,Bo,Li,LI@x.example,,,,,C1,",
                     "4,Zed,Z,z@x.example,,,,,C1,xx-klingon")
    response = upload(client, f"/programmes/{cohort_world.programme.id}/cohorts/import", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Confirm the import" not in html
    assert count(PendingImport) == 0
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "\u202e" not in html
    assert "line 3: <code>family_name</code>: contains an invisible text-direction" in html
    assert "line 4: <code>email</code>: duplicate: li@x.example is on lines 2 and 4" in html
    assert "line 5: <code>preferred_language</code>: unknown language" in html
    assert "2 errors" in html


def test_import_file_problems_are_shown_on_the_form(client, cohort_world):
    login(client, cohort_world.coordinator.email)
    url = f"/programmes/{cohort_world.programme.id}/cohorts/import"
    response = upload(client, url, "email,given_name,family_name\nå@x,Å,B\n".encode("cp1252"))
    assert response.status_code == 422
    assert "not UTF-8: invalid byte 0xE5 on line 2" in response.get_data(as_text=True)
    response = upload(client, url, b"nom;prenom\nX;Y\n")
    assert response.status_code == 422
    assert "missing required column: email" in response.get_data(as_text=True)
    response = client.post(url, data={}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_pending_imports_belong_to_their_uploader(client, cohort_world, shared_dir):
    login(client, cohort_world.coordinator.email)
    upload(client, f"/programmes/{cohort_world.programme.id}/cohorts/import",
           fixture_bytes(shared_dir))
    pending = db.session.scalar(select(PendingImport))
    client.post("/logout")
    login(client, cohort_world.trainer.email)
    assert client.post(f"/imports/{pending.id}/confirm",
                       data={"sha256": pending.sha256}).status_code == 404
    client.post("/logout")
    login(client, cohort_world.coordinator.email)
    assert client.post(f"/imports/{pending.id}/cancel").status_code == 302
    assert count(PendingImport) == 0
    assert count(CohortMember) == 0


def test_invite_buttons_write_to_the_outbox_without_smtp(client, cohort_world, app):
    cohort = cohorts.create_cohort(db.session, cohort_world.coordinator, cohort_world.programme,
                                   {"name": "C1"}, now=utcnow())
    member = cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
        "email": "a@x.example", "given_name": "Ann", "family_name": "Lee"}, now=utcnow(),
        default_language="fr")
    cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
        "email": "b@x.example", "given_name": "Bob", "family_name": "Lee"}, now=utcnow(),
        default_language="fr")
    db.session.commit()
    login(client, cohort_world.coordinator.email)
    outbox = Path(app.config["OUTBOX_DIR"])
    response = client.post(f"/cohorts/{cohort.id}/members/{member.id}/invite",
                           follow_redirects=True)
    assert "Invitation sent to a@x.example" in response.get_data(as_text=True)
    assert len(list(outbox.glob("*.eml"))) == 1
    response = client.post(f"/cohorts/{cohort.id}/invite", data={"scope": "not-invited"},
                           follow_redirects=True)
    assert "1 invitation sent." in response.get_data(as_text=True)
    assert len(list(outbox.glob("*.eml"))) == 2
    response = client.post(f"/cohorts/{cohort.id}/invite", data={"scope": "not-invited"},
                           follow_redirects=True)
    assert "Nobody to invite." in response.get_data(as_text=True)


def test_who_sees_what(client, cohort_world):
    cohort = cohorts.create_cohort(db.session, cohort_world.coordinator, cohort_world.programme,
                                   {"name": "C1"}, now=utcnow())
    for name in ("ann", "bob"):
        cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
            "email": f"{name}@x.example", "given_name": name.title(), "family_name": "Lee"},
            now=utcnow(), default_language="fr")
    make_user("ann@x.example.org")  # unrelated
    ann = db.session.scalar(select(CohortMember).where(CohortMember.given_name == "Ann")).user
    from badge_service.accounts.service import users as accounts

    accounts.set_password(db.session, ann, "a long enough password")
    db.session.commit()

    login(client, cohort_world.outsider.email)
    assert client.get(f"/cohorts/{cohort.id}").status_code == 404
    assert client.get(f"/programmes/{cohort_world.programme.id}/cohorts").status_code == 404
    assert client.post(f"/programmes/{cohort_world.programme.id}/cohorts",
                       data={"name": "X"}).status_code == 404
    assert client.get(f"/cohorts/{cohort.id}/import").status_code == 404
    client.post("/logout")

    login(client, "ann@x.example", "a long enough password")
    html = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "ann@x.example" in html
    assert "bob@x.example" not in html
    assert "Add a participant" not in html
    assert "Re-send" not in html
    assert "/invite" not in html
    assert "/remove" not in html
    assert client.get(f"/cohorts/{cohort.id}/members/new").status_code == 403
    assert client.post(f"/cohorts/{cohort.id}/invite").status_code == 403
    assert client.get(f"/programmes/{cohort_world.programme.id}/cohorts/import").status_code == 403
    assert "C1" in client.get("/my/cohorts").get_data(as_text=True)
    assert "C1" in client.get("/cohorts").get_data(as_text=True)
    client.post("/logout")

    assert client.get(f"/cohorts/{cohort.id}").status_code == 302  # to the login page
    login(client, cohort_world.coordinator.email)
    html = client.get("/cohorts").get_data(as_text=True)
    assert "Certificat NUMEFA" in html
    assert "C1" in html


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_forms_need_the_csrf_token(csrf_on, client, cohort_world):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    from accounts_helpers import PASSWORD

    assert client.post("/login", data={"email": cohort_world.coordinator.email,
                                       "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    url = f"/programmes/{cohort_world.programme.id}/cohorts"
    assert client.post(url, data={"name": "No token"}).status_code == 400
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(url, data={"name": "With token", "csrf_token": token}).status_code == 302
    assert client.post(f"/programmes/{cohort_world.programme.id}/cohorts/import",
                       data={"file": (io.BytesIO(b"x"), "x.csv")},
                       content_type="multipart/form-data").status_code == 400


def test_export_is_spreadsheet_safe_and_re_imports(client, cohort_world):
    cohort = cohorts.create_cohort(db.session, cohort_world.coordinator, cohort_world.programme,
                                   {"name": "C1"}, now=utcnow())
    cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
        "email": "a@x.example", "given_name": "=HYPERLINK(\"http://evil\")",
        "family_name": "Lee", "participant_code": "X1", "country": "BE"}, now=utcnow(),
        default_language="fr")
    cohorts.add_member(db.session, cohort_world.coordinator, cohort, {
        "email": "b@x.example", "given_name": "Hélène", "family_name": "D'Hondt"},
        now=utcnow(), default_language="nl")
    db.session.commit()
    login(client, cohort_world.coordinator.email)
    response = client.get(f"/cohorts/{cohort.id}/members.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"'=HYPERLINK" in data
    assert b",=HYPERLINK" not in data
    plan = cohorts.plan_import(db.session, cohort_world.coordinator, cohort_world.programme, data,
                               cohort=cohort, default_language="fr")
    assert [(r.email, r.action) for r in plan.rows] == [
        ("b@x.example", "unchanged"), ("a@x.example", "update")]  # the apostrophe is kept
    client.post("/logout")
    login(client, cohort_world.outsider.email)
    assert client.get(f"/cohorts/{cohort.id}/members.csv").status_code == 404
