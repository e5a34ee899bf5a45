"""The public credential page: live status, content negotiation, languages, link previews,
and what must never appear on it (emails, reasons, unescaped names)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from delivery_helpers import BASE, BROWSER, Page, award, page_of
from issuing_helpers import NOW
from programmes_helpers import achievement_data, item, make_framework

from badge_service.achievements import service as achievements
from badge_service.awards.service import issuing
from badge_service.clock import utcnow
from badge_service.delivery.service import pages as delivery
from credentials.did import Resolver
from credentials.verify import verify


def fetch_status_list(client):  # type: ignore[no-untyped-def]
    """Verifiers fetch status lists from the served URL; here through the test client."""
    def fetch(url: str) -> dict:
        assert url.startswith(BASE)
        return client.get(urlsplit(url).path).get_json()
    return fetch


# --- machines: content negotiation -----------------------------------------------------------


def test_machines_get_the_signed_credential_as_stored(app, session, client, world):
    credential = award(app, session, world)
    for accept, media_type in (
            ("application/vc+ld+json", "application/vc+ld+json"),
            ("application/ld+json", "application/ld+json"),
            ("application/json", "application/json"),
            ("application/json, text/plain, */*", "application/json")):
        response = client.get(f"/credentials/{credential.id}", headers={"Accept": accept})
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert "Accept" in response.vary
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.get_json(force=True) == credential.document
    result = verify(response.get_data(as_text=True), now=utcnow(),
                    resolver=Resolver(), fetch_status_list=fetch_status_list(client))
    assert result.verified, result.errors
    assert result.verdict == "valid"
    assert any(check.name == "status" and check.passed for check in result.checks)


def test_browsers_get_the_page_and_json_is_revalidated(app, session, client, world):
    credential = award(app, session, world)
    response = page_of(client, credential)
    assert {"Accept", "Accept-Language"} <= set(response.vary)
    assert response.headers["Cache-Control"] == "no-cache"
    # Plain */* (curl) is a person too.
    assert client.get(f"/credentials/{credential.id}",
                      headers={"Accept": "*/*"}).mimetype == "text/html"
    machine = client.get(f"/credentials/{credential.id}",
                         headers={"Accept": "application/vc+ld+json"})
    again = client.get(f"/credentials/{credential.id}",
                       headers={"Accept": "application/vc+ld+json",
                                "If-None-Match": machine.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_credentials_are_404(app, client):
    missing = uuid.uuid4()
    for path in ("", "/credential.json", "/credential.jwt", "/badge.png", "/badge.svg",
                 "/image.svg"):
        assert client.get(f"/credentials/{missing}{path}").status_code == 404, path
    assert client.get(f"/credentials/{missing}",
                      headers={"Accept": "application/vc+ld+json"}).status_code == 404


# --- people: the page ------------------------------------------------------------------------


def test_page_shows_the_credential(app, session, client, world):
    person = world.participants[0]
    credential = award(app, session, world, narrative="Portfolio remarquable.",
                       evidence_url="https://moodle.example/p/1")
    html = page_of(client, credential).get_data(as_text=True)
    document = credential.document
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] in html
    assert achievement["criteria"]["narrative"].replace("'", "&#39;") in html
    for alignment in achievement["alignment"]:
        assert f"<strong>{alignment['targetCode']}</strong>" in html
    assert person.display_name in html
    assert credential.issuer_id in html
    assert document["issuer"]["name"] in html
    assert "15 septembre 2026" in html  # issued, in the credential's language (fr)
    assert "Portfolio remarquable." in html
    assert 'href="https://moodle.example/p/1"' in html
    parsed = Page(html)
    assert parsed.status == "valid"
    # The employer verification page, checking this credential's URL.
    verify_links = [link for link in parsed.links if link.startswith("/verify?")]
    assert [parse_qs(urlsplit(link).query)["url"] for link in verify_links] == [
        [f"{BASE}/credentials/{credential.id}"]]
    # A copyable public link, with the copy button wired by a static script (CSP: no inline).
    assert f'value="{BASE}/credentials/{credential.id}"' in html
    assert 'class="copy-button"' in html
    assert "/static/copy.js" in html
    assert "<script>" not in html
    assert "onclick" not in html
    # Its own icon: without one, browsers ask for /favicon.ico and log a 404 on every visit.
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in html
    # Every download is offered (the PDF comes from the certificates module).
    for path in ("credential.json", "credential.jwt", "badge.svg", "certificate.pdf?lang=fr"):
        assert f"/credentials/{credential.id}/{path}" in html, path
    # Link previews: Open Graph and Twitter card tags, with absolute URLs.
    meta = parsed.meta
    url = f"{BASE}/credentials/{credential.id}"
    assert meta["og:url"] == url
    assert meta["og:title"] == "NUMEFA – Fondements pédagogiques"
    assert person.display_name in meta["og:description"]
    assert meta["og:image"] == f"{url}/image.png"  # previews ignore SVG
    assert meta["twitter:card"] == "summary"
    assert meta["twitter:image"] == meta["og:image"]
    assert client.get(urlsplit(meta["og:image"]).path).status_code == 200
    script = client.get("/static/copy.js")
    script.close()  # a streamed file
    assert script.status_code == 200


def test_no_email_ever_appears(app, session, client, world):
    person = world.participants[0]
    credential = award(app, session, world)
    html = page_of(client, credential).get_data(as_text=True)
    assert person.email not in html
    assert "@" not in html.split("<main>")[1]
    # Accounts created without a name are named after their email: that must not leak.
    given, family = person.given_name, person.family_name
    person.display_name = person.email
    session.commit()
    html = page_of(client, credential).get_data(as_text=True)
    assert person.email not in html
    assert f"{given} {family}" in html
    person.given_name = person.family_name = None
    session.commit()
    html = page_of(client, credential).get_data(as_text=True)
    assert person.email not in html
    assert "(nom non communiqué)" in html
    assert delivery.public_recipient_name(person) is None


def test_status_is_live_and_reasons_stay_private(app, session, client, world):
    credential = award(app, session, world)
    fetch = fetch_status_list(client)

    def status() -> str:
        return Page(page_of(client, credential).get_data(as_text=True)).status

    def verdict() -> str:
        document = client.get(f"/credentials/{credential.id}",
                              headers={"Accept": "application/vc+ld+json"}).get_json()
        return verify(document, now=utcnow(), resolver=Resolver(),
                      fetch_status_list=fetch).verdict

    assert status() == "valid"
    issuing.change_status(session, world.trainer, [credential], "suspend",
                          reason="Enquête disciplinaire confidentielle", now=NOW)
    session.commit()
    html = page_of(client, credential).get_data(as_text=True)
    assert Page(html).status == "suspended"
    assert "Enquête disciplinaire" not in html
    assert verdict() == "suspended"
    issuing.change_status(session, world.trainer, [credential], "reinstate", reason=None,
                          now=NOW)
    session.commit()
    assert status() == "valid"
    assert verdict() == "valid"
    issuing.change_status(session, world.trainer, [credential], "revoke",
                          reason="Fraude au portfolio de M. Dupont", now=NOW)
    session.commit()
    html = page_of(client, credential).get_data(as_text=True)
    assert Page(html).status == "revoked"
    assert "Fraude" not in html
    assert "Dupont" not in html
    assert verdict() != "valid"


def test_expired_and_not_yet_valid(app, session, client, world, monkeypatch):
    from badge_service.delivery import views as credentials_public

    unit = world.units[1]
    unit.validity_days = 30
    credential = award(app, session, world, achievement=unit)
    assert credential.document["validUntil"] == "2026-10-15T10:00:00Z"
    for moment, expected in ((NOW - timedelta(days=1), "not-yet-valid"),
                             (NOW + timedelta(days=29), "valid"),
                             (NOW + timedelta(days=31), "expired")):
        monkeypatch.setattr(credentials_public, "utcnow", lambda moment=moment: moment)
        html = page_of(client, credential).get_data(as_text=True)
        assert Page(html).status == expected, moment
    assert "15 octobre 2026" in html
    # Revocation wins over expiry: the issuer's act is what matters.
    issuing.change_status(session, world.trainer, [credential], "revoke", reason="r", now=NOW)
    session.commit()
    assert Page(page_of(client, credential).get_data(as_text=True)).status == "revoked"


def test_languages(app, session, client, world):
    unit = world.units[0]
    unit.criteria_i18n = {**unit.criteria_i18n, "en": "Outcomes validated by a trainer."}
    credential = award(app, session, world, achievement=unit)
    french = page_of(client, credential).get_data(as_text=True)
    assert "NUMEFA – Fondements pédagogiques" in french
    assert "Décerné à" in french
    assert '<html lang="fr"' in french
    english = page_of(client, credential, **{"Accept-Language": "en-GB,en;q=0.8"})
    text = english.get_data(as_text=True)
    assert "NUMEFA – Pedagogical foundations" in text
    assert "Awarded to" in text
    assert "15 September 2026" in text
    assert '<html lang="en"' in text
    # ?lang= wins over the browser's preference.
    forced = client.get(f"/credentials/{credential.id}?lang=fr",
                        headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert "Décerné à" in forced.get_data(as_text=True)
    # The document signs the criteria in its main language only: the English ones are the
    # issuer's translation from the definition, marked as unsigned, the signed French text
    # one click away (tests/delivery/test_signed_texts.py: withdrawn once the definition changes).
    assert "Outcomes validated by a trainer." in text
    note = text.index("Translation supplied by the issuer, not part of the signed credential")
    assert text.index("Outcomes validated by a trainer.") < note
    assert text.index("<summary>Signed text (French)</summary>") > note
    assert "Acquis de l&#39;UE validés par un formateur" in text[note:]
    assert "Outcomes validated" not in french
    assert "hors badge signé" not in french.split("Nom du titulaire", 1)[0]


def test_competences_with_the_level_reached(app, session, client, world):
    version = make_framework()
    achievement = achievements.create(session, None, world.programme, achievement_data(
        name={"fr": "Ressources numériques", "en": "Digital resources"},
        human_code="DCE-2", alignments=[str(item(version, "2.1").id), str(item(version, "2.3").id)],
        level_scale_version_id=str(version.id)), now=NOW)
    session.commit()
    credential = award(app, session, world, achievement=achievement, level="B1")
    french = page_of(client, credential).get_data(as_text=True)
    assert "<strong>2.1</strong> Sélection de ressources numériques" in french
    assert "<strong>2.3</strong>" in french
    assert "Niveau atteint" in french
    assert "<strong>B1</strong> Intégrateur (B1)" in french
    english = client.get(f"/credentials/{credential.id}?lang=en",
                         headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "<strong>2.1</strong> Selecting digital resources" in english
    assert "Level reached" in english
    assert "<strong>B1</strong> Integrator (B1)" in english
    # Competence and level names are signed in French: the English ones are marked as the
    # issuer's translation, and the signed names are given too.
    unsigned = "Translation supplied by the issuer, not part of the signed credential"
    assert english.count(unsigned) == 3  # the criteria, the competences, the level
    assert "<strong>2.1</strong> Sélection de ressources numériques" in english
    assert f"{unsigned} — signed name: <span lang=\"fr\">Intégrateur (B1)</span>" in english
    assert "hors badge signé" not in french.split("Nom du titulaire", 1)[0]


def test_names_are_escaped_everywhere(app, session, client, world):
    evil = "<script>alert('x')</script> & <b>Badge</b>"
    achievement = achievements.create(session, None, world.programme, achievement_data(
        name={"fr": evil, "en": evil}, human_code="XSS", alignments=[]), now=NOW)
    session.commit()
    credential = award(app, session, world, achievement=achievement)
    html = page_of(client, credential).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<b>Badge" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;Badge&lt;/b&gt;" in html
    parsed = Page(html)
    assert parsed.meta["og:title"] == evil  # escaped in the attribute, intact once parsed
    # The generated badge picture is well-formed XML with the name as text.
    import defusedxml.minidom

    image = client.get(f"/credentials/{credential.id}/image.svg")
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml"
    document = defusedxml.minidom.parseString(image.data)
    assert document.getElementsByTagName("title")[0].firstChild.data == evil
    assert not document.getElementsByTagName("script")
    assert "sandbox" in image.headers["Content-Security-Policy"]
    baked = client.get(f"/credentials/{credential.id}/badge.svg")
    assert baked.headers["Content-Disposition"] == (
        'attachment; filename="script-alert-x-script-b-badge-b.svg"')


def test_link_preview_uses_the_uploaded_picture(app, session, client, world):
    from factories import tiny_png

    unit = world.units[2]
    stored = achievements.set_image(session, None, unit, tiny_png(),
                                    upload_dir=app.config["UPLOAD_DIR"],
                                    max_bytes=app.config["MAX_UPLOAD_BYTES"], now=NOW)
    session.commit()
    credential = award(app, session, world, achievement=unit)
    html = page_of(client, credential).get_data(as_text=True)
    meta = Page(html).meta
    assert meta["og:image"] == f"{BASE}/uploads/{stored.name}"
    assert meta["og:image:type"] == "image/png"
    assert f'src="/uploads/{stored.name}"' in html
    redirect = client.get(f"/credentials/{credential.id}/image.svg")
    assert redirect.status_code == 302
    assert redirect.location.endswith(f"/uploads/{stored.name}")
