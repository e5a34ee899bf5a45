"""The languages we write and the one rule that picks the language of a page, an answer or a
message.

Shared core with no Flask import, so that services (the messages they send) and the request
edge (pages and API answers, see :mod:`badge_service.edge.language`) decide the same way. The
service writes French and English only; every text table, form choice and validation takes its
list of languages from here.
"""

from __future__ import annotations

from typing import Protocol

#: The languages the service writes, in the order a tie between them is settled.
LANGUAGES = ("fr", "en")

#: The language when nothing says otherwise (the ``DEFAULT_LANGUAGE`` setting's own default).
DEFAULT_LANGUAGE = "fr"


class AcceptedLanguages(Protocol):
    """A parsed ``Accept-Language`` header (werkzeug's ``request.accept_languages``)."""

    def best_match(self, matches: tuple[str, ...]) -> str | None: ...


def supported(tag: str | None) -> str | None:
    """``tag`` as one of :data:`LANGUAGES` (``en-GB``, ``EN`` and `` en `` are English), or None
    when it names none of them."""
    primary = (tag or "").strip().split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def choose_language(requested: str | None = None, preferred: str | None = None,
                    accepted: AcceptedLanguages | str | None = None,
                    default: str | None = None, *, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The first supported of, in this order:

    - ``requested``: what the request asks for explicitly (``?lang=``, a ``lang`` field);
    - ``preferred``: the language a person saved on their account (or a member's);
    - ``accepted``: the browser's ``Accept-Language`` (the parsed header, asked for its best
      match among :data:`LANGUAGES`, or a tag already chosen from it);
    - ``default``: the language of the thing shown (the credential's);

    else ``fallback`` (the caller's: the configured ``DEFAULT_LANGUAGE`` for pages, English for
    messages to people whose language we do not write). A value naming a language we do not
    write is passed over, never an error: a stale link or an odd header still shows a page.
    """
    if accepted is not None and not isinstance(accepted, str):
        accepted = accepted.best_match(LANGUAGES)
    for tag in (requested, preferred, accepted, default):
        language = supported(tag)
        if language:
            return language
    return fallback


def text_of(table: dict[str, dict[str, str]], key: str, language: str, **values: object) -> str:
    """``table[key]`` in ``language`` (English when that language has no entry), filled with
    ``values``: how the pages that keep a per-key {"fr": …, "en": …} table read it."""
    entry = table[key]
    value = entry.get(language) or entry["en"]
    return value.format(**values) if values else value
