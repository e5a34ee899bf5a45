"""A retired key marked compromised (issue 7 §3): what it signed stays valid only if recorded.

A thief holding the key can write any ``proof.created``: so credentials signed by a compromised
key verify here only when this service recorded issuing them (same id, same signed document or
VC-JWT) before the compromise time. Checked at every door that verifies through the service —
``POST /api/v1/verify`` (pasted, uploaded, JWT, presentation), the ``/verify`` page, the
VC-API — for did:web and did:key organisations, on SQLite and PostgreSQL; then the command
line, and the library hook on its own.
"""

from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from issuing_helpers import NOW, NoNetwork, issuing_context, no_network

from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import issuing
from badge_service.cli import main
from badge_service.clock import utcnow
from badge_service.keys.service import explain
from credentials import data_integrity
from credentials.did import Resolver
from credentials.keys import KeyPair, KeyStore
from credentials.verify import verify

BASE = "https://badges.example.org"
SINCE = NOW + timedelta(days=5)


@pytest.fixture
def network(app) -> NoNetwork:
    return no_network(app)


def cli(app, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app),
                                input=input, catch_exceptions=False)
    return result


def award(app, session, world, person, now):  # type: ignore[no-untyped-def]
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(person.email)], issuing=issuing_context(app, now))
    session.commit()
    return result.outcomes[0].credential


def private_key(app, slug: str, key_id: str) -> KeyPair:
    """The retired key as a thief would hold it."""
    store = KeyStore(Path(app.config["KEYS_DIR"]) / slug, app.config["KEY_PASSPHRASE"],
                     scrypt_log_n=app.config["KEY_SCRYPT_LOG_N"])
    return store.load(key_id)


def forge(document: dict, key: KeyPair, **changes) -> dict:  # type: ignore[no-untyped-def]
    """``document`` changed and signed again with ``key``, its proof dated before anything."""
    forged = copy.deepcopy(document)
    proof = forged.pop("proof")
    vm = (proof[0] if isinstance(proof, list) else proof)["verificationMethod"]
    forged.update(changes)
    return data_integrity.add_proof(forged, key.signer(vm), created=NOW - timedelta(days=400))


def api_verify(client, credentials, lang="en"):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/verify", json={"credentials": credentials, "lang": lang})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["results"]


def compromise_problem(report: dict) -> dict:
    [problem] = [e for e in report["errors"] if e["type"] == "key-compromised"]
    return problem


