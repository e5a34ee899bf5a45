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
credential, most of it building throw-away validators and errors for the branches that do not
match. So each schema is also compiled, once, into a plain predicate (:class:`_FastCheck`)
that answers only "valid or not" with exactly ``jsonschema``'s semantics for the keywords
these schemas use. A document it accepts is valid; for anything else, and for any schema that
uses a keyword, a ``$ref`` or an identifier it does not handle, ``jsonschema`` itself decides
and produces the violations, so the reports are unchanged. The predicate is built from the
schema alone, never from a document, and is immutable once built (safe to share between
threads). ``tests/test_schema_validation.py`` checks it against ``jsonschema`` on thousands of
altered credentials.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urljoin

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
    validity predicate (None: every document goes through ``jsonschema``)."""

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
    return _Compiled(validator, _FastCheck.build(schema, schemas.bundled_documents("json_schemas")))


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


def _fast_valid(fast: Callable[[Any], bool], document: Any) -> bool:
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
    message = error.message
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


@_FORMATS.checks("date")
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE.fullmatch(value)
    return match is not None and _valid_date(*match.groups())


@_FORMATS.checks("date-time")
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


# ---------------------------------------------------------------------------------------------
# The fast validity predicate

_Check = Callable[[Any], bool]

#: Keywords :class:`_FastCheck` evaluates. Any other keyword ``jsonschema``'s draft 2019-09
#: validator acts on makes the schema ineligible; keys it ignores (annotations, ``$defs``...)
#: are ignored here too.
_FAST_KEYWORDS = frozenset(
    {
        "$ref",
        "additionalItems",
        "additionalProperties",
        "allOf",
        "anyOf",
        "contains",
        "enum",
        "format",
        "items",
        "minItems",
        "oneOf",
        "pattern",
        "properties",
        "propertyNames",
        "required",
        "type",
    }
)
_ACTED_ON = frozenset(Draft201909Validator.VALIDATORS)
#: Keys that change how ``$ref`` resolves (base URIs, anchors): never handled here.
_RESOLUTION_KEYS = ("$id", "$anchor", "$recursiveAnchor")


class _Unsupported(Exception):
    """The schema uses something :class:`_FastCheck` does not reproduce exactly."""


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_integer(x: Any) -> bool:
    # Draft 6 and later: 1.0 is an integer; booleans never are numbers.
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


_TYPES: dict[str, _Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "null": lambda x: x is None,
    "boolean": lambda x: isinstance(x, bool),
    "number": lambda x: isinstance(x, numbers.Number) and not isinstance(x, bool),
    "integer": _is_integer,
}


class _FastCheck:
    """Compiles a draft 2019-09 schema into a predicate equal to "``jsonschema`` finds no error".

    Every keyword mirrors the ``jsonschema`` 4 implementation of its draft 2019-09 validator
    (``type`` with its type checker, ``items``/``additionalItems`` in their array form,
    ``contains`` with the default ``minContains``, ``format`` through the same
    :class:`FormatChecker`, ``$ref`` siblings evaluated). ``$ref`` resolves only to the root
    schema and the bundled documents, by JSON Pointer; a recursive ``$ref`` is a late-bound
    cell, filled before the predicate is returned.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents = documents
        self._cells: dict[tuple[str, int], list[_Check]] = {}

    @classmethod
    def build(cls, root: Any, bundled: Mapping[str, Any]) -> _Check | None:
        """The predicate for ``root`` (``$ref`` targets: ``bundled``), or None if ineligible."""
        try:
            # referencing registers the root under its $id verbatim but looks documents up by
            # the URL before the fragment: only a fragment-free id means the same to both. A
            # document reached by $ref has the URL it was looked up by as its base, whatever
            # its own $id says; only an $id below a document's root would move it.
            base = root.get("$id", "") if isinstance(root, dict) else ""
            if not isinstance(base, str) or "#" in base:
                raise _Unsupported("$id is not a plain URL")
            documents = {**bundled, base: root}
            for document in documents.values():
                _no_nested_identifiers(document)
            return cls(documents)._compile(root, base)
        except (_Unsupported, RecursionError):
            return None

    def _compile(self, schema: Any, base: str) -> _Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise _Unsupported(f"schema {schema!r} is neither an object nor a boolean")
        unknown = (schema.keys() & _ACTED_ON) - _FAST_KEYWORDS
        if unknown or "minContains" in schema or "maxContains" in schema:
            raise _Unsupported(f"keywords {sorted(unknown)}")
        checks = [
            getattr(self, "_" + keyword.lstrip("$"))(schema[keyword], schema, base)
            for keyword in _ORDER
            if keyword in schema
        ]
        checks = [c for c in checks if c is not _always]
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        if len(checks) == 2:
            first, second = checks
            return lambda x: first(x) and second(x)
        checks_t = tuple(checks)

        return lambda x: all(check(x) for check in checks_t)

    # -- keywords, in jsonschema's semantics -------------------------------------------------

    def _type(self, value: Any, schema: dict, base: str) -> _Check:
        names = value if isinstance(value, list) else [value]
        if not all(isinstance(n, str) and n in _TYPES for n in names):
            raise _Unsupported(f"type {value!r}")
        if len(names) == 1:
            name = names[0]
            if name == "string":
                return lambda x: isinstance(x, str)
            if name == "object":
                return lambda x: isinstance(x, dict)
            if name == "array":
                return lambda x: isinstance(x, list)
            return _TYPES[name]
        predicates = tuple(_TYPES[n] for n in names)
        return lambda x: any(p(x) for p in predicates)

    def _enum(self, value: Any, schema: dict, base: str) -> _Check:
        # jsonschema's `equal` compares strings with ==; other values are not handled here.
        if not isinstance(value, list) or not all(type(v) is str for v in value):
            raise _Unsupported("enum of non-strings")
        allowed = frozenset(value)
        return lambda x: isinstance(x, str) and x in allowed

    def _pattern(self, value: Any, schema: dict, base: str) -> _Check:
        if not isinstance(value, str):
            raise _Unsupported("pattern is not a string")
        try:
            search = re.compile(value).search
        except re.error as exc:
            raise _Unsupported(f"pattern {value!r}") from exc
        return lambda x: not isinstance(x, str) or search(x) is not None

    def _format(self, value: Any, schema: dict, base: str) -> _Check:
        if not isinstance(value, str):
            raise _Unsupported("format is not a string")
        if value not in _FORMATS.checkers:
            return _always
        conforms = _FORMATS.conforms
        return lambda x: conforms(x, value)

    def _minItems(self, value: Any, schema: dict, base: str) -> _Check:
        if not _is_integer(value):
            raise _Unsupported("minItems is not an integer")
        return lambda x: not isinstance(x, list) or len(x) >= value

    def _required(self, value: Any, schema: dict, base: str) -> _Check:
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            raise _Unsupported("required is not a list of names")
        names = tuple(value)
        if not names:
            return _always

        def required(x: Any) -> bool:
            if isinstance(x, dict):
                for name in names:
                    if name not in x:
                        return False
            return True

        return required

    def _properties(self, value: Any, schema: dict, base: str) -> _Check:
        if not isinstance(value, dict):
            raise _Unsupported("properties is not an object")
        pairs = tuple((name, self._compile(sub, base)) for name, sub in value.items())

        def properties(x: Any) -> bool:
            if isinstance(x, dict):
                for name, check in pairs:
                    if name in x and not check(x[name]):
                        return False
            return True

        return properties

    def _additionalProperties(self, value: Any, schema: dict, base: str) -> _Check:
        if "patternProperties" in schema:
            raise _Unsupported("patternProperties")
        declared = schema.get("properties", {})
        if not isinstance(declared, dict):
            raise _Unsupported("properties is not an object")
        known = frozenset(declared)
        if isinstance(value, dict):
            check = self._compile(value, base)
            if check is _always:
                return _always

            def extras_valid(x: Any) -> bool:
                if isinstance(x, dict):
                    for name, item in x.items():
                        if name not in known and not check(item):
                            return False
                return True

            return extras_valid
        if value:
            return _always
        return lambda x: not isinstance(x, dict) or all(name in known for name in x)

    def _propertyNames(self, value: Any, schema: dict, base: str) -> _Check:
        check = self._compile(value, base)
        if check is _always:
            return _always
        return lambda x: not isinstance(x, dict) or all(check(name) for name in x)

    def _items(self, value: Any, schema: dict, base: str) -> _Check:
        if isinstance(value, list):
            prefix = tuple(self._compile(sub, base) for sub in value)
            return lambda x: (
                not isinstance(x, list)
                or all(check(item) for check, item in zip(prefix, x, strict=False))
            )
        check = self._compile(value, base)
        if check is _always:
            return _always
        return lambda x: not isinstance(x, list) or all(check(item) for item in x)

    def _additionalItems(self, value: Any, schema: dict, base: str) -> _Check:
        items = schema.get("items", {})
        if isinstance(items, dict):
            return _always  # jsonschema ignores additionalItems unless items is an array
        if not isinstance(items, list):
            raise _Unsupported("additionalItems next to a boolean items")
        start = len(items)
        if isinstance(value, dict):
            check = self._compile(value, base)
            return lambda x: not isinstance(x, list) or all(check(item) for item in x[start:])
        if value:
            return _always
        return lambda x: not isinstance(x, list) or len(x) <= start

    def _contains(self, value: Any, schema: dict, base: str) -> _Check:
        check = self._compile(value, base)
        return lambda x: not isinstance(x, list) or any(check(item) for item in x)

    def _subschemas(self, value: Any, base: str, keyword: str) -> tuple[_Check, ...]:
        if not isinstance(value, list) or not value:
            raise _Unsupported(f"{keyword} is not a non-empty array")
        return tuple(self._compile(sub, base) for sub in value)

    def _allOf(self, value: Any, schema: dict, base: str) -> _Check:
        checks = self._subschemas(value, base, "allOf")
        return lambda x: all(check(x) for check in checks)

    def _anyOf(self, value: Any, schema: dict, base: str) -> _Check:
        checks = self._subschemas(value, base, "anyOf")
        return lambda x: any(check(x) for check in checks)

    def _oneOf(self, value: Any, schema: dict, base: str) -> _Check:
        checks = self._subschemas(value, base, "oneOf")
        if len(checks) == 2:
            first, second = checks
            return lambda x: first(x) != second(x)  # exactly one (all checks give bools)

        def one_of(x: Any) -> bool:
            found = False
            for check in checks:
                if check(x):
                    if found:
                        return False
                    found = True
            return found

        return one_of

    def _ref(self, value: Any, schema: dict, base: str) -> _Check:
        if not isinstance(value, str):
            raise _Unsupported("$ref is not a string")
        # As referencing.Resolver.lookup does.
        if value.startswith("#"):
            url, fragment = base, value[1:]
        else:
            url, fragment = urldefrag(urljoin(base, value))
        if url not in self._documents:
            raise _Unsupported(f"$ref {value!r} is not bundled")
        if fragment and not fragment.startswith("/"):
            raise _Unsupported(f"$ref {value!r} names an anchor")
        target = _resolve_pointer(self._documents[url], fragment)
        key = (url, id(target))
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = [_never]
            cell[0] = self._compile(target, url)
        return lambda x: cell[0](x)


