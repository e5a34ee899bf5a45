"""Importing participants from CSV through the service: preview, all-or-nothing, duplicates,
existing members and accounts, every bad row with its line, hostile strings."""

from __future__ import annotations

import pytest
from accounts_helpers import make_user
from cohort_helpers import HEADER, csv_bytes, fixture_bytes, make_world
from sqlalchemy import func, select

from badge_service.accounts.models import EmailToken, User
from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db
from badge_service.errors import Forbidden, UnsupportedMediaType, ValidationFailed


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def run(world, data, *, dry_run, actor=None, **kwargs):
    return cohorts.import_members(db.session, actor or world.coordinator, world.programme, data,
                                  now=utcnow(), default_language="fr", dry_run=dry_run,
                                  **kwargs)


def snapshot():
    return (count(User), count(Cohort), count(CohortMember), count(EmailToken))


def errors_by_line(plan_or_exc) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for error in plan_or_exc.errors:
        out.setdefault(error.row, []).append(f"{error.field}: {error.message}")
    return out


def test_the_fixture_imports_cleanly_after_a_dry_run_that_writes_nothing(app, shared_dir):
    world = make_world()
    before = snapshot()
    plan = run(world, fixture_bytes(shared_dir), dry_run=True)
    db.session.commit()
    assert snapshot() == before
    assert plan.ok
    assert plan.errors == []
    assert plan.warnings == []
    summary = plan.counts()
    assert summary["rows"] == 40
    assert summary["create"] == 40
    assert summary["new_cohorts"] == 1
    assert [c.name for c in plan.cohorts] == ["NUMEFA 2025-2026"]
    assert [r.line for r in plan.rows] == list(range(2, 42))

    plan = run(world, fixture_bytes(shared_dir), dry_run=False)
    db.session.commit()
    assert plan.applied
    assert plan.counts()["create"] == 40
    cohort = db.session.scalar(select(Cohort))
    assert cohort.name == "NUMEFA 2025-2026"
    assert cohort.programme_id == world.programme.id
    members = {m.participant_code: m for m in cohort.members}
    assert len(members) == 40
    assert count(User) == before[0] + 40
    first = members["NUM25-001"]
    assert (first.given_name, first.family_name, first.user.email, first.country,
            first.organisation_name, first.organisation_type, first.job_role,
            first.preferred_language, first.status, first.invited_at) == (
        "Anne-Sophie", "Delvaux", "anne-sophie.delvaux@ecole-tilleuls.example", "BE",
        "École fondamentale des Tilleuls", "école fondamentale", "institutrice primaire", "fr",
        "invited", None)
    dutch = next(m for m in members.values() if m.preferred_language == "nl")
    assert dutch.user.preferred_language == "en"  # we write French and English only
    assert first.user.preferred_language == "fr"
    assert first.user.password_hash is None  # participants log in by email link

    # Importing the same file again: everyone is already in the cohort, unchanged.
    again = run(world, fixture_bytes(shared_dir), dry_run=False)
    db.session.commit()
    assert again.counts()["unchanged"] == 40
    assert again.ok
    assert count(CohortMember) == 40
    assert count(Cohort) == 1


def test_target_cohort_by_name_is_matched_without_case(app, shared_dir):
    world = make_world()
    existing = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                     {"name": "NUMEFA 2025-2026", "start_date": "2025-09-01"},
                                     now=utcnow())
    plan = run(world, fixture_bytes(shared_dir), dry_run=False,
               cohort_name="  numefa   2025-2026 ")
    db.session.commit()
    assert [c.cohort.id for c in plan.cohorts] == [existing.id]
    assert plan.counts()["new_cohorts"] == 0
    assert len(existing.members) == 40


