"""The one language rule: precedence, tag forms, and the browser's parsed header."""

from werkzeug.datastructures import LanguageAccept

from badge_service.locale import LANGUAGES, choose_language, supported


def test_supported_tags():
    assert [supported(t) for t in ("fr", "EN", " en-GB ", "fr-BE", "nl", "", None)] == [
        "fr", "en", "en", "fr", None, None, None]
    assert LANGUAGES == ("fr", "en")


def test_precedence_request_preference_browser_thing_fallback():
    browser = LanguageAccept([("en-US", 1), ("nl", 0.5)])
    assert choose_language("fr", "en", browser, "en") == "fr"
    assert choose_language("de", "en", browser, "fr") == "en"
    assert choose_language(None, None, browser, "fr") == "en"
    assert choose_language(None, None, LanguageAccept([("nl", 1)]), "en") == "en"
    assert choose_language(None, None, None, None) == "fr"
    assert choose_language(None, "nl", None, None, fallback="en") == "en"
