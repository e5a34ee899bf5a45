"""The awards API: awarding (JSON and CSV, all-or-nothing, idempotent), listing credentials
with visibility rules, and status changes one at a time or in bulk."""

from __future__ import annotations

import io
import uuid

from accounts_helpers import bearer, make_org, make_user
from awards_helpers import award_json, count_credentials, trainer_headers

from badge_service.achievements import service as achievements
from badge_service.clock import utcnow
from badge_service.db import db
from credentials.did import Resolver
from credentials.verify import verify


def test_award_json_issues_signed_credentials(client, world):
    headers = trainer_headers(world)
    people = world.participants[:2]
    response = award_json(client, headers, world.units[0].id, [
        {"email": people[0].email, "narrative": "Portfolio très complet.",
         "evidence_url": "https://moodle.example/p/1"},
        {"email": people[1].email.upper()},
    ])
    body = response.json
    assert body["issued"] == 2
    assert body["replayed"] is False
    assert [o["outcome"] for o in body["outcomes"]] == ["issued", "issued"]
    assert [o["row"] for o in body["outcomes"]] == [1, 2]
    first = body["outcomes"][0]["credential"]
    assert first["recipient_email"] == people[0].email
    assert first["state"] == first["status"] == "active"
    assert first["url"] == f"https://badges.example.org/credentials/{first['id']}"
    assert first["narrative"] == "Portfolio très complet."
    assert first["status_list_url"].startswith("https://badges.example.org/status/")
    assert first["awarded_by"] == world.trainer.email

    detail = client.get(f"/api/v1/credentials/{first['id']}", headers=headers)
    assert detail.status_code == 200
    document = detail.json["document"]
    assert document["id"] == first["url"]
    result = verify(document, now=utcnow(), resolver=Resolver())
    assert result.verified, result.errors


def test_idempotency_key_makes_a_retry_safe(client, world):
    headers = trainer_headers(world)
    recipients = [{"email": p.email} for p in world.participants[:3]]
    key = str(uuid.uuid4())
    first = award_json(client, headers, world.units[0].id, recipients, key=key)
    again = award_json(client, headers, world.units[0].id, recipients, key=key, expect=200)
    assert again.json["replayed"] is True
    assert again.json["issued"] == 0
    assert [o["outcome"] for o in again.json["outcomes"]] == ["replayed"] * 3
    assert ([o["credential"]["id"] for o in again.json["outcomes"]]
            == [o["credential"]["id"] for o in first.json["outcomes"]])
    assert count_credentials() == 3

    # The same key for other recipients is a client error: nothing issued.
    other = [*recipients, {"email": world.participants[3].email}]
    refused = award_json(client, headers, world.units[0].id, other, key=key, expect=422)
    assert refused.json["errors"][0]["field"] == "Idempotency-Key"
    assert count_credentials() == 3

    # Without a key, a second award of a held achievement is reported, not repeated.
    held = award_json(client, headers, world.units[0].id, recipients[:1], expect=200)
    assert held.json["outcomes"][0]["outcome"] == "already-held"
    assert held.json["issued"] == 0
    assert held.json["replayed"] is False

    # Keys are scoped to the sender: another trainer's identical key issues normally.
    colleague = make_user("colleague@demo.badges.example")
    from badge_service.programmes import service as programmes

    programmes.add_trainer(db.session, None, world.programme, colleague)
    db.session.commit()
    theirs = award_json(client, bearer(colleague), world.units[1].id, recipients[:1], key=key)
    assert theirs.json["outcomes"][0]["outcome"] == "issued"

    bad = award_json(client, headers, world.units[1].id, recipients[1:2], key="x" * 201,
                     expect=422)
    assert bad.json["errors"][0]["field"] == "Idempotency-Key"


