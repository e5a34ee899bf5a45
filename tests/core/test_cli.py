"""`badge-service credentials …`: offline key, sign, verify, bake, unbake and status commands."""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import make_credential, tiny_png

from badge_service.cli import main
from credentials import status_list
from credentials.data_integrity import add_proof
from credentials.did import did_document
from credentials.keys import KeyPair, read_key_file

PASSPHRASE = "correct horse battery staple"
WEB_DID = "did:web:badges.example.org:issuers:lille"
WEB_VM = f"{WEB_DID}#key-1"
LIST_URL = "https://badges.example.org/status/lille/revocation/1"


def _env_without_passphrase() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "BADGE_KEY_PASSPHRASE"}


@pytest.fixture
def run(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, passphrase: str | None = PASSPHRASE):
        env = {"BADGE_KEY_PASSPHRASE": passphrase} if passphrase is not None else {}
        return runner.invoke(main, ["credentials", *args], env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def key_and_unsigned(run, tmp_path: Path) -> tuple[str, Path]:
    result = run("keygen", "--out", "issuer.pem")
    assert result.exit_code == 0, result.output
    did = result.output.strip()
    assert did.startswith("did:key:z6Mk")
    assert stat.S_IMODE(os.stat(tmp_path / "issuer.pem").st_mode) == 0o600
    unsigned = make_credential()
    del unsigned["issuer"]["id"]  # the key's DID becomes the issuer
    path = tmp_path / "unsigned.json"
    path.write_text(json.dumps(unsigned), encoding="utf-8")
    return did, path


def test_sign_verify_round_trip_and_report(run, key_and_unsigned, tmp_path):
    did, unsigned = key_and_unsigned
    assert run("sign", str(unsigned), "--key", "issuer.pem", "--out", "signed.json").exit_code == 0
    signed = json.loads((tmp_path / "signed.json").read_text())
    assert signed["issuer"]["id"] == did
    assert signed["proof"]["verificationMethod"].startswith(did + "#")

    result = run("verify", "signed.json", passphrase=None)
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output
    assert "[PASS] proof" in result.output

    result = run("verify", "signed.json", "--json", passphrase=None)
    report = json.loads(result.output)
    assert report["verified"] is True
    assert {c["name"] for c in report["checks"]} >= {"proof", "issuer", "validity", "schema"}

    signed["name"] = "Changed"
    (tmp_path / "tampered.json").write_text(json.dumps(signed))
    result = run("verify", "tampered.json", passphrase=None)
    assert result.exit_code == 1
    assert "NOT VERIFIED — tampered" in result.output


def test_jwt_bake_unbake(run, key_and_unsigned, tmp_path):
    _, unsigned = key_and_unsigned
    assert run("sign", str(unsigned), "--key", "issuer.pem", "--format", "jwt",
               "--out", "signed.jwt").exit_code == 0
    assert run("verify", "signed.jwt").exit_code == 0
    (tmp_path / "badge.png").write_bytes(tiny_png())
    assert run("bake", "badge.png", "signed.jwt", "--out", "baked.png").exit_code == 0
    result = run("verify", "baked.png")
    assert result.exit_code == 0, result.output
    assert "(png)" in result.output
    result = run("unbake", "baked.png")
    assert result.output.strip() == (tmp_path / "signed.jwt").read_text().strip()


def test_issuer_named_by_credential_must_control_key(run, key_and_unsigned, tmp_path):
    _, _ = key_and_unsigned
    foreign = make_credential(issuer_id="did:web:badges.example.org")
    (tmp_path / "foreign.json").write_text(json.dumps(foreign))
    result = run("sign", "foreign.json", "--key", "issuer.pem")
    assert result.exit_code == 1
    assert "names issuer did:web:badges.example.org" in result.output


def test_status_list_revocation_end_to_end(run, key_and_unsigned, tmp_path):
    _, unsigned = key_and_unsigned
    url = "https://badges.example.org/status/1"
    assert run("status", "create", "--url", url, "--key", "issuer.pem",
               "--out", "list.json").exit_code == 0
    credential = json.loads(unsigned.read_text())
    credential["credentialStatus"] = {
        "id": f"{url}#77", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "77", "statusListCredential": url,
    }
    unsigned.write_text(json.dumps(credential))
    assert run("sign", str(unsigned), "--key", "issuer.pem", "--out", "s.json").exit_code == 0
    assert run("verify", "s.json", "--status-list", f"{url}=list.json").exit_code == 0
    assert run("status", "set", "list.json", "77", "1", "--key", "issuer.pem").exit_code == 0
    assert run("status", "get", "list.json", "77").output.strip() == "1"
    result = run("verify", "s.json", "--status-list", f"{url}=list.json")
    assert result.exit_code == 1
    assert "revoked" in result.output
    # Without the list, the report says status was not checked.
    assert "status-not-checked" in run("verify", "s.json").output


def test_wrong_passphrase_is_a_clear_error(run, key_and_unsigned):
    _, unsigned = key_and_unsigned
    result = run("sign", str(unsigned), "--key", "issuer.pem", passphrase="wrong")
    assert result.exit_code == 1
    assert "wrong passphrase" in result.output
    assert "wrong" not in result.output.replace("wrong passphrase", "")


@pytest.mark.parametrize("command", ["sign", "status create", "status set"])
def test_signing_commands_never_wait_for_input_without_a_terminal(
    run, key_and_unsigned, tmp_path, command
):
    # The key file exists and is good: only the passphrase is missing, and with stdin not a
    # terminal the command must say so at once (exit 2, usage error) rather than prompt.
    _, unsigned = key_and_unsigned
    assert run("status", "create", "--url", LIST_URL, "--key", "issuer.pem",
               "--out", "list.json").exit_code == 0
    before = (tmp_path / "list.json").read_bytes()
    argv = {
        "sign": ["sign", str(unsigned), "--key", "issuer.pem", "--out", "out.json"],
        "status create": ["status", "create", "--url", LIST_URL, "--key", "issuer.pem",
                          "--out", "out.json"],
        "status set": ["status", "set", "list.json", "3", "1", "--key", "issuer.pem"],
    }[command]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "badge_service", "credentials", *argv],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        env=_env_without_passphrase(), cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "set BADGE_KEY_PASSPHRASE" in done.stderr
    assert "stdin is not a terminal" in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "out.json").exists()
    assert (tmp_path / "list.json").read_bytes() == before
    assert time.monotonic() - started < 30  # it did not sit waiting for the 60 s timeout


