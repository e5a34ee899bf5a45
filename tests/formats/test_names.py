"""Names as they really are (issue 7 §3, §4): one rule (badge_service.formats.names) through every
door — the cohort CSV import, the API, the pages' forms, the CLI, accounts, and the titles
badges print — plus RFC 5321 limits on email addresses."""

from __future__ import annotations

import unicodedata

import pytest
from accounts_helpers import PASSWORD, bearer, login, make_user
from cohort_helpers import csv_bytes, make_world
from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.achievements import service as achievements
from badge_service.cli import main
from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.models import CohortMember
from badge_service.db import db
from badge_service.errors import ValidationFailed
from badge_service.formats import names
from badge_service.organisations import service as organisations
from badge_service.programmes import service as programmes

DECOMPOSED = "Ame\u0301lie"  # "e" + COMBINING ACUTE ACCENT, as macOS and PDFs give it
COMPOSED = "Amélie"


def errors_by_line(plan_or_exc) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for error in plan_or_exc.errors:
        out.setdefault(error.row, []).append(f"{error.field}: {error.message}")
    return out


def plan(world, data: bytes):
    return cohorts.plan_import(db.session, world.coordinator, world.programme, data,
                               default_language="fr")


# --- the rule itself --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (DECOMPOSED, COMPOSED),
    ("  Jean \u00a0  Pierre  ", "Jean Pierre"),         # no-break and repeated spaces
    ("Dupont\n", "Dupont"),                              # a trailing line break is trimmed
    ("می\u200cخواهم", "می\u200cخواهم"),                  # Persian ZWNJ between letters
    ("क\u094d\u200dष", "क\u094d\u200dष"),                # Devanagari: virama (a mark) + ZWJ
    ("Nguyễn", "Nguyễn"),
    ("", ""),
])
def test_accepted_names_are_nfc_and_one_line(value, expected):
    assert names.check_name(value, max_length=200) == (expected, None)
    assert unicodedata.is_normalized("NFC", names.check_name(value, max_length=200)[0])


@pytest.mark.parametrize(("value", "message"), [
    ("Ann\u200be", "U+200B ZERO WIDTH SPACE"),
    ("Ann\u2060e", "U+2060 WORD JOINER"),
    ("Ann\ufeffe", "U+FEFF"),
    ("Ann\u00ade", "U+00AD SOFT HYPHEN"),
    ("Ann\u200ee", "U+200E LEFT-TO-RIGHT MARK"),
    ("Ann\u202ee", "text-direction control character (U+202E"),
    ("Ann\u2066e", "text-direction control character (U+2066"),
    ("\u3164", "U+3164 HANGUL FILLER"),
    ("\u200dAnn", "only accepted between two letters"),
    ("Ann \u200c Lee", "only accepted between two letters"),
    ("Ann\u200c1", "only accepted between two letters"),
    ("Jean\nPierre", "a line break"),
    ("Jean\u2028Pierre", "a line break"),
    ("Jean\tPierre", "control character (U+0009"),
    ("Ann\x00e", "control character (U+0000"),
    ("Ann\U000f0000", "invalid character"),
])
def test_invisible_format_control_characters_and_line_breaks_are_refused(value, message):
    _text, problem = names.check_name(value, max_length=200)
    assert problem is not None
    assert message in problem


def test_a_long_name_is_refused_with_the_limit_never_cut():
    text, problem = names.check_name("L" * 300, max_length=200)
    assert problem == "is too long: 300 characters, at most 200"
    assert text == "L" * 300
    # The limit counts characters after NFC: 200 decomposed "é" are 200 characters, not 400.
    assert names.check_name("e\u0301" * 200, max_length=200) == ("é" * 200, None)


# --- cohort CSV import ------------------------------------------------------------------------


def test_import_normalises_to_nfc_accepts_mononyms_and_refuses_by_row(app):
    world = make_world()
    data = csv_bytes(
        f"A1,{DECOMPOSED},Ndiaye,amelie@x.example,,,,,C1,fr",           # 2
        "A2,Sukarno,,sukarno@x.example,,,,,C1,fr",                       # 3: a mononym
        "A3,Ann\u200be,Lee,ann@x.example,,,,,C1,fr",                     # 4
        f"A4,{'L' * 300},Long,long@x.example,,,,,C1,fr",                 # 5
        "A5,Léa,\"Roux\nMartin\",lea@x.example,,,,,C1,fr",               # 6 and 7
        f"A6,Zoé,Petit,{'z' * 65}@x.example,,,,,C1,fr",                  # 8
    )
    result = plan(world, data)
    lines = errors_by_line(result)
    assert sorted(lines) == [4, 5, 6, 8]
    assert lines[4] == ["given_name: contains an invisible character (U+200B ZERO WIDTH "
                        "SPACE), which certificates show as a gap or not at all; remove it"]
    assert lines[5] == ["given_name: is too long: 300 characters, at most 200"]
    assert lines[6] == ["family_name: contains a line break; a name must be on one line"]
    assert lines[8] == ["email: not a valid email address: the part before the @ is 65 bytes "
                        "long; at most 64 (RFC 5321)"]
    ok = {r.line: r.values for r in result.rows if not r.errors}
    assert ok[2]["given_name"] == COMPOSED
    assert (ok[3]["given_name"], ok[3]["family_name"]) == ("Sukarno", "")