def test_rows_for_another_cohort_than_the_target_are_errors(app):
    world = make_world()
    target = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                   {"name": "DU 2025"}, now=utcnow())
    data = csv_bytes("1,Ana,Silva,ana@x.example,,,PT,,DU 2025,pt",
                     "2,Bo,Li,bo@x.example,,,,,Other cohort,")
    plan = run(world, data, dry_run=True, cohort=target)
    assert errors_by_line(plan) == {
        3: ["cohort: this row is for cohort 'Other cohort', but the import is into 'DU 2025'"]}


def test_without_a_target_each_row_names_its_cohort(app):
    world = make_world()
    data = csv_bytes("1,Ana,Silva,ana@x.example,,,,,Groupe A,",
                     "2,Ana,Silva,ANA@x.example,,,,,Groupe B,",  # same person, 2nd cohort
                     "3,Bo,Li,bo@x.example,,,,,,")
    plan = run(world, data, dry_run=True)
    assert errors_by_line(plan) == {4: [
        "cohort: is required: name the cohort in this column, or choose the cohort to "
        "import into"]}
    data = csv_bytes("1,Ana,Silva,ana@x.example,,,,,Groupe A,",
                     "2,Ana,Silva,ANA@x.example,,,,,Groupe B,")
    plan = run(world, data, dry_run=False)
    db.session.commit()
    assert sorted(c.name for c in db.session.scalars(select(Cohort))) == ["Groupe A",
                                                                         "Groupe B"]
    assert count(CohortMember) == 2
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "ana@x.example")) == 1


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(app):
    world = make_world()
    data = csv_bytes(
        "A1,Anne,Martin,anne.martin@x.example,Lycée,lycée,FR,prof,C1,fr",          # 2 ok
        "A2,Paul,Durand,,Lycée,lycée,FR,prof,C1,fr",                               # 3
        "A3,Lea,Roux,not-an-email,Lycée,lycée,FR,prof,C1,fr",                      # 4
        "A4,,Roux,lea.roux@x.example,Lycée,lycée,FR,prof,C1,fr",                   # 5
        "A5,Marc,Petit,marc@x.example,Lycée,lycée,Belgique,prof,C1,fr",            # 6
        "A6,Ines,Benali,ANNE.MARTIN@X.EXAMPLE,Lycée,lycée,FR,prof,C1,fr",          # 7
        f"A7,{'L' * 201},Long,long@x.example,Lycée,lycée,FR,prof,C1,fr",           # 8
        "A8,Zoe,Klingon,zoe@x.example,Lycée,lycée,FR,prof,C1,tlh-xx-yy-zz",        # 9
        "A1,Hugo,Lenoir,hugo@x.example,Lycée,lycée,uk,prof,C1,en",                 # 10
    )
    before = snapshot()
    plan = run(world, data, dry_run=True)
    lines = errors_by_line(plan)
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 10]
    assert lines[3] == ["email: is required (missing email address)"]
    assert lines[4][0].startswith("email: not a valid email address")
    assert lines[5] == ["given_name: is required (missing name)"]
    assert lines[6] == ["country: 'Belgique' is not an ISO 3166-1 alpha-2 country code such "
                        "as BE or FR"]
    assert lines[7] == ["email: duplicate: anne.martin@x.example is on lines 2 and 7 (emails "
                        "are compared without case)"]
    assert lines[8] == ["given_name: is too long: 201 characters, at most 200"]
    assert "duplicate participant code 'A1' on lines 2 and 10" in lines[10][1]
    assert "(for this country use GB)" in lines[10][0]
    # An unknown language is not an error: the default is used, with a warning.
    assert [(w.row, w.field) for w in plan.warnings] == [(9, "preferred_language")]
    assert "unknown language 'tlh-xx-yy-zz'; using 'fr'" in plan.warnings[0].message
    assert [r.action for r in plan.rows].count("error") == 7

    with pytest.raises(cohorts.ImportFailed) as info:
        run(world, data, dry_run=False)
    db.session.rollback()
    assert info.value.status == 422
    assert "8 errors in 7 rows; nothing was imported" in info.value.detail
    assert errors_by_line(info.value) == lines
    assert snapshot() == before