def _in_terminal(argv: list[str], replies: list[tuple[str, str]], cwd: Path) -> tuple[int, str]:
    """Run ``badge-service credentials ARGV`` on a real pseudo-terminal, answering prompts.

    ``replies`` pairs each expected prompt with what to type. The child gets a new session,
    so it has no controlling terminal: getpass then reads the pty on stdin (switching its echo
    off) and can never reach the terminal this test suite runs in.
    """
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "badge_service", "credentials", *argv],
        stdin=terminal, stdout=terminal, stderr=terminal, cwd=cwd,
        env=_env_without_passphrase(), start_new_session=True,
    )
    os.close(terminal)
    transcript, answered = b"", 0
    pending = list(replies)
    deadline = time.monotonic() + 90
    try:
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"no end after 90 s; transcript: {transcript!r}")
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # EIO: every process holding the terminal has closed it
                    chunk = b""
                if not chunk:
                    break
                transcript += chunk
            if pending and pending[0][0].encode() in transcript[answered:]:
                prompt, reply = pending.pop(0)
                answered = transcript.index(prompt.encode(), answered) + len(prompt)
                os.write(controller, reply.encode() + b"\r")  # Enter, as a keyboard sends it
            elif not ready and process.poll() is not None:
                break
        return process.wait(timeout=30), transcript.decode("utf-8", "replace")
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_passphrase_prompt_in_a_real_terminal(tmp_path):
    code, shown = _in_terminal(
        ["keygen", "--out", "k.pem"],
        [("Key passphrase", PASSPHRASE), ("Repeat for confirmation", PASSPHRASE)],
        tmp_path,
    )
    assert code == 0, shown
    did = next(w for w in shown.split() if w.startswith("did:key:z6Mk"))
    assert read_key_file(tmp_path / "k.pem", PASSPHRASE).did_key == did
    assert PASSPHRASE not in shown  # typed with echo off

    unsigned = make_credential()
    del unsigned["issuer"]["id"]
    (tmp_path / "unsigned.json").write_text(json.dumps(unsigned), encoding="utf-8")
    code, shown = _in_terminal(["sign", "unsigned.json", "--key", "k.pem", "--out", "s.json"],
                               [("Key passphrase", PASSPHRASE)], tmp_path)
    assert code == 0, shown
    assert PASSPHRASE not in shown
    signed = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert signed["issuer"]["id"] == did

    code, shown = _in_terminal(["sign", "unsigned.json", "--key", "k.pem", "--out", "t.json"],
                               [("Key passphrase", "not the passphrase")], tmp_path)
    assert code == 1
    assert "wrong passphrase" in shown
    assert not (tmp_path / "t.json").exists()