def test_a_mononym_is_stored_whole_and_shown_without_a_gap(app):
    world = make_world()
    cohorts.import_members(db.session, world.coordinator, world.programme,
                           csv_bytes(f"A1,{DECOMPOSED},,amelie@x.example,,,,,C1,fr"),
                           now=utcnow(), default_language="fr", dry_run=False)
    db.session.commit()
    member = db.session.scalar(select(CohortMember))
    assert (member.given_name, member.family_name, member.full_name) == (COMPOSED, "",
                                                                         COMPOSED)
    user = db.session.scalar(select(User).where(User.email == "amelie@x.example"))
    assert (user.given_name, user.family_name, user.display_name) == (COMPOSED, None, COMPOSED)


def test_a_short_row_is_reported_with_its_line_through_the_cohort_import(app):
    world = make_world()
    data = csv_bytes("A1,Ann,Lee,ann@x.example,,,,,C1,fr", "A2,Bob,Ray,bob@x.example")
    with pytest.raises(ValidationFailed) as info:
        plan(world, data)
    assert [(e.row, e.message.split(":")[0]) for e in info.value.errors] == [
        (3, "only 4 fields but the header has 10")]


# --- API, pages, CLI ----------------------------------------------------------------------------


def test_api_members_follow_the_same_rule(client, app):
    world = make_world()
    headers = bearer(world.coordinator)
    cohort = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                   {"name": "C1"}, now=utcnow())
    db.session.commit()
    url = f"/api/v1/cohorts/{cohort.id}/members"
    mononym = client.post(url, headers=headers, json={"email": "s@x.example",
                                                      "given_name": "Sukarno"})
    assert mononym.status_code == 201, mononym.json
    assert (mononym.json["given_name"], mononym.json["family_name"]) == ("Sukarno", "")
    composed = client.post(url, headers=headers, json={
        "email": "a@x.example", "given_name": DECOMPOSED, "family_name": "Ndiaye"})
    assert composed.json["given_name"] == COMPOSED
    for body, field, message in (
            ({"given_name": "Ann\u200be"}, "given_name", "U+200B"),
            ({"given_name": "Ann", "family_name": "L" * 300}, "family_name",
             "is too long: 300 characters, at most 200"),
            ({"given_name": "Ann", "family_name": "Lee\r\nX"}, "family_name", "line break")):
        bad = client.post(url, headers=headers, json={"email": "b@x.example", **body})
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json["errors"]] == [field]
        assert message in bad.json["errors"][0]["message"]
    member_url = f"{url}/{composed.json['id']}"
    patched = client.patch(member_url, headers=headers, json={"family_name": ""})
    assert patched.status_code == 200
    assert patched.json["family_name"] == ""
    bad = client.patch(member_url, headers=headers, json={"family_name": "A\u2060B"})
    assert bad.status_code == 422


def test_the_member_form_refuses_invisible_characters(client, app):
    world = make_world()
    cohort = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                   {"name": "C1"}, now=utcnow())
    db.session.commit()
    login(client, world.coordinator.email)
    response = client.post(f"/cohorts/{cohort.id}/members/new", data={
        "email": "a@x.example", "given_name": "Ann", "family_name": "Lee\u200b"})
    assert response.status_code == 422
    assert "U+200B ZERO WIDTH SPACE" in response.get_data(as_text=True)
    response = client.post(f"/cohorts/{cohort.id}/members/new", data={
        "email": "s@x.example", "given_name": "Sukarno", "family_name": ""})
    assert response.status_code == 302


