"""Sharing a credential: the LinkedIn link (for its owner only) and the page's helpers
(download names, language choice, dates, the default badge picture)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from accounts_helpers import login
from delivery_helpers import BASE, Page, award, page_of
from sqlalchemy import select

from badge_service.accounts.models import User
from badge_service.delivery.service import pages as delivery

# --- sharing ---------------------------------------------------------------------------------


def test_linkedin_link_for_the_owner_only(app, session, client, world):
    owner = session.scalars(select(User).where(
        User.email == world.logins["participant"].email)).one()
    unit = world.units[3]
    unit.validity_days = 365
    credential = award(app, session, world, achievement=unit, person=owner)
    anonymous = page_of(client, credential).get_data(as_text=True)
    assert "linkedin.com" not in anonymous
    login(client, owner.email, world.logins["participant"].password)
    response = page_of(client, credential)
    assert response.headers["Cache-Control"] == "private, no-cache"
    [link] = [a for a in Page(response.get_data(as_text=True)).links if "linkedin.com" in a]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com",
                                                        "/profile/add")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.document["credentialSubject"]["achievement"]["name"],
        "organizationName": credential.document["issuer"]["name"],
        "issueYear": "2026", "issueMonth": "9",
        "expirationYear": "2027", "expirationMonth": "9",
        "certUrl": f"{BASE}/credentials/{credential.id}",
        "certId": str(credential.id),
    }


def test_linkedin_url_helper():
    from datetime import UTC, datetime

    url = delivery.linkedin_url(name="Évaluation & numérique", organisation_name="Université",
                                issued_at=datetime(2026, 1, 31, tzinfo=UTC), valid_until=None,
                                credential_url="https://b.example/credentials/1",
                                credential_id="1", organisation_id="12345")
    query = parse_qs(urlsplit(url).query)
    assert query["name"] == ["Évaluation & numérique"]
    assert query["organizationId"] == ["12345"]
    assert "organizationName" not in query
    assert query["issueMonth"] == ["1"]
    assert "expirationYear" not in query


def test_helpers():
    from datetime import UTC, datetime

    assert delivery.download_filename("NUMEFA – Éducation à l'informatique", "png") == (
        "numefa-education-a-l-informatique.png")
    assert delivery.download_filename('../../"; rm -rf', "svg") == "rm-rf.svg"
    assert delivery.download_filename("日本語", "json") == "credential.json"
    assert delivery.choose_language("en", "fr", "fr") == "en"
    assert delivery.choose_language(None, "en", "fr") == "en"
    assert delivery.choose_language("de", None, "en-GB") == "en"
    assert delivery.choose_language(None, None, None) == "fr"
    assert delivery.format_date(datetime(2026, 3, 1, tzinfo=UTC), "fr") == "1er mars 2026"
    svg = delivery.default_badge_svg("A" * 500, "Org\x00", seed="s")
    assert len(svg) < 2000
    assert b"\x00" not in svg
    json.dumps(delivery.LABELS)  # plain texts only
