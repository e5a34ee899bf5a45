"""Reading the trail: who may (coordinators of the programme's organisation and administrators;
not trainers, other organisations' coordinators or participants), the JSON pages and their
filters, the CSV export (formula cells neutralised), the page in French and English, and
``badge-service audit export``."""

from __future__ import annotations

import csv
import io

import pytest
from accounts_helpers import PASSWORD, bearer, login, make_org, make_user
from audit_helpers import NOW, award, coordinator, entries

from badge_service.awards.service import issuing
from badge_service.db import db


@pytest.fixture
def trail(app, world):
    """Two credentials issued by the trainer, one revoked with a formula-like reason."""
    result = award(app, world, world.units[0], world.participants[:2])
    issuing.change_status(db.session, world.trainer, [result.issued[0]], "revoke",
                          reason='=HYPERLINK("https://evil.example","x")', now=NOW)
    db.session.commit()
    return world


def _api(client, headers, path, **query):  # type: ignore[no-untyped-def]
    return client.get(path, headers=headers, query_string=query)


def test_coordinators_read_the_programme_trail_newest_first(client, trail):
    headers = bearer(coordinator(trail))
    response = _api(client, headers, f"/api/v1/programmes/{trail.programme.id}/audit")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["total"] == 3
    actions = [item["action"] for item in body["items"]]
    assert sorted(actions) == ["award.issued", "award.issued", "credential.revoked"]
    revoked = next(i for i in body["items"] if i["action"] == "credential.revoked")
    assert revoked["actor"] == trail.trainer.email
    assert revoked["before"] == {"state": "active", "reason": None}
    assert revoked["after"]["state"] == "revoked"

    only = _api(client, headers, f"/api/v1/programmes/{trail.programme.id}/audit",
                action="credential")
    assert [i["action"] for i in only.json["items"]] == ["credential.revoked"]
    later = _api(client, headers, f"/api/v1/programmes/{trail.programme.id}/audit",
                 since="2026-09-16")
    assert later.json["total"] == 0
    bad = _api(client, headers, f"/api/v1/programmes/{trail.programme.id}/audit",
               since="yesterday")
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "since"
    paged = _api(client, headers, f"/api/v1/programmes/{trail.programme.id}/audit",
                 per_page="2", page="2")
    assert len(paged.json["items"]) == 1


def test_administrators_read_it_and_the_organisation_wide_trail(client, trail):
    admin = make_user("auditor-admin@example.org", admin=True)
    headers = bearer(admin)
    assert _api(client, headers,
                f"/api/v1/programmes/{trail.programme.id}/audit").status_code == 200
    org = _api(client, headers,
               f"/api/v1/organisations/{trail.programme.organisation_id}/audit")
    assert org.status_code == 200
    assert org.json["total"] == 3
    coordinator_org = _api(client, bearer(coordinator(trail)),
                           f"/api/v1/organisations/{trail.programme.organisation_id}/audit")
    assert coordinator_org.status_code == 200


@pytest.mark.parametrize("who", ["trainer", "other coordinator", "participant"])
def test_others_are_refused_with_403(app, client, trail, who):
    if who == "trainer":
        user = trail.trainer
    elif who == "participant":
        user = trail.participants[0]
    else:
        user = make_user("elsewhere@example.org")
        make_org("elsewhere", coordinators=(user,))
    headers = bearer(user)
    base = f"/api/v1/programmes/{trail.programme.id}"
    for path in (f"{base}/audit", f"{base}/audit.csv",
                 f"/api/v1/organisations/{trail.programme.organisation_id}/audit"):
        response = _api(client, headers, path)
        assert response.status_code == 403, (path, response.status_code)
    passwords = {"trainer": trail.logins["trainer"].password,
                 "participant": trail.logins["participant"].password}
    web = app.test_client()
    if who != "participant" or user.email == trail.logins["participant"].email:
        login(web, user.email, passwords.get(who, PASSWORD))
        assert web.get(f"/programmes/{trail.programme.id}/audit").status_code == 403
        assert web.get(f"/programmes/{trail.programme.id}/audit.csv").status_code == 403


