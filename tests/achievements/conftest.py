"""Fixtures of the achievement tests: people and a programme with a trainer."""

from __future__ import annotations

import pytest
from programmes_helpers import make_programme, people

from badge_service.programmes import service as programmes


@pytest.fixture
def setup(app, session):
    p = people()
    programme = make_programme(p.coordinator, p.organisation)
    programmes.add_trainer(session, p.coordinator, programme, p.trainer)
    session.commit()
    return p, programme