def test_accounts_refuse_instead_of_cutting_and_normalise(app, client, session):
    user = accounts.create_user(session, email="a@x.example", given_name=DECOMPOSED,
                                family_name="Ndiaye", now=utcnow())
    assert (user.given_name, user.display_name) == (COMPOSED, f"{COMPOSED} Ndiaye")
    with pytest.raises(ValidationFailed) as info:
        accounts.create_user(session, email="b@x.example", display_name="D" * 301,
                             now=utcnow())
    assert [(e.field, e.message) for e in info.value.errors] == [
        ("display_name", "is too long: 301 characters, at most 300")]
    with pytest.raises(ValidationFailed) as info:
        accounts.create_user(session, email="c@x.example", given_name="G" * 200,
                             family_name="F" * 200, now=utcnow())
    assert "together are 401 characters; at most 300" in info.value.errors[0].message
    with pytest.raises(ValidationFailed) as info:
        accounts.update_user(session, user, user, {"display_name": "Ann\u202eLee"})
    assert info.value.errors[0].field == "display_name"
    admin = make_user("admin@example.org", admin=True)
    response = client.post("/api/v1/users", headers=bearer(admin), json={
        "email": "d@x.example", "display_name": "Ann\u200bLee", "password": PASSWORD})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "display_name"


def test_cli_user_names_follow_the_rule(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["users", "create", "--email", "x@example.org",
                                  "--name", "Ann\u200bLee"])
    assert result.exit_code == 1
    assert "display_name: contains an invisible character (U+200B" in result.output
    assert accounts.find_user_by_email(session, "x@example.org") is None


# --- email addresses ----------------------------------------------------------------------------


def test_email_local_part_and_length_limits_of_rfc_5321():
    assert accounts.normalise_email("a" * 64 + "@x.example") == "a" * 64 + "@x.example"
    with pytest.raises(ValidationFailed) as info:
        accounts.normalise_email("a" * 65 + "@x.example", row=7)
    assert [(e.field, e.row, e.message) for e in info.value.errors] == [
        ("email", 7, "the part before the @ is 65 bytes long; at most 64 (RFC 5321)")]
    with pytest.raises(ValidationFailed) as info:  # 33 "é" are 66 octets in UTF-8
        accounts.normalise_email("é" * 33 + "@x.example")
    assert "66 bytes long; at most 64 (RFC 5321; an accented letter counts as 2)" in (
        info.value.errors[0].message)
    domain = ".".join(["d" * 60] * 4) + ".example"  # 251 characters
    assert accounts.normalise_email("ab@" + domain) == "ab@" + domain  # 254: the limit
    with pytest.raises(ValidationFailed) as info:
        accounts.normalise_email("abc@" + domain)
    assert info.value.errors[0].message == ("the address is 255 bytes long; at most 254 "
                                            "(RFC 5321)")


# --- titles printed on badges and certificates ---------------------------------------------------


def test_programme_achievement_and_organisation_names_follow_the_rule(app, session):
    world = make_world()
    with pytest.raises(ValidationFailed) as info:
        programmes.update(session, world.coordinator, world.programme,
                          {"title": {"fr": "NUMEFA\u200b 2025"}}, now=utcnow())
    assert [e.field for e in info.value.errors] == ["title.fr"]
    updated = programmes.update(session, world.coordinator, world.programme,
                                {"title": {"fr": f"Certificat {DECOMPOSED}"}}, now=utcnow())
    assert updated.title_i18n["fr"] == f"Certificat {COMPOSED}"
    with pytest.raises(ValidationFailed) as info:
        programmes.update(session, world.coordinator, world.programme,
                          {"title": {"en": "Line one\nline two"}}, now=utcnow())
    assert "line break" in info.value.errors[0].message
    root = session.scalar(select(User).where(User.is_administrator.is_(True)))
    with pytest.raises(ValidationFailed) as info:
        organisations.update(session, root, world.org, {"name": "Lycée\u202e X"})
    assert [e.field for e in info.value.errors] == ["name"]
    with pytest.raises(ValidationFailed) as info:
        organisations.update(session, root, world.org, {"name_i18n": {"en": "A\u2060B"}})
    assert [e.field for e in info.value.errors] == ["name_i18n.en"]
    with pytest.raises(ValidationFailed) as info:
        achievements.create(session, world.coordinator, world.programme, {
            "name": {"fr": "Badge\u00adnumérique"}, "description": {"fr": "Une description"}},
            now=utcnow())
    assert info.value.errors[0].field == "name.fr"
    assert "U+00AD SOFT HYPHEN" in info.value.errors[0].message
    achievement = achievements.create(session, world.coordinator, world.programme, {
        "name": {"fr": f"Badge {DECOMPOSED}"}, "description": {"fr": "Une\ndescription"}},
        now=utcnow())
    assert achievement.name_i18n["fr"] == f"Badge {COMPOSED}"  # descriptions keep their lines