# --- an issuer's did:web key ---------------------------------------------------------------


@pytest.fixture
def did_web_issuer(key_and_unsigned, tmp_path) -> Path:
    """did.json: a did:web document listing the CLI-made key as ``#key-1``."""
    did_key, _ = key_and_unsigned
    public = KeyPair.from_public_multibase(did_key.removeprefix("did:key:"))
    path = tmp_path / "did.json"
    path.write_text(json.dumps(did_document(WEB_DID, [("key-1", public, True)])))
    return path


def test_sign_as_the_did_web_issuer_and_verify_with_did_doc(run, did_web_issuer, tmp_path):
    credential = make_credential(issuer_id=WEB_DID)
    (tmp_path / "web.json").write_text(json.dumps(credential))
    for fmt, out in (("di", "web-signed.json"), ("jwt", "web-signed.jwt")):
        result = run("sign", "web.json", "--key", "issuer.pem", "--format", fmt,
                     "--verification-method", WEB_VM, "--did-doc", "did.json", "--out", out)
        assert result.exit_code == 0, result.output
        result = run("verify", out, "--did-doc", "did.json", passphrase=None)
        assert result.exit_code == 0, result.output
        assert "VERIFIED" in result.output
        # Without the DID document there is nothing to resolve the issuer's key with, offline.
        result = run("verify", out, passphrase=None)
        assert result.exit_code == 1
        assert "NOT VERIFIED — unknown-issuer" in result.output
    signed = json.loads((tmp_path / "web-signed.json").read_text())
    assert signed["issuer"]["id"] == WEB_DID
    assert signed["proof"]["verificationMethod"] == WEB_VM


def test_sign_with_did_doc_refuses_a_key_the_issuer_does_not_list(run, did_web_issuer, tmp_path):
    (tmp_path / "web.json").write_text(json.dumps(make_credential(issuer_id=WEB_DID)))
    other = KeyPair.generate("Ed25519")
    (tmp_path / "other-did.json").write_text(
        json.dumps(did_document(WEB_DID, [("key-1", other, True)])))
    cases = [
        (["--did-doc", "other-did.json"], "lists another public key"),
        (["--did-doc", "did.json", "--verification-method", f"{WEB_DID}#key-9"], "key-9"),
        ([], "no fetcher configured"),  # no DID document to check the key against
        (["--did-doc", "did.json", "--verification-method",
          "did:web:elsewhere.example#key-1"], "names issuer " + WEB_DID),
    ]
    for extra, message in cases:
        argv = ["sign", "web.json", "--key", "issuer.pem", "--out", "x.json"]
        if "--verification-method" not in extra:
            extra = ["--verification-method", WEB_VM, *extra]
        result = run(*argv, *extra)
        assert result.exit_code == 1, (extra, result.output)
        assert message in result.output, (extra, result.output)
        assert not (tmp_path / "x.json").exists()


def test_verify_did_doc_for_another_did_does_not_vouch_for_the_issuer(run, did_web_issuer,
                                                                       tmp_path):
    (tmp_path / "web.json").write_text(json.dumps(make_credential(issuer_id=WEB_DID)))
    assert run("sign", "web.json", "--key", "issuer.pem", "--verification-method", WEB_VM,
               "--did-doc", "did.json", "--out", "s.json").exit_code == 0
    document = json.loads(did_web_issuer.read_text())
    impostor = json.loads(json.dumps(document).replace(WEB_DID, "did:web:impostor.example"))
    (tmp_path / "impostor.json").write_text(json.dumps(impostor))
    result = run("verify", "s.json", "--did-doc", "impostor.json", passphrase=None)
    assert result.exit_code == 1
    assert "unknown-issuer" in result.output


