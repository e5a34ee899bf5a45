"""Achievements: validation, alignments and level scales, who may write them, and composite
rules (requirements, cycles, deletion while required)."""

from __future__ import annotations

import uuid

import pytest
from achievement_rules_helpers import _numefa
from programmes_helpers import (
    achievement_data,
    item,
    make_achievement,
    make_framework,
    make_programme,
)

from badge_service.achievements import service as achievements
from badge_service.achievements.models import Achievement, AchievementRequirement
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from badge_service.frameworks.models import STATUS_DRAFT


def _fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


# --- validation ------------------------------------------------------------------------------


def test_create_with_every_field(setup, session):
    p, programme = setup
    version = make_framework()
    achievement = make_achievement(
        p.coordinator, programme, achievement_type="Competency",
        alignments=[str(item(version, "2.1").id), item(version, "2.3").id],
        level_scale_version_id=str(version.id), validity_days="730",
        tags=["DigCompEdu", " DigCompEdu ", "numérique"], human_code=" DCE-2 ",
        requires_portfolio=True)
    assert achievement.name == "NUMEFA – Fondements pédagogiques"
    assert achievement.language == "fr"
    assert [a.item.human_code for a in achievement.alignments] == ["2.1", "2.3"]
    assert [lvl.human_code for lvl in achievements.levels_of(achievement.level_scale_version)
            ] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    assert achievement.validity_days == 730
    assert achievement.tags == ["DigCompEdu", "numérique"]
    assert achievement.human_code == "DCE-2"
    assert achievement.requires_portfolio is True

    # re-aligning keeps kept rows (no unique-constraint clash) and the new order
    achievements.update(session, p.coordinator, achievement,
                        {"alignments": [item(version, "2.3").id, item(version, "2.2").id]},
                        now=utcnow())
    session.commit()
    session.expire_all()
    assert [a.item.human_code for a in achievement.alignments] == ["2.3", "2.2"]


def test_validation_reports_every_field(setup, session):
    p, programme = setup
    published = make_framework()
    draft = make_framework(status=STATUS_DRAFT)
    no_levels = make_framework(levels=False)
    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme, {
            "achievement_type": "Trophy",
            "name": {"fr": ""},
            "description": {"de": "Beschreibung"},
            "criteria": {"en": "x" * 20_001},
            "alignments": [str(item(draft, "2.1").id), "not-an-id", str(uuid.uuid4()),
                           str(item(published, "A1").id)],
            "level_scale_version_id": str(draft.id),
            "validity_days": 0,
            "tags": ["ok", 3],
            "human_code": "x" * 101,
            "requires": [str(uuid.uuid4())],
            "requires_portfolio": "yes",
            "colour": "blue",
        }, now=utcnow())
    errors = _fields(caught.value)
    assert set(errors) == {
        "achievement_type", "name", "description.de", "criteria.en", "alignments[0]",
        "alignments[1]", "alignments[2]", "alignments[3]", "level_scale_version_id",
        "validity_days", "tags[1]", "human_code", "requires[0]", "requires_portfolio",
        "colour"}
    assert "published version only" in errors["alignments[0]"]
    assert "proficiency level" in errors["alignments[3]"]
    assert "not published" in errors["level_scale_version_id"]
    assert session.scalar(db.select(db.func.count()).select_from(Achievement)) == 0

    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme, achievement_data(
            level_scale_version_id=no_levels.id), now=utcnow())
    assert "no proficiency levels" in _fields(caught.value)["level_scale_version_id"]


def test_types_are_the_ob_enumeration_or_extensions(setup, session):
    p, programme = setup
    for kind in ("Badge", "Certificate", "Diploma", "Competency", "Course", "ext:Workshop"):
        make_achievement(p.coordinator, programme, achievement_type=kind)
    with pytest.raises(ValidationFailed):
        achievements.create(session, p.coordinator, programme,
                            achievement_data(achievement_type="ext:"), now=utcnow())


def test_main_language(setup, session):
    p, programme = setup
    english = make_achievement(p.coordinator, programme,
                               name={"en": "Workshop"}, description={"en": "A workshop."},
                               criteria={"en": "Attend."})
    assert english.language == "en"
    assert english.name == "Workshop"
    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme, achievement_data(
            language="fr", name={"en": "Only English"}, description={"en": "x"},
            criteria={"en": "y"}), now=utcnow())
    assert set(_fields(caught.value)) == {"name", "description", "criteria"}
    with pytest.raises(ValidationFailed) as caught:
        achievements.update(session, p.coordinator, english, {"language": "de"}, now=utcnow())
    assert set(_fields(caught.value)) == {"language"}


