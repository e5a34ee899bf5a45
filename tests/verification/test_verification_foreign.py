"""Verifying credentials of other issuers: did:web, did:key, HTTPS key URLs, Bitstring Status
List (revocation and suspension) and 1EdTech Revocation List, all fetched from local servers
through the guarded fetcher — by the service functions and through ``POST /api/v1/verify``."""

from __future__ import annotations

import copy
import io
import json
from datetime import datetime, timedelta

import pytest
from verification_helpers import (
    HOLDER_EMAIL,
    NOW,
    TINY_SVG,
    serve_foreign,
    tiny_png,
    trusting,
)

from badge_service.adapters.fetcher import GuardedFetcher
from badge_service.verification.service import Input, sniff, verify_any
from credentials import baking, data_integrity
from credentials import models as ob
from credentials.jwt import sign_jwt
from credentials.keys import KeyPair
from credentials.status_list import StatusList, status_entry, status_list_credential


@pytest.fixture(scope="module")
def foreign_world(tmp_path_factory):
    yield from serve_foreign(tmp_path_factory)


@pytest.fixture
def foreign(foreign_world, monkeypatch):
    return trusting(foreign_world, monkeypatch)


def _forklift(credential_id: str, issuer: str, status: dict | None, *,
              valid_from: datetime) -> dict:
    achievement = ob.achievement("https://acme.example/achievements/forklift", "Forklift safety",
                                 "Operates a forklift safely.", "Passed the practical test.")
    subject = ob.achievement_subject(achievement, identifiers=[
        ob.identity_object_for_email(HOLDER_EMAIL, salt="5a1t")])
    return ob.achievement_credential(credential_id, ob.profile(issuer, "ACME Training"),
                                     subject, valid_from=valid_from, credential_status=status)


@pytest.fixture(scope="module")
def more_foreign(foreign_world):
    """More of the other issuer's publications, on the same servers: a suspension list (bit 5
    set) and credentials on it, a credential not valid before next month, and an issuer whose
    identifier is its key (did:key) with a status list of its own."""
    foreign = foreign_world
    https, site = foreign.https, foreign.site
    did_signer = foreign.did_key.signer(f"{foreign.did}#key-1")

    def publish_list(path: str, issuer: str, signer, bits: StatusList, purpose: str) -> str:
        url = f"{https}{path}"
        unsigned = status_list_credential(url, issuer, bits, purpose,
                                          valid_from=NOW - timedelta(days=1),
                                          valid_until=NOW + timedelta(days=1))
        site.json(path, data_integrity.add_proof(unsigned, signer, created=NOW),
                  "application/vc+ld+json")
        return url

    def publish(name: str, issuer: str, signer, status: dict | None, *,
                valid_from: datetime = NOW - timedelta(days=30)) -> None:
        document = data_integrity.add_proof(
            _forklift(f"{https}/credentials/{name}", issuer, status, valid_from=valid_from),
            signer, created=valid_from)
        foreign.credentials[name] = document
        site.json(f"/credentials/{name}", document, "application/vc+ld+json")

    suspensions = publish_list("/status/suspension/1", foreign.did, did_signer,
                               StatusList().set(5), "suspension")
    publish("suspended", foreign.did, did_signer, status_entry(suspensions, 5, "suspension"))
    publish("not-suspended", foreign.did, did_signer,
            status_entry(suspensions, 6, "suspension"))
    publish("not-yet-valid", foreign.did, did_signer,
            status_entry(suspensions, 8, "suspension"), valid_from=NOW + timedelta(days=30))

    key = KeyPair.generate("Ed25519")
    key_signer = key.signer(key.did_key_vm)
    key_list = publish_list("/status/did-key/1", key.did_key, key_signer, StatusList(),
                            "revocation")
    publish("did-key", key.did_key, key_signer, status_entry(key_list, 11, "revocation"))
    return foreign


@pytest.fixture
def foreign_more(more_foreign, monkeypatch):
    return trusting(more_foreign, monkeypatch)


