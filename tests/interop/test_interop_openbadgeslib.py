"""openbadgeslib (PyPI, written by others) verifies the credentials we issue."""

from __future__ import annotations

import importlib
from copy import deepcopy
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_credential
from openbadgeslib_helpers import import_ldp

from credentials.data_integrity import add_proof
from credentials.keys import KeyPair

ldp = import_ldp(allow_module_level=True)

pytestmark = pytest.mark.interop

NOW = datetime.now(UTC).replace(microsecond=0)  # openbadgeslib checks validity on its own clock


@pytest.fixture(scope="module")
def issued() -> tuple[KeyPair, dict]:
    key = KeyPair.generate("Ed25519")
    credential = make_credential(issuer_id=key.did_key, now=NOW - timedelta(days=1))
    return key, add_proof(credential, key.signer(), created=NOW - timedelta(days=1))


def test_openbadgeslib_verifies_our_credential(issued):
    key, signed = issued
    verified = ldp.OB3LdpVerifier.for_issuer_did(key.did_key).verify(deepcopy(signed))
    assert verified is not None


def test_openbadgeslib_rejects_our_credential_tampered(issued):
    key, signed = issued
    tampered = deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Pionnier (C2)"
    with pytest.raises(ldp.OB3VerificationError):
        ldp.OB3LdpVerifier.for_issuer_did(key.did_key).verify(tampered)


def test_openbadgeslib_rejects_another_issuers_key(issued):
    _, signed = issued
    stranger = KeyPair.generate("Ed25519")
    with pytest.raises(ldp.OB3VerificationError):
        ldp.OB3LdpVerifier.for_issuer_did(stranger.did_key).verify(deepcopy(signed))


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception),
                                             (None, pytest.skip.Exception)])
def test_missing_openbadgeslib_fails_under_ci_and_skips_elsewhere(monkeypatch, ci, outcome):
    def missing(name: str):
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(importlib, "import_module", missing)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="openbadgeslib"):
        import_ldp()
