"""The award pages (choose → preview → confirm, CSV upload, double submit) and the credentials
list of a programme with its single and bulk status forms."""

from __future__ import annotations

import html
import io
import re

import pytest
from accounts_helpers import is_login_redirect, login, make_org, make_user
from awards_helpers import count_credentials
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from badge_service.achievements import service as achievements
from badge_service.awards.models import IssuedCredential
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.frameworks.models import FrameworkItem


@pytest.fixture
def trainer(client, world):
    login(client, world.trainer.email, world.logins["trainer"].password)
    return world.trainer


WILL_ISSUE = '<span class="tag">will be issued</span>'
_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_with(page: str, marker: str) -> MultiDict:
    """The named inputs (hidden ones and checked boxes) of the first form containing
    ``marker``, as a browser would send them."""
    for form in _FORM.findall(page):
        if marker not in form:
            continue
        fields = MultiDict()
        for tag in _INPUT.findall(form):
            attrs = {k: html.unescape(v) for k, v in _ATTR.findall(tag)}
            kind = attrs.get("type", "text")
            if "name" not in attrs or (kind == "checkbox" and " checked" not in tag):
                continue
            fields.add(attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
        return fields
    raise AssertionError(f"no form containing {marker!r}")


def award_key(page: str) -> str:
    match = re.search(r'name="key" value="([0-9a-f-]{32,36})"', page)
    assert match, "the form carries no idempotency key"
    return match.group(1)


def test_choose_preview_confirm_and_double_submit(client, world, trainer):
    unit = world.units[0]
    page = client.get(f"/achievements/{unit.id}/award")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-check-all="recipient"' in text
    assert text.count('name="recipient"') == len(world.participants)
    assert "NUMEFA 2025-2026" in text
    first, second = world.participants[:2]
    hostile = '<script>alert("x")</script>'
    preview = client.post(f"/achievements/{unit.id}/award", data=MultiDict([
        ("step", "preview"), ("notify", "on"),
        ("recipient", str(first.id)), ("recipient", str(second.id)),
        (f"narrative_{first.id}", f"Excellent travail {hostile}"),
        (f"evidence_url_{first.id}", "https://moodle.example/p/7")]))
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert hostile not in text
    assert "&lt;script&gt;" in text
    assert text.count(WILL_ISSUE) == 2
    assert "Nothing is issued yet" in text
    assert count_credentials() == 0  # a preview writes nothing

    confirm = form_with(text, 'value="confirm"')
    key = award_key(text)
    assert confirm["key"] == key
    assert confirm.getlist("row_email") == [first.email, second.email]
    result = client.post(f"/achievements/{unit.id}/award", data=confirm)
    assert result.status_code == 200
    body = result.get_data(as_text=True)
    assert "2 credentials issued" in body
    issued = db.session.scalars(select(IssuedCredential)).all()
    assert len(issued) == 2
    assert {c.recipient_id for c in issued} == {first.id, second.id}
    narrative = next(c for c in issued if c.recipient_id == first.id).narrative
    assert narrative == f"Excellent travail {hostile}"
    for credential in issued:
        assert f"https://badges.example.org/credentials/{credential.id}" in body

    # The same confirmation again (double click, refresh): nothing new, same credentials.
    again = client.post(f"/achievements/{unit.id}/award", data=confirm)
    assert again.status_code == 200
    assert "already been confirmed" in again.get_data(as_text=True)
    assert count_credentials() == 2

    # Back to the choice, one more person ticked: a new preview is a new request (new key);
    # those who hold it already are reported, not issued again.
    page = client.get(f"/achievements/{unit.id}/award").get_data(as_text=True)
    assert page.count("holds it already") == 2
    third = world.participants[2]
    preview = client.post(f"/achievements/{unit.id}/award", data=MultiDict([
        ("step", "preview"), ("recipient", str(first.id)), ("recipient", str(third.id))]))
    text = preview.get_data(as_text=True)
    assert award_key(text) != key
    assert text.count(WILL_ISSUE) == 1
    result = client.post(f"/achievements/{unit.id}/award",
                         data=form_with(text, 'value="confirm"')).get_data(as_text=True)
    assert "1 credential issued" in result
    assert "Already held (not issued again) (1)" in result
    assert count_credentials() == 3
    preview = client.post(f"/achievements/{unit.id}/award", data={
        "step": "preview", "recipient": str(first.id)})
    assert "Everyone listed holds this achievement already" in preview.get_data(as_text=True)


def test_select_all_and_nothing_ticked(client, world, trainer):
    unit = world.units[1]
    nothing = client.post(f"/achievements/{unit.id}/award", data={"step": "preview"})
    assert nothing.status_code == 422
    assert "Tick at least one participant" in nothing.get_data(as_text=True)
    everyone = client.post(f"/achievements/{unit.id}/award",
                           data={"step": "preview", "select_all": "on"})
    assert everyone.status_code == 200
    assert everyone.get_data(as_text=True).count(WILL_ISSUE) == len(world.participants)


def test_levels_are_chosen_per_person(client, session, world, trainer):
    scale = achievements.level_scales(session)[0]
    unit = world.units[2]
    achievements.update(session, None, unit, {"level_scale_version_id": str(scale.id)},
                        now=utcnow())
    session.commit()
    page = client.get(f"/achievements/{unit.id}/award").get_data(as_text=True)
    person = world.participants[0]
    assert f'name="level_{person.id}"' in page
    assert '<option value="B1">' in page
    missing = client.post(f"/achievements/{unit.id}/award", data={
        "step": "preview", "recipient": str(person.id)})
    assert missing.status_code == 422
    assert "give the level reached" in missing.get_data(as_text=True)
    assert 'value="confirm"' not in missing.get_data(as_text=True)
    preview = client.post(f"/achievements/{unit.id}/award", data={
        "step": "preview", "recipient": str(person.id),
        f"level_{person.id}": "B2"})
    assert preview.status_code == 200
    result = client.post(f"/achievements/{unit.id}/award",
                         data=form_with(preview.get_data(as_text=True), 'value="confirm"'))
    assert result.status_code == 200
    credential = db.session.scalars(select(IssuedCredential)).one()
    assert db.session.get(FrameworkItem, credential.level_item_id).human_code == "B2"


def test_csv_upload_preview_with_line_errors_then_valid_file(client, world, trainer):
    unit = world.units[0]
    url = f"/achievements/{unit.id}/award/csv"
    people = world.participants
    bad = (f"email;narrative\r\n{people[0].email};ok\r\nnobody@example.org;\r\n"
           f"{people[1].email};\"a\r\nb\"\r\n{people[1].email};again\r\n").encode()
    response = client.post(url, data={"file": (io.BytesIO(bad), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "line 3" in text
    assert "not a participant" in text
    assert "line 6" in text
    assert "appears twice" in text
    assert 'value="confirm"' not in text
    unreadable = client.post(url, data={
                                        "file": (io.BytesIO(b"PK\x03\x04"), "a.xlsx")},
                             content_type="multipart/form-data")
    assert unreadable.status_code == 415
    assert "not a CSV file" in unreadable.get_data(as_text=True)
    missing = client.post(url, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422

    good = f"\ufeffemail,narrative\n{people[0].email},\"Très bien\nvraiment\"\n".encode()
    preview = client.post(url, data={"notify": "on",
                                     "file": (io.BytesIO(good), "a.csv")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200
    confirm = form_with(preview.get_data(as_text=True), 'value="confirm"')
    assert confirm["source"] == "csv"
    assert confirm["row_line"] == "2"
    result = client.post(f"/achievements/{unit.id}/award", data=confirm)
    assert result.status_code == 200
    credential = db.session.scalars(select(IssuedCredential)).one()
    assert credential.narrative == "Très bien\nvraiment"
    assert credential.notified_at is not None


def test_award_pages_need_a_trainer_or_coordinator(client, session, world):
    unit = world.units[0]
    assert is_login_redirect(client.get(f"/achievements/{unit.id}/award"))
    participant = world.participants[0]
    login(client, participant.email, world.logins["participant"].password)
    assert client.get(f"/achievements/{unit.id}/award").status_code == 403
    assert client.post(f"/achievements/{unit.id}/award",
                       data={"step": "confirm", "row_email": participant.email,
                             "row_line": "1", "row_narrative": "", "row_evidence_url": "",
                             "row_level": ""}).status_code == 403
    assert client.get(f"/programmes/{world.programme.id}/credentials").status_code == 403
    assert count_credentials() == 0


def _issue(client, world, unit, people) -> list[IssuedCredential]:
    preview = client.post(f"/achievements/{unit.id}/award", data=MultiDict(
        [("step", "preview")]
        + [("recipient", str(p.id)) for p in people]))
    client.post(f"/achievements/{unit.id}/award",
                data=form_with(preview.get_data(as_text=True), 'value="confirm"'))
    db.session.expire_all()
    return list(db.session.scalars(select(IssuedCredential).where(
        IssuedCredential.achievement_id == unit.id)))


def test_credentials_list_with_single_and_bulk_status_changes(client, world, trainer):
    people = world.participants[:3]
    credentials = _issue(client, world, world.units[0], people)
    _issue(client, world, world.units[1], people[:1])
    url = f"/programmes/{world.programme.id}/credentials"
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "4 credentials" in text
    assert 'form="bulk-status"' in text
    assert 'id="bulk-status"' in text
    assert "data-confirm=" in text
    assert "<script>" not in text.split("</head>")[1]  # no inline script (CSP)
    filtered = client.get(f"{url}?achievement_id={world.units[1].id}").get_data(as_text=True)
    assert "1 credential" in filtered
    searched = client.get(f"{url}?q={people[0].email.upper()}&state=active")
    assert "2 credentials" in searched.get_data(as_text=True)
    assert client.get(f"/achievements/{world.units[1].id}/credentials").status_code == 302

    target = credentials[0]
    status_url = f"/programmes/{world.programme.id}/credentials/status"
    # A reason is required to suspend: refused, nothing changes, the error is shown.
    response = client.post(status_url, data={"ids": str(target.id), "action": "suspend",
                                             "reason": " ", "back_state": "active"})
    assert response.status_code == 303
    assert "state=active" in response.headers["Location"]
    assert "reason" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IssuedCredential, target.id).state == "active"

    response = client.post(status_url, data={"ids": str(target.id), "action": "suspend",
                                             "reason": "vérification en cours"})
    assert response.status_code == 303
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 credential suspended." in after
    assert "vérification en cours" in after
    assert "Reinstate" in after

    # Bulk: all or nothing — one already revoked among them refuses the whole change.
    client.post(status_url, data={"ids": str(credentials[1].id), "action": "revoke",
                                  "reason": "erreur de saisie"})
    response = client.post(status_url, data=MultiDict(
        [("ids", str(c.id)) for c in credentials] + [("action", "revoke"),
                                                     ("reason", "fraude")]))
    message = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nothing was changed" in message
    db.session.expire_all()
    assert [db.session.get(IssuedCredential, c.id).state for c in credentials] == [
        "suspended", "revoked", "active"]
    response = client.post(status_url, data=MultiDict(
        [("ids", str(credentials[0].id)), ("ids", str(credentials[2].id)),
         ("action", "revoke"), ("reason", "fraude")]))
    assert "2 credentials revoked." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    revoked = client.get(f"{url}?state=revoked").get_data(as_text=True)
    assert "3 credentials" in revoked
    assert "revoked for good" in revoked


def test_credentials_page_is_for_the_programme_team_only(client, world):
    outsider = make_user("outsider@elsewhere.example")
    make_org("elsewhere", coordinators=(outsider,))
    login(client, outsider.email)
    assert client.get(f"/programmes/{world.programme.id}/credentials").status_code == 404
    assert client.post(f"/programmes/{world.programme.id}/credentials/status",
                       data={"ids": "x", "action": "revoke"}).status_code == 404


def test_awards_index_lists_what_the_trainer_can_award(client, world, trainer):
    page = client.get("/awards")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for unit in world.units:
        assert f"/achievements/{unit.id}/award" in text


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_award_forms_need_the_csrf_token(csrf_on, client, world):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": world.trainer.email, "csrf_token": token,
                                "password": world.logins["trainer"].password})
    unit = world.units[0]
    page = client.get(f"/achievements/{unit.id}/award").get_data(as_text=True)
    data = {"step": "preview",
            "recipient": str(world.participants[0].id)}
    assert client.post(f"/achievements/{unit.id}/award", data=data).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/achievements/{unit.id}/award",
                       data={**data, "csrf_token": token}).status_code == 200


def test_result_page_lists_issued_already_held_and_composites(client, session, world,
                                                              trainer):
    world.certificate.requires_portfolio = False
    session.commit()
    person, other = world.participants[:2]
    for unit in world.units[:-1]:
        _issue(client, world, unit, [person])
    _issue(client, world, world.units[-1], [other])  # `other` holds the last unit already
    last = world.units[-1]
    preview = client.post(f"/achievements/{last.id}/award", data=MultiDict([
        ("step", "preview"), ("recipient", str(person.id)),
        ("recipient", str(other.id))]))
    text = preview.get_data(as_text=True)
    assert text.count(WILL_ISSUE) == 1
    assert "holds it already" in text
    result = client.post(f"/achievements/{last.id}/award",
                         data=form_with(text, 'value="confirm"'))
    body = result.get_data(as_text=True)
    assert "1 credential issued, and 1 composite achievement awarded automatically" in body
    assert "Already held (not issued again) (1)" in body
    assert "Composite achievements awarded automatically (1)" in body
    db.session.expire_all()
    composite = db.session.scalars(select(IssuedCredential).where(
        IssuedCredential.achievement_id == world.certificate.id)).one()
    assert composite.recipient_id == person.id
    assert f"/credentials/{composite.id}" in body
