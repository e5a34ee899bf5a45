"""`badge-service cohorts import|list`."""

from __future__ import annotations

from cohort_helpers import csv_bytes, fixture_bytes, make_world
from db_helpers import count_rows as count

from badge_service.cohorts.models import Cohort, CohortMember


def test_import_dry_run_then_real_then_list(cli, shared_dir, tmp_path):
    world = make_world()
    path = tmp_path / "numefa.csv"
    path.write_bytes(fixture_bytes(shared_dir))
    ref = f"{world.org.slug}/{world.programme.slug}"

    result = cli("cohorts", "import", str(path), "--programme", ref, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "line     2  new" in result.stdout
    assert "cohort to create: NUMEFA 2025-2026" in result.stdout
    assert "40 rows: 40 new" in result.stdout
    assert "dry run, nothing written" in result.stdout
    assert count(CohortMember) == 0
    assert count(Cohort) == 0

    result = cli("cohorts", "import", str(path), "--programme", str(world.programme.id))
    assert result.exit_code == 0, result.output
    assert "— imported" in result.stdout
    assert count(CohortMember) == 40

    result = cli("cohorts", "import", "-", "--programme", ref, "--cohort", "NUMEFA 2025-2026",
                 input=fixture_bytes(shared_dir))
    assert result.exit_code == 0
    assert "40 unchanged" in result.stdout

    result = cli("cohorts", "list")
    assert result.exit_code == 0
    assert f"{ref}\tNUMEFA 2025-2026" in result.stdout
    assert "invited=40" in result.stdout
    assert cli("cohorts", "list", "--programme", ref).stdout == result.stdout


def test_import_errors_exit_1_and_write_nothing(cli, tmp_path):
    world = make_world()
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("1,Ann,Lee,ann@x.example,,,,,C1,",
                               "2,Bob,\x1b[2JLee,bob\x1b[2J@x.example,,,,,C1,",
                               "3,Ann,Lee,ANN@x.example,,,,,C1,"))
    ref = f"{world.org.slug}/{world.programme.slug}"
    for extra in ((), ("--dry-run",)):
        result = cli("cohorts", "import", str(path), "--programme", ref, *extra)
        assert result.exit_code == 1
        assert "error: line 3 family_name: contains a control character (U+001B" in (
            result.stderr)
        assert "error: line 4 email: duplicate: ann@x.example is on lines 2 and 4" in (
            result.stderr)
        assert "\x1b" not in result.output  # escapes from the file never reach the terminal
        assert "bob\\x1b[2J@x.example" in result.stdout  # shown escaped instead
    assert count(CohortMember) == 0
    assert count(Cohort) == 0

    result = cli("cohorts", "import", str(path), "--programme", "nope/nothing")
    assert result.exit_code == 1
    assert "no programme 'nope/nothing'" in result.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("email,given_name,family_name\na@x.example,Zoé,Z\n".encode("latin-1"))
    result = cli("cohorts", "import", str(latin), "--programme", ref)
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr
    assert "line 2" in result.stderr


def test_import_with_invite_writes_to_the_outbox(cli, app, tmp_path):
    from pathlib import Path

    world = make_world()
    path = tmp_path / "two.csv"
    path.write_bytes(csv_bytes("1,Ann,Lee,ann@x.example,,,,,C1,en",
                               "2,Bob,Lee,bob@x.example,,,,,C1,fr"))
    result = cli("cohorts", "import", str(path), "--programme",
                 f"{world.org.slug}/{world.programme.slug}", "--invite")
    assert result.exit_code == 0, result.output
    assert "2 invited" in result.stdout
    messages = sorted(p.read_text() for p in Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(messages) == 2
    assert any("Subject: Invitation: C1" in m for m in messages)
    assert any("Subject: Invitation : C1" in m for m in messages)
