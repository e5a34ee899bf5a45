"""Presentations (issue 7 §2): what a holder's signature proves, and what an unsigned one does not.

A signed presentation is checked for the ``authentication`` purpose by the holder's key, and
against the challenge and domain the verifier chose (``options`` of ``/presentations/verify``,
``challenge``/``domain`` of the library's ``verify()``), which are signed proof options. An
unsigned presentation proves nothing by itself: it counts only for the credentials it carries,
and is reported as unsigned.
"""

from __future__ import annotations

import copy
import json
from io import BytesIO

import pytest
from issuing_helpers import build_world, issuing_context
from vcapi_helpers import VC_V2, api_verify, errors_of

from badge_service.awards.service import issuing
from badge_service.clock import utcnow
from credentials import data_integrity
from credentials.did import Resolver
from credentials.keys import KeyPair
from credentials.verify import verify

CHALLENGE = "c0ffee-4f1a"
DOMAIN = "verifier.example.org"


@pytest.fixture(scope="module")
def holder() -> KeyPair:
    return KeyPair.generate("Ed25519")


def presentation(holder: KeyPair, *credentials: dict) -> dict:
    document = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder.did_key}
    if credentials:
        document["verifiableCredential"] = list(credentials)
    return document


def signed(holder: KeyPair, document: dict, **proof: object) -> dict:
    options = {"proof_purpose": "authentication", "challenge": CHALLENGE, "domain": DOMAIN,
               **proof}
    return data_integrity.add_proof(document, holder.signer(holder.did_key_vm),
                                    created=utcnow(), **options)


def post(client, document, **options):  # type: ignore[no-untyped-def]
    return client.post("/presentations/verify",
                       json={"verifiablePresentation": document, "options": options})


