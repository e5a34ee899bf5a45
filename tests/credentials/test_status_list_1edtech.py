"""The 1EdTech Revocation List Status Method (vcrl 1.0) in credentials.status_list.check_status.

A ``1EdTechRevocationList`` entry names, as its ``id``, the URL of a JSON document
``{"id", "issuer", "revokedCredentials": [{"id", "reason"}]}``; a credential is revoked when its
id is listed. The list itself is not signed, so it must at least name the credential's issuer.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from credentials import data_integrity
from credentials.did import Resolver
from credentials.errors import FetchError
from credentials.keys import KeyPair
from credentials.status_list import check_status
from credentials.verify import verify

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ISSUER = "https://issuer.example/profile"
LIST_URL = "https://issuer.example/revocations/1"
CREDENTIAL_ID = "https://issuer.example/credentials/3732"


class Fetcher:
    """A fake fetcher over fixed documents (dicts are served as JSON bytes), counting calls."""

    def __init__(self, documents):
        self.documents = documents
        self.calls: Counter[str] = Counter()

    def __call__(self, url):
        self.calls[url] += 1
        if url not in self.documents:
            raise FetchError(f"{url} answered HTTP 404", url=url)
        document = self.documents[url]
        return json.dumps(document).encode() if isinstance(document, dict) else document


def revocation_list(*revoked, **overrides):
    document = {"id": LIST_URL, "issuer": ISSUER, "revokedCredentials": list(revoked)}
    document.update(overrides)
    return document


def credential(status=None, **overrides):
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Issuer"},
        "credentialSubject": {"id": "did:example:subject"},
        "credentialStatus": status or {"id": LIST_URL, "type": "1EdTechRevocationList"},
    }
    document.update(overrides)
    return document


def only(checks):
    assert len(checks) == 1, checks
    return checks[0]


def test_not_listed_is_not_revoked():
    fetch = Fetcher({LIST_URL: revocation_list({"id": "https://issuer.example/credentials/1"})})
    check = only(check_status(credential(), fetch_list=fetch, now=NOW))
    assert (check.ok, check.problem, check.purpose, check.status) == (True, None, "revocation", 0)
    assert check.list_url == LIST_URL
    assert "not listed" in check.detail


def test_listed_is_revoked_with_the_issuers_reason():
    fetch = Fetcher({LIST_URL: revocation_list(
        {"id": "https://issuer.example/credentials/1"},
        {"id": CREDENTIAL_ID, "reason": "Issued  in\nerror"})})
    check = only(check_status(credential(), fetch_list=fetch, now=NOW))
    assert (check.ok, check.problem, check.status) == (False, "revoked", 1)
    assert "Issued in error" in check.detail  # whitespace folded: it is someone else's text


def test_reason_is_optional_and_long_reasons_are_cut():
    fetch = Fetcher({LIST_URL: revocation_list({"id": CREDENTIAL_ID})})
    check = only(check_status(credential(), fetch_list=fetch, now=NOW))
    assert check.problem == "revoked"
    fetch = Fetcher({LIST_URL: revocation_list({"id": CREDENTIAL_ID, "reason": "x" * 5000})})
    check = only(check_status(credential(), fetch_list=fetch, now=NOW))
    assert check.problem == "revoked"
    assert len(check.detail) < 500


def test_issuer_as_a_string_or_an_object_matches():
    fetch = Fetcher({LIST_URL: revocation_list(issuer={"id": ISSUER})})
    assert only(check_status(credential(issuer=ISSUER), fetch_list=fetch, now=NOW)).ok


def test_a_list_of_another_issuer_cannot_speak_for_the_credential():
    fetch = Fetcher({LIST_URL: revocation_list(issuer="https://someone-else.example")})
    check = only(check_status(credential(), fetch_list=fetch, now=NOW))
    assert (check.ok, check.problem) == (False, "status-list-invalid")
    assert "someone-else.example" in check.detail


def test_a_list_without_issuer_is_read_by_its_url():
    document = revocation_list({"id": CREDENTIAL_ID})
    del document["issuer"]
    check = only(check_status(credential(), fetch_list=Fetcher({LIST_URL: document}), now=NOW))
    assert check.problem == "revoked"


def test_a_list_that_names_another_url_is_refused():
    fetch = Fetcher({LIST_URL: revocation_list(id="https://issuer.example/revocations/2")})
    check = only(check_status(credential(), fetch_list=fetch, now=NOW))
    assert check.problem == "status-list-invalid"
    # A fragment on either side designates the same document.
    fetch = Fetcher({LIST_URL: revocation_list(id=LIST_URL + "#list")})
    assert only(check_status(credential(), fetch_list=fetch, now=NOW)).ok


@pytest.mark.parametrize("served", [
    b"not json",
    b"[1, 2]",
    revocation_list(revokedCredentials={"id": CREDENTIAL_ID}),
    revocation_list({"reason": "no id"}),
    revocation_list("https://issuer.example/credentials/3732"),
])
def test_unreadable_lists_leave_the_status_unknown(served):
    check = only(check_status(credential(), fetch_list=Fetcher({LIST_URL: served}), now=NOW))
    assert (check.ok, check.problem) == (False, "status-list-invalid")


def test_unreachable_list_is_reported_not_raised():
    def broken(url):
        raise RuntimeError("connection reset by a misbehaving fetcher")

    check = only(check_status(credential(), fetch_list=broken, now=NOW))
    assert (check.ok, check.problem) == (False, "status-list-unavailable")
    check = only(check_status(credential(), fetch_list=Fetcher({}), now=NOW))
    assert check.problem == "status-list-unavailable"
    assert "404" in check.detail


def test_entry_and_credential_need_ids():
    fetch = Fetcher({LIST_URL: revocation_list()})
    check = only(check_status(credential(status={"type": "1EdTechRevocationList"}),
                              fetch_list=fetch, now=NOW))
    assert (check.ok, check.problem) == (False, "status-entry-invalid")
    anonymous = credential()
    del anonymous["id"]
    check = only(check_status(anonymous, fetch_list=fetch, now=NOW))
    assert (check.ok, check.problem) == (False, "status-entry-invalid")
    assert "no id" in check.detail
    assert sum(fetch.calls.values()) == 0


def test_one_fetch_per_list_and_mixed_with_bitstring_entries():
    fetch = Fetcher({LIST_URL: revocation_list()})
    status = [{"id": LIST_URL, "type": "1EdTechRevocationList"},
              {"id": LIST_URL + "#again", "type": "1EdTechRevocationList"},
              {"type": "MysteryStatus"}]
    checks = check_status(credential(status=status), fetch_list=fetch, now=NOW)
    assert [c.ok for c in checks] == [True, True, False]
    assert checks[2].problem == "status-type-unsupported"
    assert fetch.calls[LIST_URL] == 1


# --- through verify(): a signed credential of another issuer -----------------------------------


@pytest.fixture(scope="module")
def signed():
    key = KeyPair.generate("Ed25519")
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        ],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.did_key, "type": ["Profile"], "name": "Other issuer"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Teamwork",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well in a team.",
                "criteria": {"narrative": "Nominated by peers."},
            },
        },
        "credentialStatus": {"id": LIST_URL, "type": "1EdTechRevocationList"},
    }
    return key, data_integrity.add_proof(document, key.signer(key.did_key_vm), created=NOW)


def test_verify_reports_a_revoked_credential_of_another_issuer(signed):
    key, document = signed
    listed = Fetcher({LIST_URL: {"id": LIST_URL, "issuer": key.did_key,
                                 "revokedCredentials": [{"id": CREDENTIAL_ID,
                                                         "reason": "withdrawn"}]}})
    result = verify(document, now=NOW, resolver=Resolver(), fetch_status_list=listed)
    assert (result.verified, result.verdict) == (False, "revoked")
    status = [c for c in result.checks if c.name == "status"]
    assert status[0].passed is False
    assert "withdrawn" in status[0].detail

    clean = Fetcher({LIST_URL: {"id": LIST_URL, "issuer": key.did_key,
                                "revokedCredentials": []}})
    result = verify(document, now=NOW, resolver=Resolver(), fetch_status_list=clean)
    assert (result.verified, result.verdict) == (True, "valid"), result.errors