def test_suspended_not_yet_valid_and_did_key_issuers(foreign_more):
    foreign = foreign_more
    reports = by_url(foreign, "suspended", "not-suspended", "not-yet-valid", "did-key")
    verdicts = {r.source.rsplit("/", 1)[1]: r.verdict for r in reports}
    assert verdicts == {"suspended": "suspended", "not-suspended": "valid",
                        "not-yet-valid": "not-yet-valid", "did-key": "valid"}
    suspended, not_suspended, not_yet_valid, did_key = reports
    status = next(c for c in suspended.checks if c.name == "status")
    assert status.passed is False
    assert status.explanation == "The issuer has suspended it."
    assert suspended.headline.startswith("Suspended")
    assert next(c for c in suspended.checks if c.name == "proof").passed
    assert not_suspended.verified
    validity = next(c for c in not_yet_valid.checks if c.name == "validity")
    assert validity.passed is False
    assert validity.explanation == "It is not valid yet."
    assert not not_yet_valid.verified
    # A did:key issuer is resolved from the identifier itself: nothing fetched for its key.
    assert did_key.verified
    assert did_key.summary.issuer_id.startswith("did:key:z6Mk")
    assert [c.name for c in did_key.checks if c.passed] == [
        "parse", "contexts", "types", "schema", "proof", "issuer", "validity", "status"]
    assert foreign.site.hits["/status/did-key/1"] >= 1
    assert foreign.site.hits["/status/suspension/1"] >= 1
    [french] = by_url(foreign, "suspended", language="fr")
    assert french.headline.startswith("Suspendu")


