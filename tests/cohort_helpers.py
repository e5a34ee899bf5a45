"""Shared set-up for the cohort tests: an organisation, a programme, its people."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accounts_helpers import make_org, make_user

from badge_service.accounts.models import User
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.organisations.models import Organisation
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme

HEADER = ("participant_id,given_name,family_name,email,organisation,organisation_type,country,"
          "role,cohort,preferred_language\n")


@dataclass
class World:
    org: Organisation
    programme: Programme
    coordinator: User
    trainer: User
    outsider: User


def make_world(slug: str = "lille") -> World:
    coordinator = make_user(f"coord@{slug}.example")
    trainer = make_user(f"trainer@{slug}.example")
    outsider = make_user(f"outsider@{slug}.example")
    org = make_org(slug, coordinators=(coordinator,))
    programme = programmes.create(db.session, coordinator, org.id, {
        "slug": "numefa", "title": {"fr": "Certificat NUMEFA", "en": "NUMEFA certificate"}},
        now=utcnow())
    programmes.add_trainer(db.session, coordinator, programme, trainer)
    db.session.commit()
    return World(org, programme, coordinator, trainer, outsider)


def fixture_bytes(shared_dir: Path) -> bytes:
    return (shared_dir / "fixtures" / "cohorts" / "numefa-2025.csv").read_bytes()


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(line + "\n" for line in lines)).encode("utf-8")
