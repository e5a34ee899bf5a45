"""Award requests in flight at the same time, on PostgreSQL: a client that retries before the
first answer arrives (same Idempotency-Key), and two trainers awarding the same people at once.

Each request runs in its own thread with its own test client, hence its own app context,
session and connection, as two workers would. A barrier holds both requests once they have
validated their rows — the moment the race is widest — and lets them go together.

SQLite serialises writers (one write transaction at a time), so there is no race to prove
there; these tests run on the PostgreSQL half of the suite only.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from awards_helpers import count_credentials, trainer_headers
from concurrency_helpers import BARRIER_TIMEOUT, run_workers

from badge_service.awards.service import issuing
from badge_service.db import db

# The `database_url` fixture is narrowed to PostgreSQL (not skipped) — see the docstring.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)




@pytest.fixture
def world(world, session):
    """The shared world, committed: the concurrent sessions must see it."""
    assert db.engine.dialect.name == "postgresql"
    session.commit()
    return world


@pytest.fixture
def together(monkeypatch):
    """Make the next two award requests wait for each other just after validation."""
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT)
    real = issuing._validate

    def validate_then_wait(*args, **kwargs):
        checked = real(*args, **kwargs)
        barrier.wait()
        return checked

    monkeypatch.setattr(issuing, "_validate", validate_then_wait)
    return barrier


def _post_awards(app, headers_of, achievement_id, recipients):
    """Two award requests at once; their responses, in thread order."""
    def send(number: int, start: threading.Barrier):
        client = app.test_client()
        start.wait()
        return client.post(f"/api/v1/achievements/{achievement_id}/awards",
                           json={"recipients": recipients, "notify": False},
                           headers=headers_of(number))

    return run_workers(send, count=2)


def _warm(client, headers) -> None:
    # A token's first use in a minute records it (a write on the token's row); the requests
    # under test must race on the award itself, not queue behind that write.
    assert client.get("/api/v1/credentials", headers=headers).status_code == 200


def test_a_retry_in_flight_issues_once(app, client, world, together):
    headers = {**trainer_headers(world), "Idempotency-Key": str(uuid.uuid4())}
    _warm(client, headers)
    recipients = [{"email": p.email} for p in world.participants[:2]]
    responses = _post_awards(app, lambda _: headers, world.units[0].id, recipients)

    bodies = [r.get_data(as_text=True) for r in responses]
    assert sorted(r.status_code for r in responses) == [200, 201], bodies
    first, retry = sorted(responses, key=lambda r: r.status_code, reverse=True)
    assert [o["outcome"] for o in first.json["outcomes"]] == ["issued", "issued"]
    assert [o["outcome"] for o in retry.json["outcomes"]] == ["replayed", "replayed"]
    assert retry.json["replayed"] is True
    ids = [[o["credential"]["id"] for o in r.json["outcomes"]] for r in (first, retry)]
    assert ids[0] == ids[1]
    assert count_credentials() == 2


def test_two_trainers_awarding_the_same_people_at_once_issue_once(app, client, world,
                                                                 together):
    from accounts_helpers import bearer, make_user

    from badge_service.programmes import service as programmes

    colleague = make_user("colleague@demo.badges.example")
    programmes.add_trainer(db.session, None, world.programme, colleague)
    db.session.commit()
    headers = [trainer_headers(world), bearer(colleague)]
    for each in headers:
        _warm(client, each)
    # In opposite orders: locking the recipients must not deadlock the two requests.
    people = [p.email for p in world.participants[:3]]
    orders = [people, people[::-1]]
    url = f"/api/v1/achievements/{world.units[1].id}/awards"  # read here: threads have no app

    def send(number: int, start: threading.Barrier):
        test_client = app.test_client()
        start.wait()
        return test_client.post(
            url,
            json={"recipients": [{"email": e} for e in orders[number]], "notify": False},
            headers=headers[number])

    responses = run_workers(send, count=2)
    assert sorted(r.status_code for r in responses) == [200, 201], [
        r.get_data(as_text=True) for r in responses]
    outcomes = [{o["email"]: (o["outcome"], o["credential"]["id"]) for o in r.json["outcomes"]}
                for r in responses]
    first, second = sorted(outcomes, key=lambda o: next(iter(o.values()))[0] != "issued")
    assert {kind for kind, _ in first.values()} == {"issued"}
    assert {kind for kind, _ in second.values()} == {"already-held"}
    assert {e: i for e, (_, i) in first.items()} == {e: i for e, (_, i) in second.items()}
    assert count_credentials() == 3
