"""Issuer identity: keys per organisation, DID documents, status lists served to verifiers."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from badge_service.adapters.keyring import current_keyring
from badge_service.organisations.models import Organisation
from badge_service.status import service as status_lists
from badge_service.verification.service import FetchError
from credentials.did import Resolver
from credentials.status_list import StatusList, check_status, status_entry
from credentials.verify import verify

ISSUER = "did:web:badges.example.org:issuers:lille-lab"
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def organisation(session) -> Organisation:
    org = Organisation(slug="lille-lab", name="Université de Lille — Lille Learning Lab",
                       did_method="web", created_at=NOW)
    session.add(org)
    session.commit()
    return org


def _served_resolver(client) -> Resolver:
    # A fetcher that reads our own public routes through the test client.
    def fetch(url: str) -> bytes:
        path = url.removeprefix("https://badges.example.org")
        response = client.get(path)
        assert response.status_code == 200, (url, response.status_code)
        return response.data

    return Resolver(fetcher=fetch)


def test_did_web_document_lists_active_and_retired_keys(app, client, organisation):
    keyring = current_keyring()
    first = keyring.ensure_key(organisation, now=NOW)
    assert keyring.ensure_key(organisation, now=NOW) == first  # idempotent
    identity = keyring.identity(organisation)
    assert identity.issuer_id == "did:web:badges.example.org:issuers:lille-lab"
    assert identity.verification_method == f"{identity.issuer_id}#{first}"

    second = keyring.rotate(organisation, now=NOW)
    response = client.get("/issuers/lille-lab/did.json")
    assert response.status_code == 200
    assert response.mimetype == "application/did+json"
    assert "max-age" in response.headers["Cache-Control"]
    document = response.json
    assert document["id"] == identity.issuer_id
    listed = {vm["id"] for vm in document["verificationMethod"]}
    assert listed == {f"{identity.issuer_id}#{first}", f"{identity.issuer_id}#{second}"}
    assert set(document["assertionMethod"]) == listed
    # The resolver used for verification accepts what we serve.
    method = _served_resolver(client).resolve_verification_method(f"{identity.issuer_id}#{first}")
    assert "assertionMethod" in method.relationships
    assert client.get("/issuers/unknown/did.json").status_code == 404


@pytest.fixture
def host_client(app_config, request):
    """A client of an app where lille-lab is the host organisation (did:web:<host>)."""
    app_config["HOST_DID_ORGANISATION"] = "lille-lab"
    app = request.getfixturevalue("app")
    # If `app` had been built before this fixture ran, the setting would be silently missing.
    assert app.config["HOST_DID_ORGANISATION"] == "lille-lab"
    return app.test_client()


def test_host_organisation_did_is_the_host_itself(host_client, organisation):
    keyring = current_keyring()
    first = keyring.ensure_key(organisation, now=NOW)
    identity = keyring.identity(organisation)
    assert identity.issuer_id == "did:web:badges.example.org"
    second = keyring.rotate(organisation, now=NOW)

    response = host_client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response.mimetype == "application/did+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.json
    assert document["id"] == "did:web:badges.example.org"
    listed = {vm["id"] for vm in document["verificationMethod"]}
    # The retired key stays listed: credentials it signed must keep verifying.
    assert listed == {f"did:web:badges.example.org#{first}",
                      f"did:web:badges.example.org#{second}"}
    assert set(document["assertionMethod"]) == listed
    assert {vm["controller"] for vm in document["verificationMethod"]} == {document["id"]}
    resolver = _served_resolver(host_client)
    for key_id in (first, second):
        method = resolver.resolve_verification_method(f"did:web:badges.example.org#{key_id}")
        assert "assertionMethod" in method.relationships

    # did:web:badges.example.org:issuers:lille-lab is nobody's DID: nothing is served for it.
    assert host_client.get("/issuers/lille-lab/did.json").status_code == 404
    # The verifier's shortcut to our own documents (no HTTP round trip) agrees with the routes.
    from badge_service.db import db
    from badge_service.verification.service import LocalDocuments

    local = LocalDocuments(db.session, keyring, "https://badges.example.org", now=NOW,
                           host_organisation="lille-lab")
    assert json.loads(local.fetch("https://badges.example.org/.well-known/did.json")) == document
    with pytest.raises(FetchError):
        local.fetch("https://badges.example.org/issuers/lille-lab/did.json")


def test_other_organisations_keep_their_path_did_beside_the_host(host_client, session,
                                                                  organisation):
    other = Organisation(slug="edulab", name="eduLAB", did_method="web", created_at=NOW)
    session.add(other)
    session.commit()
    keyring = current_keyring()
    key_id = keyring.ensure_key(other, now=NOW)
    response = host_client.get("/issuers/edulab/did.json")
    assert response.status_code == 200
    did = "did:web:badges.example.org:issuers:edulab"
    assert response.json["id"] == did
    assert {vm["id"] for vm in response.json["verificationMethod"]} == {f"{did}#{key_id}"}


def test_without_a_host_organisation_the_host_has_no_did(client, organisation):
    current_keyring().ensure_key(organisation, now=NOW)
    assert client.get("/.well-known/did.json").status_code == 404
    assert client.get("/issuers/lille-lab/did.json").status_code == 200


def test_did_key_organisations_have_no_did_web_document(app, client, session, organisation):
    organisation.did_method = "key"
    session.commit()
    keyring = current_keyring()
    keyring.ensure_key(organisation, now=NOW)
    assert keyring.identity(organisation).issuer_id.startswith("did:key:z6Mk")
    assert client.get("/issuers/lille-lab/did.json").status_code == 404


def test_allocation_never_reuses_an_index(app, session, organisation):
    rng = random.Random(7)
    seen = set()
    for _ in range(200):
        allocation = status_lists.allocate(session, organisation, "revocation",
                                           issuer_id=ISSUER, now=NOW, rng=rng)
        key = (allocation.status_list.number, allocation.index)
        assert key not in seen
        seen.add(key)
    session.commit()
    assert allocation.status_list.allocated == 200


def test_allocation_retries_on_collision(app, session, organisation):
    class Repeating(random.Random):
        def __init__(self):
            super().__init__(1)
            self.values = iter([5, 5, 5, 9])

        def randrange(self, *args):
            return next(self.values)

    rng = Repeating()
    first = status_lists.allocate(session, organisation, "revocation",
                                  issuer_id=ISSUER, now=NOW, rng=rng)
    second = status_lists.allocate(session, organisation, "revocation",
                                   issuer_id=ISSUER, now=NOW, rng=rng)
    assert (first.index, second.index) == (5, 9)


def test_served_status_list_verifies_and_reflects_revocation(app, client, session, organisation):
    keyring = current_keyring()
    keyring.ensure_key(organisation, now=NOW)
    allocation = status_lists.allocate(session, organisation, "revocation",
                                       issuer_id=ISSUER, now=NOW)
    session.commit()
    url = status_lists.list_url("https://badges.example.org", organisation, "revocation",
                                allocation.status_list.number)
    path = url.removeprefix("https://badges.example.org")

    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    served = response.json
    resolver = _served_resolver(client)
    now = datetime.now(UTC)
    assert verify(served, now=now, resolver=resolver, check_schema=False).verified
    etag = response.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    entry = status_entry(url, allocation.index, "revocation")
    credential = {"credentialStatus": entry, "issuer": served["issuer"]}

    def fetch_list(list_url: str) -> dict:
        return client.get(list_url.removeprefix("https://badges.example.org")).json

    [before] = check_status(credential, fetch_list=fetch_list, now=now)
    assert before.ok
    status_lists.set_status(session, allocation.status_list, allocation.index, 1, now=now)
    session.commit()
    # The list is re-signed on this fetch, a moment after `now`: allow the usual skew.
    [after] = check_status(credential, fetch_list=fetch_list, now=now,
                           clock_skew=timedelta(minutes=5))
    assert (after.ok, after.problem) == (False, "revoked"), after.detail
    decoded = StatusList.decode(client.get(path).json["credentialSubject"]["encodedList"])
    assert decoded.get(allocation.index) == 1
    assert client.get("/status/lille-lab/revocation/99").status_code == 404
    assert client.get("/status/lille-lab/other/1").status_code == 404
