"""VC-API issue options (issue 7 §2): the cryptosuite chosen per request, and VC 1.1 credentials.

Every credential issued here is verified three ways: ``POST /credentials/verify``,
``POST /api/v1/verify`` and the library's ``verify()``; a tampered copy must fail all three, so
the proof really is checked by the suite it names.
"""

from __future__ import annotations

import copy

import pytest
from accounts_helpers import bearer
from vcapi_helpers import DI_V2, VC_V1, api_verify, badge, errors_of, issue, proofs_of

from badge_service.adapters.keyring import current_keyring
from badge_service.clock import utcnow
from credentials.did import Resolver
from credentials.verify import verify

SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


@pytest.fixture
def issuer_id(app, world):
    return current_keyring().identity(world.programme.organisation).issuer_id


def _verified_everywhere(client, signed: dict) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["verified"] is True
    report = api_verify(client, signed)
    assert (report["verdict"], report["verified"]) == ("valid", True), report["errors"]
    result = verify(signed, now=utcnow(), resolver=Resolver())
    assert result.verified, result.errors


def _tampered_everywhere(client, signed: dict) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 400
    assert response.json["verdict"] == "tampered"
    assert api_verify(client, signed)["verdict"] == "tampered"
    assert verify(signed, now=utcnow(), resolver=Resolver()).verdict == "tampered"


@pytest.mark.parametrize("suite", SUITES)
def test_the_cryptosuite_is_chosen_per_request(app, client, world, issuer_id, suite):
    response = issue(client, badge(issuer_id), bearer(world.trainer),
                     options={"cryptosuite": suite})
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.json["verifiableCredential"]
    [proof] = proofs_of(signed)
    assert proof["cryptosuite"] == suite
    assert proof["verificationMethod"].startswith(issuer_id + "#")
    # vc-di-eddsa §3.3.1 step 2: a JCS proof carries the document's @context, rdfc's does not.
    assert ("@context" in proof) is (suite == "eddsa-jcs-2022")
    _verified_everywhere(client, signed)
    tampered = copy.deepcopy(signed)
    tampered["name"] = "Leadership"
    _tampered_everywhere(client, tampered)


def test_without_the_option_the_suite_is_rdfc(app, client, world, issuer_id):
    for options in ({}, None):
        body = {"options": options} if options is not None else {}
        response = issue(client, badge(issuer_id), bearer(world.trainer), **body)
        assert response.status_code == 201, response.get_data(as_text=True)
        [proof] = proofs_of(response.json["verifiableCredential"])
        assert proof["cryptosuite"] == "eddsa-rdfc-2022"


@pytest.mark.parametrize("value", ["ecdsa-rdfc-2019", "EDDSA-JCS-2022", "", None, 5,
                                   ["eddsa-jcs-2022"], {"name": "eddsa-jcs-2022"}])
def test_another_cryptosuite_is_refused_naming_the_option(app, client, world, issuer_id,
                                                          value):
    response = issue(client, badge(issuer_id), bearer(world.trainer),
                     options={"cryptosuite": value})
    assert response.status_code == 400
    found = errors_of(response)
    assert "eddsa-jcs-2022" in found["options.cryptosuite"], found
    assert response.json["type"].endswith("/problems/issue-refused")


def _vc11(issuer: str, contexts) -> dict:  # type: ignore[no-untyped-def]
    return {"@context": contexts, "id": "urn:uuid:6f0f6d54-94a3-4a8e-9c7e-2d4e0f1b3a55",
            "type": ["VerifiableCredential"], "issuer": issuer,
            "credentialSubject": {"id": "did:example:holder"}}


@pytest.mark.parametrize("suite", SUITES)
def test_a_vc11_credential_is_issued_with_the_data_integrity_context(app, client, world,
                                                                     issuer_id, suite):
    for contexts in (VC_V1, [VC_V1], [VC_V1, DI_V2]):
        response = issue(client, _vc11(issuer_id, contexts), bearer(world.trainer),
                         options={"cryptosuite": suite})
        assert response.status_code == 201, (contexts, response.get_data(as_text=True))
        signed = response.json["verifiableCredential"]
        # Added once, after what the caller gave (VC 1.1 first), never twice.
        assert signed["@context"] == [VC_V1, DI_V2], contexts
        assert "issuanceDate" in signed  # VCDM 1.1 requires it: the issue time
        [proof] = proofs_of(signed)
        assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", suite)
        _verified_everywhere(client, signed)
        tampered = copy.deepcopy(signed)
        tampered["credentialSubject"]["id"] = "did:example:someone-else"
        _tampered_everywhere(client, tampered)


def test_a_vc11_credential_keeps_its_own_contexts_first(app, client, world, issuer_id):
    # An inline context of the caller's: the DI context goes after it, so no term moves.
    own = {"nickname": "https://example.org/vocab#nickname"}
    credential = _vc11(issuer_id, [VC_V1, own])
    credential["credentialSubject"]["nickname"] = "Camille"
    response = issue(client, credential, bearer(world.trainer))
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.json["verifiableCredential"]
    assert signed["@context"] == [VC_V1, own, DI_V2]
    _verified_everywhere(client, signed)


def test_the_credential_id_option(app, client, world, issuer_id):
    headers = bearer(world.trainer)
    wanted = "urn:uuid:0a4f9b3e-8c1d-4e2f-9a6b-7c5d3e1f2a4b"
    without_id = {k: v for k, v in badge(issuer_id).items() if k != "id"}
    response = issue(client, without_id, headers, options={"credentialId": wanted})
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.json["verifiableCredential"]
    assert signed["id"] == wanted
    _verified_everywhere(client, signed)
    # The same id given twice is fine; another, or not a URL, is refused naming the option.
    assert issue(client, {**without_id, "id": wanted}, headers,
                 options={"credentialId": wanted}).status_code == 201
    for credential, value, message in ((badge(issuer_id), wanted, "differs from credential.id"),
                                       (without_id, "not a url", "must be a URL"),
                                       (without_id, 5, "must be a URL")):
        response = issue(client, credential, headers, options={"credentialId": value})
        assert response.status_code == 400
        assert message in errors_of(response)["options.credentialId"]
