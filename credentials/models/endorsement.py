"""The OB 3.0 ``EndorsementCredential``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ._fields import (
    _iri,
    _put,
    _text,
)
from .credential import _credential
from .vocabulary import (
    ENDORSEMENT_CREDENTIAL_SCHEMA,
    OB_CONTEXT,
    VC_V2_CONTEXT,
    Json,
    Text,
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
