"""The W3C CCG VC-API endpoints: /credentials/issue, /credentials/verify, /presentations/verify.

Shapes: issue {credential, options} → 201 {verifiableCredential}; verify {verifiableCredential,
options} → 200 {verified, checks, warnings, errors} or 400 with the same body. Bad input is
always a 4xx problem, never a 500 (fuzzed below).
"""

from __future__ import annotations

import copy
import json
import logging
import random
from datetime import timedelta

import pytest
from accounts_helpers import bearer
from issuing_helpers import NOW, issuing_context
from vcapi_helpers import VC_V2, badge, errors_of, issue

from badge_service import create_app, policy
from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import issuing
from badge_service.clock import utcnow
from badge_service.db import db
from badge_service.organisations.models import Organisation
from badge_service.programmes.models import Programme, ProgrammeRole
from credentials import data_integrity
from credentials.did import DID_CONTEXTS
from credentials.keys import KeyPair


@pytest.fixture
def issuer_id(app, world):
    return current_keyring().identity(world.programme.organisation).issuer_id


# --- issue -----------------------------------------------------------------------------------


def test_issue_signs_with_the_organisations_key_and_the_result_verifies(app, client, world,
                                                                        issuer_id):
    headers = bearer(world.trainer)
    response = issue(client, badge(issuer_id), headers, options={})
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.json["verifiableCredential"]
    [proof] = signed["proof"]  # an Open Badge: its proof as an array (strict 1EdTech schema)
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith(issuer_id + "#")
    verified = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert verified.status_code == 200, verified.get_data(as_text=True)
    assert verified.json["verified"] is True
    assert {"proof", "issuer", "validity"} <= set(verified.json["checks"])
    assert verified.json["errors"] == []
    # A plain VCDM 2.0 credential with the issuer given in the options.
    plain = {"@context": [VC_V2], "type": ["VerifiableCredential"],
             "credentialSubject": {"id": "did:example:holder"}}
    response = issue(client, plain, headers, options={"issuer": issuer_id})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["verifiableCredential"]["issuer"] == issuer_id
    assert client.post("/credentials/verify", json={
        "verifiableCredential": response.json["verifiableCredential"]}).status_code == 200