def test_award_is_all_or_nothing_and_names_every_bad_row(client, world):
    headers = trainer_headers(world)
    ok = world.participants[0].email
    response = award_json(client, headers, world.units[0].id, [
        {"email": ok},
        {"email": "not-an-email"},
        {"email": "stranger@example.org"},
        {"email": ok.upper()},
        {"email": world.participants[1].email, "evidence_url": "javascript:alert(1)"},
        {"email": world.participants[2].email, "narrative": "x" * 5001},
        {"email": world.participants[3].email, "narrative": "bad \u202e bidi"},
        {"email": world.participants[4].email, "level": "B1"},
    ], expect=422)
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    by_row = {(e["row"], e["field"]) for e in errors}
    assert by_row >= {(2, "email"), (3, "email"), (4, "email"), (5, "evidence_url"),
                      (6, "narrative"), (7, "narrative"), (8, "level")}
    assert 1 not in {e["row"] for e in errors}
    assert count_credentials() == 0

    unknown_field = award_json(client, headers, world.units[0].id,
                               [{"email": ok}, {"email": ok, "colour": "red"}], expect=422)
    assert unknown_field.json["errors"] == [
        {"field": "colour", "message": "Extra inputs are not permitted", "row": 2}]
    empty = award_json(client, headers, world.units[0].id, [], expect=422)
    assert empty.json["errors"][0]["field"] == "recipients"


def test_levels_are_required_when_the_achievement_has_a_scale(client, session, world):
    scale = achievements.level_scales(session)[0]
    unit = world.units[1]
    achievements.update(session, None, unit, {"level_scale_version_id": str(scale.id)},
                        now=utcnow())
    session.commit()
    headers = trainer_headers(world)
    people = world.participants[:2]
    missing = award_json(client, headers, unit.id, [{"email": people[0].email},
                                                    {"email": people[1].email,
                                                     "level": "Z9"}], expect=422)
    assert {(e["row"], e["field"]) for e in missing.json["errors"]} == {(1, "level"),
                                                                        (2, "level")}
    assert "B1" in missing.json["errors"][0]["message"]
    done = award_json(client, headers, unit.id, [{"email": people[0].email, "level": "B1"}])
    credential = done.json["outcomes"][0]["credential"]
    assert credential["level"] == "B1"
    document = client.get(f"/api/v1/credentials/{credential['id']}", headers=headers).json[
        "document"]
    assert document["credentialSubject"]["result"]


def _csv_upload(client, headers, achievement_id, data: bytes, *, as_body=False, query=""):
    url = f"/api/v1/achievements/{achievement_id}/awards{query}"
    if as_body:
        return client.post(url, data=data, headers={**headers,
                                                    "Content-Type": "text/csv; charset=utf-8"})
    return client.post(url, data={"file": (io.BytesIO(data), "awards.csv")},
                       headers=headers, content_type="multipart/form-data")


def test_award_from_csv_upload_and_body(client, world):
    headers = trainer_headers(world)
    people = world.participants
    # Excel (French locale): BOM, semicolons, CRLF, a quoted narrative over two lines,
    # header spellings with accents and capitals, an unknown column (ignored).
    data = ("\ufeffCourriel;Narratif;Evidence URL;Remarque\r\n"
            f"{people[0].email};\"Très bon travail ;\r\nsur deux lignes\";"
            "https://moodle.example/p/1;x\r\n"
            f"{people[1].email.upper()};;;\r\n"
            "\r\n").encode()
    response = _csv_upload(client, headers, world.units[0].id, data, query="?notify=false")
    assert response.status_code == 201, response.json
    outcomes = response.json["outcomes"]
    assert [o["row"] for o in outcomes] == [2, 4]  # line numbers (the narrative spans 2-3)
    assert outcomes[0]["credential"]["narrative"] == "Très bon travail ;\nsur deux lignes"
    assert outcomes[0]["credential"]["notified_at"] is None

    body = f"email,narrative\n{people[2].email},Bien\n".encode()
    response = _csv_upload(client, headers, world.units[0].id, body, as_body=True)
    assert response.status_code == 201, response.json
    assert response.json["outcomes"][0]["credential"]["narrative"] == "Bien"


def test_csv_errors_carry_line_numbers_and_nothing_is_issued(client, world):
    headers = trainer_headers(world)
    people = world.participants
    data = (f"email,narrative,evidence_url\n"
            f"{people[0].email},ok,\n"
            f"\"{people[1].email}\",\"two\nlines\",ftp://x\n"
            f"stranger@example.org,,\n"
            f"{people[2].email},\"bad \u0007 bell\",\n").encode()
    response = _csv_upload(client, headers, world.units[0].id, data)
    assert response.status_code == 422
    found = {(e.get("row"), e.get("field")) for e in response.json["errors"]}
    assert found == {(3, "evidence_url"), (5, "email"), (6, "narrative")}
    assert count_credentials() == 0

    header = _csv_upload(client, headers, world.units[0].id, b"name,narrative\nx,y\n")
    assert header.status_code == 422
    assert header.json["errors"][0]["field"] == "header"
    latin1 = _csv_upload(client, headers, world.units[0].id,
                         "email\nh\u00e9l\u00e8ne@x.example\n".encode("latin-1"))
    assert latin1.status_code == 422
    assert latin1.json["errors"][0]["row"] == 2
    xlsx = _csv_upload(client, headers, world.units[0].id, b"PK\x03\x04rest")
    assert xlsx.status_code == 415
    only_header = _csv_upload(client, headers, world.units[0].id, b"email\n")
    assert only_header.status_code == 422
    wrong_type = client.post(f"/api/v1/achievements/{world.units[0].id}/awards",
                             data=b"<x/>", headers={**headers, "Content-Type": "text/xml"})
    assert wrong_type.status_code == 415


