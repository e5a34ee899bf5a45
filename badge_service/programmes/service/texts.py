"""Bilingual (fr/en) texts as stored: checking them, and picking the one to show.

Shared by programmes, achievements and delivery (imported from ``programmes.service``); the
languages themselves are :mod:`badge_service.locale`'s.
"""

from __future__ import annotations

from typing import Any

from badge_service.errors import FieldError
from badge_service.formats import names
from badge_service.locale import LANGUAGES


def text_of(texts: dict[str, Any] | None, language: str | None = None) -> str:
    """The text in ``language``, else French, else English, else ''."""
    texts = texts or {}
    for tag in (language, "fr", "en"):
        if tag and texts.get(tag):
            return str(texts[tag])
    return next((str(v) for v in texts.values() if v), "")


def clean_i18n(value: Any, field: str, errors: list[FieldError], *, max_length: int,
               required: bool = False, name: bool = False) -> dict[str, str]:
    """{"fr": …, "en": …} with blank entries dropped; errors for other languages, non-strings,
    over-long texts, and (``required``) when no language has text. With ``name`` (titles the
    badge and certificate print) each text follows the shared name rule (formats.names:
    NFC, one line, nothing invisible)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        errors.append(FieldError("must be an object with 'fr' and/or 'en' texts", field=field))
        return {}
    out: dict[str, str] = {}
    for tag, text in value.items():
        if tag not in LANGUAGES:
            errors.append(FieldError(f"unsupported language {tag!r} (use 'fr' or 'en')",
                                     field=f"{field}.{tag}"))
            continue
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(FieldError("must be a string", field=f"{field}.{tag}"))
            continue
        if name:
            text, problem = names.check_name(text, max_length=max_length)
            if problem:
                errors.append(FieldError(problem, field=f"{field}.{tag}"))
                continue
        text = text.strip()
        if len(text) > max_length:
            errors.append(FieldError(f"longer than {max_length} characters",
                                     field=f"{field}.{tag}"))
        elif text:
            out[tag] = text
    if required and not out and not any(e.field and e.field.startswith(field) for e in errors):
        errors.append(FieldError("is required in French or English (or both)", field=field))
    return out
