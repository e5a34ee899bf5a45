"""`badge-service` as an operator runs it: real processes on a fresh instance folder.

Every server started here gets its own session (process group), a free loopback port, bounded
waits, and is killed with its whole group in a ``finally``: a failing test leaves nothing
behind listening.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from click.testing import CliRunner

from badge_service.cli import main

REPO = Path(__file__).resolve().parents[2]
PUBLIC = "https://badges.example.org"


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without BADGE_* settings, on an instance folder in tmp_path,
    importing this checkout's code (not whichever copy happens to be installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BADGE_")}
    env.update(BADGE_INSTANCE_PATH=str(tmp_path / "instance"),
               BADGE_KEYS_DIR=str(tmp_path / "keys"), BADGE_KEY_SCRYPT_LOG_N="14",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH"))
                                          if p))
    env.update(extra)
    return env


def _run(tmp_path: Path, *args: str, timeout: float = 60,
         **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "badge_service", *args], cwd=tmp_path,
                          env=_environment(tmp_path, **extra), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _server(tmp_path: Path, *args: str, **extra: str) -> Iterator[tuple[subprocess.Popen,
                                                                       queue.Queue]]:
    """A running ``badge-service ARGS``; its output lines arrive on the queue."""
    process = subprocess.Popen(
        [sys.executable, "-m", "badge_service", *args], cwd=tmp_path,
        env=_environment(tmp_path, **extra), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        yield process, lines
    finally:
        # The whole group: gunicorn's workers, or the demo's server threads' process.
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def _drain(lines: queue.Queue, seen: list[str]) -> None:
    while True:
        try:
            seen.append(lines.get_nowait())
        except queue.Empty:
            return


def _get(url: str, *, deadline: float, process: subprocess.Popen, lines: queue.Queue,
         seen: list[str]) -> tuple[int, bytes]:
    """GET ``url``, retrying until it answers or ``deadline``; fails at once if the server
    process exits (its output is in the message)."""
    while True:
        _drain(lines, seen)
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{''.join(seen)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer in time:\n{''.join(seen)}")
            time.sleep(0.2)


def _alembic_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(REPO / "badge_service" / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


# --- configuration errors at the command line ------------------------------------------------


def test_a_configuration_error_is_one_clean_paragraph(tmp_path):
    done = _run(tmp_path, "db", "upgrade", BADGE_PUBLIC_BASE_URL=PUBLIC)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("Error: configuration: missing required settings")
    assert "\n" not in message  # one paragraph
    assert "BADGE_KEY_PASSPHRASE" in message
    assert "BADGE_SECRET_KEY" in message
    assert done.stdout == ""
    assert not (tmp_path / "instance" / "badge_service.sqlite3").exists()


def test_serve_checks_the_configuration_before_starting_gunicorn(tmp_path):
    done = _run(tmp_path, "serve", "--port", str(_free_port()), timeout=30,
                BADGE_PUBLIC_BASE_URL=PUBLIC, BADGE_KEY_PASSPHRASE="from the secret store")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: configuration: missing required setting for")
    assert "BADGE_SECRET_KEY" in done.stderr
    assert "Traceback" not in done.stderr
    assert "gunicorn" not in done.stderr.lower()  # no server was started


def test_every_command_that_builds_the_app_reports_config_errors_cleanly(tmp_path,
                                                                          monkeypatch):
    # In-process, through click: the demo builds its own application, and --help loads the
    # application to list commands (Flask alone would print a traceback there).
    for name in [n for n in os.environ if n.startswith("BADGE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    env = {"BADGE_INSTANCE_PATH": str(tmp_path / "instance"), "BADGE_SMTP_PORT": "many"}
    runner = CliRunner()
    for args in (["demo", "--no-serve"], ["users", "create", "--email", "a@example.org"],
                 ["db", "upgrade"]):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.strip() == ("Error: configuration: environment: SMTP_PORT must be "
                                         "a whole number, not 'many'"), args
        assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    result = runner.invoke(main, ["--help"], env=env)
    assert result.exit_code == 0
    assert "Traceback" not in result.output
    assert "Error: configuration: environment: SMTP_PORT" in result.stderr
    assert "users" in result.stdout  # the commands are still listed


# --- db upgrade, serve, demo ----------------------------------------------------------------


def test_db_upgrade_on_a_fresh_instance_reaches_head(tmp_path):
    done = _run(tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    database = tmp_path / "instance" / "badge_service.sqlite3"
    with sqlite3.connect(database) as connection:
        [(revision,)] = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert revision == _alembic_head()
    from badge_service.db import db

    assert tables == set(db.metadata.tables) | {"alembic_version"}
    assert "Running upgrade" in done.stderr
    again = _run(tmp_path, "db", "upgrade")  # nothing left to do
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr


def test_init_works_locally_without_any_setting(tmp_path):
    # Loopback PUBLIC_BASE_URL (the default): no secret is required to get started.
    done = _run(tmp_path, "init")
    assert done.returncode == 0, done.stderr
    assert "database ready" in done.stdout
    assert (tmp_path / "keys").is_dir()
    assert (tmp_path / "instance" / "secret_key").exists()


def test_serve_answers_http_on_the_given_port(tmp_path):
    port = _free_port()
    with _server(tmp_path, "serve", "--port", str(port), "--workers", "1") as (process, lines):
        seen: list[str] = []
        status, body = _get(f"http://127.0.0.1:{port}/healthz", deadline=time.monotonic() + 20,
                            process=process, lines=lines, seen=seen)
        assert status == 200
        assert body == b'{"status":"ok"}\n'
    assert process.returncode is not None  # terminated, not left running


def test_demo_serves_on_the_given_port_and_says_where(tmp_path):
    port = _free_port()
    with _server(tmp_path, "demo", "--port", str(port)) as (process, lines):
        seen: list[str] = []
        deadline = time.monotonic() + 20
        while not any(line.startswith("Serving on") for line in seen):
            with suppress(queue.Empty):
                seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"the demo did not start serving:\n{''.join(seen)}")
        output = "".join(seen)
        base = f"http://127.0.0.1:{port}"
        assert f"open     : {base}/login" in output
        assert f"API docs : {base}/api/v1/openapi.json" in output
        assert f"Serving on http://127.0.0.1:{port}/" in output
        outbox = re.search(r"outbox   : (\S+)", output)
        assert outbox is not None
        assert Path(outbox.group(1)) == tmp_path / "instance" / "outbox"
        logins = re.findall(r"^    (administrator|coordinator|trainer|participant) +(\S+@\S+) "
                            r"+(\S+)$", output, re.MULTILINE)
        assert [role for role, _, _ in logins] == ["administrator", "coordinator", "trainer",
                                                   "participant"]
        status, page = _get(f"{base}/login", deadline=time.monotonic() + 10, process=process,
                            lines=lines, seen=seen)
        assert status == 200
        assert b"<form" in page
        status, document = _get(f"{base}/api/v1/openapi.json", deadline=time.monotonic() + 10,
                                process=process, lines=lines, seen=seen)
        assert status == 200
        assert f'"url":"{base}"'.encode() in document  # the public URL follows --port