# --- status set keeps the list's issuer ------------------------------------------------------


def _did_web_list(tmp_path: Path, issuer: str | dict) -> Path:
    key = read_key_file(tmp_path / "issuer.pem", PASSPHRASE)
    signed_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    unsigned = status_list.status_list_credential(
        LIST_URL, issuer, status_list.StatusList(), "revocation", valid_from=signed_at)
    path = tmp_path / "web-list.json"
    path.write_text(json.dumps(add_proof(unsigned, key.signer(WEB_VM), created=signed_at)))
    return path


def test_status_set_keeps_the_lists_did_web_issuer(run, did_web_issuer, tmp_path):
    issuer = {"id": WEB_DID, "name": "Lille Learning Lab"}
    list_file = _did_web_list(tmp_path, issuer)
    credential = make_credential(
        issuer_id=WEB_DID, credential_status=status_list.status_entry(LIST_URL, 77, "revocation"))
    (tmp_path / "web.json").write_text(json.dumps(credential))
    assert run("sign", "web.json", "--key", "issuer.pem", "--verification-method", WEB_VM,
               "--did-doc", "did.json", "--out", "s.json").exit_code == 0
    verify_args = ["verify", "s.json", "--did-doc", "did.json",
                   "--status-list", f"{LIST_URL}={list_file.name}"]
    assert run(*verify_args).exit_code == 0

    result = run("status", "set", list_file.name, "77", "1", "--key", "issuer.pem",
                 "--verification-method", WEB_VM, "--did-doc", "did.json")
    assert result.exit_code == 0, result.output
    relisted = json.loads(list_file.read_text())
    assert relisted["issuer"] == issuer
    assert relisted["proof"]["verificationMethod"] == WEB_VM
    assert relisted["id"] == LIST_URL
    # The list is still trusted for the issuer's credentials: the revocation takes effect.
    result = run(*verify_args)
    assert result.exit_code == 1
    assert "NOT VERIFIED — revoked" in result.output


def test_status_set_refuses_a_key_the_lists_issuer_does_not_control(run, did_web_issuer,
                                                                     tmp_path):
    list_file = _did_web_list(tmp_path, WEB_DID)
    before = list_file.read_bytes()
    # Without --verification-method the key would sign as its own did:key and take over the
    # list: refused, and the list is left as it was.
    result = run("status", "set", list_file.name, "77", "1", "--key", "issuer.pem")
    assert result.exit_code == 1
    assert f"the status list names issuer {WEB_DID}" in result.output
    assert list_file.read_bytes() == before
    # A did:key list made by another key is refused the same way.
    stranger = KeyPair.generate("Ed25519")
    foreign = status_list.status_list_credential(
        LIST_URL, stranger.did_key, status_list.StatusList(), "revocation",
        valid_from=datetime(2026, 1, 5, tzinfo=UTC))
    (tmp_path / "foreign-list.json").write_text(json.dumps(
        add_proof(foreign, stranger.signer(), created=datetime(2026, 1, 5, tzinfo=UTC))))
    before = (tmp_path / "foreign-list.json").read_bytes()
    result = run("status", "set", "foreign-list.json", "77", "1", "--key", "issuer.pem")
    assert result.exit_code == 1
    assert f"names issuer {stranger.did_key}" in result.output
    assert (tmp_path / "foreign-list.json").read_bytes() == before


def test_never_waits_for_input_without_a_terminal(tmp_path):
    # A real process with stdin closed: it must fail at once instead of prompting.
    env = {k: v for k, v in os.environ.items() if k != "BADGE_KEY_PASSPHRASE"}
    done = subprocess.run(
        [sys.executable, "-m", "badge_service", "credentials", "keygen", "--out",
         str(tmp_path / "k.pem")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env,
    )
    assert done.returncode == 2
    assert "BADGE_KEY_PASSPHRASE" in done.stderr
    assert not (tmp_path / "k.pem").exists()