def test_only_coordinators_write(setup, session):
    p, programme = setup
    with pytest.raises(Forbidden):
        achievements.create(session, p.trainer, programme, achievement_data(), now=utcnow())
    achievement = make_achievement(p.coordinator, programme)
    with pytest.raises(Forbidden):
        achievements.update(session, p.trainer, achievement, {"human_code": "X"}, now=utcnow())
    with pytest.raises(Forbidden):
        achievements.delete(session, p.trainer, achievement)
    assert achievements.get_readable(session, p.trainer, achievement.id) is achievement
    with pytest.raises(NotFound):
        achievements.get_readable(session, p.outsider, achievement.id)
    make_achievement(p.admin, programme, human_code="ADM")


# --- composite rules -------------------------------------------------------------------------


def test_numefa_certificate_requires_its_five_unit_badges(setup, session):
    p, programme = setup
    units, certificate = _numefa(p, programme)
    rules = achievements.composite_requirements(certificate)
    assert rules.is_composite
    assert not rules.portfolio
    assert rules.achievement_ids == frozenset(u.id for u in units)
    held = [u.id for u in units[:4]]
    assert not rules.is_satisfied(held, portfolio_validated=True)
    assert rules.missing(held) == {units[4].id}
    assert rules.is_satisfied([*held, units[4].id, uuid.uuid4()], portfolio_validated=False)
    assert achievements.is_satisfied(certificate, [u.id for u in units], False)
    assert [c.id for c in achievements.composites_requiring(session, units[2].id)] == [
        certificate.id]
    # unit badges are awarded by people, never by rule
    unit_rules = achievements.composite_requirements(units[0])
    assert not unit_rules.is_composite
    assert not unit_rules.is_satisfied([], portfolio_validated=True)


def test_du_requires_its_modules_and_a_validated_portfolio(setup, session):
    p, programme = setup
    blocks = [make_achievement(p.coordinator, programme, human_code=f"BCC{i}",
                               achievement_type="Competency") for i in range(1, 5)]
    diploma = make_achievement(p.coordinator, programme, achievement_type="Diploma",
                               requires=[b.id for b in blocks], requires_portfolio=True)
    ids = [b.id for b in blocks]
    assert not achievements.is_satisfied(diploma, ids, portfolio_validated=False)
    assert achievements.is_satisfied(diploma, ids, portfolio_validated=True)
    assert [a.id for a in achievements.portfolio_composites(session, programme.id)] == [
        diploma.id]
    # portfolio alone is a composite rule too
    portfolio_only = make_achievement(p.coordinator, programme, requires_portfolio=True)
    assert achievements.is_satisfied(portfolio_only, [], portfolio_validated=True)


def test_cycles_and_self_requirements_are_refused(setup, session):
    p, programme = setup
    a = make_achievement(p.coordinator, programme, human_code="A", name={"fr": "Alpha"})
    b = make_achievement(p.coordinator, programme, human_code="B", name={"fr": "Bêta"},
                         requires=[a.id])
    c = make_achievement(p.coordinator, programme, human_code="C", name={"fr": "Gamma"},
                         requires=[b.id])
    with pytest.raises(ValidationFailed) as caught:
        achievements.set_requirements(session, p.coordinator, a, [c.id], False, now=utcnow())
    message = _fields(caught.value)["requires[0]"]
    assert "cycle" in message
    assert "A Alpha → C Gamma → B Bêta → A Alpha" in message
    with pytest.raises(ValidationFailed) as caught:
        achievements.update(session, p.coordinator, a, {"requires": [a.id]}, now=utcnow())
    assert "itself" in _fields(caught.value)["requires[0]"]
    session.rollback()
    assert achievements.required_ids(a) == []
    # a diamond is not a cycle
    achievements.set_requirements(session, p.coordinator, c, [b.id, a.id], False, now=utcnow())
    session.commit()
    assert set(achievements.required_ids(c)) == {a.id, b.id}


def test_cross_programme_requirements_are_refused(setup, session):
    p, programme = setup
    other = make_programme(p.coordinator, p.organisation, slug="du")
    foreign = make_achievement(p.coordinator, other, name={"fr": "Étranger"})
    with pytest.raises(ValidationFailed) as caught:
        achievements.create(session, p.coordinator, programme,
                            achievement_data(requires=[foreign.id]), now=utcnow())
    assert "another programme" in _fields(caught.value)["requires[0]"]


def test_delete_refused_while_required(setup, session):
    p, programme = setup
    units, certificate = _numefa(p, programme)
    with pytest.raises(Conflict) as caught:
        achievements.delete(session, p.coordinator, units[0])
    assert "required by “Certificat d'université NUMEFA”" in caught.value.detail
    achievements.delete(session, p.coordinator, certificate)
    achievements.delete(session, p.coordinator, units[0])
    session.commit()
    assert session.scalar(db.select(db.func.count()).select_from(AchievementRequirement)) == 0
    assert session.scalar(db.select(db.func.count()).select_from(Achievement)) == 4