# Cheap, discriminating checks first (a predicate's keywords are all required to hold, so the
# order changes only the speed).
_ORDER = (
    "type",
    "enum",
    "required",
    "minItems",
    "pattern",
    "format",
    "additionalProperties",
    "propertyNames",
    "properties",
    "items",
    "additionalItems",
    "contains",
    "$ref",
    "oneOf",
    "anyOf",
    "allOf",
)
assert frozenset(_ORDER) == _FAST_KEYWORDS


def _resolve_pointer(document: Any, fragment: str) -> Any:
    # As referencing.Resource.pointer does (percent-decoding, then ~1 and ~0).
    if not fragment:
        return document
    node = document
    for segment in unquote(fragment[1:]).split("/"):
        try:
            if isinstance(node, list):
                node = node[int(segment)]
            elif isinstance(node, dict):
                node = node[segment.replace("~1", "/").replace("~0", "~")]
            else:
                raise _Unsupported(f"JSON Pointer {fragment!r} goes through a scalar")
        except (LookupError, ValueError) as exc:
            raise _Unsupported(f"JSON Pointer {fragment!r} leads nowhere") from exc
    return node


def _no_nested_identifiers(document: Any) -> None:
    """Refuse a document with an ``$id`` or anchor below its root: they move base URIs."""
    stack = [(document, True)]
    while stack:
        node, top = stack.pop()
        if isinstance(node, dict):
            if not top and any(key in node for key in _RESOLUTION_KEYS):
                raise _Unsupported("nested $id or anchor")
            if top and any(key in node for key in _RESOLUTION_KEYS[1:]):
                raise _Unsupported("anchor")
            stack.extend((child, False) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, False) for child in node)