def test_already_members_are_unchanged_or_updated_and_accounts_are_reused(app):
    world = make_world()
    cohort = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                   {"name": "C1"}, now=utcnow())
    cohorts.add_member(db.session, world.coordinator, cohort, {
        "email": "Anne.Martin@X.example", "given_name": "Anne", "family_name": "Martin",
        "participant_code": "A1", "country": "fr", "preferred_language": "nl"},
        now=utcnow(), default_language="fr")
    known = make_user("known@x.example")  # an account from elsewhere (e.g. a trainer)
    db.session.commit()
    users_before = count(User)
    data = csv_bytes(
        "A1,Anne,Martin,ANNE.MARTIN@x.example,,,FR,,C1,",                # same data
        "A2,Known,Person,known@x.example,Lycée,,BE,prof,C1,en",          # existing account
        "A3,New,Person,new@x.example,,,,,C1,en",                         # new
    )
    plan = run(world, data, dry_run=True, cohort=cohort)
    assert [(r.line, r.action) for r in plan.rows] == [(2, "unchanged"), (3, "add"),
                                                        (4, "create")]
    assert plan.ok
    # Empty cells do not erase: the language 'nl' stays although the cell is empty.
    data2 = csv_bytes("A1,Anne,Martin-Dupuis,anne.martin@x.example,Lycée X,,FR,,C1,")
    plan2 = run(world, data2, dry_run=True, cohort=cohort)
    assert plan2.rows[0].action == "update"
    assert plan2.rows[0].changes == {"family_name": ("Martin", "Martin-Dupuis"),
                                     "organisation_name": (None, "Lycée X")}

    run(world, data, dry_run=False, cohort=cohort)
    run(world, data2, dry_run=False, cohort=cohort)
    db.session.commit()
    assert count(User) == users_before + 1
    members = {m.user.email: m for m in cohort.members}
    assert members["known@x.example"].user_id == known.id
    assert known.display_name == "known@x.example"  # the account's profile is not touched
    anne = members["anne.martin@x.example"]
    assert (anne.family_name, anne.organisation_name, anne.preferred_language) == (
        "Martin-Dupuis", "Lycée X", "nl")


def test_participant_codes_must_stay_unique_in_a_cohort(app):
    world = make_world()
    cohort = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                   {"name": "C1"}, now=utcnow())
    cohorts.add_member(db.session, world.coordinator, cohort, {
        "email": "a@x.example", "given_name": "A", "family_name": "A", "participant_code": "X1"},
        now=utcnow(), default_language="fr")
    plan = run(world, csv_bytes("X1,B,B,b@x.example,,,,,C1,"), dry_run=True, cohort=cohort)
    assert errors_by_line(plan) == {2: [
        "participant_code: participant code 'X1' already belongs to a@x.example in this "
        "cohort"]}


def test_withdrawn_members_are_not_re_enrolled_by_an_import(app):
    world = make_world()
    cohort = cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                   {"name": "C1"}, now=utcnow())
    member = cohorts.add_member(db.session, world.coordinator, cohort, {
        "email": "a@x.example", "given_name": "A", "family_name": "A"}, now=utcnow(),
        default_language="fr")
    cohorts.update_member(db.session, world.coordinator, member, {"status": "withdrawn"},
                          default_language="fr")
    plan = run(world, csv_bytes(",A,A,a@x.example,,,,,C1,"), dry_run=False, cohort=cohort)
    assert plan.rows[0].action == "unchanged"
    assert "withdrawn" in plan.rows[0].warnings[0].message
    assert member.status == "withdrawn"


HOSTILE = [
    ("<script>alert(1)</script>", None),
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "formula"),
    ("+33 1 23", "formula"),
    ("@SUM(A1)", "formula"),
    ("Robert'); DROP TABLE cohort;--", None),
    ("مريم", None),
]


