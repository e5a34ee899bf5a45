"""The page, the employer report and the PDF show what was signed (issue 7 §1).

A credential is issued, then its definitions are edited (achievement renamed, criteria
rewritten, organisation, competence, framework and level renamed): the public page, the /verify
page, POST /api/v1/verify and the PDF certificate still show the signed texts, in French and
English.
The issuer's translations of texts signed in one language only are shown on the page marked as
not part of the signed credential, with the signed text beside them, and only while they are
translations of the signed text; the names the credential does not carry (the holder's) are
marked too.
"""

from __future__ import annotations

import html as html_lib

import pytest
from certificates_helpers import squeezed, text_of
from issuing_helpers import NOW, issuing_context, no_network
from programmes_helpers import achievement_data, item, make_framework

from badge_service.achievements import service as achievements
from badge_service.awards.service import issuing

BASE = "https://badges.example.org"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNSIGNED = {"fr": "Traduction fournie par l'émetteur, hors badge signé",
            "en": "Translation supplied by the issuer, not part of the signed credential"}
HOLDER = {"fr": "Nom du titulaire fourni par l'émetteur, hors badge signé",
          "en": "Holder's name supplied by the issuer, not part of the signed credential"}
REPORT_HOLDER = {"fr": "Nom fourni par l'émetteur, hors badge signé",
                 "en": "Name supplied by the issuer, not part of the signed credential"}

#: What was signed (the achievement's main language is French).
SIGNED = {
    "fr": ["Ressources numériques", "Acquis de l'UE validés par un formateur.",
           "Sélection de ressources numériques", "Intégrateur (B1)", "TechnofuturTIC — eduLAB"],
    "en": ["Digital resources", "Acquis de l'UE validés par un formateur.",
           "Sélection de ressources numériques", "Intégrateur (B1)", "TechnofuturTIC — eduLAB"],
}
#: The issuer's translations at issue time (unsigned).
TRANSLATIONS = ["Unit outcomes validated by a trainer.", "Selecting digital resources",
                "Integrator (B1)", "eduLAB training centre"]
#: The definitions after the edit.
EDITED = ["Ressources renommées", "Renamed resources", "Critères réécrits après la délivrance.",
          "Criteria rewritten after issue.", "Organisme renommé", "Renamed organisation",
          "Compétence renommée", "Renamed competence", "Niveau renommé", "Renamed level",
          "Cadre renommé", "Renamed framework"]


@pytest.fixture
def world(app, world):
    """The shared world, with no network: our documents are served locally."""
    no_network(app)
    return world


@pytest.fixture
def issued(app, session, world):
    version = make_framework()
    achievement = achievements.create(session, None, world.programme, achievement_data(
        name={"fr": "Ressources numériques", "en": "Digital resources"}, human_code="DCE-2",
        alignments=[str(item(version, "2.1").id)], level_scale_version_id=str(version.id)),
        now=NOW)
    world.programme.organisation.name_i18n = {"en": "eduLAB training centre"}
    session.commit()
    result = issuing.award(session, world.trainer, achievement,
                           [issuing.AwardRow(world.participants[0].email, level="B1")],
                           issuing=issuing_context(app, notify=False))
    session.commit()
    return result.outcomes[0].credential, achievement, version


def edit_definitions(session, world, achievement, version):  # type: ignore[no-untyped-def]
    achievement.name = "Ressources renommées"
    achievement.name_i18n = {"fr": "Ressources renommées", "en": "Renamed resources"}
    achievement.criteria_i18n = {"fr": "Critères réécrits après la délivrance.",
                                 "en": "Criteria rewritten after issue."}
    organisation = world.programme.organisation
    organisation.name = "Organisme renommé"
    organisation.name_i18n = {"en": "Renamed organisation"}
    item(version, "2.1").labels = {"fr": "Compétence renommée", "en": "Renamed competence"}
    item(version, "B1").labels = {"fr": "Niveau renommé", "en": "Renamed level"}
    version.title_i18n = {"fr": "Cadre renommé", "en": "Renamed framework"}
    session.commit()


def page(client, credential, language: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/credentials/{credential.id}?lang={language}",
                          headers={"Accept": BROWSER})
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def report_page(client, credential, language: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/verify", query_string={
        "url": f"{BASE}/credentials/{credential.id}", "lang": language})
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def marked(html: str, text: str, language: str) -> bool:
    """``text`` is shown, with the "not part of the signed credential" note right after it."""
    at = html.find(text)
    return at >= 0 and UNSIGNED[language] in html[at:at + len(text) + 700]


