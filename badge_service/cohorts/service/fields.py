"""Cleaning participant fields: shared by the forms, the API and the CSV import, so that every
door accepts and refuses the same values with the same messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from badge_service.accounts.service import users as accounts
from badge_service.cohorts.service.codes import (
    COUNTRIES,
    COUNTRY_HINTS,
    LANGUAGE_CODES,
    LANGUAGE_NAMES,
)
from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats import csv_table as csv_import
from badge_service.formats import names
from badge_service.locale import choose_language

#: Longest accepted value of each field (characters, after trimming).
LIMITS = {
    "email": 254,  # RFC 5321 (accounts.normalise_email counts the octets)
    "participant_code": 64,
    "given_name": 200,
    "family_name": 200,
    "organisation_name": 300,
    "organisation_type": 200,
    "country": 64,  # checked against ISO 3166-1 afterwards; the limit only bounds messages
    "job_role": 200,
    "preferred_language": 35,
    "cohort": 200,
}
#: Checked by the shared name rule (badge_service.formats.names): NFC, one line, nothing invisible.
NAME_FIELDS = ("given_name", "family_name")
MEMBER_FIELDS = ("participant_code", "given_name", "family_name", "organisation_name",
                 "organisation_type", "country", "job_role", "preferred_language")
_BCP47 = re.compile(r"^([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|\d{3}))?$")


def _key(name: str) -> str:
    """Cohort names compare without case and extra spaces."""
    return " ".join(name.split()).casefold()


def clean_language(value: str | None, default_language: str) -> tuple[str, str | None]:
    """A BCP 47 tag (``fr``, ``nl``, ``fr-BE``) and a warning when the value was unusable and
    ``default_language`` was used instead."""
    text = (value or "").strip()
    if not text:
        return default_language, None
    tag = text.replace("_", "-").lower()
    tag = LANGUAGE_NAMES.get(csv_import.normalise_header(tag), tag)
    match = _BCP47.match(tag)
    if match is None or match.group(1) not in LANGUAGE_CODES:
        return default_language, (f"unknown language {csv_import.printable(text, 40)!r}; "
                                  f"using {default_language!r} (use a code such as fr, en, nl)")
    primary, script, region = match.groups()
    parts = [primary] + ([script.title()] if script else []) + ([region.upper()] if region
                                                                 else [])
    return "-".join(parts), None


def message_language(tag: str | None) -> str:
    """The language of the messages we send: French or English (the two we write)."""
    return choose_language(preferred=tag, fallback="en")


def clean_member(raw: Mapping[str, Any], *, default_language: str, row: int | None = None,
                 partial: bool = False) -> tuple[dict[str, Any], list[FieldError],
                                                 list[FieldError]]:
    """Validate participant fields: ``(values, errors, warnings)``.

    ``raw`` holds strings (or None) under the names of :data:`MEMBER_FIELDS` and ``email``.
    With ``partial`` (an update) only the given keys are checked and required ones may be
    absent. Empty optional values become None.
    """
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    warnings: list[FieldError] = []

    def text(name: str) -> str | None:
        value = raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            errors.append(FieldError("must be text", field=name, row=row))
            return None
        if name in NAME_FIELDS:
            cleaned, problem = names.check_name(value, max_length=LIMITS[name])
        else:
            cleaned, problem = csv_import.check_text(value, max_length=LIMITS[name])
        if problem:
            errors.append(FieldError(problem, field=name, row=row))
            return None
        if csv_import.looks_like_formula(cleaned) and name not in ("email",):
            warnings.append(FieldError(
                f"starts with {cleaned[0]!r}, which spreadsheets run as a formula; kept as "
                "written (exports will prefix it with an apostrophe)", field=name, row=row))
        return cleaned or None

    if "email" in raw or not partial:
        email = text("email")
        if email is None and not any(e.field == "email" for e in errors):
            errors.append(FieldError("is required (missing email address)", field="email",
                                     row=row))
        elif email is not None:
            try:
                values["email"] = accounts.normalise_email(email, row=row)
            except ValidationFailed as exc:
                errors.extend(FieldError(f"not a valid email address: {e.message}",
                                         field="email", row=row) for e in exc.errors)
    if "given_name" in raw or not partial:
        value = text("given_name")
        if value is None:
            if not any(e.field == "given_name" for e in errors):
                errors.append(FieldError("is required (missing name)", field="given_name",
                                         row=row))
        else:
            values["given_name"] = value
    if "family_name" in raw or not partial:
        # A mononym (one name only) has an empty family name; the column is not nullable.
        value = text("family_name")
        if not any(e.field == "family_name" for e in errors):
            values["family_name"] = value or ""
    if "given_name" in values and "family_name" in values:
        problem = names.display_name_problem(values["given_name"], values["family_name"])
        if problem:
            errors.append(FieldError(problem, field="family_name", row=row))
    for name in ("participant_code", "organisation_name", "organisation_type", "job_role"):
        if name in raw:
            values[name] = text(name)
    if "country" in raw:
        country = text("country")
        if country is not None:
            code = country.upper()
            if code in COUNTRIES:
                values["country"] = code
            else:
                hint = (f" (for this country use {COUNTRY_HINTS[code]})"
                        if code in COUNTRY_HINTS else "")
                errors.append(FieldError(
                    f"{csv_import.printable(country, 40)!r} is not an ISO 3166-1 alpha-2 "
                    f"country code such as BE or FR{hint}", field="country", row=row))
        else:
            values["country"] = None
    if "preferred_language" in raw or not partial:
        language = text("preferred_language")
        if not any(e.field == "preferred_language" for e in errors):
            if language is None and partial:
                values["preferred_language"] = default_language
            else:
                tag, warning = clean_language(language, default_language)
                values["preferred_language"] = tag
                if warning:
                    warnings.append(FieldError(warning, field="preferred_language", row=row))
    return values, errors, warnings
