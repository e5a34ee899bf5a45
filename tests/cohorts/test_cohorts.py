"""Cohorts and participants through the service: accounts shared across cohorts, field rules,
who may do what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db
from badge_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from badge_service.programmes import service as programmes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def add(cohort_world, cohort, actor=None, **fields):
    data = {"given_name": "Ann", "family_name": "Lee", **fields}
    return cohorts.add_member(db.session, actor or cohort_world.coordinator, cohort, data,
                              now=utcnow(), default_language="fr")


def new_cohort(cohort_world, name="C1", **extra):
    return cohorts.create_cohort(db.session, cohort_world.coordinator, cohort_world.programme,
                                 {"name": name, **extra}, now=utcnow())


def test_one_account_per_email_across_cohorts(cohort_world):
    first, second = new_cohort(cohort_world, "C1"), new_cohort(cohort_world, "C2")
    a = add(cohort_world, first, email="Ann.Lee@Example.org")
    b = add(cohort_world, second, email=" ann.lee@EXAMPLE.org ", family_name="Lee-Smith")
    assert a.user_id == b.user_id
    assert a.user.email == "ann.lee@example.org"
    assert (a.family_name, b.family_name) == ("Lee", "Lee-Smith")  # per membership
    with pytest.raises(Conflict):
        add(cohort_world, first, email="ANN.LEE@example.org")
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "ann.lee@example.org")) == 1
    assert {m.cohort.name for m in cohorts.memberships_of(db.session, a.user)} == {"C1", "C2"}


def test_field_rules(cohort_world):
    cohort = new_cohort(cohort_world)
    with pytest.raises(ValidationFailed) as info:
        add(cohort_world, cohort, email="", given_name=" ", family_name="x" * 201,
            country="Belgium", colour="red")
    assert {(e.field, e.message.split(" (")[0].split(":")[0]) for e in info.value.errors} == {
        ("colour", "unknown field"), ("email", "is required"),
        ("given_name", "is required"), ("family_name", "is too long"),
        ("country", "'Belgium' is not an ISO 3166-1 alpha-2 country code such as BE or FR")}
    member = add(cohort_world, cohort, email="z@x.example", country=" be ",
                 preferred_language="NL_be",
                 participant_code="  NUM25-001 ", organisation_name="  Lycée   Jean  Moulin ")
    assert (member.country, member.preferred_language, member.participant_code,
            member.organisation_name) == ("BE", "nl-BE", "NUM25-001", "Lycée Jean Moulin")
    with pytest.raises(Conflict):
        add(cohort_world, cohort, email="y@x.example", participant_code="NUM25-001")
    with pytest.raises(ValidationFailed) as info:
        cohorts.update_member(db.session, cohort_world.coordinator, member,
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


def test_cohort_rules_and_deletion(cohort_world):
    cohort = new_cohort(cohort_world, "NUMEFA 2025-2026", start_date="2025-09-01",
                        end_date="2026-06-30")
    with pytest.raises(Conflict):
        new_cohort(cohort_world, "numefa  2025-2026")
    with pytest.raises(ValidationFailed) as info:
        new_cohort(cohort_world, "X", start_date="2026-01-01", end_date="2025-01-01")
    assert info.value.errors[0].field == "end_date"
    with pytest.raises(ValidationFailed):
        new_cohort(cohort_world, "Bad\u202ename")
    user_id = add(cohort_world, cohort, email="a@x.example").user_id
    db.session.commit()
    # The programme cannot be deleted while it has cohorts.
    with pytest.raises(Conflict, match="cohort"):
        programmes.delete(db.session, cohort_world.coordinator, cohort_world.programme)
    cohorts.delete_cohort(db.session, cohort_world.coordinator, cohort)
    db.session.commit()
    assert count(Cohort) == 0
    assert count(CohortMember) == 0
    assert db.session.get(User, user_id) is not None


def test_who_may_manage_and_see(cohort_world):
    cohort = new_cohort(cohort_world)
    member = add(cohort_world, cohort, email="p@x.example")
    other = add(cohort_world, cohort, email="q@x.example")
    participant = member.user
    assert policy.may_manage_programme(db.session, cohort_world.trainer, cohort_world.programme)
    assert not policy.may_manage_programme(db.session, cohort_world.outsider,
                                           cohort_world.programme)
    assert not policy.may_manage_programme(db.session, participant, cohort_world.programme)
    with pytest.raises(Forbidden):
        cohorts.create_cohort(db.session, participant, cohort_world.programme, {"name": "X"},
                              now=utcnow())
    with pytest.raises(Forbidden):
        add(cohort_world, cohort, actor=participant, email="r@x.example")
    with pytest.raises(NotFound):
        cohorts.get_cohort(db.session, cohort_world.outsider, cohort.id)
    assert cohorts.get_cohort(db.session, participant, cohort.id) is cohort
    visible = list(db.session.scalars(cohorts.members_query(db.session, participant, cohort)))
    assert visible == [member]
    with pytest.raises(NotFound):
        cohorts.get_member(db.session, participant, cohort, other.id)
    # Participants may read their cohort's programme (registered with services.programmes).
    assert programmes.can_read(db.session, participant, cohort_world.programme)
    assert not programmes.can_read(db.session, cohort_world.outsider, cohort_world.programme)
    assert cohort_world.programme in cohorts.managed_programmes(db.session, cohort_world.trainer)
    assert cohorts.managed_programmes(db.session, participant) == []


def test_find_programme_by_id_or_slugs(cohort_world):
    ref = f"{cohort_world.org.slug}/{cohort_world.programme.slug}"
    assert cohorts.find_programme(db.session, ref) is cohort_world.programme
    assert cohorts.find_programme(db.session, str(cohort_world.programme.id)) \
        is cohort_world.programme
    with pytest.raises(NotFound):
        cohorts.find_programme(db.session, "lille/nothing")
