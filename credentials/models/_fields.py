"""Value checkers shared by every builder: each returns the JSON value or raises.

They turn caller mistakes into :class:`MalformedInputError` naming the argument, so one
place decides what an IRI, a language tag, a localised text or a date-time must look like.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..errors import MalformedInputError
from .vocabulary import Json

_EXT_NAME = re.compile(r"ext:[A-Za-z0-9._-]+")
# The OB schemas' LanguageCode pattern; stricter than BCP 47 but what validators enforce.
_LANGUAGE_TAG = re.compile(r"[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?")
# An absolute IRI: JSON-LD resolves anything else against the document base, and a signed
# document has none, so a relative "id" would silently vanish from the signed RDF.
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")


def _fail(detail: str, field: str) -> MalformedInputError:
    return MalformedInputError(detail, field=field)


def _iri(value: object, field: str) -> str:
    if not isinstance(value, str) or not _ABSOLUTE_IRI.fullmatch(value):
        raise _fail(
            f"{field} must be an absolute IRI (e.g. https://…, urn:uuid:…, did:…), got {value!r}",
            field,
        )
    return value


def _string(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{field} must be a non-empty string, got {value!r}", field)
    return value


def _language(value: object, field: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE_TAG.fullmatch(value):
        raise _fail(f"{field} must be a language tag such as 'fr' or 'en-GB', got {value!r}", field)
    return value


def _text_parts(value: object, language: str | None, field: str) -> tuple[str, str | None, Json]:
    """Split a ``Text`` into (main text, main language or None, {other language: text})."""
    if isinstance(value, str):
        return _string(value, field), None, {}
    if not isinstance(value, Mapping) or not value:
        raise _fail(
            f"{field} must be a string or a non-empty mapping language -> text, got {value!r}",
            field,
        )
    texts = {
        _language(tag, f"{field} language"): _string(text, f"{field}[{tag!r}]")
        for tag, text in value.items()
    }
    main = language if language is not None else next(iter(texts))
    if main not in texts:
        raise _fail(
            f"{field} has no text in the main language {main!r} (it has {', '.join(texts)})", field
        )
    others = {tag: text for tag, text in texts.items() if tag != main}
    return texts[main], main, others


def _text(value: object, language: str | None, field: str) -> str:
    return _text_parts(value, language, field)[0]


def _enum(value: object, allowed: frozenset[str], field: str, *, extensible: bool = True) -> str:
    if isinstance(value, str) and (value in allowed or (extensible and _EXT_NAME.fullmatch(value))):
        return value
    hint = " or an 'ext:'-prefixed extension" if extensible else ""
    raise _fail(f"{field} must be one of {', '.join(sorted(allowed))}{hint}; got {value!r}", field)


def _object(value: object, field: str, *, type_: str | None = None) -> Json:
    """Deep copy of a JSON object argument, optionally checking it carries ``type_``."""
    if not isinstance(value, Mapping):
        raise _fail(f"{field} must be a JSON object (dict), got {type(value).__name__}", field)
    if type_ is not None and type_ not in _types(value):
        raise _fail(f"{field} must be a {type_} object (its type is {value.get('type')!r})", field)
    return copy.deepcopy(dict(value))


def _objects(values: Iterable[object], field: str, *, type_: str | None = None) -> list[Json]:
    if isinstance(values, str | bytes | Mapping):
        raise _fail(f"{field} must be a sequence of JSON objects, not a single value", field)
    return [_object(v, f"{field}[{i}]", type_=type_) for i, v in enumerate(values)]


def _types(obj: Mapping[str, Any]) -> list[str]:
    value = obj.get("type")
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _put(out: Json, key: str, value: object) -> None:
    """Set ``key`` unless ``value`` is None or an empty list: absent, never null."""
    if value is None or (isinstance(value, list) and not value):
        return
    out[key] = value


def _strings(values: Iterable[object], field: str) -> list[str]:
    if isinstance(values, str | bytes):
        raise _fail(f"{field} must be a sequence of strings, not a single string", field)
    return [_string(v, f"{field}[{i}]") for i, v in enumerate(values)]


def _number(value: object, field: str) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{field} must be a number, got {value!r}", field)
    return value


def _string_value(value: object, field: str) -> str | None:
    """OB types points/value as strings; accept numbers for convenience."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(f"{field} must be a string or a number, got {value!r}", field)
    return _string(str(value), field)


def _id_of(value: object, field: str) -> str | None:
    """An IRI given directly or as the ``id`` of an object built here."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = value.get("id")
    return _iri(value, field)


def format_datetime(value: object, *, field: str = "datetime") -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``: whole seconds (truncated), UTC. Naive datetimes are refused."""
    if not isinstance(value, datetime):
        raise _fail(f"{field} must be a timezone-aware datetime, got {value!r}", field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise _fail(
            f"{field} is a naive datetime ({value.isoformat()}); pass a timezone-aware "
            "one, e.g. datetime(..., tzinfo=timezone.utc)",
            field,
        )
    utc = value.astimezone(UTC).replace(microsecond=0)
    return utc.isoformat(timespec="seconds").removesuffix("+00:00") + "Z"


def _jwts(values: Iterable[object], field: str) -> list[str]:
    jwts = _strings(values, field)
    for i, jwt in enumerate(jwts):
        if not re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+", jwt):
            raise _fail(f"{field}[{i}] is not a compact JWS", field)
    return jwts


def _put_endorsements(out: Json, endorsements: Sequence[Mapping[str, Any]],
                      jwts: Sequence[str], where: str) -> None:
    """Embedded endorsements, in both forms OB 3.0 allows (objects and compact JWTs)."""
    _put(out, "endorsement",
         _objects(endorsements, f"{where}endorsements", type_="EndorsementCredential"))
    _put(out, "endorsementJwt", _jwts(jwts, f"{where}endorsement_jwts"))
