"""Builders for the Open Badges 3.0 and CLR 2.0 objects this service issues.

Plain functions: they take plain values (``str``, sequences, mappings, aware ``datetime``) and
return new ``dict`` objects ready to sign. Nothing passed in is mutated, and every mapping that
ends up embedded in the output is deep-copied, so a caller may reuse or change its inputs freely.

Conventions shared by all builders:

* Every typed object carries its ``type``. Types the OB 3.0 model makes multi-valued (``[1..*]``:
  Profile, Achievement, AchievementSubject, Alignment, Evidence, Result, ...) are arrays; the
  single-valued ones (``Image``, ``IdentityObject``, ``IdentifierEntry``, CLR ``Association``) are
  strings, as both official JSON Schemas require.
* Multi-valued properties are arrays even with one element; ``None`` and empty sequences are
  omitted, never emitted as ``null`` / ``[]``.
* Every property emitted is a term of the document's own contexts (VC 2.0, OB 3.0.3, CLR 2.0.1,
  OB extensions): the signer refuses terms JSON-LD expansion would drop, so the builders never
  produce one.
* Times are timezone-aware ``datetime`` values, written in whole seconds UTC
  (``YYYY-MM-DDTHH:MM:SSZ``); naive ones are refused.

Localised text. Wherever a builder documents a ``Text`` argument, it accepts either a string or a
mapping ``{"fr": "...", "en": "..."}`` (BCP 47 tag -> text). The OB 3.0.3 context defines no
language containers (a language map would expand to nothing and the signer would refuse it), and
both JSON Schemas require ``name``/``description`` to be plain strings, so:

* the main language is the ``language`` argument (``in_language`` for an Achievement), or else the
  first key of the mapping; its text is the property's value;
* an Achievement also states that language in ``inLanguage``, and each other language becomes a
  ``related`` entry: ``{"id": <that edition's IRI>, "type": ["Related"], "inLanguage": "en",
  "name": ..., "description": ...}``. ``related`` is the OB mechanism "primarily intended to
  identify alternate language editions" of an achievement; ``name`` and ``description`` are
  top-level OB terms, so they are signed with it. (``criteria`` is scoped to Achievement and
  cannot be carried by a Related object: the criteria narrative keeps the main language only.)
* other objects (Profile, Alignment, ResultDescription, Evidence, ...) have no ``inLanguage`` in
  the model: they keep the main-language text only.

Evidence digests. The OB context defines no digest term, but the VC 2.0 context, always the first
context of our documents, defines ``digestSRI`` (a W3C Subresource Integrity string such as
``sha256-<base64>``) for exactly this purpose on related resources. :func:`evidence` therefore
emits ``digestSRI`` when given the evidence bytes: a defined, signed term that any SRI tool can
check, instead of overloading ``id`` or ``description``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .errors import MalformedInputError

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "ASSOCIATION_TYPES",
    "CLR_CONTEXT",
    "CLR_CREDENTIAL_SCHEMA",
    "DEFAULT_SCHEMAS",
    "ENDORSEMENT_CREDENTIAL_SCHEMA",
    "EXTENSION_TERMS",
    "IDENTIFIER_TYPES",
    "JSON_SCHEMA_VALIDATOR",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "RESULT_STATUSES",
    "RESULT_TYPES",
    "VC_V2_CONTEXT",
    "Text",
    "achievement",
    "achievement_credential",
    "achievement_subject",
    "alignment",
    "association",
    "clr_credential",
    "endorsement_credential",
    "evidence",
    "format_datetime",
    "identifier_entry",
    "identity_matches",
    "identity_object_for_email",
    "image",
    "normalise_email",
    "profile",
    "result",
    "result_description",
    "rubric_criterion_level",
]

Json = dict[str, Any]
#: A string, or a mapping from BCP 47 language tag to text (see the module docstring).
Text = str | Mapping[str, str]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"

_OB_SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA = _OB_SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA = _OB_SCHEMA_BASE + "ob_v3p0_endorsementcredential_schema.json"
CLR_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
JSON_SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"
DEFAULT_SCHEMAS: tuple[str, ...] = (ACHIEVEMENT_CREDENTIAL_SCHEMA,)

#: Type values that only ``extensions.json`` defines; using one pulls that context in.
EXTENSION_TERMS = frozenset(
    {JSON_SCHEMA_VALIDATOR, "1EdTechRevocationList", "1EdTechCredentialRefresh"}
)

# Enumerations of the OB 3.0 / CLR 2.0 data models. All but ASSOCIATION_TYPES and
# RESULT_STATUSES are extensible with an "ext:" prefixed name.
ACHIEVEMENT_TYPES = frozenset(
    {
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)
ALIGNMENT_TARGET_TYPES = frozenset(
    {
        "ceasn:Competency",
        "ceterms:Credential",
        "CFItem",
        "CFRubric",
        "CFRubricCriterion",
        "CFRubricCriterionLevel",
        "CTDL",
    }
)
RESULT_TYPES = frozenset(
    {
        "GradePointAverage",
        "LetterGrade",
        "Percent",
        "PerformanceLevel",
        "PredictedScore",
        "RawScore",
        "Result",
        "RubricCriterion",
        "RubricCriterionLevel",
        "RubricScore",
        "ScaledScore",
        "Status",
    }
)
RESULT_STATUSES = frozenset(
    {"Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew"}
)
IDENTIFIER_TYPES = frozenset(
    {
        "name",
        "sourcedId",
        "systemId",
        "productId",
        "userName",
        "accountId",
        "emailAddress",
        "nationalIdentityNumber",
        "isbn",
        "issn",
        "lisSourcedId",
        "oneRosterSourcedId",
        "sisSourcedId",
        "ltiContextId",
        "ltiDeploymentId",
        "ltiToolId",
        "ltiPlatformId",
        "ltiUserId",
        "identifier",
    }
)
ASSOCIATION_TYPES = frozenset(
    {
        "exactMatchOf",
        "isChildOf",
        "isParentOf",
        "isPartOf",
        "isPeerOf",
        "isRelatedTo",
        "precedes",
        "replacedBy",
    }
)

_EXT_NAME = re.compile(r"ext:[A-Za-z0-9._-]+")
# The OB schemas' LanguageCode pattern; stricter than BCP 47 but what validators enforce.
_LANGUAGE_TAG = re.compile(r"[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?")
# An absolute IRI: JSON-LD resolves anything else against the document base, and a signed
# document has none, so a relative "id" would silently vanish from the signed RDF.
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_SRI_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


# --------------------------------------------------------------------------- helpers


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


def _image_value(value: object, field: str) -> Json | None:
    if value is None:
        return None
    if isinstance(value, str):
        return image(value)
    return _object(value, field, type_="Image")


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


def _contexts(base: Sequence[str], document: Json, force_extensions: bool) -> list[str]:
    contexts = list(base)
    if force_extensions or _uses_extension_terms(document):
        contexts.append(OB_EXTENSIONS_CONTEXT)
    return contexts


def _uses_extension_terms(node: object) -> bool:
    if isinstance(node, Mapping):
        if EXTENSION_TERMS.intersection(_types(node)):
            return True
        return any(_uses_extension_terms(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return any(_uses_extension_terms(v) for v in node)
    return False


def _credential_schemas(values: Iterable[object], field: str = "credential_schema") -> list[Json]:
    if isinstance(values, str | Mapping):
        raise _fail(f"{field} must be a sequence of schema URLs or objects", field)
    out = []
    for i, value in enumerate(values):
        if isinstance(value, str):
            out.append({"id": _iri(value, f"{field}[{i}]"), "type": JSON_SCHEMA_VALIDATOR})
        else:
            entry = _object(value, f"{field}[{i}]")
            _iri(entry.get("id"), f"{field}[{i}].id")
            _string(entry.get("type"), f"{field}[{i}].type")
            out.append(entry)
    return out


def _issuer_value(issuer: object) -> str | Json:
    if isinstance(issuer, str):
        return _iri(issuer, "issuer")
    profile_ = _object(issuer, "issuer", type_="Profile")
    _iri(profile_.get("id"), "issuer.id")
    return profile_


def _validity(valid_from: object, valid_until: object) -> tuple[str, str | None]:
    start = format_datetime(valid_from, field="valid_from")
    if valid_until is None:
        return start, None
    end = format_datetime(valid_until, field="valid_until")
    if end <= start:  # same fixed-width UTC format, so string order is time order
        raise _fail(f"valid_until ({end}) must be after valid_from ({start})", "valid_until")
    return start, end


def _credential_status(value: object) -> Json | None:
    if value is None:
        return None
    status = _object(value, "credential_status")
    _string(status.get("type"), "credential_status.type")
    return status


def _jwts(values: Iterable[object], field: str) -> list[str]:
    jwts = _strings(values, field)
    for i, jwt in enumerate(jwts):
        if not re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+", jwt):
            raise _fail(f"{field}[{i}] is not a compact JWS", field)
    return jwts


def _credential(
    contexts: Sequence[str],
    types: list[str],
    id: str,
    issuer: object,
    *,
    valid_from: object,
    valid_until: object,
    name: str | None,
    description: str | None,
    body: Json,
    credential_schema: Iterable[object],
    credential_status: object,
    awarded_date: object,
    extensions: bool,
) -> Json:
    start, end = _validity(valid_from, valid_until)
    doc: Json = {"id": _iri(id, "id"), "type": types}
    _put(doc, "name", name)
    _put(doc, "description", description)
    doc["issuer"] = _issuer_value(issuer)
    doc["validFrom"] = start
    _put(doc, "validUntil", end)
    if awarded_date is not None:
        doc["awardedDate"] = format_datetime(awarded_date, field="awarded_date")
    doc.update(body)
    _put(doc, "credentialSchema", _credential_schemas(credential_schema))
    _put(doc, "credentialStatus", _credential_status(credential_status))
    return {"@context": _contexts(contexts, doc, extensions), **doc}


# --------------------------------------------------------------------------- small objects


def image(id: str, caption: Text | None = None, *, language: str | None = None) -> Json:
    """An OB ``Image`` (``id`` is the image URL or a ``data:`` URI)."""
    out: Json = {"id": _iri(id, "image.id"), "type": "Image"}
    if caption is not None:
        out["caption"] = _text(caption, language, "image.caption")
    return out


def identifier_entry(identifier: str, identifier_type: str) -> Json:
    """An ``IdentifierEntry`` for ``otherIdentifier`` lists."""
    return {
        "type": "IdentifierEntry",
        "identifier": _string(identifier, "identifier"),
        "identifierType": _enum(identifier_type, IDENTIFIER_TYPES, "identifier_type"),
    }


def profile(
    id: str,
    name: Text,
    *,
    url: str | None = None,
    email: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    description: Text | None = None,
    phone: str | None = None,
    official: str | None = None,
    address: Mapping[str, Any] | None = None,
    parent_org: Mapping[str, Any] | None = None,
    other_identifiers: Sequence[Mapping[str, Any]] = (),
    endorsements: Sequence[Mapping[str, Any]] = (),
    endorsement_jwts: Sequence[str] = (),
    language: str | None = None,
) -> Json:
    """An issuer (or endorser) ``Profile``."""
    out: Json = {"id": _iri(id, "profile.id"), "type": ["Profile"]}
    out["name"] = _text(name, language, "profile.name")
    _put(out, "url", None if url is None else _iri(url, "profile.url"))
    _put(out, "email", None if email is None else _string(email, "profile.email"))
    _put(out, "phone", None if phone is None else _string(phone, "profile.phone"))
    _put(
        out,
        "description",
        None if description is None else _text(description, language, "profile.description"),
    )
    _put(out, "image", _image_value(image, "profile.image"))
    _put(out, "official", None if official is None else _string(official, "profile.official"))
    _put(
        out,
        "address",
        None if address is None else _object(address, "profile.address", type_="Address"),
    )
    _put(
        out,
        "parentOrg",
        None if parent_org is None else _object(parent_org, "profile.parent_org", type_="Profile"),
    )
    _put(
        out,
        "otherIdentifier",
        _objects(other_identifiers, "profile.other_identifiers", type_="IdentifierEntry"),
    )
    _put_endorsements(out, endorsements, endorsement_jwts, "profile.")
    return out


def _put_endorsements(out: Json, endorsements: Sequence[Mapping[str, Any]],
                      jwts: Sequence[str], where: str) -> None:
    """Embedded endorsements, in both forms OB 3.0 allows (objects and compact JWTs)."""
    _put(out, "endorsement",
         _objects(endorsements, f"{where}endorsements", type_="EndorsementCredential"))
    _put(out, "endorsementJwt", _jwts(jwts, f"{where}endorsement_jwts"))


def alignment(
    target_name: Text,
    target_url: str,
    *,
    target_type: str | None = None,
    target_framework: Text | None = None,
    target_code: str | None = None,
    target_description: Text | None = None,
    language: str | None = None,
) -> Json:
    """An ``Alignment`` to a framework node; ``target_type="CFItem"`` for a CASE item."""
    out: Json = {"type": ["Alignment"]}
    out["targetName"] = _text(target_name, language, "alignment.target_name")
    out["targetUrl"] = _iri(target_url, "alignment.target_url")
    _put(
        out,
        "targetType",
        None
        if target_type is None
        else _enum(target_type, ALIGNMENT_TARGET_TYPES, "alignment.target_type"),
    )
    _put(
        out,
        "targetFramework",
        None
        if target_framework is None
        else _text(target_framework, language, "alignment.target_framework"),
    )
    _put(
        out,
        "targetCode",
        None if target_code is None else _string(target_code, "alignment.target_code"),
    )
    _put(
        out,
        "targetDescription",
        None
        if target_description is None
        else _text(target_description, language, "alignment.target_description"),
    )
    return out


def rubric_criterion_level(
    id: str,
    name: Text,
    *,
    level: str | None = None,
    description: Text | None = None,
    points: str | float | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
    language: str | None = None,
) -> Json:
    """A ``RubricCriterionLevel`` (e.g. DigCompEdu level B1) of a ResultDescription."""
    out: Json = {"id": _iri(id, "rubric_criterion_level.id"), "type": ["RubricCriterionLevel"]}
    out["name"] = _text(name, language, "rubric_criterion_level.name")
    _put(out, "level", None if level is None else _string(level, "rubric_criterion_level.level"))
    _put(
        out,
        "description",
        None
        if description is None
        else _text(description, language, "rubric_criterion_level.description"),
    )
    _put(out, "points", _string_value(points, "rubric_criterion_level.points"))
    _put(
        out,
        "alignment",
        _objects(alignments, "rubric_criterion_level.alignments", type_="Alignment"),
    )
    return out


def result_description(
    id: str,
    name: Text,
    result_type: str,
    *,
    rubric_criterion_levels: Sequence[Mapping[str, Any]] = (),
    allowed_values: Sequence[str] = (),
    required_level: str | Mapping[str, Any] | None = None,
    required_value: str | None = None,
    value_min: str | float | None = None,
    value_max: str | float | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
    language: str | None = None,
) -> Json:
    """A ``ResultDescription``: a possible result, e.g. a rubric with levels A1..C2."""
    out: Json = {"id": _iri(id, "result_description.id"), "type": ["ResultDescription"]}
    out["name"] = _text(name, language, "result_description.name")
    out["resultType"] = _enum(result_type, RESULT_TYPES, "result_description.result_type")
    levels = _objects(
        rubric_criterion_levels,
        "result_description.rubric_criterion_levels",
        type_="RubricCriterionLevel",
    )
    level_ids = [lvl.get("id") for lvl in levels]
    required = _id_of(required_level, "result_description.required_level")
    if required is not None and required not in level_ids:
        raise _fail(
            f"result_description.required_level {required!r} is not the id of one of "
            "its rubric criterion levels",
            "result_description.required_level",
        )
    values = _strings(allowed_values, "result_description.allowed_values")
    if required_value is not None and values and required_value not in values:
        raise _fail(
            f"result_description.required_value {required_value!r} is not one of its "
            "allowed values",
            "result_description.required_value",
        )
    _put(out, "alignment", _objects(alignments, "result_description.alignments", type_="Alignment"))
    _put(out, "allowedValue", values)
    _put(out, "requiredLevel", required)
    _put(out, "requiredValue", _string_value(required_value, "result_description.required_value"))
    _put(out, "rubricCriterionLevel", levels)
    _put(out, "valueMin", _string_value(value_min, "result_description.value_min"))
    _put(out, "valueMax", _string_value(value_max, "result_description.value_max"))
    return out


def result(
    result_description: str | Mapping[str, Any] | None = None,
    achieved_level: str | Mapping[str, Any] | None = None,
    *,
    value: str | float | None = None,
    status: str | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
) -> Json:
    """A ``Result`` achieved by the subject; descriptions and levels by id (or built object)."""
    out: Json = {"type": ["Result"]}
    _put(out, "resultDescription", _id_of(result_description, "result.result_description"))
    _put(out, "achievedLevel", _id_of(achieved_level, "result.achieved_level"))
    _put(out, "value", _string_value(value, "result.value"))
    _put(
        out,
        "status",
        None
        if status is None
        else _enum(status, RESULT_STATUSES, "result.status", extensible=False),
    )
    _put(out, "alignment", _objects(alignments, "result.alignments", type_="Alignment"))
    if len(out) == 1:
        raise _fail(
            "a result needs at least one of result_description, achieved_level, value, "
            "status or alignments",
            "result",
        )
    return out


def normalise_email(email: str) -> str:
    """The form of an address that is hashed: surrounding blanks stripped, lower-cased."""
    if not isinstance(email, str):
        raise _fail(f"email must be a string, got {type(email).__name__}", "email")
    normalised = email.strip().lower()
    local, at, domain = normalised.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in normalised):
        raise _fail("email is not an address of the form local@domain", "email")
    return normalised


def identity_object_for_email(email: str, *, salt: str) -> Json:
    """A hashed ``IdentityObject``: ``sha256$`` + hex(SHA-256(normalised email + salt)).

    The salt is an argument (use ``secrets.token_hex(16)`` per credential) so that the result
    is reproducible and the caller stores or shows it as it needs; an empty salt is refused
    because an unsalted hash of an address is easily reversed by guessing.
    """
    if not isinstance(salt, str) or not salt:
        raise _fail("salt must be a non-empty string (e.g. secrets.token_hex(16))", "salt")
    digest = hashlib.sha256((normalise_email(email) + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": "sha256$" + digest,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def identity_matches(identity_object: Mapping[str, Any], email: str) -> bool:
    """Whether an email ``IdentityObject`` designates ``email``. Never raises on bad input.

    Accepts what OB 3.0 allows: plaintext or ``sha256$``/``md5$`` hex (either case) over the
    address plus the optional salt. Other issuers may not normalise before hashing, so both the
    address as given (stripped) and its lower-cased form are tried.
    """
    try:
        if identity_object.get("identityType") != "emailAddress":
            return False
        stored = identity_object.get("identityHash")
        hashed = identity_object.get("hashed")
        salt = identity_object.get("salt") or ""
        if not isinstance(stored, str) or not isinstance(email, str) or not isinstance(salt, str):
            return False
        candidates = {email.strip(), email.strip().lower()}
        if hashed is False:
            return any(
                hmac.compare_digest(stored.strip().lower().encode(), c.lower().encode())
                for c in candidates
            )
        if hashed is not True:
            return False
        algorithm, sep, expected = stored.partition("$")
        hash_functions = {"sha256": hashlib.sha256, "md5": hashlib.md5}
        if not sep or algorithm.lower() not in hash_functions:
            return False
        function = hash_functions[algorithm.lower()]
        # md5 is only *checked* here, for badges others issued; we always issue sha256.
        return any(
            hmac.compare_digest(
                function((c + salt).encode("utf-8")).hexdigest(), expected.strip().lower()
            )
            for c in candidates
        )
    except (AttributeError, TypeError, ValueError):
        return False


def evidence(
    id: str | None = None,
    *,
    name: Text | None = None,
    description: Text | None = None,
    narrative: Text | None = None,
    genre: str | None = None,
    audience: str | None = None,
    content: bytes | None = None,
    digest_algorithm: str = "sha256",
    media_type: str | None = None,
    language: str | None = None,
) -> Json:
    """An ``Evidence`` object; with ``content`` (the evidence bytes) adds ``digestSRI``.

    ``digestSRI`` and ``mediaType`` are VC 2.0 terms (see the module docstring). The digest is
    ``<alg>-<base64>`` as in Subresource Integrity (sha256, sha384 or sha512).
    """
    out: Json = {}
    _put(out, "id", None if id is None else _iri(id, "evidence.id"))
    out["type"] = ["Evidence"]
    _put(out, "name", None if name is None else _text(name, language, "evidence.name"))
    _put(
        out,
        "description",
        None if description is None else _text(description, language, "evidence.description"),
    )
    _put(
        out,
        "narrative",
        None if narrative is None else _text(narrative, language, "evidence.narrative"),
    )
    _put(out, "genre", None if genre is None else _string(genre, "evidence.genre"))
    _put(out, "audience", None if audience is None else _string(audience, "evidence.audience"))
    if content is not None:
        if not isinstance(content, bytes | bytearray | memoryview):
            raise _fail("evidence.content must be bytes", "evidence.content")
        if digest_algorithm not in _SRI_ALGORITHMS:
            raise _fail(
                f"evidence.digest_algorithm must be one of {', '.join(_SRI_ALGORITHMS)}",
                "evidence.digest_algorithm",
            )
        digest = _SRI_ALGORITHMS[digest_algorithm](bytes(content)).digest()
        out["digestSRI"] = f"{digest_algorithm}-{base64.b64encode(digest).decode('ascii')}"
    _put(
        out, "mediaType", None if media_type is None else _string(media_type, "evidence.media_type")
    )
    if len(out) == 1:
        raise _fail(
            "evidence needs at least an id, a narrative, a name, a description or content",
            "evidence",
        )
    return out


# --------------------------------------------------------------------------- achievement


def achievement(
    id: str,
    name: Text,
    description: Text,
    criteria_narrative: Text | None = None,
    criteria_id: str | None = None,
    *,
    achievement_type: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    alignments: Sequence[Mapping[str, Any]] = (),
    result_descriptions: Sequence[Mapping[str, Any]] = (),
    in_language: str | None = None,
    language_editions: Mapping[str, str] | None = None,
    creator: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    human_code: str | None = None,
    field_of_study: str | None = None,
    specialization: str | None = None,
    credits_available: float | None = None,
    version: str | None = None,
    other_identifiers: Sequence[Mapping[str, Any]] = (),
    related: Sequence[Mapping[str, Any]] = (),
    endorsements: Sequence[Mapping[str, Any]] = (),
    endorsement_jwts: Sequence[str] = (),
) -> Json:
    """An ``Achievement``. ``criteria_narrative`` (Markdown) and/or ``criteria_id`` is required.

    Localised ``name``/``description``/``criteria_narrative`` follow the module docstring:
    ``in_language`` (default: first language given) is the main language; each other language
    becomes a ``related`` edition whose IRI is ``language_editions[lang]`` or, by default,
    ``<id>#<lang>`` (pass real URLs when the editions are published).
    """
    ach_id = _iri(id, "achievement.id")
    if criteria_narrative is None and criteria_id is None:
        raise _fail(
            "achievement needs criteria: a criteria_narrative, a criteria_id or both",
            "achievement.criteria",
        )
    main = None if in_language is None else _language(in_language, "achievement.in_language")
    if main is None:
        for value in (name, description, criteria_narrative):
            if isinstance(value, Mapping) and value:
                main = _language(next(iter(value)), "achievement.in_language")
                break
    editions: dict[str, Json] = {}
    fields: Json = {}
    for key, value in (
        ("name", name),
        ("description", description),
        ("narrative", criteria_narrative),
    ):
        if value is None:
            continue
        text, _, others = _text_parts(value, main, f"achievement.{key}")
        fields[key] = text
        if key != "narrative":
            for tag, other in others.items():
                editions.setdefault(tag, {})[key] = other

    out: Json = {"id": ach_id, "type": ["Achievement"]}
    _put(
        out,
        "achievementType",
        None
        if achievement_type is None
        else _enum(achievement_type, ACHIEVEMENT_TYPES, "achievement.achievement_type"),
    )
    out["name"] = fields["name"]
    out["description"] = fields["description"]
    criteria: Json = {}
    _put(
        criteria,
        "id",
        None if criteria_id is None else _iri(criteria_id, "achievement.criteria_id"),
    )
    _put(criteria, "narrative", fields.get("narrative"))
    out["criteria"] = criteria
    _put(out, "image", _image_value(image, "achievement.image"))
    _put(out, "inLanguage", main)
    _put(out, "alignment", _objects(alignments, "achievement.alignments", type_="Alignment"))
    rds = _objects(
        result_descriptions, "achievement.result_descriptions", type_="ResultDescription"
    )
    rd_ids = [rd.get("id") for rd in rds]
    if len(set(rd_ids)) != len(rd_ids):
        raise _fail(
            "achievement.result_descriptions have duplicate ids", "achievement.result_descriptions"
        )
    _put(out, "resultDescription", rds)
    _put(
        out,
        "creator",
        None if creator is None else _object(creator, "achievement.creator", type_="Profile"),
    )
    _put(out, "tag", _strings(tags, "achievement.tags"))
    _put(
        out,
        "humanCode",
        None if human_code is None else _string(human_code, "achievement.human_code"),
    )
    _put(
        out,
        "fieldOfStudy",
        None if field_of_study is None else _string(field_of_study, "achievement.field_of_study"),
    )
    _put(
        out,
        "specialization",
        None if specialization is None else _string(specialization, "achievement.specialization"),
    )
    _put(out, "creditsAvailable", _number(credits_available, "achievement.credits_available"))
    _put(out, "version", None if version is None else _string(version, "achievement.version"))
    _put(
        out,
        "otherIdentifier",
        _objects(other_identifiers, "achievement.other_identifiers", type_="IdentifierEntry"),
    )
    related_out = _objects(related, "achievement.related", type_="Related")
    explicit_ids = dict(language_editions or {})
    for tag, texts in editions.items():
        edition_id = explicit_ids.get(tag)
        if edition_id is None:
            if "#" in ach_id:
                raise _fail(
                    f"achievement.id has a fragment, so the {tag!r} edition needs an "
                    "IRI in language_editions",
                    "achievement.language_editions",
                )
            edition_id = f"{ach_id}#{tag}"
        related_out.append(
            {
                "id": _iri(edition_id, f"achievement.language_editions[{tag!r}]"),
                "type": ["Related"],
                "inLanguage": tag,
                **texts,
            }
        )
    _put(out, "related", related_out)
    _put_endorsements(out, endorsements, endorsement_jwts, "achievement.")
    return out


def achievement_subject(
    achievement: Mapping[str, Any],
    *,
    identifiers: Sequence[Mapping[str, Any]] = (),
    id: str | None = None,
    results: Sequence[Mapping[str, Any]] = (),
    activity_start_date: datetime | None = None,
    activity_end_date: datetime | None = None,
    credits_earned: float | None = None,
    license_number: str | None = None,
    narrative: Text | None = None,
    role: str | None = None,
    term: str | None = None,
    image: str | Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Json:
    """The ``AchievementSubject``: the learner (DID ``id`` and/or ``identifiers``) and results.

    Each result must refer to a result description of the achievement, and its achieved level
    to one of that description's levels: a dangling reference is an error here rather than a
    badge no viewer can render.
    """
    ach = _object(achievement, "achievement", type_="Achievement")
    idents = _objects(identifiers, "identifiers", type_="IdentityObject")
    if id is None and not idents:
        raise _fail(
            "the subject needs an id (e.g. the learner's DID) or at least one "
            "identifier (IdentityObject)",
            "subject",
        )
    results_out = _objects(results, "results", type_="Result")
    descriptions = {rd.get("id"): rd for rd in ach.get("resultDescription", [])}
    for i, res in enumerate(results_out):
        rd_id = res.get("resultDescription")
        if rd_id is None:
            continue
        if rd_id not in descriptions:
            raise _fail(
                f"results[{i}].resultDescription {rd_id!r} is not a result description "
                "of the achievement",
                f"results[{i}]",
            )
        level = res.get("achievedLevel")
        level_ids = {lvl.get("id") for lvl in descriptions[rd_id].get("rubricCriterionLevel", [])}
        if level is not None and level not in level_ids:
            raise _fail(
                f"results[{i}].achievedLevel {level!r} is not a level of result "
                f"description {rd_id!r}",
                f"results[{i}]",
            )
    start = (
        None
        if activity_start_date is None
        else format_datetime(activity_start_date, field="activity_start_date")
    )
    end = (
        None
        if activity_end_date is None
        else format_datetime(activity_end_date, field="activity_end_date")
    )
    if start is not None and end is not None and end < start:
        raise _fail(
            f"activity_end_date ({end}) is before activity_start_date ({start})",
            "activity_end_date",
        )

    out: Json = {}
    _put(out, "id", None if id is None else _iri(id, "subject.id"))
    out["type"] = ["AchievementSubject"]
    out["achievement"] = ach
    _put(out, "identifier", idents)
    _put(out, "result", results_out)
    _put(out, "activityStartDate", start)
    _put(out, "activityEndDate", end)
    _put(out, "creditsEarned", _number(credits_earned, "credits_earned"))
    _put(
        out,
        "licenseNumber",
        None if license_number is None else _string(license_number, "license_number"),
    )
    _put(out, "narrative", None if narrative is None else _text(narrative, language, "narrative"))
    _put(out, "role", None if role is None else _string(role, "role"))
    _put(out, "term", None if term is None else _string(term, "term"))
    _put(out, "image", _image_value(image, "subject.image"))
    _put(out, "source", None if source is None else _object(source, "source", type_="Profile"))
    return out


# --------------------------------------------------------------------------- credentials


def achievement_credential(
    id: str,
    issuer: str | Mapping[str, Any],
    subject: Mapping[str, Any],
    *,
    valid_from: datetime,
    valid_until: datetime | None = None,
    name: Text | None = None,
    description: Text | None = None,
    image: str | Mapping[str, Any] | None = None,
    evidence: Sequence[Mapping[str, Any]] = (),
    credential_schema: Sequence[str | Mapping[str, Any]] = DEFAULT_SCHEMAS,
    credential_status: Mapping[str, Any] | None = None,
    endorsements: Sequence[Mapping[str, Any]] = (),
    endorsement_jwts: Sequence[str] = (),
    extensions: bool = False,
    awarded_date: datetime | None = None,
    credential_type: str = "OpenBadgeCredential",
    language: str | None = None,
) -> Json:
    """An unsigned OB 3.0 ``OpenBadgeCredential`` (``credential_type="AchievementCredential"``
    for the alias).

    ``name`` defaults to the achievement's name, since wallets list credentials by it.
    ``extensions.json`` joins the contexts when an extension term is used (e.g. the default
    ``credentialSchema`` type) or when ``extensions`` is true.
    """
    if credential_type not in ("OpenBadgeCredential", "AchievementCredential"):
        raise _fail(
            "credential_type must be 'OpenBadgeCredential' or 'AchievementCredential', "
            f"got {credential_type!r}",
            "credential_type",
        )
    subj = _object(subject, "subject", type_="AchievementSubject")
    if not isinstance(subj.get("achievement"), Mapping):
        raise _fail("subject has no achievement object", "subject.achievement")
    if name is None:
        name = subj["achievement"].get("name")
    body: Json = {}
    _put(body, "image", _image_value(image, "image"))
    body["credentialSubject"] = subj
    _put(body, "evidence", _objects(evidence, "evidence", type_="Evidence"))
    _put_endorsements(body, endorsements, endorsement_jwts, "")
    return _credential(
        (VC_V2_CONTEXT, OB_CONTEXT),
        ["VerifiableCredential", credential_type],
        id,
        issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        name=None if name is None else _text(name, language, "name"),
        description=None if description is None else _text(description, language, "description"),
        body=body,
        credential_schema=credential_schema,
        credential_status=credential_status,
        awarded_date=awarded_date,
        extensions=extensions,
    )


def endorsement_credential(
    id: str,
    issuer: str | Mapping[str, Any],
    endorsed_id: str,
    *,
    valid_from: datetime,
    name: Text,
    endorsement_comment: Text | None = None,
    description: Text | None = None,
    valid_until: datetime | None = None,
    credential_schema: Sequence[str | Mapping[str, Any]] = (ENDORSEMENT_CREDENTIAL_SCHEMA,),
    credential_status: Mapping[str, Any] | None = None,
    extensions: bool = False,
    awarded_date: datetime | None = None,
    language: str | None = None,
) -> Json:
    """An unsigned ``EndorsementCredential`` about ``endorsed_id`` (an issuer profile, an
    achievement or a credential), with an optional Markdown ``endorsementComment``."""
    subject: Json = {"id": _iri(endorsed_id, "endorsed_id"), "type": ["EndorsementSubject"]}
    _put(
        subject,
        "endorsementComment",
        None
        if endorsement_comment is None
        else _text(endorsement_comment, language, "endorsement_comment"),
    )
    return _credential(
        (VC_V2_CONTEXT, OB_CONTEXT),
        ["VerifiableCredential", "EndorsementCredential"],
        id,
        issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        name=_text(name, language, "name"),
        description=None if description is None else _text(description, language, "description"),
        body={"credentialSubject": subject},
        credential_schema=credential_schema,
        credential_status=credential_status,
        awarded_date=awarded_date,
        extensions=extensions,
    )


def association(association_type: str, source_id: str, target_id: str) -> Json:
    """A CLR 2.0 ``Association`` between two achievements of a ClrSubject (by id)."""
    return {
        "type": "Association",
        "associationType": _enum(
            association_type, ASSOCIATION_TYPES, "association.association_type", extensible=False
        ),
        "sourceId": _iri(source_id, "association.source_id"),
        "targetId": _iri(target_id, "association.target_id"),
    }


def clr_credential(
    id: str,
    issuer: str | Mapping[str, Any],
    credentials: Sequence[Mapping[str, Any]],
    *,
    valid_from: datetime,
    name: Text,
    description: Text | None = None,
    valid_until: datetime | None = None,
    subject_id: str | None = None,
    identifiers: Sequence[Mapping[str, Any]] = (),
    achievements: Sequence[Mapping[str, Any]] | None = None,
    associations: Sequence[Mapping[str, Any]] = (),
    partial: bool | None = None,
    image: str | Mapping[str, Any] | None = None,
    credential_schema: Sequence[str | Mapping[str, Any]] = (CLR_CREDENTIAL_SCHEMA,),
    credential_status: Mapping[str, Any] | None = None,
    extensions: bool = False,
    awarded_date: datetime | None = None,
    language: str | None = None,
) -> Json:
    """An unsigned CLR 2.0 ``ClrCredential`` bundling (usually signed) achievement credentials.

    The credentials are embedded verbatim (deep copies, their own ``@context`` and proofs kept,
    so each still verifies on its own). ``achievements`` defaults to the distinct achievements
    of those credentials; ``associations`` must refer to achievements listed there.
    """
    members = _objects(credentials, "credentials")
    if not members:
        raise _fail("a ClrCredential needs at least one achievement credential", "credentials")
    for i, member in enumerate(members):
        kinds = set(_types(member))
        if "VerifiableCredential" not in kinds or not kinds & {
            "OpenBadgeCredential",
            "AchievementCredential",
        }:
            raise _fail(
                f"credentials[{i}] is not an OpenBadgeCredential/AchievementCredential",
                f"credentials[{i}]",
            )
    idents = _objects(identifiers, "identifiers", type_="IdentityObject")
    if subject_id is None and not idents:
        raise _fail(
            "the ClrSubject needs a subject_id (the learner's DID) or at least one "
            "identifier (IdentityObject)",
            "subject",
        )
    if achievements is None:
        listed: list[Json] = []
        seen: set[object] = set()
        for member in members:
            subjects = member.get("credentialSubject")
            for subj in subjects if isinstance(subjects, list) else [subjects]:
                ach = subj.get("achievement") if isinstance(subj, Mapping) else None
                if isinstance(ach, Mapping) and ach.get("id") not in seen:
                    seen.add(ach.get("id"))
                    listed.append(copy.deepcopy(dict(ach)))
    else:
        listed = _objects(achievements, "achievements", type_="Achievement")
    assocs = _objects(associations, "associations", type_="Association")
    known = {ach.get("id") for ach in listed}
    for i, assoc in enumerate(assocs):
        for end in ("sourceId", "targetId"):
            if assoc.get(end) not in known:
                raise _fail(
                    f"associations[{i}].{end} {assoc.get(end)!r} is not the id of an "
                    "achievement of this CLR",
                    f"associations[{i}]",
                )

    subject: Json = {}
    _put(subject, "id", None if subject_id is None else _iri(subject_id, "subject_id"))
    subject["type"] = ["ClrSubject"]
    _put(subject, "identifier", idents)
    _put(subject, "achievement", listed)
    subject["verifiableCredential"] = members
    _put(subject, "association", assocs)

    body: Json = {}
    if partial is not None:
        if not isinstance(partial, bool):
            raise _fail("partial must be a boolean", "partial")
        body["partial"] = partial
    _put(body, "image", _image_value(image, "image"))
    body["credentialSubject"] = subject
    return _credential(
        (VC_V2_CONTEXT, CLR_CONTEXT, OB_CONTEXT),
        ["VerifiableCredential", "ClrCredential"],
        id,
        issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        name=_text(name, language, "name"),
        description=None if description is None else _text(description, language, "description"),
        body=body,
        credential_schema=credential_schema,
        credential_status=credential_status,
        awarded_date=awarded_date,
        extensions=extensions,
    )