def test_only_trainers_and_coordinators_award(client, session, world):
    participant = world.participants[0]
    from badge_service.accounts.service import users as accounts

    accounts.set_password(session, participant, "x" * 12)
    session.commit()
    recipients = [{"email": world.participants[1].email}]
    refused = award_json(client, bearer(participant), world.units[0].id, recipients,
                         expect=403)
    assert refused.mimetype == "application/problem+json"
    outsider = make_user("outsider@elsewhere.example")
    make_org("elsewhere", coordinators=(outsider,))
    award_json(client, bearer(outsider), world.units[0].id, recipients, expect=404)
    response = client.post(f"/api/v1/achievements/{world.units[0].id}/awards",
                           json={"recipients": recipients})
    assert response.status_code == 401
    coordinator = accounts.find_user_by_email(session, world.logins["coordinator"].email)
    award_json(client, bearer(coordinator), world.units[0].id, recipients)
    assert count_credentials() == 1


def test_list_and_get_credentials_with_filters_and_visibility(client, session, world):
    headers = trainer_headers(world)
    people = world.participants
    award_json(client, headers, world.units[0].id, [{"email": p.email} for p in people[:3]])
    award_json(client, headers, world.units[1].id, [{"email": people[0].email}])

    listing = client.get("/api/v1/credentials?per_page=2", headers=headers).json
    assert listing["total"] == 4
    assert listing["pages"] == 2
    assert len(listing["items"]) == 2
    by_unit = client.get(f"/api/v1/credentials?achievement_id={world.units[1].id}",
                         headers=headers).json
    assert [c["recipient_email"] for c in by_unit["items"]] == [people[0].email]
    by_email = client.get(f"/api/v1/credentials?email={people[0].email.upper()}",
                          headers=headers).json
    assert by_email["total"] == 2
    by_programme = client.get(f"/api/v1/credentials?programme_id={world.programme.id}"
                              "&state=active", headers=headers).json
    assert by_programme["total"] == 4
    assert client.get("/api/v1/credentials?state=revoked", headers=headers).json["total"] == 0
    bad = client.get("/api/v1/credentials?achievement_id=nope", headers=headers)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "achievement_id"
    assert client.get("/api/v1/credentials?state=lost", headers=headers).status_code == 422

    # A participant sees only their own; an outsider sees nothing.
    mine = client.get("/api/v1/credentials", headers=bearer(people[1])).json
    assert [c["recipient_email"] for c in mine["items"]] == [people[1].email]
    other_id = by_unit["items"][0]["id"]
    assert client.get(f"/api/v1/credentials/{other_id}",
                      headers=bearer(people[1])).status_code == 404
    assert client.get(f"/api/v1/credentials/{mine['items'][0]['id']}",
                      headers=bearer(people[1])).status_code == 200
    outsider = make_user("outsider@elsewhere.example")
    make_org("elsewhere", coordinators=(outsider,))
    assert client.get("/api/v1/credentials", headers=bearer(outsider)).json["total"] == 0
    assert client.get(f"/api/v1/credentials/{other_id}",
                      headers=bearer(outsider)).status_code == 404
    assert client.get(f"/api/v1/credentials/{uuid.uuid4()}", headers=headers).status_code == 404


