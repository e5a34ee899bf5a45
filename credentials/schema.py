"""JSON Schema validation against the official OB 3.0 schemas bundled in ``schemas/``.

Validation is JSON Schema draft 2019-09 (what the 1EdTech schemas declare). ``$ref`` targets
resolve only against the bundled schemas: a reference to anything else is an error, never a
download. ``format`` is asserted for ``date`` and ``date-time`` (the only formats the OB
schemas use) with a stdlib checker, so the result does not depend on which optional
``jsonschema`` format packages happen to be installed.

Bundled variant: ``"jsonld"`` — the purl-served "JSON-LD adaptation" that accepts JSON-LD's
compacted single values (``proof`` as one object, ``type`` as a string). The strict "formal"
variant is not available from a registry package; :func:`validate_against` validates with any
schema the caller supplies (the tests use it with the formal files in ``../shared``).

Speed: ``jsonschema`` interprets a schema anew for every document -- for the OB 3.0 JSON-LD
schemas, whose every property is a ``oneOf`` (single value or array), that is about 2.5 ms per
credential. So each schema is also compiled, once, by ``jsonschema-rs`` (a native draft 2019-09
validator), which answers "valid or not" in microseconds. A document it accepts is accepted
only if ``jsonschema`` would accept it too -- the two agree on these schemas, as
``tests/credentials/test_schema_validation_native.py`` checks keyword by keyword and on over a
thousand altered credentials -- and for anything it refuses, ``jsonschema`` decides and produces the
violations, so the reports are ``jsonschema``'s. ``jsonschema-rs`` gets the same bundled
documents and a retriever that refuses every other URL: it never fetches either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple

import jsonschema_rs
import referencing.exceptions
from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import SchemaError as _JsonSchemaError
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT201909

import schemas
from credentials.errors import InputTooLargeError, MalformedInputError

KINDS = ("AchievementCredential", "EndorsementCredential", "Profile")
VARIANTS = ("jsonld",)
_DRAFT = "https://json-schema.org/draft/2019-09/schema"
_MESSAGE_LIMIT = 500

# The 1EdTech generator writes every class schema as that class's definition plus the shared
# `$defs`; the bundled Profile schema equals the AchievementCredential schema's
# `$defs/Profile`, and the published formal EndorsementCredential schema equals the formal
# AchievementCredential's `$defs/EndorsementCredential` (both checked by tests). No registry
# package ships the JSON-LD EndorsementCredential file, so it is taken from that `$defs` entry.
_DERIVED = {
    ("EndorsementCredential", "jsonld"): (
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "ob_v3p0_endorsementcredential_schema.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "ob_v3p0_achievementcredential_schema.json#/$defs/EndorsementCredential",
    ),
}


@dataclass(frozen=True)
class SchemaViolation:
    """One way a document fails its schema.

    ``path`` is a JSON Pointer (RFC 6901) into the document; for a missing required property
    it names the missing member (e.g. ``/validFrom``), which is where the fix goes.
    """

    path: str
    message: str
    keyword: str = ""
    schema_path: str = ""


@dataclass(frozen=True)
class BundledSchema:
    """A schema this library can validate with, and the URL credentials cite for it."""

    kind: str
    variant: str
    url: str
    file: str | None = None
    derived_from: str | None = None


@cache
def available_schemas() -> tuple[BundledSchema, ...]:
    """Every (kind, variant) that :func:`validate` accepts."""
    found = [
        BundledSchema(kind=e["kind"], variant=e["variant"], url=e["url"], file=e["file"])
        for e in schemas.load_manifest().get("json_schemas", [])
    ]
    bundled_urls = {s.url for s in found}
    for (kind, variant), (url, ref) in _DERIVED.items():
        if ref.split("#", 1)[0] in bundled_urls:
            found.append(BundledSchema(kind=kind, variant=variant, url=url, derived_from=ref))
    return tuple(sorted(found, key=lambda s: (s.kind, s.variant)))


def schema_for_url(url: str) -> BundledSchema | None:
    """The bundled schema for a ``credentialSchema[].id`` URL, or None if none is bundled."""
    for bundled in available_schemas():
        if bundled.url == url:
            return bundled
    for entry in schemas.load_manifest().get("json_schemas", []):
        if url in entry.get("aliases", []):
            return _lookup(entry["kind"], entry["variant"])
    return None


def validate(document: Any, kind: str, *, variant: str = "jsonld") -> list[SchemaViolation]:
    """Validate ``document`` against the bundled OB 3.0 schema for ``kind``.

    Returns the violations (empty when valid), sorted by path. Raises ``ValueError`` for a
    kind or variant that is not bundled (see :func:`available_schemas`) and
    ``InputTooLargeError`` when the document nests too deeply to validate.
    """
    return _collect(_schema(kind, variant), document)


def validate_against(document: Any, schema: Mapping[str, Any]) -> list[SchemaViolation]:
    """Validate with a caller-supplied draft 2019-09 schema (its remote refs are not fetched).

    Raises ``MalformedInputError`` when ``schema`` is not a valid JSON Schema.
    """
    return _collect(_compiled(json.dumps(schema, sort_keys=True)), document)


class _Compiled(NamedTuple):
    """A schema ready to use: the ``jsonschema`` validator and, if it could be built, the fast
    validity check of jsonschema-rs (None: every document goes through ``jsonschema``)."""

    validator: Draft201909Validator
    fast: Callable[[Any], bool] | None


def _lookup(kind: str, variant: str) -> BundledSchema:
    for bundled in available_schemas():
        if (bundled.kind, bundled.variant) == (kind, variant):
            return bundled
    known = ", ".join(f"{s.kind}/{s.variant}" for s in available_schemas())
    raise ValueError(f"no bundled JSON Schema for {kind}/{variant}; bundled: {known}")


@cache
def _registry() -> Registry:
    resources = [
        (url, Resource.from_contents(doc, default_specification=DRAFT201909))
        for url, doc in schemas.bundled_documents("json_schemas").items()
    ]
    # No `retrieve` callable: a $ref outside the bundle raises Unresolvable, never fetches.
    return Registry().with_resources(resources)


def _make(schema: Mapping[str, Any]) -> _Compiled:
    validator = Draft201909Validator(schema, registry=_registry(), format_checker=_FORMATS)
    return _Compiled(validator, _native_predicate(schema))


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"{uri} is not bundled (remote $refs are never fetched)")


@cache
def _native_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(list(schemas.bundled_documents("json_schemas").items()),
                                  draft=jsonschema_rs.Draft201909, retriever=_refuse_retrieval)


def _native_predicate(schema: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    """``jsonschema-rs``'s ``is_valid`` for ``schema``, or None when it cannot build it (a
    $ref outside the bundle, anything it does not support): then ``jsonschema`` alone decides."""
    try:
        validator = jsonschema_rs.Draft201909Validator(
            dict(schema), validate_formats=True, registry=_native_registry(),
            retriever=_refuse_retrieval)
    except Exception:  # its errors are ValueError subclasses and panics; none is ours to report
        return None
    return validator.is_valid


@cache
def _schema(kind: str, variant: str) -> _Compiled:
    bundled = _lookup(kind, variant)
    if bundled.derived_from is not None:
        return _make({"$schema": _DRAFT, "$ref": bundled.derived_from})
    return _make(schemas.bundled_documents("json_schemas")[bundled.url])


def _validator(kind: str, variant: str) -> Draft201909Validator:
    """The (cached) ``jsonschema`` validator for a bundled schema."""
    return _schema(kind, variant).validator


@lru_cache(maxsize=32)
def _compiled(text: str) -> _Compiled:
    schema = json.loads(text)
    try:
        Draft201909Validator.check_schema(schema)
    except _JsonSchemaError as exc:
        raise MalformedInputError(
            f"not a valid JSON Schema: {exc.message} at {_pointer(exc.absolute_path)}",
        ) from exc
    return _make(schema)


def _collect(compiled: _Compiled, document: Any) -> list[SchemaViolation]:
    if compiled.fast is not None and _fast_valid(compiled.fast, document):
        return []
    try:
        errors = list(compiled.validator.iter_errors(document))
        # Messages quote the instance (repr): as deep as the document.
        out = [_violation(error) for error in errors]
    except RecursionError as exc:
        raise InputTooLargeError("document nests too deeply for JSON Schema validation") from exc
    except referencing.exceptions.Unresolvable as exc:
        raise MalformedInputError(
            f"JSON Schema refers to {getattr(exc, 'ref', exc)!r}, which is not bundled "
            "(remote $refs are never fetched)"
        ) from exc
    return sorted(out, key=lambda v: (v.path, v.keyword, v.message))


#: Deeper documents skip the native check: jsonschema-rs recurses on the native stack, and a
#: stack overflow there kills the process (seen at 50,000 levels) instead of raising. No
#: credential comes near; jsonschema then refuses them with InputTooLargeError.
_NATIVE_MAX_DEPTH = 200


def _shallow(document: Any, limit: int = _NATIVE_MAX_DEPTH) -> bool:
    stack = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return True


def _fast_valid(fast: Callable[[Any], bool], document: Any) -> bool:
    if not _shallow(document):
        return False
    try:
        return fast(document)
    except Exception:
        # Too deep (RecursionError) or anything unforeseen: jsonschema decides and reports.
        return False


def _violation(error: ValidationError) -> SchemaViolation:
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [
            p for p in error.validator_value if error.message == f"{p!r} is a required property"
        ]
        if missing:
            path.append(missing[0])
    message = _describe(error)
    if error.context:
        closest = best_match(error.context)
        message += f"; closest match fails at {_pointer(closest.absolute_path) or '/'}: "
        message += _describe(closest)
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 1] + "…"
    return SchemaViolation(
        path=_pointer(path),
        message=message,
        keyword=str(error.validator),
        schema_path=_pointer(error.absolute_schema_path),
    )


def _describe(error: ValidationError) -> str:
    # jsonschema starts many messages with repr(instance); for objects that repr is the whole
    # subtree, which buries the reason.
    message: str = error.message
    if isinstance(error.instance, dict | list):
        shown = repr(error.instance)
        if message.startswith(shown):
            label = "the object" if isinstance(error.instance, dict) else "the array"
            message = label + message[len(shown) :]
    return message


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))",
    re.ASCII,
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def _valid_date(y: str, m: str, d: str) -> bool:
    try:
        date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


_FORMATS = FormatChecker(formats=())


# jsonschema ships no type information: its decorator is untyped to mypy.
@_FORMATS.checks("date")  # type: ignore[untyped-decorator]
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE.fullmatch(value)
    return match is not None and _valid_date(*match.groups())


@_FORMATS.checks("date-time")  # type: ignore[untyped-decorator]  # as above
def _is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time`` (offset required; leap second 60 allowed)."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None or not _valid_date(*match.groups()[:3]):
        return False
    hour, minute, second = (int(g) for g in match.groups()[3:6])
    off_h, off_m = match.group(7), match.group(8)
    offset_ok = off_h is None or (int(off_h) <= 23 and int(off_m) <= 59)
    return hour <= 23 and minute <= 59 and second <= 60 and offset_ok