def test_issue_needs_a_token_of_someone_who_may_issue_for_that_organisation(
        app, client, session, world, issuer_id):
    anonymous = issue(client, badge(issuer_id), {})
    assert anonymous.status_code == 401
    assert anonymous.content_type == "application/problem+json"
    assert anonymous.json["type"].endswith("/problems/authentication-required")
    participant = issue(client, badge(issuer_id), bearer(world.participants[0]))
    assert participant.status_code == 403
    # A trainer of one organisation cannot sign for another.
    others = [o for o in session.query(Organisation)
              if not policy.may_issue_for(session, world.trainer, o)]
    assert others, "the demo has organisations the trainer has no role in"
    other = others[0]
    assert not session.query(ProgrammeRole).join(Programme).filter(
        ProgrammeRole.user_id == world.trainer.id,
        Programme.organisation_id == other.id).count()
    other_issuer = current_keyring().identity(other).issuer_id
    refused = issue(client, badge(other_issuer), bearer(world.trainer))
    assert refused.status_code == 403
    bad_token = issue(client, badge(issuer_id), {"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401


def test_issue_refuses_bad_input_with_problem_details(app, client, world, issuer_id):
    headers = bearer(world.trainer)
    cases = [
        (badge("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
         "credential.issuer", "not the issuer id of any organisation"),
        (badge(issuer_id, favouriteColour="blue"), "credential", "'favouriteColour'"),
        ({k: v for k, v in badge(issuer_id).items() if k != "credentialSubject"},
         "credential.credentialSubject", "is required"),
        (badge(issuer_id, type=["OpenBadgeCredential"]), "credential.type",
         "must include VerifiableCredential"),
        (badge(issuer_id, validFrom="yesterday"), "credential.validFrom", "time zone"),
        (badge(issuer_id, proof={"type": "DataIntegrityProof"}), "credential.proof",
         "already signed"),
        (badge(issuer_id, id="not a url"), "credential.id", "must be a URL"),
        (badge(issuer_id, **{"@context": ["https://example.org/unknown/v1"]}),
         "credential.@context", "first context"),
        (badge(issuer_id, **{"@context": [VC_V2, "https://example.org/unknown/v1"]}),
         "credential", "not bundled"),
        (badge(issuer_id, credentialStatus={"id": "https://x.example/1"}),
         "credential.credentialStatus", "with a type"),
        (badge(issuer_id, name=5), "credential.name", "language value"),
    ]
    for credential, field, message in cases:
        response = issue(client, credential, headers)
        assert response.status_code == 400, (field, response.get_data(as_text=True))
        found = errors_of(response)
        assert field in found, (field, found)
        assert message in found[field], (field, found)
    undefined = issue(client, badge(issuer_id, favouriteColour="blue"), headers)
    assert "favouriteColour" in undefined.json["detail"]
    assert undefined.json["type"].endswith("/problems/issue-refused")

    response = issue(client, badge(issuer_id), headers, options={"issuer": "did:key:other"})
    assert "options.issuer" in errors_of(response)
    response = issue(client, badge(issuer_id), headers, options={"proofType": "x"})
    assert "options.proofType" in errors_of(response)
    response = client.post("/credentials/issue", json={"credential": badge(issuer_id),
                                                       "extra": 1}, headers=headers)
    assert "extra" in errors_of(response)
    response = client.post("/credentials/issue", json={"credential": "a string"},
                           headers=headers)
    assert "credential" in errors_of(response)
    response = client.post("/credentials/issue", data="credential=1", headers=headers)
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    # An OB credential that does not follow the OB schema (no achievement).
    no_achievement = badge(issuer_id)
    del no_achievement["credentialSubject"]["achievement"]
    response = issue(client, no_achievement, headers)
    assert response.status_code == 400
    assert "schema" in response.json["detail"]


def test_loopback_issue_without_token_only_when_configured(app, client, world, issuer_id):
    assert issue(client, badge(issuer_id), {}).status_code == 401
    app.config["VC_API_OPEN_ISSUE_FROM_LOOPBACK"] = True
    try:
        assert issue(client, badge(issuer_id), {}).status_code == 201
        # Not from another address, and not through a proxy (everything looks local there).
        remote = client.post("/credentials/issue", json={"credential": badge(issuer_id)},
                             environ_base={"REMOTE_ADDR": "10.0.0.7"})
        assert remote.status_code == 401
        proxied = issue(client, badge(issuer_id), {"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 401
        # A token still counts when given (and is checked).
        assert issue(client, badge(issuer_id), {"Authorization": "Bearer nope"}
                     ).status_code == 401
    finally:
        app.config["VC_API_OPEN_ISSUE_FROM_LOOPBACK"] = False


def test_open_loopback_mode_is_logged_loudly(app_config, caplog, app, client, world, issuer_id):
    caplog.set_level(logging.WARNING, logger="badge_service.vcapi.api")
    opened = create_app({**app_config, "VC_API_OPEN_ISSUE_FROM_LOOPBACK": True})
    assert any("WITHOUT A TOKEN" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with opened.app_context():
        opened.extensions["badge_keyring"] = current_keyring()
        try:
            response = opened.test_client().post("/credentials/issue",
                                                 json={"credential": badge(issuer_id)})
        finally:
            db.session.remove()
            db.engine.dispose()  # this second app's connections, not the fixture's
    assert response.status_code == 201
    assert any("WITHOUT TOKEN accepted from 127.0.0.1" in r.getMessage()
               for r in caplog.records)
    caplog.clear()
    create_app(app_config)  # off: nothing said
    assert not [r for r in caplog.records if "WITHOUT A TOKEN" in r.getMessage()]


# --- verify ----------------------------------------------------------------------------------


def test_verify_our_credentials_valid_tampered_revoked(app, client, session, world):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(p.email) for p in world.participants[:2]],
                           issuing=issuing_context(app))
    session.commit()
    good, revoked = (o.credential for o in result.outcomes)
    response = client.post("/credentials/verify", json={"verifiableCredential": good.document,
                                                        "options": {}})
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.json["verified"] is True
    assert "status" in response.json["checks"]

    tampered = copy.deepcopy(good.document)
    tampered["name"] = "Something else"
    response = client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert response.status_code == 400
    body = response.json
    assert body["verified"] is False
    assert body["verdict"] == "tampered"
    assert any(e.startswith("proof:") for e in body["errors"])
    assert body["problemDetails"][0]["type"] == (
        "https://badges.example.org/verify/help#signature-mismatch")
    assert client.get("/verify/help").status_code == 200

    issuing.change_status(session, world.trainer, [revoked], "revoke", reason="fraud", now=NOW)
    session.commit()
    response = client.post("/credentials/verify", json={"verifiableCredential": revoked.document})
    assert response.status_code == 400
    assert response.json["verdict"] == "revoked"

    # The VC-JWT form, plain and enveloped (VCDM 2.0).
    response = client.post("/credentials/verify", json={"verifiableCredential": good.jwt})
    assert response.status_code == 200, response.get_data(as_text=True)
    enveloped = {"@context": [VC_V2], "type": "EnvelopedVerifiableCredential",
                 "id": f"data:application/vc+jwt,{good.jwt}"}
    response = client.post("/credentials/verify", json={"verifiableCredential": enveloped})
    assert response.status_code == 200


def test_presentations(app, client, session, world):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    session.commit()
    credential = result.outcomes[0].credential.document
    holder = KeyPair.generate("Ed25519")
    presentation = {"@context": [VC_V2], "type": ["VerifiablePresentation"],
                    "holder": holder.did_key, "verifiableCredential": [credential]}
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["credentialResults"][0]["verified"] is True
    assert client.post("/presentations/verify", json={"presentation": presentation}
                       ).status_code == 200
    signed = data_integrity.add_proof(presentation, holder.signer(holder.did_key_vm),
                                      created=utcnow(), proof_purpose="authentication")
    response = client.post("/presentations/verify", json={"verifiablePresentation": signed})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "proof" in response.json["checks"]
    # A challenge the proof does not carry, a tampered credential inside, a signed VP altered.
    response = client.post("/presentations/verify", json={
        "verifiablePresentation": signed, "options": {"challenge": "abc123"}})
    assert response.status_code == 400
    assert "challenge" in response.json["errors"][0]
    tampered = copy.deepcopy(presentation)
    tampered["verifiableCredential"][0]["name"] = "changed"
    response = client.post("/presentations/verify", json={"verifiablePresentation": tampered})
    assert response.status_code == 400
    assert response.json["credentialResults"][0]["verdict"] == "tampered"
    altered = copy.deepcopy(signed)
    altered["holder"] = KeyPair.generate("Ed25519").did_key
    assert client.post("/presentations/verify", json={"verifiablePresentation": altered}
                       ).status_code == 400
    # Each endpoint takes its own kind.
    assert client.post("/presentations/verify", json={"verifiablePresentation": credential}
                       ).status_code == 400
    assert client.post("/credentials/verify", json={"verifiableCredential": presentation}
                       ).status_code == 400


def test_1edtech_validator_signed_credentials(app, client, standards_dir):
    folder = standards_dir / "test-vectors/1edtech-validator-signed"
    web = json.loads((folder / "simple-did-web-method.json").read_text())
    vm = web["proof"]["verificationMethod"]
    controller, fragment = vm.split("#")
    documents = {controller: {"@context": list(DID_CONTEXTS), "id": controller,
                              "verificationMethod": [{"id": vm, "type": "Multikey",
                                                      "controller": controller,
                                                      "publicKeyMultibase": fragment}],
                              "assertionMethod": [vm]}}
    fetched = []

    def fake_fetcher(url: str) -> bytes:
        fetched.append(url)
        return json.dumps(documents[url]).encode()

    app.extensions["badge_fetcher"] = fake_fetcher
    response = client.post("/credentials/verify", json={"verifiableCredential": web})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["verified"] is True
    assert fetched == [controller]
    tampered = copy.deepcopy(web)
    tampered["name"] = "Teamwork Badge!"
    assert client.post("/credentials/verify", json={"verifiableCredential": tampered}
                       ).json["verdict"] == "tampered"
    # The did:key fixture's signature is good, but its issuer (a urn:uuid) does not control
    # the key: the issuer cannot be confirmed, which is what we report.
    key = json.loads((folder / "simple-did-key-method.json").read_text())
    response = client.post("/credentials/verify", json={"verifiableCredential": key})
    assert response.status_code == 400
    assert response.json["verdict"] == "unknown-issuer"
    assert response.json["problemDetails"][0]["type"].endswith("#controller-mismatch")


def _random_json(rng: random.Random, depth: int = 0):  # type: ignore[no-untyped-def]
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False, 0, -1, 2**70, 1.5, float("1e308")])
    if kind == 2:
        return rng.choice(["", "proof", "did:key:z6Mk", "https://example.org", "\u0000",
                           "data:application/vc+jwt,abc", "a.b.c", "é" * 50])
    if kind == 3:
        return rng.choice([VC_V2, "VerifiableCredential", "VerifiablePresentation"])
    if kind == 4:
        return []
    if kind == 5:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["@context", "type", "issuer", "proof", "credentialSubject", "id", "validFrom",
            "verifiableCredential", "credentialStatus", "holder", "x"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(6))}


def test_verify_never_fails_with_500_on_bad_input(app, client, world):
    headers = bearer(world.trainer)
    rng = random.Random(20260915)
    paths = ("/credentials/verify", "/presentations/verify", "/credentials/issue")
    for _ in range(60):
        for path, member in zip(paths, ("verifiableCredential", "verifiablePresentation",
                                        "credential"), strict=True):
            value = _random_json(rng)
            for body in (value, {member: value}, {member: value, "options": _random_json(rng)}):
                response = client.post(path, data=json.dumps(body),
                                       content_type="application/json", headers=headers)
                assert response.status_code in (200, 201, 400, 403, 413, 415), (
                    path, body, response.get_data(as_text=True))
                assert response.is_json, (path, body)
    deep = "[" * 100_000 + "]" * 100_000
    nested = '{"verifiableCredential": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    raw_cases = [deep, nested, "{", '{"verifiableCredential": }', "\xff\xfe", "null", "[]",
                 '"just a string"']
    for path in paths:
        for raw in raw_cases:
            response = client.post(path, data=raw.encode("utf-8", "surrogatepass"),
                                   content_type="application/json", headers=headers)
            assert response.status_code == 400, (path, raw[:40], response.status_code)
            assert response.content_type == "application/problem+json"
        big = json.dumps({"verifiableCredential": {"name": "x" * (6 * 1024 * 1024)}})
        assert client.post(path, data=big, content_type="application/json",
                           headers=headers).status_code == 413
        huge = b'{"x": "' + b"x" * (11 * 1024 * 1024) + b'"}'
        response = client.post(path, data=huge, content_type="application/json",
                               headers=headers)
        assert response.status_code == 413
        assert response.content_type == "application/problem+json"
        response = client.post(path, data=b"<xml/>", content_type="application/xml",
                               headers=headers)
        assert response.status_code == 415
        assert client.get(path).status_code == 405


def test_expired_credential_through_the_vc_api(app, client, session, world, monkeypatch):
    unit = world.units[2]
    unit.validity_days = 10
    result = issuing.award(session, world.trainer, unit,
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    session.commit()
    monkeypatch.setattr("badge_service.vcapi.api.utcnow", lambda: NOW + timedelta(days=30))
    response = client.post("/credentials/verify", json={
        "verifiableCredential": result.outcomes[0].credential.document})
    assert response.status_code == 400
    assert response.json["verdict"] == "expired"