def test_hostile_strings_are_stored_verbatim_or_refused_never_executed(app):
    world = make_world()
    rows = [f"H{i},\"{v.replace(chr(34), chr(34) * 2)}\",Family,h{i}@x.example,,,,,C1,fr"
            for i, (v, _) in enumerate(HOSTILE)]
    plan = run(world, csv_bytes(*rows), dry_run=False)
    db.session.commit()
    assert plan.ok
    warned = {w.row for w in plan.warnings}
    assert warned == {i + 2 for i, (_, kind) in enumerate(HOSTILE) if kind == "formula"}
    stored = {m.participant_code: m.given_name for m in db.session.scalars(
        select(CohortMember))}
    assert stored == {f"H{i}": v for i, (v, _) in enumerate(HOSTILE)}
    assert count(Cohort) == 1  # the SQL in a name did nothing


def test_control_characters_nul_and_direction_overrides_are_refused(app):
    world = make_world()
    data = ("participant_id,given_name,family_name,email,cohort\n"
            "1,Ann\x00e,B,a@x.example,C1\n"
            "2,Ann,\u202eB,b@x.example,C1\n"
            "3,Ann,\x1b[2JB,c@x.example,C1\n"
            f"4,Ann,B,d@x.example,{'C' * 5000}\n"
            "5,Ann,B,e@x.example\x00,C1\n").encode()
    before = snapshot()
    with pytest.raises(cohorts.ImportFailed) as info:
        run(world, data, dry_run=False)
    db.session.rollback()
    lines = errors_by_line(info.value)
    assert "U+0000" in lines[2][0]
    assert "text-direction" in lines[3][0]
    assert "U+202E" in lines[3][0]
    assert "U+001B" in lines[4][0]
    assert lines[5] == ["cohort: is too long: 5000 characters, at most 200"]
    assert lines[6][0].startswith("email: contains a control character (U+0000")
    assert snapshot() == before


def test_file_level_problems(app):
    world = make_world()
    with pytest.raises(ValidationFailed) as info:
        run(world, b"courriel;prenom\nx@y.example;X\n", dry_run=True)
    assert "missing required column: family_name" in info.value.detail
    plan = run(world, HEADER.encode(), dry_run=True)  # a header and nothing else
    assert not plan.ok
    assert "no participants" in plan.errors[0].message
    with pytest.raises(cohorts.ImportFailed):
        run(world, HEADER.encode(), dry_run=False)
    plan = run(world, (HEADER + ",A,B,a@x.example,,,,,,\n").encode()
               .replace(b"organisation_type", b"Notes internes"), dry_run=True,
               cohort_name="C1")
    assert plan.ok
    assert "columns ignored (not recognised): 'Notes internes'" in (
        plan.warnings[0].message)
    with pytest.raises(UnsupportedMediaType):
        run(world, b"PK\x03\x04xlsx", dry_run=True)


def test_only_managers_of_the_programme_may_import(app, shared_dir):
    world = make_world()
    with pytest.raises(Forbidden):
        run(world, fixture_bytes(shared_dir), dry_run=True, actor=world.outsider)
    other = make_world("nancy")
    with pytest.raises(Forbidden):
        run(world, fixture_bytes(shared_dir), dry_run=True, actor=other.coordinator)
    plan = run(world, fixture_bytes(shared_dir), dry_run=False, actor=world.trainer)
    assert plan.counts()["create"] == 40


def test_variants_of_the_fixture_import_the_same(app, shared_dir):
    world = make_world()
    original = fixture_bytes(shared_dir)
    text = original.decode("utf-8")
    variant = (b"\xef\xbb\xbf" + text.replace(",", ";").replace("\n", "\r\n").encode())
    # The fixture has no ';' or quoted ',' in values, so this swap is a faithful variant.
    assert ";" not in text
    assert '"' not in text
    a = run(world, original, dry_run=True)
    b = run(world, variant, dry_run=True)
    assert b.delimiter == ";"
    assert b.had_bom
    assert [(r.line, r.action, r.values) for r in a.rows] == [
        (r.line, r.action, r.values) for r in b.rows]
