"""Status entries under concurrent issuance, on PostgreSQL: parallel workers (threads, each with
its own connection) allocate from the same organisation's list with a random source that
collides on purpose, and flip bits of the same list at the same time.

SQLite serialises writers (one write transaction at a time), so there is no race to prove
there; these tests run on the PostgreSQL half of the suite only.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from accounts_helpers import make_org
from concurrency_helpers import run_workers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badge_service.db import db
from badge_service.organisations.models import Organisation
from badge_service.status import service as status_lists
from badge_service.status.models import StatusEntry, StatusList
from credentials.status_list import StatusList as Bitstring

ISSUER = "did:web:badges.example.org:issuers:lille-lab"
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
WORKERS = 8
PER_WORKER = 50
#: Indexes are drawn from this few only (of 131,072), so workers collide all the time.
RANGE = 600


class CollidingRandom(random.Random):
    """Draws from a small range whatever the list size: collisions on every other draw."""

    def randrange(self, start, stop=None, step=1):  # type: ignore[override]
        return super().randrange(min(start if stop is None else stop, RANGE))


# SQLite serialises writers, so there is no concurrent allocation to race there: these tests
# run on PostgreSQL only (the `database_url` fixture is narrowed, not skipped).
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def postgresql(app):
    assert db.engine.dialect.name == "postgresql"
    return db.engine


@pytest.fixture
def organisation(postgresql) -> Organisation:
    return make_org("concurrency-lab")



def test_parallel_allocations_never_hand_out_the_same_index(postgresql, organisation):
    engine = postgresql
    organisation_id = organisation.id
    db.session.commit()

    def allocate(number: int, barrier: threading.Barrier) -> list[tuple[int, int]]:
        rng = CollidingRandom(number)
        got = []
        with Session(engine) as session:
            org = session.get(Organisation, organisation_id)
            barrier.wait()
            for _ in range(PER_WORKER):
                allocation = status_lists.allocate(session, org, "suspension",
                                                   issuer_id=ISSUER, now=NOW,
                                                   rng=rng)
                got.append((allocation.status_list.number, allocation.index))
                session.commit()  # one issuance per transaction, as one award request
        return got

    results = run_workers(allocate, WORKERS)
    allocated = [pair for got in results for pair in got]
    assert len(allocated) == WORKERS * PER_WORKER  # every allocation succeeded
    duplicates = [pair for pair, n in Counter(allocated).items() if n > 1]
    assert duplicates == []
    assert {number for number, _ in allocated} == {1}

    db.session.expire_all()
    status_list = db.session.scalars(select(StatusList).where(
        StatusList.organisation_id == organisation_id)).one()
    assert status_list.allocated == WORKERS * PER_WORKER
    stored = db.session.scalar(select(func.count(func.distinct(StatusEntry.index))).where(
        StatusEntry.status_list_id == status_list.id))
    assert stored == WORKERS * PER_WORKER


def test_parallel_batches_of_allocations(postgresql, organisation):
    """Several allocations in one transaction (a bulk award), in parallel: none lost, none
    doubled, no deadlock between workers holding entries the others draw."""
    engine = postgresql
    organisation_id = organisation.id
    db.session.commit()
    batch = 10

    def allocate(number: int, barrier: threading.Barrier) -> list[tuple[int, int]]:
        rng = CollidingRandom(100 + number)
        got = []
        with Session(engine) as session:
            org = session.get(Organisation, organisation_id)
            barrier.wait()
            for _ in range(PER_WORKER // batch):
                pending = [status_lists.allocate(session, org, "suspension",
                                                 issuer_id=ISSUER, now=NOW,
                                                 rng=rng) for _ in range(batch)]
                got.extend((a.status_list.number, a.index) for a in pending)
                session.commit()
        return got

    allocated = [pair for got in run_workers(allocate, WORKERS) for pair in got]
    assert len(allocated) == WORKERS * PER_WORKER
    assert len(set(allocated)) == len(allocated)


def test_parallel_status_changes_on_one_list_lose_no_bit(postgresql, organisation):
    engine = postgresql
    rounds = 6
    rng = random.Random(5)
    indexes = [status_lists.allocate(db.session, organisation, "suspension",
                                     issuer_id=ISSUER, now=NOW,
                                     rng=rng).index for _ in range(WORKERS * rounds)]
    status_list_id = db.session.scalars(select(StatusList.id)).one()
    db.session.commit()

    def flip(number: int, barrier: threading.Barrier) -> None:
        mine = indexes[number::WORKERS]
        with Session(engine) as session:
            for index in mine:
                # Each worker has read the list (as a request showing the status would)
                # before they all change it at once.
                status_list = session.get(StatusList, status_list_id)
                assert status_list is not None
                assert status_lists.get_status(status_list, index) == 0
                barrier.wait()
                status_lists.set_status(session, status_list, index, 1, now=NOW)
                session.commit()

    run_workers(flip, WORKERS)
    db.session.expire_all()
    status_list = db.session.get(StatusList, status_list_id)
    bits = Bitstring.from_bytes(status_list.bits)
    lost = [index for index in indexes if bits.get(index) != 1]
    assert lost == []
    assert status_list.revision == 1 + len(indexes)
