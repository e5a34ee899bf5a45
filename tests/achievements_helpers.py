"""What the achievement tests share: the public base URL and a credential wrapped around an
OB Achievement (to prove the Achievement is schema-valid and canonicalisable inside one)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from factories import DEFAULT_NOW, level_uri, make_issuer

from credentials import models as ob

BASE = "https://badges.example.org"


def credential_around(achievement_doc):  # type: ignore[no-untyped-def]
    rd = (achievement_doc.get("resultDescription") or [None])[0]
    results = [ob.result(rd, level_uri("B1"), status="Completed")] if rd else []
    subject = ob.achievement_subject(
        achievement_doc, identifiers=[ob.identity_object_for_email(
            "claire.dubois@ecole-exemple.example", salt="6a1f0c0e9d5b4b7e")], results=results)
    return ob.achievement_credential(
        f"urn:uuid:{uuid.uuid4()}", make_issuer(), subject, valid_from=DEFAULT_NOW,
        valid_until=DEFAULT_NOW + timedelta(days=365), awarded_date=DEFAULT_NOW)