def test_foreign_credentials_through_the_public_api(app, client, foreign_more, monkeypatch):
    """``POST /api/v1/verify`` as an employer calls it: URLs and a pasted credential of
    another issuer, fetched through the app's guarded fetcher."""
    foreign = foreign_more
    from badge_service.verification import api as verification_api

    app.extensions["badge_fetcher"] = foreign.fetcher()
    # The foreign status lists are valid for a day around NOW: the API reads its clock there.
    monkeypatch.setattr(verification_api, "utcnow", lambda: NOW)
    names = ("valid", "revoked", "suspended", "not-yet-valid", "did-key", "stranger")
    response = client.post("/api/v1/verify", json={
        "urls": [f"{foreign.https}/credentials/{name}" for name in names],
        "credentials": [foreign.credentials["did-key"]], "lang": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    results = response.json["results"]
    assert [r["verdict"] for r in results] == [
        "valid", "revoked", "suspended", "not-yet-valid", "valid", "unknown-issuer", "valid"]
    assert [r["verified"] for r in results] == [True, False, False, False, True, False, True]
    assert not any(r["issued_by_this_service"] for r in results)
    assert results[0]["summary"]["issuer_id"] == foreign.did
    assert results[0]["summary"]["achievement"] == "Forklift safety"
    assert results[-1]["source"] == "credentials[0]"
    status = next(c for c in results[2]["checks"] if c["name"] == "status")
    assert (status["passed"], status["explanation"]) == (False, "The issuer has suspended it.")

    files = {"badge.png": baking.bake_png(tiny_png(), foreign.credentials["suspended"]),
             "badge.svg": baking.bake_svg(TINY_SVG, foreign.credentials["did-key"])}
    response = client.post("/api/v1/verify", data={
        "files": [(io.BytesIO(data), name) for name, data in files.items()], "lang": "fr"},
        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [(r["verdict"], r["format"]) for r in response.json["results"]] == [
        ("suspended", "png"), ("valid", "svg")]
    assert response.json["language"] == "fr"


def by_url(foreign, *names, fetcher=None, email=None, language="en"):
    inputs = [Input.url(f"{foreign.https}/credentials/{name}") for name in names]
    return verify_any(inputs, now=NOW, fetcher=fetcher or foreign.fetcher(), email=email,
                      language=language)


def test_foreign_credentials_get_plain_verdicts(foreign):
    reports = by_url(foreign, "valid", "revoked", "expired", "rl-revoked", "rl-valid",
                     "stranger")
    verdicts = {r.source.rsplit("/", 1)[1]: r.verdict for r in reports}
    assert verdicts == {"valid": "valid", "revoked": "revoked", "expired": "expired",
                        "rl-revoked": "revoked", "rl-valid": "valid",
                        "stranger": "unknown-issuer"}
    valid = reports[0]
    assert valid.verified
    assert valid.format == "json"
    assert [c.name for c in valid.checks if c.passed] == [
        "parse", "contexts", "types", "schema", "proof", "issuer", "validity", "status"]
    assert valid.summary.issuer == "ACME Training"
    assert valid.summary.achievement == "Forklift safety"
    assert valid.summary.issuer_id == foreign.did
    assert valid.summary.recipient is None  # another issuer's holder is only a hash
    assert valid.summary.issued.startswith("2026-08-16")
    assert not valid.ours
    # The 1EdTech list gives the issuer's reason; the did:web key and HTTPS key URL resolved.
    rl_revoked = reports[3]
    status = next(c for c in rl_revoked.checks if c.name == "status")
    assert status.passed is False
    assert "Issued by mistake" in status.detail
    assert status.explanation == "The issuer has revoked it."
    assert reports[4].summary.issuer_id == foreign.controller
    # Each document was fetched once, through the guarded fetcher.
    assert foreign.site.hits["/.well-known/did.json"] >= 1
    assert foreign.site.hits["/issuers/acme"] >= 1
    assert foreign.site.hits["/revocations/1"] >= 1
    # Credentials are asked for as credentials (content negotiation), keys as DID documents.
    assert foreign.site.accept["/credentials/valid"] == (
        "application/vc+ld+json, application/ld+json, application/json")
    assert foreign.site.accept["/.well-known/did.json"].startswith("application/did+json")


def test_every_check_is_explained_in_french(foreign):
    [report] = by_url(foreign, "revoked", language="fr")
    assert report.headline.startswith("Révoqué : l'émetteur a retiré ce badge")
    explanations = {c.name: c.explanation for c in report.checks}
    assert explanations["proof"].startswith("La signature numérique est intacte")
    assert explanations["status"] == "L'émetteur l'a révoqué."
    assert [c.title for c in report.checks][:2] == ["Lecture", "Vocabulaire"]
    [report] = by_url(foreign, "stranger", language="fr")
    assert report.headline.startswith("Émetteur inconnu")


def test_holder_email_is_checked_against_the_hashed_identity(foreign):
    [yes] = by_url(foreign, "valid", email="  Ines.Martin@example.net ")
    assert (yes.email_match, yes.email_note) == (
        True, "This credential was issued to Ines.Martin@example.net: yes.")
    [no] = by_url(foreign, "valid", email="someone@example.net", language="fr")
    assert no.email_match is False
    assert no.email_note.startswith("Ce badge a été délivré à someone@example.net : non")


def test_status_at_a_private_address_is_not_fetched(foreign):
    # 127.0.0.1 is allowed for nothing here: did:web (localhost) resolves, the status list URL
    # (plain HTTP on the loopback) and a private address are refused before any connection.
    fetcher = GuardedFetcher(allow_http=True, allowed_hosts=frozenset({"localhost"}),
                             resolver=lambda host, port: ["127.0.0.1"])
    reports = by_url(foreign, "loopback-status", "private-status", fetcher=fetcher)
    for report in reports:
        assert report.verdict == "invalid"
        assert not report.verified
        status = next(c for c in report.checks if c.name == "status")
        assert status.passed is False
        assert status.explanation.startswith(
            "Its revocation status could not be checked: the issuer's status list could not be "
            "retrieved")
        assert "non-public address" in status.detail
        assert "could not be checked" in report.headline
        assert next(c for c in report.checks if c.name == "proof").passed
    assert foreign.site.hits.get("/status/never-fetched", 0) == 0


def test_without_allowed_hosts_nothing_local_is_fetched(foreign):
    reports = by_url(foreign, "valid", fetcher=GuardedFetcher())
    assert reports[0].verdict == "unavailable"
    assert "non-public address" in reports[0].errors[0].detail
    assert reports[0].errors[0].explanation.startswith("No credential could be retrieved")


def test_web_pages_missing_pages_and_non_urls(foreign):
    reports = verify_any([Input.url(f"{foreign.https}/page"),
                          Input.url(f"{foreign.https}/credentials/none"),
                          Input.url("ftp://example.org/x"), Input.url("just words")],
                         now=NOW, fetcher=foreign.fetcher(), language="en")
    assert [r.verdict for r in reports] == ["unavailable", "unavailable", "malformed",
                                            "malformed"]
    assert reports[0].errors[0].type == "web-page"
    assert "HTTP 404" in reports[1].errors[0].detail
    assert reports[2].errors[0].type == "not-a-url"


def test_files_of_every_form(foreign):
    document = foreign.credentials["valid"]
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["achievement"]["name"] = "Crane operator"
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    token = sign_jwt(unsigned, foreign.did_key.signer(f"{foreign.did}#key-1"), now=NOW)
    files = [
        Input.file("badge.json", json.dumps(document).encode()),
        Input.file("edited.json", json.dumps(tampered).encode()),
        Input.file("badge.png", baking.bake_png(tiny_png(), document)),
        Input.file("badge.svg", baking.bake_svg(TINY_SVG, document)),
        Input.file("badge.jwt", token.encode()),
        Input.file("notes.txt", b"hello, this is not a badge"),
        Input.file("large.json", b"{" + b" " * 40_000 + b"}"),
    ]
    reports = verify_any(files, now=NOW, fetcher=foreign.fetcher(), max_bytes=30_000)
    assert [(r.verdict, r.format) for r in reports] == [
        ("valid", "json"), ("tampered", "json"), ("valid", "png"), ("valid", "svg"),
        ("valid", "jwt"), ("malformed", "unknown"), ("malformed", "unknown")]
    assert reports[1].headline.startswith("Tampered")
    proof = next(c for c in reports[1].checks if c.name == "proof")
    assert proof.explanation.startswith("The signature does not match the content")
    assert reports[5].errors[0].type == "unsupported-file"
    assert reports[6].errors[0].type == "too-large"


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.7\n", "pdf"), (b"\x89PNG\r\n\x1a\nxxxx", "png"), (b'\xef\xbb\xbf {"a": 1}', "json"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "svg"),
    (b"eyJhbGciOiJFZERTQSJ9.eyJ2YyI6MX0.c2ln", "jwt"), (b"GIF89a", None),
    (b"<html><body>x</body></html>", None), (b"", None)])
def test_file_types_are_decided_by_content(data, kind):
    assert sniff(data) == kind


def test_a_broken_fetcher_never_becomes_a_crash(foreign):
    real = foreign.fetcher()

    def broken(url):
        raise RuntimeError("secret internal detail")

    def half_broken(url):
        if "/credentials/" in url:
            return real(url)
        raise RuntimeError("secret internal detail")

    reports = by_url(foreign, "valid", fetcher=broken) + by_url(foreign, "valid",
                                                                 fetcher=half_broken)
    assert [r.verdict for r in reports] == ["unavailable", "unknown-issuer"]
    assert "secret internal detail" not in json.dumps([r.to_dict() for r in reports])
    assert "could not fetch" in reports[1].errors[0].detail


def test_our_base_url_is_recognised_case_blind_and_under_a_path():
    from badge_service.verification.service import LocalDocuments

    local = LocalDocuments(None, None, "https://Badges.example.org/app", now=NOW)
    assert local.owns("https://badges.EXAMPLE.org/app/credentials/x")
    assert local.owns("HTTPS://badges.example.org/app")
    assert not local.owns("https://badges.example.org/application/credentials/x")
    assert not local.owns("https://badges.example.org.evil.example/app/credentials/x")
    assert not local.owns("http://badges.example.org/app/credentials/x")
    assert local._path("https://badges.example.org/app/credentials/x") == "/credentials/x"


def test_every_problem_the_library_reports_is_explained_in_both_languages():
    from badge_service.verification import service as verification
    from credentials import status_list
    from credentials import verify as library

    slugs = set(library._VERDICT_OF_PROBLEM) | {
        value for name, value in vars(status_list).items()
        if name.isupper() and isinstance(value, str) and value.startswith(("status-", "revo",
                                                                            "suspended"))}
    slugs |= {"schema-invalid", "invalid-endorsement", "unknown-context", "invalid-proof",
              "missing-proof", "malformed-proof", "unsupported-cryptosuite",
              "canonicalization-failed", "status-not-checked"}
    assert "status-list-unavailable" in slugs
    failed = {language: verification.FAILED[language] for language in ("en", "fr")}
    for slug in sorted(slugs):
        for language in ("en", "fr"):
            text = verification.explain_problem(slug, language)
            assert text != failed[language], (slug, language)
    for verdict in verification.ALL_VERDICTS:
        assert verification.verdict_text(verdict, "fr") != verification.verdict_text(verdict,
                                                                                     "en")
