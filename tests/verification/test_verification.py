"""Verification of our own credentials by employers: the /verify page and /api/v1/verify.

Our documents (credentials, DID documents, status lists) are served locally, never fetched:
every test here installs a fetcher that fails the test if the network is used.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from io import BytesIO

import pytest
from issuing_helpers import NOW, NoNetwork, issuing_context, no_network
from verification_helpers import tiny_png

from badge_service.adapters.keyring import current_keyring
from badge_service.awards.service import issuing
from badge_service.verification.service import MAX_FILES, MAX_URLS
from credentials import baking

BASE = "https://badges.example.org"


@pytest.fixture
def network(app) -> NoNetwork:
    return no_network(app)


def award(app, session, world, person=None, unit=None, now=NOW):  # type: ignore[no-untyped-def]
    person = person or world.participants[0]
    result = issuing.award(session, world.trainer, unit or world.units[0],
                           [issuing.AwardRow(person.email)], issuing=issuing_context(app, now))
    session.commit()
    return result.outcomes[0].credential


def url_of(credential) -> str:  # type: ignore[no-untyped-def]
    return f"{BASE}/credentials/{credential.id}"


def api_verify(client, **body):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["results"]


def page(client, url, lang="en", **query):  # type: ignore[no-untyped-def]
    response = client.get("/verify", query_string={"url": url, "lang": lang, **query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_our_credential_verifies_by_url_on_the_page_and_the_api(app, client, session, world,
                                                                network):
    credential = award(app, session, world)
    person = world.participants[0]
    html = page(client, url_of(credential), lang="fr")
    assert "Valide : ce badge est authentique" in html
    assert person.display_name in html
    assert credential.achievement.name in html
    assert "Délivré par ce service." in html
    assert "La signature numérique est intacte" in html

    [result] = api_verify(client, urls=[url_of(credential)], email=person.email.upper(),
                          lang="en")
    assert (result["verdict"], result["verified"]) == ("valid", True)
    assert result["issued_by_this_service"] is True
    assert result["summary"]["recipient"] == person.display_name
    assert result["summary"]["issuer_id"] == credential.issuer_id
    assert result["email_match"] is True
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["status"]["passed"] is True
    assert checks["status"]["explanation"] == "The issuer has neither revoked nor suspended it."
    assert checks["proof"]["detail"].startswith("proof 0:")
    [other] = api_verify(client, urls=[url_of(credential)], email="someone@else.example")
    assert other["email_match"] is False
    # Any page under the credential's URL designates it (the PDF, the images, the JWT).
    [result] = api_verify(client, urls=[url_of(credential) + "/certificate.pdf"])
    assert result["verdict"] == "valid"
    assert network.calls == []


def test_every_file_form_of_our_credential_verifies(app, client, session, world, network):
    credential = award(app, session, world)
    downloads = {name: client.get(f"/credentials/{credential.id}/{name}").data
                 for name in ("credential.json", "credential.jwt", "badge.svg",
                              "certificate.pdf")}
    # The demo badges are SVG images; a PNG is baked here.
    downloads["badge.png"] = baking.bake_png(tiny_png(), credential.document)
    tampered = copy.deepcopy(credential.document)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    files = [(BytesIO(data), name) for name, data in downloads.items()]
    files.append((BytesIO(json.dumps(tampered).encode()), "edited.json"))
    response = client.post("/verify", data={"files": files, "lang": "en"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("Valid: this credential is genuine") == 5
    assert html.count("Tampered: the content does not match") == 1
    assert html.count(world.participants[0].display_name) == 5  # not shown for the tampered one

    files = [(BytesIO(data), name) for name, data in downloads.items()]
    response = client.post("/api/v1/verify", data={"files": files},
                           content_type="multipart/form-data")
    formats = [(r["verdict"], r["format"]) for r in response.json["results"]]
    assert formats == [("valid", "json"), ("valid", "jwt"), ("valid", "svg"), ("valid", "pdf"),
                       ("valid", "png")]
    assert network.calls == []


def test_revocation_and_suspension_show_at_once_with_the_reason(app, client, session, world,
                                                                network):
    revoked = award(app, session, world, world.participants[0])
    suspended = award(app, session, world, world.participants[1])
    issuing.change_status(session, world.trainer, [revoked], "revoke", reason="Plagiat avéré",
                          now=NOW)
    issuing.change_status(session, world.trainer, [suspended], "suspend",
                          reason="Enquête en cours", now=NOW)
    session.commit()
    html = page(client, url_of(revoked), lang="fr")
    assert "Révoqué : l&#39;émetteur a retiré ce badge définitivement." in html
    html_en = page(client, url_of(suspended), lang="en")
    assert "Suspended: the issuer has suspended this credential for now" in html_en
    # The trainers' reasons are for the record (they may be personal): never shown publicly.
    assert "Plagiat" not in html
    assert "Enquête" not in html_en

    results = api_verify(client, urls=[url_of(revoked), url_of(suspended)])
    assert [r["verdict"] for r in results] == ["revoked", "suspended"]
    # The status bit is the same; the database says it was a revocation.
    assert results[0]["errors"][0]["type"] == "revoked"
    assert "Plagiat" not in json.dumps(results, ensure_ascii=False)
    assert "Enquête" not in json.dumps(results, ensure_ascii=False)

    issuing.change_status(session, world.trainer, [suspended], "reinstate", reason=None,
                          now=NOW)
    session.commit()
    [result] = api_verify(client, urls=[url_of(suspended)])
    assert result["verdict"] == "valid"


def test_expired_and_not_yet_valid(app, client, session, world, network, monkeypatch):
    unit = world.units[1]
    unit.validity_days = 30
    credential = award(app, session, world, unit=unit)
    monkeypatch.setattr("badge_service.verification.views.utcnow", lambda: NOW + timedelta(days=60))
    html = page(client, url_of(credential))
    assert "Expired: this credential is genuine but its validity period has ended." in html
    monkeypatch.setattr("badge_service.verification.views.utcnow", lambda: NOW - timedelta(days=1))
    html = page(client, url_of(credential), lang="fr")
    assert "Pas encore valide" in html


def test_did_web_issuer_and_key_rotation_need_no_network(app, client, session, world, network):
    """A did:web organisation: its DID document and status list are served locally, so
    verification works without DNS; after a rotation old and new credentials verify."""
    organisation = world.programme.organisation
    organisation.did_method = "web"
    session.commit()
    before = award(app, session, world, world.participants[0])
    assert before.issuer_id == f"did:web:badges.example.org:issuers:{organisation.slug}"
    current_keyring().rotate(organisation, now=NOW)
    after = award(app, session, world, world.participants[1])
    assert after.verification_method != before.verification_method
    results = api_verify(client, urls=[url_of(before), url_of(after)])
    assert [r["verdict"] for r in results] == ["valid", "valid"]
    assert network.calls == []


def test_unknown_and_foreign_urls(app, client, session, world, network):
    results = api_verify(client, urls=[f"{BASE}/credentials/00000000-0000-4000-8000-000000000000",
                                       f"{BASE}/programmes", "not a url"])
    assert [r["verdict"] for r in results] == ["unavailable", "unavailable", "malformed"]
    assert results[0]["errors"][0]["explanation"] == (
        "This service has issued no credential at this address.")
    # Another host goes to the (guarded) fetcher; here it refuses: a card, not a crash.
    [result] = api_verify(client, urls=["https://elsewhere.example/credentials/1"])
    assert result["verdict"] == "unavailable"
    assert network.calls == ["https://elsewhere.example/credentials/1"]


def test_page_refuses_empty_and_oversized_requests(app, client, session, network):
    html = client.get("/verify?lang=en").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert "Verify a credential" in html
    response = client.post("/verify", data={"urls": "  \n", "lang": "en"})
    assert response.status_code == 422
    assert "give at least one credential address or file" in response.get_data(as_text=True)
    urls = "\n".join(f"{BASE}/credentials/{i}" for i in range(MAX_URLS + 1))
    response = client.post("/verify", data={"urls": urls})
    assert response.status_code == 422
    files = [(BytesIO(b"{}"), f"{i}.json") for i in range(MAX_FILES + 1)]
    response = client.post("/verify", data={"files": files}, content_type="multipart/form-data")
    assert response.status_code == 422
    response = client.post("/api/v1/verify", json={"urls": []})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "urls"
    response = client.post("/api/v1/verify", json={"urls": "not a list"})
    assert response.status_code == 422
    response = client.post("/api/v1/verify", json={"unknown": 1})
    assert response.status_code == 422


@pytest.fixture
def small_uploads(app_config):
    app_config["MAX_UPLOAD_BYTES"] = 4096
    return app_config


def test_uploads_are_size_checked_and_typed_by_content(small_uploads, app, client, session,
                                                       network):
    files = [(BytesIO(b"{" + b" " * 5000 + b"}"), "big.json"),
             (BytesIO(b"GIF89a not a badge"), "badge.png"),
             (BytesIO(b"%PDF-1.4 not really a pdf"), "certificate.pdf")]
    response = client.post("/api/v1/verify", data={"files": files, "lang": "fr"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    results = response.json["results"]
    assert [r["errors"][0]["type"] for r in results] == ["too-large", "unsupported-file",
                                                        "no-attachment"]
    assert results[0]["errors"][0]["explanation"] == "Le fichier est trop volumineux."
    assert all(r["verdict"] == "malformed" for r in results)


def test_language_follows_the_browser_unless_chosen(app, client, session, network):
    english = client.get("/verify", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "<h1>Verify a credential</h1>" in english.get_data(as_text=True)
    french = client.get("/verify", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert "<h1>Vérifier un badge</h1>" in french.get_data(as_text=True)
    chosen = client.get("/verify?lang=fr", headers={"Accept-Language": "en"})
    assert "<h1>Vérifier un badge</h1>" in chosen.get_data(as_text=True)
    assert 'href="/verify?lang=en"' in chosen.get_data(as_text=True)
    help_page = client.get("/verify/help?lang=en").get_data(as_text=True)
    assert 'id="signature-mismatch"' in help_page
    assert 'id="verdict-tampered"' in help_page


def test_results_escape_what_the_credential_says(app, client, session, world, network):
    credential = award(app, session, world)
    document = copy.deepcopy(credential.document)
    document["credentialSubject"]["achievement"]["name"] = "<script>alert(1)</script>"
    response = client.post("/verify", data={
        "files": [(BytesIO(json.dumps(document).encode()), "x.json")], "lang": "en"},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_the_form_is_csrf_protected_for_anonymous_visitors(csrf_on, app, client, session,
                                                           world, network):
    credential = award(app, session, world)
    assert client.post("/verify", data={"urls": url_of(credential)}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/verify").get_data(as_text=True)).group(1)
    response = client.post("/verify", data={"urls": url_of(credential), "csrf_token": token,
                                            "lang": "en"})
    assert response.status_code == 200
    assert "Valid: this credential is genuine" in response.get_data(as_text=True)
    # The JSON API has no cookie-based authority: no CSRF token needed.
    assert client.post("/api/v1/verify", json={"urls": [url_of(credential)]}).status_code == 200
