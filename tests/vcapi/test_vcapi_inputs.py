"""Input shapes (issue 7 §2): what is refused before anything is verified or signed.

A credential or presentation given as a JSON string is refused unless it is a compact JWS/JWT
(or comes as an Enveloped… object with a ``data:`` URL); ``proof: null``, a proof that is not
an object (or array of objects), and a credential that is not an object are 400 problems
(422 on ``POST /api/v1/verify``, as its other input errors) naming the member: never a 200
and never a 500.
"""

from __future__ import annotations

import json

import pytest
from accounts_helpers import bearer
from issuing_helpers import issuing_context
from vcapi_helpers import VC_V2, badge, errors_of, issue

from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import issuing

BAD_PROOFS = [None, 5, "z3FXQ", [], [None], [{"type": "DataIntegrityProof"}, 1], True]


@pytest.fixture
def issued(app, session, world):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    session.commit()
    return result.outcomes[0].credential


def _refused(response, field: str, status: int = 400) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    found = errors_of(response)
    assert field in found, found


def test_credentials_verify(app, client, issued):
    def post(value):  # type: ignore[no-untyped-def]
        return client.post("/credentials/verify", json={"verifiableCredential": value})

    document = issued.document
    _refused(post(json.dumps(document)), "verifiableCredential")
    _refused(post(" "), "verifiableCredential")
    for value in (5, True, [document], {}, None):
        _refused(post(value), "verifiableCredential")
    for proof in BAD_PROOFS:
        _refused(post({**document, "proof": proof}), "verifiableCredential.proof")
    enveloped = {"@context": [VC_V2], "type": "EnvelopedVerifiableCredential"}
    for ident in (f"data:application/vc+ld+json,{json.dumps(document)}", "data:nothing",
                  "https://example.org/c/1", 5):
        _refused(post({**enveloped, "id": ident}), "verifiableCredential.id")
    # What is accepted: the object, the VC-JWT (padded by spaces too), the enveloped JWT.
    assert post(document).status_code == 200
    assert post(f" {issued.jwt}\n").status_code == 200
    assert post({**enveloped, "id": f"data:application/vc+jwt,{issued.jwt}"}).status_code == 200


def test_presentations_verify(app, client, issued):
    def post(value):  # type: ignore[no-untyped-def]
        return client.post("/presentations/verify", json={"verifiablePresentation": value})

    vp = {"@context": [VC_V2], "type": ["VerifiablePresentation"],
          "verifiableCredential": [issued.document]}
    _refused(post(json.dumps(vp)), "verifiablePresentation")
    for value in (5, [vp], {}, None):
        _refused(post(value), "verifiablePresentation")
    for proof in BAD_PROOFS:
        _refused(post({**vp, "proof": proof}), "verifiablePresentation.proof")
    # The older member name is named as given.
    response = client.post("/presentations/verify", json={"presentation": json.dumps(vp)})
    _refused(response, "presentation")
    assert post(vp).status_code == 200


def test_credentials_issue(app, client, world):
    headers = bearer(world.trainer)
    issuer_id = current_keyring().identity(world.programme.organisation).issuer_id
    credential = badge(issuer_id)
    _refused(issue(client, json.dumps(credential), headers), "credential")
    for value in (5, None, [credential]):
        _refused(issue(client, value, headers), "credential")
    for proof in BAD_PROOFS:
        _refused(issue(client, {**credential, "proof": proof}, headers), "credential.proof")
    assert issue(client, credential, headers).status_code == 201


def test_api_v1_verify(app, client, issued):
    def post(*credentials):  # type: ignore[no-untyped-def]
        return client.post("/api/v1/verify", json={"credentials": list(credentials)})

    document = issued.document
    _refused(post(json.dumps(document)), "credentials[0]", 422)
    _refused(post(document, 5), "credentials[1]", 422)
    for proof in BAD_PROOFS:
        _refused(post({**document, "proof": proof}), "credentials[0].proof", 422)
    response = post(document, issued.jwt)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["verdict"] for r in response.json["results"]] == ["valid", "valid"]
