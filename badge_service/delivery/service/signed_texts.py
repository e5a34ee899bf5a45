"""What an issued credential says, read from its signed document, and the issuer's unsigned
translations of it.

The public page, the PDF certificate and the employer report show what was signed. The
document carries the achievement's name and description in every language (``related``
editions, signed with it) but the criteria, the issuer's name, the competences and the level
in the achievement's main language only. A reader in the other language may still see the
issuer's translation from today's definitions, always marked as not part of the signed
credential by the caller, and only while that definition's main-language text is still the
signed one: once a definition is edited after issue, its translation is of another text, so
none is offered and the signed text is shown alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from badge_service.achievements import service as achievements
from badge_service.awards.models import IssuedCredential
from badge_service.frameworks.models import FrameworkItem
from badge_service.programmes.service import text_of


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def subject_of(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    return subject if isinstance(subject, dict) else {}


def achievement_of(document: dict[str, Any]) -> dict[str, Any]:
    achievement = subject_of(document).get("achievement")
    return achievement if isinstance(achievement, dict) else {}


def issuer_of(document: dict[str, Any]) -> dict[str, Any]:
    issuer = document.get("issuer")
    return issuer if isinstance(issuer, dict) else {}


def main_language(document: dict[str, Any]) -> str | None:
    language = achievement_of(document).get("inLanguage")
    return language if isinstance(language, str) else None


def edition(document: dict[str, Any], language: str | None) -> tuple[str, str]:
    """The achievement's signed name and description in ``language`` (its ``related``
    edition), else in its main language."""
    achievement = achievement_of(document)
    name, description = _text(achievement.get("name")), _text(achievement.get("description"))
    if language and language != main_language(document):
        for related in achievement.get("related") or ():
            if isinstance(related, dict) and related.get("inLanguage") == language:
                name = _text(related.get("name")) or name
                description = _text(related.get("description")) or description
                break
    return name, description


def achievement_name(credential: IssuedCredential, language: str | None = None) -> str:
    """The achievement's name as the credential states it, in ``language`` when it has that
    edition."""
    return edition(credential.document, language)[0]


def criteria(document: dict[str, Any]) -> str:
    found = achievement_of(document).get("criteria")
    return _text(found.get("narrative")) if isinstance(found, dict) else ""


def issuer_name(document: dict[str, Any]) -> str:
    return _text(issuer_of(document).get("name"))


@dataclass(frozen=True)
class SignedAlignment:
    url: str | None
    code: str | None
    name: str
    framework: str | None


def alignments(document: dict[str, Any]) -> list[SignedAlignment]:
    out = []
    for alignment in achievement_of(document).get("alignment") or ():
        if isinstance(alignment, dict):
            out.append(SignedAlignment(_text(alignment.get("targetUrl")) or None,
                                       _text(alignment.get("targetCode")) or None,
                                       _text(alignment.get("targetName")),
                                       _text(alignment.get("targetFramework")) or None))
    return out


@dataclass(frozen=True)
class SignedLevel:
    url: str
    code: str | None
    name: str


def achieved_level(document: dict[str, Any]) -> SignedLevel | None:
    """The first result's level, as the achievement's signed rubric names it."""
    levels = {}
    for description in achievement_of(document).get("resultDescription") or ():
        for level in (description.get("rubricCriterionLevel") or ()
                      if isinstance(description, dict) else ()):
            if isinstance(level, dict) and isinstance(level.get("id"), str):
                levels[level["id"]] = level
    for result in subject_of(document).get("result") or ():
        url = result.get("achievedLevel") if isinstance(result, dict) else None
        if isinstance(url, str) and url in levels:
            level = levels[url]
            return SignedLevel(url, _text(level.get("level")) or None, _text(level.get("name")))
    return None


# --- the issuer's translations (unsigned) ----------------------------------------------------


def _translation(texts: dict[str, Any], main: str | None, signed: str,
                 language: str) -> str | None:
    """``texts[language]`` when ``texts[main]`` is still ``signed`` and says something else."""
    if not main or language == main or not signed or texts.get(main) != signed:
        return None
    found = texts.get(language)
    return found if isinstance(found, str) and found.strip() and found != signed else None


def criteria_translation(credential: IssuedCredential, language: str) -> str | None:
    definition = credential.achievement
    return _translation(definition.criteria_i18n or {}, main_language(credential.document),
                        criteria(credential.document), language)


def issuer_name_translation(credential: IssuedCredential, language: str) -> str | None:
    # The issuer profile is signed with the organisation's French name first (issuing).
    organisation = credential.organisation
    names = {"fr": organisation.name, **(organisation.name_i18n or {})}
    return _translation(names, "fr", issuer_name(credential.document), language)


@dataclass(frozen=True)
class Translations:
    """Name and framework translations per alignment URL (unsigned)."""

    names: dict[str, str]
    frameworks: dict[str, str]


def alignment_translations(credential: IssuedCredential, language: str,
                           public_base_url: str) -> Translations:
    main = main_language(credential.document)
    items = {achievements.item_url(public_base_url, a.item): a.item
             for a in credential.achievement.alignments}
    names, frameworks = {}, {}
    for signed in alignments(credential.document):
        item = items.get(signed.url or "")
        if item is None or signed.url is None or not main:
            continue
        name = _translation({main: achievements.item_name(item, main),
                             language: achievements.item_name(item, language)},
                            main, signed.name, language)
        if name:
            names[signed.url] = name
        titles = {main: text_of(item.version.title_i18n, main) or item.version.title,
                  language: text_of(item.version.title_i18n, language)}
        framework = _translation(titles, main, signed.framework or "", language)
        if framework:
            frameworks[signed.url] = framework
    return Translations(names, frameworks)


def level_translation(credential: IssuedCredential, level: SignedLevel, language: str,
                      public_base_url: str, item: FrameworkItem | None) -> str | None:
    """The level item's name in ``language`` (``item``: the credential's level row)."""
    main = main_language(credential.document)
    if item is None or achievements.item_url(public_base_url, item) != level.url or not main:
        return None
    return _translation({main: achievements.item_name(item, main),
                         language: achievements.item_name(item, language)},
                        main, level.name, language)
