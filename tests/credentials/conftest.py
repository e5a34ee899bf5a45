"""Fixtures shared by the tests/credentials modules."""

from __future__ import annotations

from datetime import timedelta

import factories
import pytest
from jsonld_helpers import varied_documents
from models_helpers import ISSUER, NOW, signed_like

from credentials import models
from credentials.jsonld import bundled_loader, canonicalize_with_pyld


@pytest.fixture(scope="module")
def credential() -> dict:
    return factories.make_credential(issuer_id=ISSUER, now=NOW)


@pytest.fixture(scope="module")
def endorsement() -> dict:
    return factories.make_endorsement(now=NOW)


@pytest.fixture(scope="module")
def clr(credential: dict) -> dict:
    second = factories.make_credential(issuer_id=ISSUER, now=NOW + timedelta(days=1),
                                       subject_id="did:example:learner")
    return factories.make_clr([signed_like(credential), signed_like(second)], now=NOW)


@pytest.fixture(scope="module")
def endorsed_credential(endorsement: dict) -> dict:
    return models.achievement_credential(
        "urn:uuid:0b8a7c6e-1f2d-4e3a-9b8c-7d6e5f4a3b2c",
        factories.make_issuer(ISSUER),
        models.achievement_subject(factories.make_achievement(), id="did:example:learner"),
        valid_from=NOW,
        endorsements=[signed_like(endorsement)],
    )


# --- the JSON-LD tests (test_jsonld*.py) --------------------------------------------------------


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return varied_documents()


@pytest.fixture(scope="module")
def references(documents: dict[str, dict]) -> dict[str, str]:
    return {name: canonicalize_with_pyld(doc, bundled_loader()) for name, doc in documents.items()}
