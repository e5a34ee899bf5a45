"""One credential view: a signed credential document (and our row for it) as people see it.

The public page (services.pages), the PDF certificate (certificates.service) and the employer
report (verification.service.summary) all show the same things of a credential: its names and
description in the reader's language, issuer, recipient, dates, competences with the levels
reached, evidence and live status. They read them here, so the three cannot drift apart.

The rule of services.signed_texts holds for all of them: show what was signed; a translation
from today's database is the issuer's, and the caller marks it as not part of the signed
credential. Two things are not in the document at all: the recipient's name (the document
identifies the holder by a salted hash of their email) and the live status (the row's state
and the clock).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.awards.models import STATE_REVOKED, STATE_SUSPENDED, IssuedCredential
from badge_service.delivery.service import signed_texts
from badge_service.delivery.service.labels import LABELS, format_date
from badge_service.frameworks.models import FrameworkItem
from badge_service.programmes.service import text_of
from credentials.verify import parse_datetime

STATUS_VALID = "valid"
STATUS_SUSPENDED = "suspended"
STATUS_REVOKED = "revoked"
STATUS_EXPIRED = "expired"
STATUS_NOT_YET_VALID = "not-yet-valid"

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")


# --- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisplayStatus:
    """The live status of a credential, as people and the API see it."""

    code: str  # valid | suspended | revoked | expired | not-yet-valid
    since: datetime | None = None

    @property
    def is_valid(self) -> bool:
        return self.code == STATUS_VALID

    def label(self, language: str) -> str:
        return LABELS[language][self.code]

    def explanation(self, language: str) -> str:
        return LABELS[language][f"{self.code}_text"].format(
            date=format_date(self.since, language))


def aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored datetime is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def display_status(credential: IssuedCredential, now: datetime) -> DisplayStatus:
    """Revoked, then suspended (the issuer's acts win), then expired or not yet valid."""
    if credential.state == STATE_REVOKED:
        return DisplayStatus(STATUS_REVOKED, aware(credential.state_changed_at))
    if credential.state == STATE_SUSPENDED:
        return DisplayStatus(STATUS_SUSPENDED, aware(credential.state_changed_at))
    valid_until = aware(credential.valid_until)
    if valid_until is not None and now >= valid_until:
        return DisplayStatus(STATUS_EXPIRED, valid_until)
    valid_from = aware(credential.valid_from)
    if valid_from is not None and now < valid_from:
        return DisplayStatus(STATUS_NOT_YET_VALID, valid_from)
    return DisplayStatus(STATUS_VALID, valid_from)


# --- the recipient and the dates -------------------------------------------------------------


def public_recipient_name(user: User) -> str | None:
    """The name to show publicly: never an email address (accounts created without a name
    default to their email), else given and family names, else nothing."""
    name = (user.display_name or "").strip()
    if name and not _EMAIL.search(name):
        return name
    parts = " ".join(p.strip() for p in (user.given_name, user.family_name) if p and p.strip())
    if parts and not _EMAIL.search(parts):
        return parts
    return None


def issued_at(document: dict[str, Any], row_moment: datetime | None) -> datetime | None:
    # Signed dates; the row holds the same moments, kept only for a document without them.
    return (parse_datetime(document.get("awardedDate"))
            or parse_datetime(document.get("validFrom")) or row_moment)


def valid_until(document: dict[str, Any]) -> datetime | None:
    return parse_datetime(document.get("validUntil"))


# --- texts -----------------------------------------------------------------------------------


def text(value: Any) -> str:
    """A text property of the document: a string (or, defensively, a language map)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return text_of(value)
    return ""


def text_in(value: Any, language: str) -> str | None:
    """A plain string from a Text value (a string, or a language map: ``language``, else its
    first entry)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        chosen = value.get(language) or next(iter(value.values()))
        return chosen if isinstance(chosen, str) else None
    return None


# --- competences and levels, with the issuer's translations ----------------------------------


@dataclass(frozen=True)
class Competence:
    code: str | None
    #: As signed (the achievement's main language).
    name: str
    framework: str | None
    url: str | None
    #: The issuer's translations into the page's language: not part of the signed credential.
    name_translation: str | None = None
    framework_translation: str | None = None

    @property
    def shown_name(self) -> str:
        return self.name_translation or self.name

    @property
    def shown_framework(self) -> str | None:
        return self.framework_translation or self.framework


@dataclass(frozen=True)
class Level:
    code: str | None
    #: As signed (the achievement's rubric, main language).
    name: str
    #: The issuer's translation: not part of the signed credential.
    translation: str | None = None


def competences(credential: IssuedCredential, language: str,
                public_base_url: str) -> list[Competence]:
    translations = signed_texts.alignment_translations(credential, language, public_base_url)
    return [Competence(a.code, a.name, a.framework, a.url,
                       translations.names.get(a.url or ""),
                       translations.frameworks.get(a.url or ""))
            for a in signed_texts.alignments(credential.document)]


def level(session: Session, credential: IssuedCredential, language: str,
          public_base_url: str) -> Level | None:
    signed = signed_texts.achieved_level(credential.document)
    if signed is None:
        return None
    item = (session.get(FrameworkItem, credential.level_item_id)
            if credential.level_item_id is not None else None)
    return Level(signed.code, signed.name, signed_texts.level_translation(
        credential, signed, language, public_base_url, item))


@dataclass(frozen=True)
class ReachedCompetence:
    """A signed alignment with the level a result says was reached for it (if any)."""

    name: str
    code: str | None
    framework: str | None
    level: str | None


def _level_names(achievement: dict[str, Any], language: str) -> dict[str, str]:
    names = {}
    for description in achievement.get("resultDescription") or ():
        for rubric_level in (description or {}).get("rubricCriterionLevel") or ():
            label = text_in(rubric_level.get("name"), language) or rubric_level.get("level") or ""
            code = rubric_level.get("level")
            if code and code not in label:
                label = f"{code} – {label}"
            if rubric_level.get("id"):
                names[rubric_level["id"]] = label
    return names


def reached_competences(document: dict[str, Any],
                        language: str) -> tuple[list[ReachedCompetence], str | None]:
    """The competences (alignments, with levels from results tied to them) and the overall
    level reached (results tied to no alignment) of a credential."""
    subject = signed_texts.subject_of(document)
    achievement = subject.get("achievement") or {}
    levels = _level_names(achievement, language)
    descriptions = {d.get("id"): d for d in achievement.get("resultDescription") or ()
                    if isinstance(d, dict)}
    by_target: dict[str, str] = {}
    overall = []
    for result in subject.get("result") or ():
        if not isinstance(result, dict):
            continue
        label = levels.get(result.get("achievedLevel") or "") or result.get("value")
        if not label:
            continue
        aligned = list(result.get("alignment") or ())
        description = descriptions.get(result.get("resultDescription"))
        if description:
            aligned += list(description.get("alignment") or ())
        targets = [a.get("targetUrl") for a in aligned if isinstance(a, dict)]
        if targets:
            for target in targets:
                by_target[target] = label
        else:
            overall.append(label)
    out = []
    for alignment in achievement.get("alignment") or ():
        if not isinstance(alignment, dict):
            continue
        out.append(ReachedCompetence(
            name=text_in(alignment.get("targetName"), language) or "",
            code=alignment.get("targetCode"),
            framework=text_in(alignment.get("targetFramework"), language),
            level=by_target.get(alignment.get("targetUrl") or "")))
    return out, (", ".join(overall) or None)


# --- evidence --------------------------------------------------------------------------------


def evidence(document: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for entry in document.get("evidence") or []:
        if not isinstance(entry, dict):
            continue
        url = entry.get("id") if isinstance(entry.get("id"), str) else ""
        # Only web links become links on the page; anything else is shown as text.
        out.append({"narrative": text(entry.get("narrative")),
                    "url": url if url.startswith(("https://", "http://")) else "",
                    "name": text(entry.get("name"))})
    return out


# --- any issuer's credential (the verification report) -------------------------------------

def foreign_text(value: Any, language: str) -> str | None:
    """A display string of any issuer's document (the verification report reads others'
    credentials too): a plain string, a language map, a value object or a list of them, cut at
    500 characters; None for anything else. Ours go through :func:`text` and signed_texts."""
    if isinstance(value, str):
        return value[:500]
    if isinstance(value, Mapping):
        if "@value" in value and isinstance(value["@value"], str):
            return value["@value"][:500]
        for key in (language, "en", "fr"):
            if isinstance(value.get(key), str):
                return value[key][:500]
        for text in value.values():
            if isinstance(text, str):
                return text[:500]
    if isinstance(value, list):
        texts = [v for v in value if isinstance(v, Mapping)]
        for wanted in (language, None):
            for item in texts:
                if wanted is None or item.get("@language") == wanted:
                    found = foreign_text(item, language)
                    if found:
                        return found
        for item in value:
            found = foreign_text(item, language)
            if found:
                return found
    return None


def foreign_date(value: Any) -> str | None:
    """A date of any issuer's document as it was written (at most 64 characters)."""
    return value[:64] if isinstance(value, str) else None
