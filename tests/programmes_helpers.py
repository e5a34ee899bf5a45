"""Helpers (no tests) for the programme, achievement and upload tests: people, an organisation,
programmes, and DigCompEdu-like framework versions built directly through the models (the
frameworks service is another module's business).

Framework item URIs are those of ``../shared/fixtures/frameworks/digcompedu.json`` (recomputed
by tests/factories.py), so the OB objects built here align with the fixture's CASE items.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts_helpers import bearer, make_org, make_user
from factories import DIGCOMPEDU_FRAMEWORK, competence_uri, level_uri

from badge_service.accounts.models import User
from badge_service.achievements import service as achievements
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.frameworks.models import (
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Framework,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.organisations.models import Organisation
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme

COMPETENCES = {
    "2.1": ("Sélection de ressources numériques", "Selecting digital resources"),
    "2.2": ("Création et modification de contenus numériques",
            "Creating and modifying digital content"),
    "2.3": ("Gestion, protection et partage de ressources numériques",
            "Managing, protecting and sharing digital resources"),
}
LEVELS = {"A1": ("Nouveau venu", "Newcomer"), "A2": ("Explorateur", "Explorer"),
          "B1": ("Intégrateur", "Integrator"), "B2": ("Expert", "Expert"),
          "C1": ("Leader", "Leader"), "C2": ("Pionnier", "Pioneer")}


@dataclass
class People:
    admin: User
    coordinator: User
    trainer: User
    outsider: User
    organisation: Organisation
    other_organisation: Organisation


def people() -> People:
    admin = make_user("admin@example.org", admin=True, name="Admin")
    coordinator = make_user("coord@example.org", name="Camille Coordinatrice")
    trainer = make_user("trainer@example.org", name="Théo Formateur")
    outsider = make_user("outsider@example.org", name="Oscar Outsider")
    organisation = make_org("lille", coordinators=(coordinator,), name="Université de Lille")
    other = make_org("drane", name="DRANE Nancy-Metz")
    return People(admin, coordinator, trainer, outsider, organisation, other)


def make_programme(actor: User, organisation: Organisation, slug: str = "numefa",
                   title: dict | None = None) -> Programme:
    programme = programmes.create(
        db.session, actor, organisation.id,
        {"slug": slug, "title": title or {"fr": "Certificat NUMEFA",
                                          "en": "NUMEFA certificate"},
         "description": {"fr": "Numérique pour l'enseignement.", "en": "Digital teaching."}},
        now=utcnow())
    db.session.commit()
    return programme


def make_framework(*, status: str = STATUS_PUBLISHED, number: int = 1,
                   identifier: str | None = None, levels: bool = True) -> FrameworkVersion:
    """A DigCompEdu-like version: area 2, competences 2.1–2.3, and levels A1–C2."""
    now = utcnow()
    framework = Framework(identifier=identifier or str(uuid.uuid4()), title="DigCompEdu",
                          created_at=now)
    version = FrameworkVersion(
        framework=framework, number=number, status=status, title=DIGCOMPEDU_FRAMEWORK,
        title_i18n={"en": DIGCOMPEDU_FRAMEWORK,
                    "fr": "DigCompEdu (cadre européen des compétences numériques des "
                          "enseignants)"},
        language="en", document={}, created_at=now,
        published_at=now if status == STATUS_PUBLISHED else None)
    area = FrameworkItem(version=version, identifier=str(uuid.uuid4()), human_code="2",
                         item_type="area", position=2,
                         labels={"en": "Digital resources", "fr": "Ressources numériques"})
    version.items.append(area)
    db.session.add(framework)
    db.session.flush()
    for position, (code, (fr, en)) in enumerate(COMPETENCES.items(), start=1):
        uri = competence_uri(code)
        version.items.append(FrameworkItem(
            version=version, identifier=uri.rsplit("/", 1)[1], uri=uri, parent_id=area.id,
            human_code=code, item_type="competence", position=position,
            labels={"en": en, "fr": fr},
            statements={"en": f"{en}: statement.", "fr": f"{fr} : énoncé."}))
    if levels:
        for position, (code, (fr, en)) in enumerate(LEVELS.items(), start=1):
            uri = level_uri(code)
            version.items.append(FrameworkItem(
                version=version, identifier=uri.rsplit("/", 1)[1], uri=uri, human_code=code,
                item_type="level", position=position,
                labels={"en": f"{en} ({code})", "fr": f"{fr} ({code})"}))
    db.session.add(framework)
    db.session.commit()
    return version


def item(version: FrameworkVersion, code: str) -> FrameworkItem:
    return next(i for i in version.items if i.human_code == code)


def draft() -> str:
    return STATUS_DRAFT


def achievement_data(**overrides) -> dict:
    data = {
        "achievement_type": "Badge",
        "name": {"fr": "NUMEFA – Fondements pédagogiques",
                 "en": "NUMEFA – Pedagogical foundations"},
        "description": {"fr": "Unité 1 du certificat NUMEFA.", "en": "Unit 1 of NUMEFA."},
        "criteria": {"fr": "Acquis de l'UE validés par un formateur.",
                     "en": "Unit outcomes validated by a trainer."},
        "human_code": "UE1",
        "tags": ["NUMEFA", "numérique éducatif"],
    }
    data.update(overrides)
    return data


def make_achievement(actor: User, programme: Programme, **overrides):  # type: ignore[no-untyped-def]
    achievement = achievements.create(db.session, actor, programme,
                                      achievement_data(**overrides), now=utcnow())
    db.session.commit()
    return achievement


__all__ = ["People", "achievement_data", "bearer", "draft", "item", "make_achievement",
           "make_framework", "make_programme", "people"]
