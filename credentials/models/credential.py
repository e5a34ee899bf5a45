"""The OB 3.0 ``AchievementCredential`` and its subject, and the shared credential
envelope (contexts, validity, schemas, status, issuer) every credential builder uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ._fields import (
    _fail,
    _iri,
    _number,
    _object,
    _objects,
    _put,
    _put_endorsements,
    _string,
    _text,
    _types,
    format_datetime,
)
from .profile import _image_value
from .vocabulary import (
    DEFAULT_SCHEMAS,
    EXTENSION_TERMS,
    JSON_SCHEMA_VALIDATOR,
    OB_CONTEXT,
    OB_EXTENSIONS_CONTEXT,
    VC_V2_CONTEXT,
    Json,
    Text,
)


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


def issuer_id(credential: Mapping[str, Any], *, allow_empty: bool = False) -> str | None:
    """The issuer's id, whether ``issuer`` is the id itself or a profile object with an ``id``.

    None when there is none (no issuer, an object without a string ``id``, any other value).
    Signers and verifiers read any document, not only ones built here, so this never raises.
    An empty string is no id (None) unless ``allow_empty``: callers that must refuse an empty
    issuer id, rather than treat it as missing, ask for it as it is.
    """
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not (issuer or allow_empty):
        return None
    return issuer

def _subject_identifiers(identifiers: Iterable[object], has_id: bool, needs: str) -> list[Json]:
    """A subject's ``IdentityObject`` list; a subject without id nor identifier names nobody."""
    idents = _objects(identifiers, "identifiers", type_="IdentityObject")
    if not has_id and not idents:
        raise _fail(needs, "subject")
    return idents


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
    idents = _subject_identifiers(
        identifiers,
        id is not None,
        "the subject needs an id (e.g. the learner's DID) or at least one "
        "identifier (IdentityObject)",
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
