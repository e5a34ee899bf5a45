"""VC Data Model 1.1 credentials: signed with Data Integrity (eddsa-rdfc-2022) and verified.

A VC 1.1 credential cites ``https://www.w3.org/2018/credentials/v1`` (now bundled) and dates
itself with ``issuanceDate`` / ``expirationDate`` instead of VC 2.0's ``validFrom`` /
``validUntil``. The VC 1.1 context does not define ``DataIntegrityProof``, ``cryptosuite`` or
``proofValue``: the Data Integrity v2 context must be added, as VC-API issuers do.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime, timedelta

import pytest

from credentials.data_integrity import add_proof
from credentials.did import Resolver
from credentials.errors import UndefinedTermError
from credentials.keys import KeyPair
from credentials.verify import verify

VC_V1 = "https://www.w3.org/2018/credentials/v1"
DI_V2 = "https://w3id.org/security/data-integrity/v2"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate("Ed25519")


def vc11(issuer: str, **changes) -> dict:
    credential = {
        "@context": [VC_V1, DI_V2],
        "id": "urn:uuid:3f1c2d9e-4b7a-4c55-9a51-0d6f1e2b7c88",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-10T09:00:00Z",
        "expirationDate": "2027-01-10T09:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
    }
    credential.update(changes)
    return credential


def _signed(key: KeyPair, **changes) -> dict:
    return add_proof(vc11(key.did_key, **changes), key.signer(), created=NOW - timedelta(days=1))


def _verify(document, now: datetime = NOW):
    return verify(document, now=now, resolver=Resolver())


def test_a_vc11_credential_with_the_data_integrity_context_signs_and_verifies(key):
    signed = _signed(key)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    result = _verify(signed)
    assert result.verified, result.errors
    assert result.verdict == "valid"
    checks = {c.name: c for c in result.checks}
    assert checks["contexts"].passed is True
    assert checks["proof"].passed is True
    # The validity window is read from issuanceDate / expirationDate.
    assert "2026-01-10T09:00:00Z" in checks["validity"].detail
    assert "2027-01-10T09:00:00Z" in checks["validity"].detail


def test_expired_by_expiration_date(key):
    signed = _signed(key)
    result = _verify(signed, now=datetime(2027, 2, 1, tzinfo=UTC))
    assert not result.verified
    assert result.verdict == "expired"
    assert {p.type for p in result.errors} == {"expired"}


def test_not_yet_valid_by_issuance_date(key):
    signed = _signed(key, issuanceDate="2026-07-01T00:00:00Z")
    result = _verify(signed)
    assert result.verdict == "not-yet-valid"


def test_a_malformed_expiration_date_is_reported(key):
    signed = _signed(key, expirationDate="next year")
    result = _verify(signed)
    assert not result.verified
    assert any(p.check == "validity" and "next year" in p.detail for p in result.errors)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("expirationDate", "2099-01-01T00:00:00Z"),  # extending the validity
        ("issuanceDate", "2020-01-01T00:00:00Z"),
        ("credentialSubject", {"id": "did:example:someone-else"}),
        ("issuer", "did:example:forger"),
    ],
)
def test_tampered_vc11_credential(key, name, value):
    tampered = deepcopy(_signed(key))
    tampered[name] = value
    result = _verify(tampered)
    assert not result.verified
    if name == "issuer":
        # The key no longer belongs to the (new) issuer, and the signature no longer matches.
        assert result.verdict in {"tampered", "unknown-issuer"}
    else:
        assert result.verdict == "tampered"
        assert "signature-mismatch" in {p.type for p in result.errors}


def test_removing_the_expiration_date_is_tampering(key):
    tampered = deepcopy(_signed(key))
    del tampered["expirationDate"]
    result = _verify(tampered, now=datetime(2027, 2, 1, tzinfo=UTC))
    assert not result.verified
    assert "signature-mismatch" in {p.type for p in result.errors}


def test_without_the_data_integrity_context_the_proof_terms_are_undefined(key):
    # VC 1.1's own context predates Data Integrity: signing refuses rather than signing a proof
    # whose type and value expansion would drop.
    with pytest.raises(UndefinedTermError):
        add_proof(vc11(key.did_key, **{"@context": [VC_V1]}), key.signer(), created=NOW)


def test_a_term_the_vc11_context_does_not_define_cannot_be_signed(key):
    # VC 1.1 has no @vocab: an undefined property would silently drop out of what is signed.
    with pytest.raises(UndefinedTermError):
        add_proof(vc11(key.did_key, nickname="Camille"), key.signer(), created=NOW)