def test_the_page_shows_what_was_signed_and_marks_translations(app, session, client, world,
                                                               issued):
    credential, achievement, version = issued
    french, english = page(client, credential, "fr"), page(client, credential, "en")
    for language, html in (("fr", french), ("en", english)):
        for text in SIGNED[language]:
            assert text in html, (language, text)
        assert HOLDER[language] in html  # the holder's name is not in the credential
    # French is the signed language: no translation at all.
    assert UNSIGNED["fr"] not in french
    for text in TRANSLATIONS:
        assert text not in french
    # English: each translation is marked, the signed French text beside it or one click away.
    for text in TRANSLATIONS:
        assert marked(english, text, "en"), text
    assert "Signed text (French)" in english

    edit_definitions(session, world, achievement, version)
    french, english = page(client, credential, "fr"), page(client, credential, "en")
    for language, html in (("fr", french), ("en", english)):
        for text in SIGNED[language]:
            assert text in html, (language, text)
        for text in EDITED:
            assert text not in html, (language, text)
    # The definitions' translations are now of other texts: none is offered.
    assert UNSIGNED["en"] not in english
    for text in TRANSLATIONS:
        assert text not in english


def test_a_translation_changed_after_issue_is_shown_marked(app, session, client, world,
                                                           issued):
    credential, achievement, _version = issued
    achievement.criteria_i18n = {**achievement.criteria_i18n,
                                 "en": "Outcomes checked by a trainer (new wording)."}
    world.programme.organisation.name_i18n = {"en": "eduLAB (new English name)"}
    session.commit()
    english = page(client, credential, "en")
    assert marked(english, "Outcomes checked by a trainer (new wording).", "en")
    assert marked(english, "eduLAB (new English name)", "en")
    assert "Acquis de l'UE validés par un formateur." in english
    assert "TechnofuturTIC — eduLAB" in english
    french = page(client, credential, "fr")
    assert "new wording" not in french
    assert "new English name" not in french


def test_the_employer_report_shows_what_was_signed(app, session, client, world, issued):
    credential, achievement, version = issued
    edit_definitions(session, world, achievement, version)
    person = world.participants[0]
    for language, name in (("fr", "Ressources numériques"), ("en", "Digital resources")):
        html = report_page(client, credential, language)
        assert name in html
        assert "TechnofuturTIC — eduLAB" in html
        assert person.display_name in html
        assert REPORT_HOLDER[language] in html
        for text in EDITED:
            assert text not in html, (language, text)
        response = client.post("/api/v1/verify", json={
            "urls": [f"{BASE}/credentials/{credential.id}"], "lang": language})
        assert response.status_code == 200
        [result] = response.json["results"]
        assert result["verdict"] == "valid"
        summary = result["summary"]
        assert (summary["achievement"], summary["issuer"]) == (name, "TechnofuturTIC — eduLAB")
        assert summary["recipient"] == person.display_name
        assert summary["recipient_note"].startswith(REPORT_HOLDER[language])


@pytest.mark.usefixtures("fonts")
def test_the_certificate_shows_what_was_signed(app, session, client, world, issued):
    credential, achievement, version = issued
    edit_definitions(session, world, achievement, version)
    url = f"/credentials/{credential.id}/certificate.pdf"
    french = squeezed(text_of(client.get(f"{url}?lang=fr").data))
    english = squeezed(text_of(client.get(f"{url}?lang=en").data))
    for language, text in (("fr", french), ("en", english)):
        for signed in SIGNED[language][:1] + SIGNED[language][2:]:
            assert squeezed(signed) in text, (language, signed)
        for edited in EDITED:
            assert squeezed(edited) not in text, (language, edited)
    # The English certificate prints the competences as signed and says in which language;
    # no unsigned translation.
    assert squeezed("Certified competences (as signed, in French)") in english
    for translation in TRANSLATIONS:
        assert squeezed(translation) not in english
    assert squeezed("(texte signé") not in french
    # The names the credential does not carry are said to be the issuer's.
    assert squeezed("the holder’s and trainer’s names are supplied by the issuer, not part of "
                    "the signed credential") in english
    assert squeezed("les noms du titulaire et du formateur sont fournis par l’émetteur, hors "
                    "justificatif signé") in french
    assert squeezed(world.participants[0].display_name) in french
