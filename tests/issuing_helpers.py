"""Shared set-up for issuing tests: the demo data (three organisations, NUMEFA with its cohort)
and the objects a test needs to award."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement
from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import issuing
from badge_service.demo.cli import seed
from badge_service.programmes.models import Programme

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)


@dataclass
class World:
    programme: Programme
    units: list[Achievement]
    certificate: Achievement
    trainer: User
    participants: list[User]
    logins: dict


def build_world(app, session) -> World:
    logins = {login.role: login for login in seed(app, now=NOW)}
    programme = session.scalars(select(Programme).where(Programme.slug == "numefa")).one()
    badges = session.scalars(select(Achievement).where(
        Achievement.programme_id == programme.id).order_by(Achievement.human_code)).all()
    certificate = next(a for a in badges if a.requirements)
    units = [a for a in badges if a is not certificate]
    trainer = session.scalars(select(User).where(User.email == logins["trainer"].email)).one()
    from badge_service.cohorts.models import CohortMember

    participants = [m.user for m in session.scalars(select(CohortMember).order_by(
        CohortMember.participant_code)).all()]
    return World(programme, units, certificate, trainer, participants, logins)


def issuing_context(app, now: datetime = NOW, notify: bool = True) -> issuing.Issuing:
    return issuing.Issuing(current_keyring(), app.config["PUBLIC_BASE_URL"], now, notify)


class NoNetwork:
    """A fetcher for tests where everything is ours: any remote fetch is a bug."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        raise AssertionError(f"unexpected network fetch of {url}")


def no_network(app) -> NoNetwork:  # type: ignore[no-untyped-def]
    """Install a :class:`NoNetwork` as the app's fetcher (our documents are served locally)."""
    fetcher = NoNetwork()
    app.extensions["badge_fetcher"] = fetcher
    return fetcher
