"""What a credential says, for its report: issuer, achievement, dates, and "issued to this email?".

Read from any document, not only ours, so nothing here trusts a shape: a missing or odd value
is left out of the summary rather than raising.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from badge_service.awards.models import IssuedCredential
from badge_service.delivery.service.signed_texts import edition as signed_edition
from badge_service.delivery.service.view import foreign_date, foreign_text, public_recipient_name
from badge_service.verification.service.reports import Summary
from badge_service.verification.service.texts import (
    EMAIL_NO,
    EMAIL_UNKNOWN,
    EMAIL_UNTRUSTED,
    EMAIL_YES,
    RECIPIENT_NOTE,
    UNAVAILABLE,
    in_language,
)
from credentials.models import identity_matches, issuer_id


def summarise(credential: dict | None, issued: IssuedCredential | None, language: str,
             recipient_names: bool) -> Summary:
    if credential is None:
        return Summary()
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    summary = Summary(
        credential_id=credential.get("id") if isinstance(credential.get("id"), str) else None,
        issuer=foreign_text(issuer.get("name"), language) if isinstance(issuer, Mapping) else None,
        issuer_id=issuer_id(credential, allow_empty=True),
        achievement=(foreign_text(achievement.get("name"), language)
                     if isinstance(achievement, Mapping) else None),
        issued=foreign_date(credential.get("validFrom") or credential.get("awardedDate")
                     or credential.get("issuanceDate")),
        expires=foreign_date(credential.get("validUntil") or credential.get("expirationDate")),
    )
    if issued is not None:
        # Ours: the achievement's name in the reader's language when the credential has that
        # edition (signed too), never today's definitions; and who it was issued to. The
        # credential identifies the holder by a hashed email only: the name is our record,
        # and the report says it is not part of the signed credential.
        recipient = public_recipient_name(issued.recipient) if recipient_names else None
        summary = dataclasses.replace(
            summary,
            achievement=signed_edition(credential, language)[0] or summary.achievement,
            recipient=recipient,
            recipient_note=in_language(RECIPIENT_NOTE, language) if recipient else None)
    return summary


def email_answer(credential: dict | None, verdict: str, email: str,
                  language: str) -> tuple[bool | None, str]:
    if credential is None or verdict in ("malformed", "tampered", UNAVAILABLE):
        return None, in_language(EMAIL_UNTRUSTED, language)
    subjects = credential.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    identities = []
    for subject in subjects:
        if isinstance(subject, Mapping):
            found = subject.get("identifier")
            identities += found if isinstance(found, list) else [found]
    emails = [i for i in identities
              if isinstance(i, Mapping) and i.get("identityType") == "emailAddress"]
    if not emails:
        return None, in_language(EMAIL_UNKNOWN, language)
    matched = any(identity_matches(identity, email) for identity in emails)
    return matched, in_language(EMAIL_YES if matched else EMAIL_NO, language).format(email=email)
