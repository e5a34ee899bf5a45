"""CLR 2.0: ``Association`` and the ``ClrCredential`` bundling achievement credentials."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ._fields import (
    _enum,
    _fail,
    _iri,
    _objects,
    _put,
    _text,
    _types,
)
from .credential import _credential, _subject_identifiers
from .profile import _image_value
from .vocabulary import (
    ASSOCIATION_TYPES,
    CLR_CONTEXT,
    CLR_CREDENTIAL_SCHEMA,
    OB_CONTEXT,
    VC_V2_CONTEXT,
    Json,
    Text,
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
    idents = _subject_identifiers(
        identifiers,
        subject_id is not None,
        "the ClrSubject needs a subject_id (the learner's DID) or at least one "
        "identifier (IdentityObject)",
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
