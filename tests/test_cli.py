"""`badge-service credentials …`: offline key, sign, verify, bake, unbake and status commands."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import make_credential, tiny_png

from badge_service.cli import main

PASSPHRASE = "correct horse battery staple"


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
