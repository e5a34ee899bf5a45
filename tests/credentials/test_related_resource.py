"""``relatedResource`` (VC Data Model 2.0 §5.3), at verification and at issue (issue 7 §2).

The digests are computed here from the bundled context files' bytes with ``hashlib`` and
``base64`` alone (an SRI expression; a multihash in base64url and base58btc multibase), so the
module's own decoding is what is tested. Rules: objects only, an ``id`` (a URL) required and
unique, at least one of ``digestSRI``/``digestMultibase``, each digest well formed, and for a
resource the verifier has bundled (its contexts) the digest recomputed: a mismatch is refused.
Any other resource is checked for form only (never fetched).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from accounts_helpers import bearer
from vcapi_helpers import VC_V2, api_verify, badge, errors_of, issue

from badge_service.adapters.keyring import current_keyring
from credentials import related_resource
from credentials.data_integrity import add_proof
from credentials.did import Resolver
from credentials.keys import KeyPair
from credentials.multibase import b58encode
from credentials.verify import verify

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ELSEWHERE = "https://example.org/syllabus.pdf"


def _bytes(url: str) -> bytes:
    data = related_resource.bundled_bytes(url)
    assert data is not None, url
    assert len(data) > 1000, url
    return data


def sri(url: str, algorithm: str = "sha384") -> str:
    digest = hashlib.new(algorithm, _bytes(url)).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def multibase(url: str, base: str = "u") -> str:
    # A multihash: code 0x12 (sha2-256), length 0x20, then the digest.
    data = b"\x12\x20" + hashlib.sha256(_bytes(url)).digest()
    if base == "u":
        return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")
    return "z" + b58encode(data)


def wrong_sri() -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(b"other bytes").digest()).decode()


def test_the_digested_bytes_are_the_w3c_file(standards_dir):
    # What digests are recomputed over: the exact bytes W3C publishes, pinned by the manifest.
    import schemas

    w3c = (standards_dir / "contexts/w3c/credentials-v2.jsonld").read_bytes()
    assert _bytes(VC_V2) == w3c
    pinned = {e["url"]: e["sha256"] for e in schemas.load_manifest()["contexts"]}
    assert hashlib.sha256(_bytes(OB)).hexdigest() == pinned[OB]
    assert related_resource.bundled_bytes(ELSEWHERE) is None


def _problems(value) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(f.field, f.problem) for f in related_resource.check({"relatedResource": value})
            if not f.ok]


@pytest.mark.parametrize("entry", [
    {"id": VC_V2, "digestSRI": sri(VC_V2)},
    {"id": VC_V2, "digestSRI": sri(VC_V2, "sha256")},
    {"id": VC_V2, "digestSRI": sri(VC_V2, "sha512")},
    {"id": VC_V2, "digestMultibase": multibase(VC_V2)},
    {"id": VC_V2, "digestMultibase": multibase(VC_V2, "z")},
    {"id": VC_V2, "digestSRI": sri(VC_V2), "digestMultibase": multibase(VC_V2),
     "mediaType": "application/ld+json"},
    {"id": OB, "digestSRI": sri(OB)},
], ids=["sri-384", "sri-256", "sri-512", "multibase-u", "multibase-z", "both", "ob"])
def test_a_matching_digest_of_a_bundled_context(entry):
    findings = related_resource.check({"relatedResource": [entry]})
    assert [f.ok for f in findings] == [True] * (("digestSRI" in entry)
                                                 + ("digestMultibase" in entry))
    assert all("matches the bundled copy" in f.detail for f in findings)


@pytest.mark.parametrize(("entry", "field"), [
    ({"id": VC_V2, "digestSRI": wrong_sri()}, "relatedResource[0].digestSRI"),
    ({"id": VC_V2, "digestMultibase": multibase(OB)}, "relatedResource[0].digestMultibase"),
    # One good digest does not excuse a bad one beside it.
    ({"id": VC_V2, "digestSRI": sri(VC_V2), "digestMultibase": multibase(OB)},
     "relatedResource[0].digestMultibase"),
    ({"id": OB, "digestSRI": sri(VC_V2)}, "relatedResource[0].digestSRI"),
], ids=["sri", "multibase", "one-of-two", "another-contexts-digest"])
def test_a_mismatch_is_refused(entry, field):
    assert _problems([entry]) == [(field, related_resource.MISMATCH)]


@pytest.mark.parametrize(("value", "field"), [
    ([{"id": VC_V2, "digestSRI": sri(VC_V2)}, {"id": VC_V2, "digestSRI": sri(VC_V2)}],
     "relatedResource[1].id"),
    ([{"digestSRI": sri(VC_V2)}], "relatedResource[0].id"),
    ([{"id": "not a url", "digestSRI": sri(VC_V2)}], "relatedResource[0].id"),
    ([VC_V2], "relatedResource[0]"),
    ([{"id": VC_V2, "digestSRI": sri(VC_V2)}, 5], "relatedResource[1]"),
    ([{"id": VC_V2}], "relatedResource[0]"),
    ([{"id": VC_V2, "mediaType": "application/ld+json"}], "relatedResource[0]"),
    ([{"id": VC_V2, "digestSRI": "md5-AAAA"}], "relatedResource[0].digestSRI"),
    ([{"id": VC_V2, "digestSRI": "sha384-" + base64.b64encode(b"short").decode()}],
     "relatedResource[0].digestSRI"),
    ([{"id": VC_V2, "digestSRI": 5}], "relatedResource[0].digestSRI"),
    ([{"id": VC_V2, "digestMultibase": "unot-base64!"}], "relatedResource[0].digestMultibase"),
    ([{"id": VC_V2, "digestMultibase": "u" + base64.urlsafe_b64encode(
        b"\x11\x14" + b"\0" * 20).decode().rstrip("=")}], "relatedResource[0].digestMultibase"),
    ([{"id": VC_V2, "digestSRI": sri(VC_V2), "mediaType": 5}], "relatedResource[0].mediaType"),
    ([], "relatedResource"),
    ({"digestSRI": sri(VC_V2)}, "relatedResource.id"),
], ids=["duplicate-id", "missing-id", "id-not-url", "string-entry", "number-entry",
        "no-digest", "media-type-only", "md5", "short-digest", "sri-number", "bad-multibase",
        "sha1-multihash", "media-type-number", "empty", "single-object-missing-id"])
def test_a_malformed_related_resource_names_where(value, field):
    assert _problems(value) == [(field, related_resource.MALFORMED)]


def test_an_unknown_resource_is_checked_for_form_only():
    # Never fetched: any well-formed digest passes, a malformed one still fails.
    assert related_resource.check({"relatedResource": [
        {"id": ELSEWHERE, "digestSRI": wrong_sri()},
        {"id": "https://example.org/b", "digestMultibase": multibase(VC_V2)}]}) == []
    assert _problems([{"id": ELSEWHERE, "digestSRI": "sha384-nope"}]) == [
        ("relatedResource[0].digestSRI", related_resource.MALFORMED)]
    # A bundled resource the verifier's loader does not use is checked for form only too.
    assert related_resource.check({"relatedResource": [{"id": VC_V2, "digestSRI": wrong_sri()}]},
                                  known=()) == []


# --- through verify() -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate("Ed25519")


def _signed(key: KeyPair, related) -> dict:  # type: ignore[no-untyped-def]
    credential = {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": key.did_key,
                  "validFrom": "2026-01-01T00:00:00Z",
                  "credentialSubject": {"id": "did:example:holder"}, "relatedResource": related}
    return add_proof(credential, key.signer(), created=NOW)


def _check(result):  # type: ignore[no-untyped-def]
    return [c for c in result.checks if c.name == related_resource.CHECK]


def test_verify_reports_matching_digests(key):
    result = verify(_signed(key, [{"id": VC_V2, "digestSRI": sri(VC_V2),
                                   "digestMultibase": multibase(VC_V2)},
                                  {"id": ELSEWHERE, "digestSRI": wrong_sri()}]),
                    now=NOW, resolver=Resolver())
    assert result.verified, result.errors
    [check] = _check(result)
    assert check.passed
    assert "2 digest(s) match" in check.detail
    # Nothing said without the member.
    plain = add_proof({"@context": [VC_V2], "type": ["VerifiableCredential"],
                       "issuer": key.did_key, "credentialSubject": {"id": "did:example:h"}},
                      key.signer(), created=NOW)
    assert _check(verify(plain, now=NOW, resolver=Resolver())) == []


@pytest.mark.parametrize(("related", "problem"), [
    ([{"id": VC_V2, "digestSRI": wrong_sri()}], related_resource.MISMATCH),
    ([{"id": VC_V2, "digestSRI": sri(VC_V2)}, {"id": VC_V2, "digestSRI": sri(VC_V2)}],
     related_resource.MALFORMED),
    ([{"id": VC_V2}], related_resource.MALFORMED),
], ids=["mismatch", "duplicate", "no-digest"])
def test_verify_refuses_a_signed_credential_with_a_bad_related_resource(key, related, problem):
    # The signature is good: the issuer itself described other bytes, or described them badly.
    result = verify(_signed(key, related), now=NOW, resolver=Resolver())
    assert not result.verified
    assert [p.type for p in result.errors] == [problem]
    assert result.errors[0].check == related_resource.CHECK
    assert result.verdict == ("invalid" if problem == related_resource.MISMATCH else "malformed")


# --- at issue (VC-API) and through the service's verification -------------------------------


def test_issue_refuses_a_bad_related_resource_before_signing(app, client, world, caplog):
    headers = bearer(world.trainer)
    issuer_id = current_keyring().identity(world.programme.organisation).issuer_id
    cases = [
        ([{"id": OB, "digestSRI": wrong_sri()}], "credential.relatedResource[0].digestSRI",
         "does not match the bundled copy"),
        ([{"id": OB, "digestSRI": sri(OB)}, {"id": OB, "digestMultibase": multibase(OB)}],
         "credential.relatedResource[1].id", "listed twice"),
        ([{"digestSRI": sri(OB)}], "credential.relatedResource[0].id", "is required"),
        (["https://example.org/x"], "credential.relatedResource[0]", "must be an object"),
        ([{"id": OB}], "credential.relatedResource[0]", "digestSRI or digestMultibase"),
    ]
    for related, field, message in cases:
        response = issue(client, badge(issuer_id, relatedResource=related), headers)
        assert response.status_code == 400, (field, response.get_data(as_text=True))
        found = errors_of(response)
        assert message in found.get(field, ""), (field, found)
        assert response.json["type"].endswith("/problems/issue-refused")
    assert not any("VC-API issued" in r.getMessage() for r in caplog.records)
    # Well-formed, matching (and an unknown resource, form only): issued, and it verifies.
    good = [{"id": OB, "digestSRI": sri(OB), "digestMultibase": multibase(OB, "z")},
            {"id": VC_V2, "digestSRI": sri(VC_V2, "sha256")},
            {"id": ELSEWHERE, "digestSRI": wrong_sri(), "mediaType": "application/pdf"}]
    response = issue(client, badge(issuer_id, relatedResource=good), headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    signed = response.json["verifiableCredential"]
    assert signed["relatedResource"] == good
    verified = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert verified.status_code == 200, verified.get_data(as_text=True)
    assert related_resource.CHECK in verified.json["checks"]
    report = api_verify(client, signed)
    assert report["verdict"] == "valid"
