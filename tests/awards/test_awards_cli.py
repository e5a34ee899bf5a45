"""`badge-service awards create|revoke|suspend|reinstate`."""

from __future__ import annotations

from awards_helpers import count_credentials
from sqlalchemy import select

from badge_service.awards.models import IssuedCredential
from badge_service.db import db


def test_create_by_code_with_emails_and_csv(cli, world, tmp_path):
    unit = world.units[0]
    people = world.participants
    path = tmp_path / "awards.csv"
    path.write_bytes(f"email;narrative\r\n{people[0].email};Très bien\r\n".encode())
    reference = f"{world.programme.organisation.slug}/{world.programme.slug}/{unit.human_code}"
    result = cli("awards", "create", "--achievement", reference, "--csv", str(path),
                 "--email", people[1].email, "--no-notify", "--request-key", "run-1")
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(kind, email) for kind, email, _ in lines] == [("issued", people[0].email),
                                                           ("issued", people[1].email)]
    assert all(url.startswith("https://badges.example.org/credentials/") for *_, url in lines)
    assert count_credentials() == 2
    narrative = db.session.scalars(select(IssuedCredential.narrative).where(
        IssuedCredential.narrative.is_not(None))).one()
    assert narrative == "Très bien"

    again = cli("awards", "create", "--achievement", str(unit.id), "--csv", str(path),
                "--email", people[1].email, "--no-notify", "--request-key", "run-1")
    # The id form finds the same achievement, but keys are scoped by achievement and the
    # operator: the same key on the same achievement replays.
    assert again.exit_code == 0, again.output
    assert [line.split("\t")[0] for line in again.stdout.splitlines()] == ["replayed"] * 2
    assert count_credentials() == 2


def test_create_refuses_bad_rows_and_writes_nothing(cli, world, tmp_path):
    unit = world.units[0]
    result = cli("awards", "create", "--achievement", str(unit.id),
                 "--email", world.participants[0].email, "--email", "stranger@example.org",
                 "--email", "nope")
    assert result.exit_code == 1
    assert "row 2 email: stranger@example.org is not a participant" in result.stderr
    assert "row 3 email:" in result.stderr
    assert count_credentials() == 0
    unknown = cli("awards", "create", "--achievement", "nowhere/numefa/UE1", "--email", "x@y.z")
    assert unknown.exit_code == 1
    assert "no programme" in unknown.stderr or "no achievement" in unknown.stderr
    missing = cli("awards", "create", "--achievement", str(unit.id))
    assert missing.exit_code == 2


def test_revoke_suspend_reinstate(cli, world):
    unit = world.units[0]
    created = cli("awards", "create", "--achievement", str(unit.id), "--no-notify",
                  "--email", world.participants[0].email, "--email", world.participants[1].email)
    ids = [line.split("\t")[2].rsplit("/", 1)[1] for line in created.stdout.splitlines()]
    needs_reason = cli("awards", "suspend", ids[0])
    assert needs_reason.exit_code == 2, needs_reason.output
    assert "--reason" in needs_reason.output
    suspended = cli("awards", "suspend", *ids, "--reason", "contrôle")
    assert suspended.exit_code == 0, suspended.output
    assert [line.split("\t")[0] for line in suspended.stdout.splitlines()] == ["suspended"] * 2
    reinstated = cli("awards", "reinstate", ids[0])
    assert reinstated.exit_code == 0
    revoked = cli("awards", "revoke", ids[0], "--reason", "fraude")
    assert revoked.stdout.startswith("revoked\t")
    refused = cli("awards", "reinstate", ids[0], ids[1])
    assert refused.exit_code == 1
    assert "row 1" in refused.stderr
    db.session.expire_all()
    states = {str(c.id): c.state for c in db.session.scalars(select(IssuedCredential))}
    assert states == {ids[0]: "revoked", ids[1]: "suspended"}  # all or nothing
    bad = cli("awards", "revoke", "not-a-uuid", "--reason", "x")
    assert bad.exit_code == 1
    assert "row 1 ids: is not a credential id" in bad.stderr