def test_status_changes_one_at_a_time(client, world):
    headers = trainer_headers(world)
    response = award_json(client, headers, world.units[0].id,
                          [{"email": world.participants[0].email}])
    credential_id = response.json["outcomes"][0]["credential"]["id"]
    url = f"/api/v1/credentials/{credential_id}/status"
    no_reason = client.post(url, json={"action": "suspend"}, headers=headers)
    assert no_reason.status_code == 422
    assert no_reason.json["errors"][0]["field"] == "reason"
    bad_action = client.post(url, json={"action": "delete", "reason": "x"}, headers=headers)
    assert bad_action.status_code == 422
    assert bad_action.json["errors"][0]["field"] == "action"

    suspended = client.post(url, json={"action": "suspend", "reason": "enquête"},
                            headers=headers)
    assert suspended.status_code == 200
    assert suspended.json["state"] == "suspended"
    assert suspended.json["state_reason"] == "enquête"
    assert client.get("/api/v1/credentials?state=suspended",
                      headers=headers).json["total"] == 1
    reinstated = client.post(url, json={"action": "reinstate"}, headers=headers)
    assert reinstated.json["state"] == "active"

    # The recipient may see it but not change it.
    recipient = bearer(world.participants[0])
    assert client.post(url, json={"action": "revoke", "reason": "no"},
                       headers=recipient).status_code == 403
    revoked = client.post(url, json={"action": "revoke", "reason": "fraude"}, headers=headers)
    assert revoked.json["state"] == "revoked"
    again = client.post(url, json={"action": "reinstate"}, headers=headers)
    assert again.status_code == 409
    assert client.post(f"/api/v1/credentials/{uuid.uuid4()}/status",
                       json={"action": "revoke", "reason": "x"},
                       headers=headers).status_code == 404


def test_bulk_status_change_is_all_or_nothing(client, world):
    headers = trainer_headers(world)
    response = award_json(client, headers, world.units[0].id,
                          [{"email": p.email} for p in world.participants[:4]])
    ids = [o["credential"]["id"] for o in response.json["outcomes"]]
    url = "/api/v1/credentials/status"
    client.post(f"/api/v1/credentials/{ids[3]}/status",
                json={"action": "revoke", "reason": "erreur"}, headers=headers)

    bad = client.post(url, json={"ids": [ids[0], "nope", str(uuid.uuid4()), ids[0]],
                                 "action": "suspend", "reason": "contrôle"}, headers=headers)
    assert bad.status_code == 422
    assert [e["row"] for e in bad.json["errors"]] == [2, 3, 4]
    conflict = client.post(url, json={"ids": ids, "action": "suspend", "reason": "contrôle"},
                           headers=headers)
    assert conflict.status_code == 409
    assert [e["row"] for e in conflict.json["errors"]] == [4]
    listing = client.get("/api/v1/credentials?state=suspended", headers=headers).json
    assert listing["total"] == 0  # nothing changed

    done = client.post(url, json={"ids": ids[:3], "action": "suspend", "reason": "contrôle"},
                       headers=headers)
    assert done.status_code == 200
    assert done.json["changed"] == 3
    assert {c["state"] for c in done.json["credentials"]} == {"suspended"}
    assert client.post(url, json={"ids": [], "action": "revoke", "reason": "x"},
                       headers=headers).status_code == 422
    outsider = make_user("outsider@elsewhere.example")
    hidden = client.post(url, json={"ids": ids[:1], "action": "reinstate"},
                         headers=bearer(outsider))
    assert hidden.status_code == 422  # said as "no credential": nothing leaks
    assert hidden.json["errors"][0]["row"] == 1


def test_openapi_documents_the_award_routes(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    award = paths["/api/v1/achievements/{achievement_id}/awards"]["post"]
    assert "Idempotency-Key" in award["summary"]
    assert award["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AwardIn")
    assert "201" in award["responses"]
    assert "get" in paths["/api/v1/credentials"]
    assert "get" in paths["/api/v1/credentials/{credential_id}"]
    assert "post" in paths["/api/v1/credentials/{credential_id}/status"]
    assert "post" in paths["/api/v1/credentials/status"]
    assert "CredentialDetail" in document["components"]["schemas"]


def test_composites_are_reported(client, session, world):
    world.certificate.requires_portfolio = False
    session.commit()
    headers = trainer_headers(world)
    person = world.participants[0]
    for unit in world.units[:-1]:
        response = award_json(client, headers, unit.id, [{"email": person.email}])
        assert response.json["composites"] == []
    response = award_json(client, headers, world.units[-1].id, [{"email": person.email}])
    assert response.json["issued"] == 2
    [composite] = response.json["composites"]
    assert composite["achievement_id"] == str(world.certificate.id)
    assert composite["awarded_by"] is None
