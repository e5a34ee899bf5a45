"""Status lists are also served as VC-JWT (content negotiation on the list's URL): the token
verifies, carries the same bits as the JSON-LD list, and openbadgeslib — which insists on a
JWT list when asked to verify the list's own proof — checks our credential's status with it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from issuing_helpers import issuing_context
from openbadgeslib_helpers import import_ldp

from badge_service.awards.service import issuing
from credentials.did import Resolver
from credentials.status_list import StatusList
from credentials.verify import verify

BASE = "https://badges.example.org"
JWT = {"Accept": "application/vc+jwt"}


@pytest.fixture
def awarded(app, session, world):
    result = issuing.award(session, world.trainer, world.units[0],
                           [issuing.AwardRow(world.participants[0].email)],
                           issuing=issuing_context(app))
    session.commit()
    return result.outcomes[0].credential


def _path(credential) -> str:
    return credential.document["credentialStatus"]["statusListCredential"].removeprefix(BASE)


@pytest.mark.parametrize("accept", ["application/vc+jwt", "application/jwt",
                                    "application/jwt, application/vc+ld+json;q=0.5"])
def test_jwt_is_served_on_request_and_verifies_with_the_same_bits(client, awarded, accept):
    path = _path(awarded)
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept.split(",")[0]
    assert "Accept" in response.headers["Vary"]
    token = response.get_data(as_text=True)
    assert token.count(".") == 2
    assert not token.startswith("{")
    result = verify(token, now=datetime.now(UTC), resolver=Resolver())
    assert result.verified, result.errors
    listed = client.get(path).json
    from_jwt = result.credential
    assert from_jwt["id"] == listed["id"]
    assert from_jwt["issuer"] == listed["issuer"] == awarded.document["issuer"]["id"]
    assert "proof" not in from_jwt
    assert (from_jwt["validFrom"], from_jwt["validUntil"]) == (listed["validFrom"],
                                                             listed["validUntil"])
    assert StatusList.decode(from_jwt["credentialSubject"]["encodedList"]).to_bytes() == \
        StatusList.decode(listed["credentialSubject"]["encodedList"]).to_bytes()
    # Same request, same token (Ed25519 is deterministic): caches and ETags stay useful.
    again = client.get(path, headers={"Accept": accept})
    assert again.get_data(as_text=True) == token
    assert client.get(path, headers={"Accept": accept, "If-None-Match": again.headers["ETag"]}
                      ).status_code == 304


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "application/json"},
                                     {"Accept": "application/vc+ld+json"}, {"Accept": "text/html"}])
def test_json_ld_stays_the_default(client, awarded, headers):
    response = client.get(_path(awarded), headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/vc+ld+json"
    assert "Accept" in response.headers["Vary"]
    assert response.json["proof"]["type"] == "DataIntegrityProof"


def test_the_jwt_follows_revocation(app, session, client, world, awarded):
    issuing.change_status(session, world.trainer, [awarded], "suspend", reason="enquête",
                          now=datetime.now(UTC))
    session.commit()
    token = client.get(_path(awarded), headers=JWT).get_data(as_text=True)
    result = verify(token, now=datetime.now(UTC), resolver=Resolver())
    assert result.verified, result.errors
    bits = StatusList.decode(result.credential["credentialSubject"]["encodedList"])
    assert bits.get(awarded.status_index) == 1


@pytest.mark.interop
def test_openbadgeslib_checks_status_through_the_jwt_list(app, session, client, world, awarded):
    ldp = import_ldp()
    fetched = []

    def download(url: str) -> bytes:
        # What a verifier that wants a JWT list sends; it gets one from the same URL.
        fetched.append(url)
        response = client.get(url.removeprefix(BASE), headers=JWT)
        assert response.status_code == 200, url
        return response.data

    issuer = awarded.document["issuer"]["id"]
    verifier = ldp.OB3LdpVerifier.for_issuer_did(issuer)
    # verify_status_list: openbadgeslib verifies the list's own JWT proof and binds its
    # issuer to the badge's — it refuses a JSON-LD list in this mode.
    verifier.verify(dict(awarded.document), check_status=True, download=download,
                    verify_status_list=True)
    assert fetched == [awarded.document["credentialStatus"]["statusListCredential"]]

    issuing.change_status(session, world.trainer, [awarded], "suspend", reason="enquête",
                          now=datetime.now(UTC))
    session.commit()
    with pytest.raises(ldp.OB3VerificationError, match="suspension"):
        verifier.verify(dict(awarded.document), check_status=True, download=download,
                        verify_status_list=True)