def problems(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [p["type"].rsplit("#", 1)[1] for p in response.json["problemDetails"]]


def test_a_signed_presentation_without_credentials_verifies(app, client, holder):
    vp = signed(holder, presentation(holder))
    response = post(client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["verified"] is True
    assert "proof" in response.json["checks"]
    assert "credentialResults" not in response.json
    # The same in the library, and as the employers' JSON API reports it.
    result = verify(vp, now=utcnow(), resolver=Resolver(), challenge=CHALLENGE, domain=DOMAIN)
    assert result.verified, result.errors
    report = api_verify(client, vp)
    assert (report["verdict"], report["verified"]) == ("valid", True)
    # An employer is not told a credential is genuine when there is none.
    assert report["headline"].startswith("Valid presentation: signed by its holder, but it "
                                          "contains no credential")
    assert "credential is genuine" not in report["headline"]
    page = client.post("/verify", data={"files": [(BytesIO(json.dumps(vp).encode()), "vp.json")],
                                        "lang": "fr"}, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "Présentation valide" in page.get_data(as_text=True)


def test_the_challenge_and_domain_must_be_the_expected_ones(app, client, holder):
    vp = signed(holder, presentation(holder))
    cases = [
        ({"challenge": "another"}, "challenge-mismatch", "'c0ffee-4f1a'"),
        ({"domain": "elsewhere.example"}, "domain-mismatch", "'verifier.example.org'"),
        ({"challenge": CHALLENGE, "domain": "elsewhere.example"}, "domain-mismatch", ""),
    ]
    for options, problem, found in cases:
        response = post(client, vp, **options)
        assert response.status_code == 400, options
        assert response.json["verified"] is False
        assert problems(response) == [problem], (options, response.json["errors"])
        assert found in response.json["errors"][0]
        assert response.json["problemDetails"][0]["title"] != "This check failed."
    # Proofs made without them: missing is as wrong as different.
    bare = data_integrity.add_proof(presentation(holder), holder.signer(holder.did_key_vm),
                                    created=utcnow(), proof_purpose="authentication")
    for options, problem in (({"challenge": CHALLENGE}, "challenge-mismatch"),
                             ({"domain": DOMAIN}, "domain-mismatch")):
        response = post(client, bare, **options)
        assert response.status_code == 400
        assert problems(response) == [problem]
        assert "carries no" in response.json["errors"][0]
    # The verifier that asks nothing accepts either.
    assert post(client, bare).status_code == 200
    assert post(client, vp).status_code == 200


def test_a_domain_set_contains_the_expected_domain(app, client, holder):
    vp = signed(holder, presentation(holder), domain=[DOMAIN, "other.example"])
    assert post(client, vp, challenge=CHALLENGE, domain=DOMAIN).status_code == 200
    response = post(client, vp, challenge=CHALLENGE, domain="third.example")
    assert problems(response) == ["domain-mismatch"]


def test_the_challenge_is_signed(app, client, holder):
    # Rewriting the proof's challenge to the one asked for breaks the signature.
    vp = signed(holder, presentation(holder), challenge="old-request")
    vp["proof"]["challenge"] = CHALLENGE
    response = post(client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 400
    assert "signature-mismatch" in problems(response)


@pytest.mark.parametrize("value", [5, "", ["c"], {"a": 1}, True])
def test_challenge_and_domain_options_must_be_strings(app, client, holder, value):
    vp = signed(holder, presentation(holder))
    for name in ("challenge", "domain"):
        response = post(client, vp, **{name: value})
        assert response.status_code == 400
        assert f"options.{name}" in errors_of(response)


def test_an_assertion_proof_does_not_authenticate_a_holder(app, client, holder):
    vp = signed(holder, presentation(holder), proof_purpose="assertionMethod")
    response = post(client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 400
    assert "wrong-proof-purpose" in problems(response)
    assert "authentication" in " ".join(response.json["errors"])
    result = verify(vp, now=utcnow(), resolver=Resolver())
    assert not result.verified


def test_a_presentation_signed_by_someone_other_than_the_holder_fails(app, client, holder):
    other = KeyPair.generate("Ed25519")
    vp = data_integrity.add_proof(presentation(holder), other.signer(other.did_key_vm),
                                  created=utcnow(), proof_purpose="authentication")
    response = post(client, vp)
    assert response.status_code == 400
    assert "controller-mismatch" in problems(response)


def test_an_unsigned_presentation_without_credentials_is_not_verified(app, client, holder):
    response = post(client, presentation(holder))
    assert response.status_code == 400
    assert response.json["verified"] is False
    assert "proves nothing" in " ".join(response.json["errors"])
    result = verify(presentation(holder), now=utcnow(), resolver=Resolver())
    assert not result.verified


def test_an_unsigned_presentation_counts_only_for_its_credentials(app, client, session, holder):
    world = build_world(app, session)
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    session.commit()
    credential = result.outcomes[0].credential.document
    vp = presentation(holder, credential)
    response = post(client, vp)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["verified"] for r in response.json["credentialResults"]] == [True]
    # Reported as unsigned: a warning, and the proof check neither passed nor failed.
    assert any("not signed" in w for w in response.json["warnings"])
    proof = [d for d in response.json["details"] if d["name"] == "proof"]
    assert [d["passed"] for d in proof] == [None]
    assert "proof" not in response.json["checks"]
    # A bad credential inside fails it; so does a challenge it cannot carry unsigned.
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["name"] = "changed"
    response = post(client, tampered)
    assert response.status_code == 400
    assert response.json["credentialResults"][0]["verdict"] == "tampered"
    response = post(client, vp, challenge=CHALLENGE)
    assert response.status_code == 400
    assert problems(response) == ["challenge-mismatch"]
    # Signed by the holder, the same presentation verifies with its credential.
    response = post(client, signed(holder, vp), challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "proof" in response.json["checks"]


def test_a_credential_as_json_text_inside_a_presentation_is_malformed(app, client, holder):
    inner = {"@context": [VC_V2], "type": ["VerifiableCredential"],
             "issuer": holder.did_key, "credentialSubject": {"id": "did:example:x"}}
    inner = data_integrity.add_proof(inner, holder.signer(holder.did_key_vm), created=utcnow())
    vp = presentation(holder, inner)
    vp["verifiableCredential"] = [json.dumps(inner)]
    result = verify(vp, now=utcnow(), resolver=Resolver())
    assert not result.verified
    assert [r.verdict for r in result.credentials] == ["malformed"]
    response = post(client, vp)
    assert response.status_code == 400
    assert response.json["credentialResults"][0]["verdict"] == "malformed"
    # As an object, the same credential verifies.
    assert post(client, presentation(holder, inner)).status_code == 200
