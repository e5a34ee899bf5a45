"""Compromised signing keys: which credentials signed by such a key this service still accepts.

A thief holding a key can sign anything and write any ``proof.created``, ``validFrom`` or
``iat``: no date inside a credential says when it was really signed. What this service knows is
what it recorded when it issued. So a credential whose signature verifies with a key one of our
organisations reported compromised (``badge-service keys compromise``) stays valid only when it
is one recorded here, by that organisation, with an issue time before the compromise — the same
id *and* the same signed document (or the same VC-JWT): a thief can copy an id, not make the
issuer's record say what they signed. Anything else fails as ``key-compromised``.

Keys are matched by their public key, not by the verification method's text, so no spelling of
a DID URL (and no DID of the thief's own listing our key) escapes the rule.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badge_service.awards.models import IssuedCredential
from badge_service.delivery.service.pages import format_date
from badge_service.organisations.models import Organisation
from credentials.errors import CredentialsError

KEY_COMPROMISED = "key-compromised"


@dataclass(frozen=True)
class Mark:
    """One compromised key of one of our organisations."""

    organisation_id: uuid.UUID
    slug: str
    key_id: str
    since: datetime


def since_of(info: Any) -> datetime:
    """The compromise time of a key's metadata (KeyStore writes ``…Z``, whole seconds)."""
    return datetime.strptime(info.compromised_since, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class CompromisedKeys:
    """The ``key_policy`` of :func:`credentials.verify.verify` for one request: ``local`` is
    its :class:`~badge_service.verification.service.LocalDocuments` (session, keyring, our
    credentials). The marks are read once, on the first signature to judge."""

    def __init__(self, local: Any) -> None:
        self.local = local
        self._marks: dict[str, Mark] | None = None

    def marks(self) -> dict[str, Mark]:
        if self._marks is None:
            marks = {}
            for organisation in self.local.session.scalars(select(Organisation)):
                for info in self.local.keyring.compromised_keys(organisation):
                    marks[info.public_multibase] = Mark(organisation.id, organisation.slug,
                                                        info.key_id, since_of(info))
            self._marks = marks
        return self._marks

    def __call__(self, method: Any, credential: dict, token: str | None) -> str | None:
        try:
            public = method.key.public_multibase
        except CredentialsError:
            return None  # an RSA key: never one of ours
        mark = self.marks().get(public)
        if mark is None or self._recorded_before(credential, token, mark):
            return None
        return (f"{mark.slug} reported key {mark.key_id} compromised as of "
                f"{mark.since:%Y-%m-%dT%H:%M:%SZ}; this credential is not one it recorded as "
                "issued before then")

    def _recorded_before(self, credential: dict, token: str | None, mark: Mark) -> bool:
        credential_id = credential.get("id")
        issued = self.local.issued(credential_id) if isinstance(credential_id, str) else None
        if issued is None or issued.organisation_id != mark.organisation_id:
            return False
        if issued.issued_at >= mark.since:
            return False
        if token is not None:
            return issued.jwt is not None and issued.jwt == token.strip()
        # The whole signed document, proof included, exactly as stored.
        return issued.document == credential


def recorded_counts(session: Session, organisation: Organisation, verification_method: str,
                    since: datetime) -> tuple[int, int]:
    """How many credentials the organisation recorded as signed by ``verification_method``
    before ``since`` (they keep verifying) and from then on (they now fail)."""
    def count(*condition: Any) -> int:
        return session.scalar(select(func.count()).select_from(IssuedCredential).where(
            IssuedCredential.organisation_id == organisation.id,
            IssuedCredential.verification_method == verification_method, *condition)) or 0

    return (count(IssuedCredential.issued_at < since),
            count(IssuedCredential.issued_at >= since))


# -- plain language (French and English) -------------------------------------------------------

GENERAL = {
    "en": "The issuer reported the key that signed it as compromised: only the credentials the "
          "issuer recorded as issued before then remain valid, and this one is not among them "
          "(it may be a forgery).",
    "fr": "L'émetteur a signalé que la clé qui l'a signé était compromise : seuls les badges "
          "que l'émetteur a enregistrés comme délivrés avant cette date restent valides, et "
          "celui-ci n'en fait pas partie (ce peut être un faux).",
}
DATED = {
    "en": "The issuer reported the key that signed it as compromised on {date}: this credential "
          "is not one the issuer recorded as issued before that date, so it may be a forgery.",
    "fr": "L'émetteur a signalé que la clé qui l'a signé était compromise le {date} : ce badge "
          "ne fait pas partie de ceux que l'émetteur a enregistrés comme délivrés avant cette "
          "date ; ce peut être un faux.",
}
#: The date as CompromisedKeys writes it into the problem's detail (the library carries text).
_SINCE = re.compile(r"compromised as of ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)")


def explain(detail: str, language: str) -> str:
    """The explanation of a ``key-compromised`` problem, with its date when the detail has it."""
    language = language if language in DATED else "en"
    found = _SINCE.search(detail or "")
    if found is None:
        return GENERAL[language]
    moment = datetime.strptime(found.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    day = format_date(moment, language)
    date = f"{day} à {moment:%H:%M} UTC" if language == "fr" else f"{day}, {moment:%H:%M} UTC"
    return DATED[language].format(date=date)
