"""End to end over HTTP: a trainer awards through the API, the participant's email arrives
(real SMTP server) with the link, the credential is fetched from its public URL (HTML for
people, the signed JSON by content negotiation) and verified the way an employer's verifier
would — every document it needs (DID documents, status lists) read from OUR served routes.

The files the participant downloads (PDF certificate, baked PNG and SVG) verify through the
public ``POST /api/v1/verify`` as an employer would upload them. Then: one field changed →
tampered; revoke → revoked at once (the downloaded files too); suspend → suspended, reinstate →
valid; past validUntil → expired; key rotation (the CLI) keeps old credentials valid while new
ones use the new key; and the Digital Bazaar verifier (Node.js) accepts what the service
issues, checking status against the served status list, and rejects it once revoked.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta

import pytest
from accounts_helpers import send_mail_to
from awards_helpers import trainer_headers
from click.testing import CliRunner
from e2e_helpers import (
    BASE,
    award,
    download,
    fetch_credential,
    link_in,
    service_verdict,
    set_status,
    status_check,
    verify_files,
)
from flask.cli import ScriptInfo
from interop_node import run_node

from badge_service.achievements import service as achievements
from badge_service.adapters.keyring import current_keyring
from badge_service.cli import main
from badge_service.clock import utcnow
from badge_service.db import db


@pytest.fixture
def app_config(app_config, smtp_server):
    """Every app in this module sends its mail to the real SMTP server below."""
    return send_mail_to(smtp_server, app_config)



def test_award_email_page_verify_tamper_revoke_suspend(app, client, session, world, mailbox,
                                                       served):
    english, french = world.participants[:2]
    english.preferred_language = "en"
    session.commit()
    headers = trainer_headers(world)
    unit = world.units[0]
    issued = award(client, headers, unit.id, [english.email, french.email],
                   key=str(uuid.uuid4()))

    # The participants' emails arrived, each in their language, with the credential's link.
    by_recipient = {m["To"].addresses[0].addr_spec: m for m in mailbox}
    assert set(by_recipient) == {english.email, french.email}
    assert by_recipient[english.email]["Subject"].startswith("You have earned: ")
    assert by_recipient[french.email]["Subject"].startswith("Vous avez obtenu : ")
    assert unit.name in by_recipient[french.email]["Subject"]
    urls = {c["recipient_email"]: c["url"] for c in issued}
    for email, message in by_recipient.items():
        assert link_in(message) == urls[email]

    credential = issued[0]
    page = served.get(link_in(by_recipient[english.email]), Accept="text/html")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'property="og:title"' in html
    assert (unit.name_i18n or {})["en"] in html  # the recipient's language
    document = fetch_credential(app, client, headers, served, credential)
    assert document["id"] == credential["url"]
    assert document["issuer"]["id"].startswith("did:key:")

    result = served.verify(document)
    assert result.verdict == "valid", result.errors
    assert result.verified
    passed = {check.name for check in result.checks if check.passed}
    assert {"status", "validity"} <= passed
    assert credential["status_list_url"] in served.responses

    # One field changed: the signature no longer matches.
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["achievement"]["name"] = "Doctorat honoris causa"
    assert served.verify(tampered).verdict == "tampered"
    forged_dates = copy.deepcopy(document)
    forged_dates["validFrom"] = "2001-01-01T00:00:00Z"
    assert served.verify(forged_dates).verdict == "tampered"

    assert service_verdict(app, client, credential["url"]) == "valid"

    # The files a participant downloads and sends an employer verify through the public API:
    # the printable certificate (the signed JSON attached), the baked images.
    files = {
        "certificate.pdf": download(served, f"{credential['url']}/certificate.pdf",
                                    "application/pdf"),
        "badge.png": download(served, f"{credential['url']}/badge.png", "image/png"),
        "badge.svg": download(served, f"{credential['url']}/badge.svg", "image/svg+xml"),
    }
    reports = verify_files(client, files)
    assert {name: (r["verdict"], r["format"]) for name, r in reports.items()} == {
        "certificate.pdf": ("valid", "pdf"), "badge.png": ("valid", "png"),
        "badge.svg": ("valid", "svg")}
    for report in reports.values():
        assert report["issued_by_this_service"] is True
        assert report["summary"]["credential_id"] == document["id"]
        assert status_check(report)["passed"] is True

    # Revoked through the API: the very next verification refuses it. The credential has one
    # status entry (purpose "suspension", see models/issued.py), so a verifier that knows
    # only the status list sees "suspended"; our own verification also knows it is revoked.
    set_status(client, headers, credential["id"], "revoke", "fraude avérée")
    result = served.verify(document)
    assert not result.verified
    assert result.verdict == "suspended"
    assert service_verdict(app, client, credential["url"]) == "revoked"
    page = served.get(credential["url"] + "?lang=en", Accept="text/html")
    assert page.status_code == 200
    assert "The issuer revoked this" in page.get_data(as_text=True)
    # The files downloaded before are revoked too: their status is checked at each
    # verification (the served list's bit), not read from the copy.
    reports = verify_files(client, files)
    assert {name: r["verdict"] for name, r in reports.items()} == dict.fromkeys(files,
                                                                                "revoked")
    for report in reports.values():
        assert status_check(report)["passed"] is False
        assert not report["verified"]

    # The other one: suspended, then reinstated.
    other = fetch_credential(app, client, headers, served, issued[1])
    assert served.verify(other).verdict == "valid"
    set_status(client, headers, issued[1]["id"], "suspend", "vérification en cours")
    assert served.verify(other).verdict == "suspended"
    assert service_verdict(app, client, issued[1]["url"]) == "suspended"
    set_status(client, headers, issued[1]["id"], "reinstate")
    assert served.verify(other).verdict == "valid"
    assert not served.verify(document).verified  # revocation is for good


def test_expired_after_the_validity_period(app, client, session, world, served):
    unit = world.units[1]
    achievements.update(session, None, unit, {"validity_days": 30}, now=utcnow())
    session.commit()
    headers = trainer_headers(world)
    [credential] = award(client, headers, unit.id, [world.participants[0].email])
    document = fetch_credential(app, client, headers, served, credential)
    assert "validUntil" in document
    assert served.verify(document).verdict == "valid"
    later = utcnow() + timedelta(days=31)
    result = served.verify(document, now=later)
    assert result.verdict == "expired", result.errors
    listed = client.get("/api/v1/credentials?state=expired", headers=headers).json
    assert listed["total"] == 0  # not yet: it expires in 30 days


def _rotate(app, slug: str) -> str:
    db.session.commit()
    runner = CliRunner()
    result = runner.invoke(main, ["keys", "rotate", "--organisation", slug],
                           obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_did_web_issuer_and_key_rotation(app, client, session, world, served, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # Flask sets it; restore it afterwards
    organisation = world.programme.organisation
    organisation.did_method = "web"
    session.commit()
    did = f"did:web:badges.example.org:issuers:{organisation.slug}"
    headers = trainer_headers(world)
    [before] = award(client, headers, world.units[0].id, [world.participants[0].email])
    old = fetch_credential(app, client, headers, served, before)
    assert old["issuer"]["id"] == did
    result = served.verify(old)
    assert result.verdict == "valid", result.errors
    assert f"{BASE}/issuers/{organisation.slug}/did.json" in served.responses

    output = _rotate(app, organisation.slug)
    assert "new active key" in output
    [after] = award(client, headers, world.units[1].id, [world.participants[0].email])
    new = fetch_credential(app, client, headers, served, after)
    assert new["issuer"]["id"] == did
    assert new["proof"][0]["verificationMethod"] != old["proof"][0]["verificationMethod"]
    assert new["proof"][0]["verificationMethod"] == current_keyring().identity(
        organisation).verification_method
    assert served.verify(new).verdict == "valid"
    assert served.verify(old).verdict == "valid"  # signed with the retired key: still valid

    # A status change after the rotation re-signs the list with the new key: both still check.
    set_status(client, headers, before["id"], "suspend", "contrôle")
    assert served.verify(old).verdict == "suspended"
    assert served.verify(new).verdict == "valid"


def test_did_key_rotation_keeps_old_credentials_valid(app, client, world, served,
                                                      monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    organisation = world.programme.organisation
    headers = trainer_headers(world)
    [before] = award(client, headers, world.units[0].id, [world.participants[0].email])
    old = fetch_credential(app, client, headers, served, before)
    _rotate(app, organisation.slug)
    [after] = award(client, headers, world.units[1].id, [world.participants[0].email])
    new = fetch_credential(app, client, headers, served, after)
    assert new["issuer"]["id"] != old["issuer"]["id"]  # did:key: the key is the issuer
    assert served.verify(new).verdict == "valid"
    # The list both entries live on is re-signed when a bit changes: the old credential's
    # status must still be checkable afterwards.
    set_status(client, headers, after["id"], "suspend", "contrôle")
    result = served.verify(old)
    assert result.verdict == "valid", result.errors


# --- the Digital Bazaar verifier ---------------------------------------------------------------


def _js_verify(credential: dict, documents: dict) -> dict:
    return run_node("verify.mjs", {"credential": credential, "documents": documents})


@pytest.mark.interop
def test_digital_bazaar_verifies_what_the_service_issues(app, client, session, world, served):
    headers = trainer_headers(world)
    [credential] = award(client, headers, world.units[0].id, [world.participants[0].email])
    document = fetch_credential(app, client, headers, served, credential)
    list_url = document["credentialStatus"]["statusListCredential"]
    result = _js_verify(document, {list_url: served.status_list(list_url)})
    assert result["errors"] == []
    assert result["verified"] is True
    assert result["allProofsVerified"] is True
    assert result["status"]["checked"] is True
    assert [e["set"] for e in result["status"]["entries"]] == [False]

    set_status(client, headers, credential["id"], "revoke", "fraude")
    result = _js_verify(document, {list_url: served.status_list(list_url)})
    assert result["verified"] is False
    assert [e["set"] for e in result["status"]["entries"]] == [True]


@pytest.mark.interop
def test_digital_bazaar_verifies_a_did_web_credential(app, client, session, world, served):
    organisation = world.programme.organisation
    organisation.did_method = "web"
    session.commit()
    headers = trainer_headers(world)
    [credential] = award(client, headers, world.units[0].id, [world.participants[0].email])
    document = fetch_credential(app, client, headers, served, credential)
    did = document["issuer"]["id"]
    did_document = json.loads(served.fetch(f"{BASE}/issuers/{organisation.slug}/did.json"))
    list_url = document["credentialStatus"]["statusListCredential"]
    result = _js_verify(document, {did: did_document,
                                   list_url: served.status_list(list_url)})
    assert result["errors"] == []
    assert result["verified"] is True
    assert result["status"]["checked"] is True
    set_status(client, headers, credential["id"], "suspend", "contrôle")
    result = _js_verify(document, {did: did_document, list_url: served.status_list(list_url)})
    assert result["verified"] is False