@pytest.fixture
def compromised(app, session, world, network, monkeypatch, request):
    """Credentials A (recorded before SINCE) and B (after) signed by key 1, then key 1 rotated
    out and marked compromised since SINCE through the command line."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    organisation = world.programme.organisation
    organisation.did_method = request.param
    session.commit()
    before = award(app, session, world, world.participants[0], NOW)
    after = award(app, session, world, world.participants[1], NOW + timedelta(days=10))
    old_key = current_keyring().identity(organisation).key_id
    current_keyring().rotate(organisation, now=NOW + timedelta(days=20))
    session.commit()
    result = cli(app, "keys", "compromise", "--organisation", organisation.slug, "--key", old_key,
                 "--since", SINCE.strftime("%Y-%m-%dT%H:%M:%SZ"), "--reason", "laptop stolen",
                 input="y\n")
    assert result.exit_code == 0, result.output
    assert "signed 1 recorded credential(s) before" in result.output
    assert "and 1 from then on" in result.output
    assert f"marked compromised since {SINCE:%Y-%m-%dT%H:%M:%SZ}" in result.output
    return organisation, old_key, before, after


@pytest.mark.parametrize("compromised", ["web", "key"], indirect=True)
def test_only_credentials_recorded_before_the_compromise_verify(app, client, compromised,
                                                                network):
    organisation, old_key, before, after = compromised
    key = private_key(app, organisation.slug, old_key)
    new_id = f"{BASE}/credentials/{uuid.uuid4()}"
    forged_new = forge(before.document, key, id=new_id)  # not in our records
    renamed = copy.deepcopy(before.document["credentialSubject"])
    renamed["achievement"]["name"] = "Expert en tout"
    forged_copy = forge(before.document, key, credentialSubject=renamed)  # A's id, other content
    assert forged_copy["id"] == before.document["id"]

    results = api_verify(client, [before.document, after.document, forged_new, forged_copy])
    assert results[0]["verdict"] == "valid", results[0]["errors"]
    assert results[0]["issued_by_this_service"] is True
    english = explain(f"compromised as of {SINCE:%Y-%m-%dT%H:%M:%SZ}", "en")
    assert "on 20 September 2026, 10:00 UTC" in english
    for report in results[1:]:
        assert (report["verified"], report["verdict"]) == (False, "unknown-issuer"), report
        problem = compromise_problem(report)
        assert problem["check"] == "issuer"
        assert problem["explanation"] == english
        assert english in report["headline"]
        assert f"reported key {old_key} compromised as of" in problem["detail"]
        checks = {c["name"]: c["passed"] for c in report["checks"] if c["name"] != "issuer"}
        assert checks["proof"] is True  # the signature is intact: it is the key that fails
        assert report["issued_by_this_service"] is False

    # French, and the uploaded file, the JWT form and a presentation.
    [french] = api_verify(client, [forged_new], lang="fr")
    assert compromise_problem(french)["explanation"] == explain(
        compromise_problem(french)["detail"], "fr")
    assert "compromise le 20 septembre 2026 à 10:00 UTC" in compromise_problem(french)[
        "explanation"]
    response = client.post("/api/v1/verify", content_type="multipart/form-data", data={
        "files": [(io.BytesIO(json.dumps(forged_new).encode()), "badge.json")], "lang": "en"})
    assert response.json["results"][0]["verdict"] == "unknown-issuer"
    jwt_results = api_verify(client, [before.jwt, after.jwt])
    assert [r["verdict"] for r in jwt_results] == ["valid", "unknown-issuer"], jwt_results
    compromise_problem(jwt_results[1])
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"],
                    "verifiableCredential": [before.document, forged_new]}
    nested = api_verify(client, [presentation])
    assert [r["verdict"] for r in nested] == ["valid", "unknown-issuer"]

    # The page an employer uses: the reason in plain words.
    html = client.post("/verify?lang=en", content_type="multipart/form-data", data={
        "files": [(io.BytesIO(json.dumps(forged_copy).encode()), "badge.json")]}).get_data(
        as_text=True)
    assert "reported the key that signed it as compromised on 20 September 2026" in html
    html = client.get("/verify", query_string={"url": f"{BASE}/credentials/{before.id}",
                                               "lang": "en"}).get_data(as_text=True)
    assert "Valid: this credential is genuine" in html

    # The VC-API.
    for document, verified in ((before.document, True), (after.document, False),
                               (forged_new, False)):
        response = client.post("/credentials/verify", json={"verifiableCredential": document})
        assert response.status_code == 200 if verified else response.status_code != 500
        assert bool(response.json.get("verified")) is verified, response.json
    response = client.post("/presentations/verify", json={"verifiablePresentation": {
        **presentation, "verifiableCredential": [forged_copy]}})
    assert response.json.get("verified") is not True, response.json
    assert network.calls == []


@pytest.mark.parametrize("compromised", ["web"], indirect=True)
def test_outside_verifiers_still_resolve_the_key(app, client, compromised):
    """The DID document keeps the key (older credentials must verify everywhere): a verifier
    that does not ask this service cannot tell a backdated forgery from them."""
    organisation, old_key, before, _ = compromised
    did = current_keyring().did_web(organisation)
    document = client.get(f"/issuers/{organisation.slug}/did.json").json
    assert f"{did}#{old_key}" in document["assertionMethod"]
    assert not any("revoked" in method for method in document["verificationMethod"])

    def served(url: str) -> bytes:
        response = client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        return response.data

    def outside(credential: dict):  # type: ignore[no-untyped-def]
        return verify(credential, now=utcnow(), resolver=Resolver(fetcher=served),
                      fetch_status_list=lambda url: json.loads(served(url)))

    assert outside(before.document).verdict == "valid"
    forged = forge(before.document, private_key(app, organisation.slug, old_key),
                   id=f"{BASE}/credentials/{uuid.uuid4()}")
    assert outside(forged).verdict == "valid"  # the limit: only our records can tell
    assert api_verify(client, [forged])[0]["verdict"] == "unknown-issuer"


def test_the_command_line_refuses_the_active_key_and_bad_times(app, session, world,
                                                              monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    organisation = world.programme.organisation
    slug = organisation.slug
    active = current_keyring().identity(organisation).key_id
    session.commit()
    result = cli(app, "keys", "compromise", "--organisation", slug, "--key", active,
                 "--since", "2026-09-01T00:00:00Z", "--yes")
    assert result.exit_code != 0
    assert f"{active} is the active key of {slug}: rotate first" in result.output
    assert f"badge-service keys rotate --organisation {slug}" in result.output

    current_keyring().rotate(organisation, now=NOW)
    session.commit()
    for since, message in (("2026-09-01", "give the time zone"),
                           ("yesterday", "is not a date-time"),
                           ((utcnow() + timedelta(days=1)).isoformat(), "in the future")):
        result = cli(app, "keys", "compromise", "--organisation", slug, "--key", active,
                     "--since", since, "--yes")
        assert result.exit_code != 0, since
        assert message in result.output, result.output
    result = cli(app, "keys", "compromise", "--organisation", slug, "--key", "nope-9",
                 "--since", "2026-09-01T00:00:00Z", "--yes")
    assert result.exit_code != 0
    assert "has no key 'nope-9'" in result.output

    # Answering no records nothing.
    result = cli(app, "keys", "compromise", "--organisation", slug, "--key", active,
                 "--since", "2026-09-01T02:00:00+02:00", input="n\n")
    assert result.exit_code != 0
    assert "Aborted" in result.output
    assert "COMPROMISED" not in cli(app, "keys", "list", "--organisation", slug).output

    result = cli(app, "keys", "compromise", "--organisation", slug, "--key", active,
                 "--since", "2026-09-01T02:00:00+02:00", "--reason", "laptop stolen", "--yes")
    assert result.exit_code == 0, result.output
    assert "signed 0 recorded credential(s)" in result.output
    assert "marked compromised since 2026-09-01T00:00:00Z" in result.output
    listing = cli(app, "keys", "list", "--organisation", slug).output.splitlines()
    [line] = [row for row in listing if row.startswith(active)]
    assert "\tretired\t" in line
    assert "\tCOMPROMISED since 2026-09-01T00:00:00Z (marked 20" in line
    assert line.endswith(": laptop stolen)")
    # Later than the recorded time would accept more: refused; earlier tightens it.
    result = cli(app, "keys", "compromise", "--organisation", slug, "--key", active,
                 "--since", "2026-09-02T00:00:00Z", "--yes")
    assert result.exit_code != 0
    assert "can only be moved earlier" in result.output
    result = cli(app, "keys", "compromise", "--organisation", slug, "--key", active,
                 "--since", "2026-08-01T00:00:00Z", "--yes")
    assert result.exit_code == 0, result.output
    assert "COMPROMISED since 2026-08-01T00:00:00Z" in cli(
        app, "keys", "list", "--organisation", slug).output


# --- the library hook on its own ---------------------------------------------------------------


def test_the_library_asks_the_key_policy_about_each_verified_signature():
    key = KeyPair.generate()
    signer = key.signer(key.did_key_vm)
    credential = data_integrity.add_proof({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b5c3a52-7f50-4a43-8f35-000000000001",
        "type": ["VerifiableCredential"], "issuer": key.did_key,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:someone"}}, signer,
        created=datetime(2026, 1, 1, tzinfo=UTC))
    asked = []

    def policy(method, document, token):  # type: ignore[no-untyped-def]
        asked.append((method.key, document["id"], token))
        return "reported compromised"

    now = datetime(2026, 6, 1, tzinfo=UTC)
    plain = verify(credential, now=now, resolver=Resolver())
    assert plain.verdict == "valid"
    refused = verify(credential, now=now, resolver=Resolver(), key_policy=policy)
    assert (refused.verified, refused.verdict) == (False, "unknown-issuer")
    [problem] = refused.errors
    assert (problem.type, problem.check) == ("key-compromised", "issuer")
    assert problem.detail == f"proof 0: {key.did_key_vm}: reported compromised"
    assert [c.passed for c in refused.checks if c.name == "proof"] == [True]
    assert asked == [(key, credential["id"], None)]

    accepting = verify(credential, now=now, resolver=Resolver(),
                       key_policy=lambda *_: None)
    assert accepting.verdict == "valid"

    # A tampered credential never reaches the policy: only intact signatures are its to judge.
    asked.clear()
    tampered = {**credential, "validFrom": "2025-01-01T00:00:00Z"}
    assert verify(tampered, now=now, resolver=Resolver(), key_policy=policy).verdict == "tampered"
    assert asked == []

    from credentials.jwt import sign_jwt

    token = sign_jwt({k: v for k, v in credential.items() if k != "proof"}, key.signer())
    result = verify(token, now=now, resolver=Resolver(), key_policy=policy)
    assert result.verdict == "unknown-issuer"
    assert asked[-1] == (key, credential["id"], token)
    assert verify(token, now=now, resolver=Resolver()).verdict == "valid"
