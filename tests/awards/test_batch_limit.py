"""Award batches sized to finish before the server's timeout (issue 7 §3): the limit derived
from the configuration, its up-front refusal on the API and the pages (nothing signed, a retry
refused the same way), and ``badge-service serve --timeout/--workers`` through to gunicorn."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from accounts_helpers import login
from awards_helpers import award_json, count_credentials, trainer_headers
from click.testing import CliRunner
from werkzeug.datastructures import MultiDict

from badge_service import config as settings
from badge_service.awards.service import batch_limit, issuing
from badge_service.cli import main
from badge_service.db import db

REPO = Path(__file__).resolve().parents[2]
#: Small, so the tests stay fast: a NUMEFA unit may complete the certificate, so each of its
#: recipients counts for 2 credentials and 3 recipients fit.
LIMIT = 6


@pytest.fixture
def app_config(app_config):
    return {**app_config, "AWARD_BATCH_MAX": LIMIT}


# --- the limit -------------------------------------------------------------------------------


def _limit(**values):
    base = {"REQUEST_TIMEOUT": 30, "AWARD_CREDENTIALS_PER_SECOND": 13, "AWARD_BATCH_MAX": None}
    return batch_limit.limit_from({**base, **values})


def test_the_limit_is_half_the_timeout_at_the_configured_rate_capped_by_max_batch():
    assert _limit() == batch_limit.BatchLimit(max_credentials=195, timeout=30)  # 30×13×0.5
    assert _limit(REQUEST_TIMEOUT=7, AWARD_CREDENTIALS_PER_SECOND=3).max_credentials == 10
    assert _limit(REQUEST_TIMEOUT=1, AWARD_CREDENTIALS_PER_SECOND=1).max_credentials == 1
    assert _limit(REQUEST_TIMEOUT=600, AWARD_CREDENTIALS_PER_SECOND=100).max_credentials \
        == issuing.MAX_BATCH
    override = _limit(AWARD_BATCH_MAX=40, REQUEST_TIMEOUT=60)
    assert override == batch_limit.BatchLimit(max_credentials=40, timeout=60)


def test_the_limit_settings_come_from_the_environment_and_are_checked(tmp_path):
    loaded = settings.load(tmp_path, environ={"BADGE_REQUEST_TIMEOUT": "12",
                                              "BADGE_AWARD_CREDENTIALS_PER_SECOND": "5"})
    assert batch_limit.limit_from(loaded) == batch_limit.BatchLimit(30, 12)
    defaults = settings.load(tmp_path, environ={})
    assert defaults["REQUEST_TIMEOUT"] == 30  # gunicorn's own default
    assert batch_limit.limit_from(defaults).max_credentials == \
        30 * defaults["AWARD_CREDENTIALS_PER_SECOND"] // 2
    for name, value, message in (("REQUEST_TIMEOUT", "0", "REQUEST_TIMEOUT must be positive"),
                                 ("AWARD_CREDENTIALS_PER_SECOND", "-1", "must be positive"),
                                 ("AWARD_BATCH_MAX", "0", "between 1 and 2000"),
                                 ("AWARD_BATCH_MAX", "2001", "between 1 and 2000")):
        with pytest.raises(settings.ConfigError, match=message):
            settings.load(tmp_path, environ={f"BADGE_{name}": value})


def test_a_recipient_counts_for_every_composite_its_award_can_complete(app, session, world):
    assert batch_limit.credentials_per_recipient(session, world.units[0]) == 2
    assert batch_limit.credentials_per_recipient(session, world.certificate) == 1


# --- the API ---------------------------------------------------------------------------------


def _recipients(world, count):
    return [{"email": p.email} for p in world.participants[:count]]


def test_api_refuses_a_batch_above_the_limit_before_signing_and_on_retry(client, world):
    headers = trainer_headers(world)
    unit = world.units[0]
    key = str(uuid.uuid4())
    for _attempt in range(2):  # the retry of a refused request is refused the same way
        response = award_json(client, headers, unit.id, _recipients(world, 4), key=key,
                              expect=413)
        assert response.content_type == "application/problem+json"
        problem = response.json
        assert problem["status"] == 413
        detail = problem["detail"]
        assert detail.startswith("4 recipients are more than one request can sign within "
                                 "the server's 30-second timeout: at most 6 credentials")
        assert "can complete 1 composite achievement" in detail
        assert "Split the list into batches of at most 3 recipients" in detail
        assert "Nothing was issued" in detail
        assert problem["errors"] == [{"message": "at most 3 recipients per request",
                                      "field": "recipients"}]
        assert count_credentials() == 0
    # Counted before the rows are checked: the size is the first thing to fix.
    bad_rows = [{"email": "nobody@example.org"}] * 4
    assert award_json(client, headers, unit.id, bad_rows, expect=413).json["status"] == 413
    # The certificate completes nothing further: one credential per recipient, 6 fit.
    assert "at most 6 credentials per request. Nothing" in award_json(
        client, headers, world.certificate.id, _recipients(world, 7), expect=413).json["detail"]


def test_api_accepts_a_batch_at_the_limit_and_its_retry_replays(client, world):
    headers = trainer_headers(world)
    key = str(uuid.uuid4())
    first = award_json(client, headers, world.units[0].id, _recipients(world, 3), key=key)
    assert first.json["issued"] == 3
    again = award_json(client, headers, world.units[0].id, _recipients(world, 3), key=key,
                       expect=200)
    assert again.json["replayed"] is True
    assert count_credentials() == 3


def test_api_csv_upload_above_the_limit_is_refused(client, world):
    headers = trainer_headers(world)
    lines = "email\n" + "".join(f"{p.email}\n" for p in world.participants[:4])
    url = f"/api/v1/achievements/{world.units[0].id}/awards"
    body = client.post(url, data=lines.encode(), content_type="text/csv", headers=headers)
    assert body.status_code == 413, body.get_data(as_text=True)
    assert "at most 3 recipients" in body.json["detail"]
    upload = client.post(url, data={"file": (io.BytesIO(lines.encode()), "four.csv")},
                         content_type="multipart/form-data", headers=headers)
    assert upload.status_code == 413
    assert count_credentials() == 0


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def trainer(client, world):
    login(client, world.trainer.email, world.logins["trainer"].password)
    return world.trainer


def _page(response) -> str:
    import html

    return html.unescape(response.get_data(as_text=True))


def test_csv_page_refuses_a_large_file_with_its_name_and_row_count(client, world, trainer):
    url = f"/achievements/{world.units[0].id}/award/csv"
    four = ("email\n" + "".join(f"{p.email}\n" for p in world.participants[:4])).encode()
    assert trainer.preferred_language == "fr"
    response = client.post(url, data={"file": (io.BytesIO(four), "promo <2025>.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    text = _page(response)
    assert "<2025>" not in response.get_data(as_text=True)  # escaped
    assert ("Le fichier « promo <2025>.csv » compte 4 lignes de destinataires : c'est plus "
            "qu'une requête ne peut en signer dans le délai de 30 secondes du serveur, qui "
            "permet au plus 3 destinataires à la fois pour ce badge") in text
    assert "Découpez la liste en lots d'au plus 3 destinataires" in text
    assert 'value="confirm"' not in text

    trainer.preferred_language = "en"
    db.session.commit()
    response = client.post(url, data={"file": (io.BytesIO(four), "four.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    text = _page(response)
    assert ("The file “four.csv” has 4 recipient rows: more than one request can sign within "
            "the server's 30-second timeout, which allows at most 3 recipients") in text
    assert "each award can also complete 1 composite achievement(s)" in text
    assert "Split the list into batches of at most 3 recipients" in text

    three = ("email\n" + "".join(f"{p.email}\n" for p in world.participants[:3])).encode()
    at_limit = client.post(url, data={"file": (io.BytesIO(three), "three.csv")},
                           content_type="multipart/form-data")
    assert at_limit.status_code == 200
    assert 'value="confirm"' in at_limit.get_data(as_text=True)
    assert count_credentials() == 0


def test_selection_and_confirmation_above_the_limit_are_refused(client, world, trainer):
    unit = world.units[0]
    url = f"/achievements/{unit.id}/award"
    preview = client.post(url, data=MultiDict(
        [("step", "preview")] + [("recipient", str(p.id)) for p in world.participants[:4]]))
    assert preview.status_code == 413
    assert "4 destinataires : c'est plus" in _page(preview)
    # A confirmation form altered to carry more rows than the limit: refused, nothing issued.
    people = world.participants[:4]
    confirm = MultiDict([("step", "confirm"), ("key", str(uuid.uuid4()))])
    for line, person in enumerate(people, start=1):
        for name, value in (("email", person.email), ("narrative", ""), ("evidence_url", ""),
                            ("level", ""), ("line", str(line))):
            confirm.add(f"row_{name}", value)
    for _attempt in range(2):
        response = client.post(url, data=confirm)
        assert response.status_code == 413
        assert "au plus 3 destinataires" in _page(response)
    assert count_credentials() == 0


# --- serve -----------------------------------------------------------------------------------


def test_serve_help_shows_timeout_and_workers():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "--timeout" in result.output
    assert "REQUEST_TIMEOUT" in result.output
    assert "--workers" in result.output


def _clean_environment(monkeypatch, tmp_path):
    # Set first, so that what `serve --timeout` writes into os.environ is undone after the
    # test instead of reaching the tests that follow in this process.
    monkeypatch.setenv("BADGE_REQUEST_TIMEOUT", "1")
    for name in [n for n in os.environ if n.startswith("BADGE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BADGE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BADGE_KEYS_DIR", str(tmp_path / "keys"))


@pytest.mark.parametrize(("args", "environment", "timeout"), [
    (["--workers", "3", "--timeout", "45"], {}, "45"),
    ([], {}, "30"),
    ([], {"BADGE_REQUEST_TIMEOUT": "75"}, "75"),
    (["--timeout", "20"], {"BADGE_REQUEST_TIMEOUT": "75"}, "20"),
], ids=["both-given", "defaults", "from-setting", "option-wins"])
def test_serve_passes_workers_and_timeout_to_gunicorn(monkeypatch, tmp_path, args, environment,
                                                      timeout):
    before = dict(os.environ)
    _clean_environment(monkeypatch, tmp_path)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    seen = {}

    def fake_run():
        seen["argv"] = list(sys.argv)
        # What the workers gunicorn forks will read: the same timeout.
        seen["setting"] = settings.load(tmp_path / "instance")["REQUEST_TIMEOUT"]

    monkeypatch.setattr("gunicorn.app.wsgiapp.run", fake_run)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    result = CliRunner().invoke(main, ["serve", "--port", "8123", *args])
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    assert os.environ.get("BADGE_REQUEST_TIMEOUT") == before.get("BADGE_REQUEST_TIMEOUT")
    argv = seen["argv"]
    assert argv[argv.index("--timeout") + 1] == timeout
    assert argv[argv.index("--workers") + 1] == ("3" if "--workers" in args else "2")
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"
    assert str(seen["setting"]) == timeout


# --- a real gunicorn -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, token: str, body: dict) -> tuple[int, dict, float]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}",
        "Idempotency-Key": str(uuid.uuid4())})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    return status, json.loads(data), time.monotonic() - started


def test_gunicorn_signs_a_batch_at_the_limit_within_its_timeout(tmp_path):
    """The default rate holds on a real server: with ``--timeout 2`` the limit is
    floor(2 × rate × 0.5) credentials, and a batch of exactly that many answers 201 within the
    2 seconds (past them gunicorn would kill the worker); one more recipient is a 413 at once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BADGE_")}
    env.update(BADGE_INSTANCE_PATH=str(tmp_path / "instance"),
               BADGE_KEYS_DIR=str(tmp_path / "keys"), BADGE_KEY_SCRYPT_LOG_N="14",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p))

    def command(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "badge_service", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
        return done.stdout

    demo = command("demo", "--no-serve")  # migrates the new instance, then seeds it
    trainer = next(line.split()[1] for line in demo.splitlines()
                   if line.strip().startswith("trainer"))
    token = command("tokens", "create", "--user", trainer).strip().splitlines()[-1]
    participants = [line.split(",")[3] for line in (
        REPO / "badge_service" / "demo" / "data" / "numefa-2025.csv").read_text(
        encoding="utf-8").splitlines()[1:]]
    limit = batch_limit.limit_from({**settings.load(tmp_path / "instance", environ={}),
                                    "REQUEST_TIMEOUT": 2}).max_credentials
    assert 1 <= limit < len(participants)

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "badge_service", "serve", "--port", str(port), "--workers", "1",
         "--timeout", "2"], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        [numefa] = [p for p in _get_json(f"{base}/api/v1/programmes", token)["items"]
                    if p["slug"] == "numefa"]
        [certificate] = [a for a in _get_json(
            f"{base}/api/v1/programmes/{numefa['id']}/achievements", token)["items"]
            if a["human_code"] == "NUMEFA"]
        # The certificate completes nothing further: one credential per recipient.
        url = f"{base}/api/v1/achievements/{certificate['id']}/awards"
        # Warm the worker (contexts, key) as production traffic would have.
        assert _post(url, token, {"recipients": [{"email": participants[-1]}],
                                  "notify": False})[0] == 201
        batch = [{"email": email} for email in participants[:limit]]
        status, body, seconds = _post(url, token, {"recipients": batch, "notify": True})
        assert status == 201, body
        assert body["issued"] == limit
        assert seconds < 2, f"{limit} credentials took {seconds:.2f} s"
        one_more = [*batch, {"email": participants[limit]}]
        status, body, seconds = _post(url, token, {"recipients": one_more, "notify": True})
        assert status == 413, body
        assert seconds < 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(server.pid, sig)
                server.wait(timeout=10)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue


def _get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
