"""Cohorts and participants through the service: accounts shared across cohorts, field rules,
who may do what."""

from __future__ import annotations

import pytest
from cohort_helpers import make_world
from sqlalchemy import func, select

from badge_service.accounts.models import User
from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db
from badge_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from badge_service.programmes import service as programmes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def add(world, cohort, actor=None, **fields):
    data = {"given_name": "Ann", "family_name": "Lee", **fields}
    return cohorts.add_member(db.session, actor or world.coordinator, cohort, data,
                              now=utcnow(), default_language="fr")


@pytest.fixture
def world(app):
    return make_world()


def new_cohort(world, name="C1", **extra):
    return cohorts.create_cohort(db.session, world.coordinator, world.programme,
                                 {"name": name, **extra}, now=utcnow())


def test_one_account_per_email_across_cohorts(world):
    first, second = new_cohort(world, "C1"), new_cohort(world, "C2")
    a = add(world, first, email="Ann.Lee@Example.org")
    b = add(world, second, email=" ann.lee@EXAMPLE.org ", family_name="Lee-Smith")
    assert a.user_id == b.user_id
    assert a.user.email == "ann.lee@example.org"
    assert (a.family_name, b.family_name) == ("Lee", "Lee-Smith")  # per membership
    with pytest.raises(Conflict):
        add(world, first, email="ANN.LEE@example.org")
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "ann.lee@example.org")) == 1
    assert {m.cohort.name for m in cohorts.memberships_of(db.session, a.user)} == {"C1", "C2"}


def test_field_rules(world):
    cohort = new_cohort(world)
    with pytest.raises(ValidationFailed) as info:
        add(world, cohort, email="", given_name=" ", family_name="x" * 201, country="Belgium",
            colour="red")
    assert {(e.field, e.message.split(" (")[0].split(":")[0]) for e in info.value.errors} == {
        ("colour", "unknown field"), ("email", "is required"),
        ("given_name", "is required"), ("family_name", "is too long"),
        ("country", "'Belgium' is not an ISO 3166-1 alpha-2 country code such as BE or FR")}
    member = add(world, cohort, email="z@x.example", country=" be ", preferred_language="NL_be",
                 participant_code="  NUM25-001 ", organisation_name="  Lycée   Jean  Moulin ")
    assert (member.country, member.preferred_language, member.participant_code,
            member.organisation_name) == ("BE", "nl-BE", "NUM25-001", "Lycée Jean Moulin")
    with pytest.raises(Conflict):
        add(world, cohort, email="y@x.example", participant_code="NUM25-001")
    with pytest.raises(ValidationFailed) as info:
        cohorts.update_member(db.session, world.coordinator, member,
                              {"email": "new@x.example"}, default_language="fr")
    assert info.value.errors[0].field == "email"


@pytest.mark.parametrize(("given", "expected", "warns"), [
    ("fr", "fr", False), ("EN", "en", False), ("nl", "nl", False), ("fr_BE", "fr-BE", False),
    ("Français", "fr", False), ("english", "en", False), ("", "fr", False), ("xx", "fr", True),
    ("klingon", "fr", True), ("zh-Hant-TW", "zh-Hant-TW", False),
])
def test_languages(given, expected, warns):
    tag, warning = cohorts.clean_language(given, "fr")
    assert tag == expected
    assert (warning is not None) is warns


def test_message_language():
    assert [cohorts.message_language(t) for t in ("fr", "fr-BE", "en-GB", "nl", None)] == [
        "fr", "fr", "en", "en", "en"]


def test_cohort_rules_and_deletion(world):
    cohort = new_cohort(world, "NUMEFA 2025-2026", start_date="2025-09-01",
                        end_date="2026-06-30")
    with pytest.raises(Conflict):
        new_cohort(world, "numefa  2025-2026")
    with pytest.raises(ValidationFailed) as info:
        new_cohort(world, "X", start_date="2026-01-01", end_date="2025-01-01")
    assert info.value.errors[0].field == "end_date"
    with pytest.raises(ValidationFailed):
        new_cohort(world, "Bad\u202ename")
    user_id = add(world, cohort, email="a@x.example").user_id
    db.session.commit()
    # The programme cannot be deleted while it has cohorts.
    with pytest.raises(Conflict, match="cohort"):
        programmes.delete(db.session, world.coordinator, world.programme)
    cohorts.delete_cohort(db.session, world.coordinator, cohort)
    db.session.commit()
    assert count(Cohort) == 0
    assert count(CohortMember) == 0
    assert db.session.get(User, user_id) is not None


def test_who_may_manage_and_see(world):
    cohort = new_cohort(world)
    member = add(world, cohort, email="p@x.example")
    other = add(world, cohort, email="q@x.example")
    participant = member.user
    assert cohorts.can_manage(db.session, world.trainer, world.programme)
    assert not cohorts.can_manage(db.session, world.outsider, world.programme)
    assert not cohorts.can_manage(db.session, participant, world.programme)
    with pytest.raises(Forbidden):
        cohorts.create_cohort(db.session, participant, world.programme, {"name": "X"},
                              now=utcnow())
    with pytest.raises(Forbidden):
        add(world, cohort, actor=participant, email="r@x.example")
    with pytest.raises(NotFound):
        cohorts.get_cohort(db.session, world.outsider, cohort.id)
    assert cohorts.get_cohort(db.session, participant, cohort.id) is cohort
    visible = list(db.session.scalars(cohorts.members_query(db.session, participant, cohort)))
    assert visible == [member]
    with pytest.raises(NotFound):
        cohorts.get_member(db.session, participant, cohort, other.id)
    # Participants may read their cohort's programme (registered with services.programmes).
    assert programmes.can_read(db.session, participant, world.programme)
    assert not programmes.can_read(db.session, world.outsider, world.programme)
    assert world.programme in cohorts.managed_programmes(db.session, world.trainer)
    assert cohorts.managed_programmes(db.session, participant) == []


def test_find_programme_by_id_or_slugs(world):
    ref = f"{world.org.slug}/{world.programme.slug}"
    assert cohorts.find_programme(db.session, ref) is world.programme
    assert cohorts.find_programme(db.session, str(world.programme.id)) is world.programme
    with pytest.raises(NotFound):
        cohorts.find_programme(db.session, "lille/nothing")