def test_no_write_operation_exists(client, trail):
    headers = bearer(coordinator(trail))
    path = f"/api/v1/programmes/{trail.programme.id}/audit"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open(path, method=method, headers=headers, json={}).status_code == 405


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_has_every_entry_and_neutralises_formulas(client, trail):
    response = _api(client, bearer(coordinator(trail)),
                    f"/api/v1/programmes/{trail.programme.id}/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.data)
    assert len(rows) == 3
    assert set(rows[0]) == {"at", "actor", "actor_id", "action", "subject_type", "subject_id",
                            "summary", "before", "after", "programme_id", "organisation_id",
                            "entry_id"}
    revoked = next(r for r in rows if r["action"] == "credential.revoked")
    assert revoked["actor"] == trail.trainer.email
    assert '"state":"revoked"' in revoked["after"]
    # The reason starts the summary's tail, not the cell; make a cell start with "=" too.
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows
               for value in row.values())


def test_a_formula_at_the_start_of_a_cell_is_prefixed(app, client, trail):
    from badge_service.audit import service as audit

    audit.record(db.session, actor=None, action="award.override", subject_type="credential",
                 subject_id="=1+1", summary='=HYPERLINK("https://evil.example")', now=NOW,
                 programme_id=trail.programme.id)
    db.session.commit()
    rows = _csv(_api(client, bearer(coordinator(trail)),
                     f"/api/v1/programmes/{trail.programme.id}/audit.csv",
                     action="award.override").data)
    assert rows[0]["summary"] == "'=HYPERLINK(\"https://evil.example\")"
    assert rows[0]["subject_id"] == "'=1+1"
    assert rows[0]["actor"] == "command line"


@pytest.mark.parametrize(("lang", "words"), [
    ("fr", ["Journal d'audit", "Badge révoqué", "Exporter en CSV", "Badge décerné"]),
    ("en", ["Audit trail", "Credential revoked", "Export CSV", "Credential issued"]),
])
def test_the_page_renders_in_french_and_english(app, trail, lang, words):
    web = app.test_client()
    login(web, trail.logins["coordinator"].email, trail.logins["coordinator"].password)
    response = web.get(f"/programmes/{trail.programme.id}/audit", query_string={"lang": lang})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for word in words:
        assert word.replace("'", "&#39;") in page or word in page, word
    assert "active → revoked" in page
    assert f'/programmes/{trail.programme.id}/audit.csv' in page
    filtered = web.get(f"/programmes/{trail.programme.id}/audit",
                       query_string={"lang": lang, "action": "award.issued"})
    assert "credential.revoked" not in filtered.get_data(as_text=True).split("<tbody>")[1]
    programme_page = web.get(f"/programmes/{trail.programme.id}").get_data(as_text=True)
    assert f"/programmes/{trail.programme.id}/audit" in programme_page
    export = web.get(f"/programmes/{trail.programme.id}/audit.csv")
    assert export.status_code == 200
    assert len(_csv(export.data)) == 3


def test_trainers_see_no_link_to_the_trail(app, trail):
    web = app.test_client()
    login(web, trail.logins["trainer"].email, trail.logins["trainer"].password)
    page = web.get(f"/programmes/{trail.programme.id}").get_data(as_text=True)
    assert f"/programmes/{trail.programme.id}/audit" not in page


def test_cli_export_writes_the_csv(runner, trail, tmp_path):
    target = tmp_path / "audit.csv"
    slug = f"{trail.programme.organisation.slug}/{trail.programme.slug}"
    done = runner("audit", "export", "--programme", slug, "--output", str(target))
    assert done.exit_code == 0, done.output
    rows = _csv(target.read_bytes())
    assert len(rows) == len(entries()) == 3
    by_id = runner("audit", "export", "--programme", str(trail.programme.id),
                   "--action", "credential.revoked")
    assert by_id.exit_code == 0
    assert by_id.stdout_bytes.count(b"credential.revoked") == 1
    missing = runner("audit", "export", "--programme", "nowhere/nothing")
    assert missing.exit_code == 1
