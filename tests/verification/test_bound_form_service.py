"""A revoked credential rewritten into an RDF-equivalent form stays refused at every door.

The library rule (credentials.bound_form, tested property by property in test_bound_form.py)
must hold where employers meet it: ``POST /api/v1/verify`` (pasted and uploaded), the ``/verify``
page, the VC-API's ``/credentials/verify`` and ``/presentations/verify``, and the offline
``badge-service credentials verify`` command.
"""

from __future__ import annotations

import copy
import io
import json

from awards_helpers import trainer_headers
from click.testing import CliRunner
from e2e_helpers import award, fetch_credential, set_status

from badge_service.cli import main
from credentials.jsonld import canonicalize

CRED = "https://www.w3.org/2018/credentials#"


def _rewrite(document: dict) -> dict:
    """Same graph, but no ``credentialStatus`` or ``validFrom`` key for a check to read."""
    rewritten = copy.deepcopy(document)
    rewritten[CRED + "credentialStatus"] = rewritten.pop("credentialStatus")
    rewritten["@context"] = [*rewritten["@context"], {
        "since": {"@id": CRED + "validFrom", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    }]
    rewritten["since"] = rewritten.pop("validFrom")
    return rewritten


def _unsigned(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "proof"}


def test_a_rewritten_revoked_credential_is_refused_everywhere(app, client, session, world,
                                                              served, tmp_path):
    headers = trainer_headers(world)
    [issued] = award(client, headers, world.units[0].id, [world.participants[0].email],
                     notify=False)
    document = fetch_credential(app, client, headers, served, issued)
    set_status(client, headers, issued["id"], "revoke", "fraude")
    rewritten = _rewrite(document)
    assert canonicalize(_unsigned(rewritten)) == canonicalize(_unsigned(document))

    # Public API, pasted and uploaded.
    for response in (
        client.post("/api/v1/verify", json={"credentials": [rewritten], "lang": "en"}),
        client.post("/api/v1/verify", content_type="multipart/form-data", data={
            "files": [(io.BytesIO(json.dumps(rewritten).encode()), "badge.json")],
            "lang": "en"}),
    ):
        assert response.status_code == 200, response.get_data(as_text=True)
        [report] = response.json["results"]
        assert (report["verified"], report["verdict"]) == (False, "malformed"), report
        contexts = next(c for c in report["checks"] if c["name"] == "contexts")
        assert contexts["passed"] is False
    # The original, for comparison: revoked (not "malformed": the rule does not hide it).
    response = client.post("/api/v1/verify", json={"credentials": [document], "lang": "en"})
    assert response.json["results"][0]["verdict"] == "revoked"

    # The page an employer uses.
    page = client.post("/verify?lang=en", content_type="multipart/form-data", data={
        "files": [(io.BytesIO(json.dumps(rewritten).encode()), "badge.json")]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "unusual form" in html  # the plain-language explanation of unbound-form

    # The VC-API.
    response = client.post("/credentials/verify", json={"verifiableCredential": rewritten})
    assert response.status_code != 500
    assert response.json.get("verified") is not True, response.json
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"], "verifiableCredential": [rewritten]}
    response = client.post("/presentations/verify",
                           json={"verifiablePresentation": presentation})
    assert response.status_code != 500
    assert response.json.get("verified") is not True, response.json

    # The offline command line (no status source: even "status not checked" is not reached).
    path = tmp_path / "rewritten.json"
    path.write_text(json.dumps(rewritten))
    result = CliRunner().invoke(main, ["credentials", "verify", str(path)],
                                catch_exceptions=False)
    assert result.exit_code != 0
    assert "NOT VERIFIED — malformed" in result.output, result.output
    assert "[FAIL] contexts" in result.output
    assert "what was signed" in result.output
