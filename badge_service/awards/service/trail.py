"""What awarding and status changes write in the audit trail (:mod:`badge_service.audit`).

Kept beside the acts, apart from them: issuing.py and status_changes.py say *when* an entry is
written (in the same transaction, with the act's ``now``), this module says *what* it holds,
so a wording or a field of the trail changes here alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.audit import service as audit
from badge_service.awards.models import IssuedCredential

#: The actor of a composite credential issued because its parts are held.
AUTOMATIC = audit.AUTOMATIC

#: Audit actions of status changes, by change_status's action.
STATUS_ACTIONS = {"revoke": "credential.revoked", "suspend": "credential.suspended",
                  "reinstate": "credential.reinstated"}
_VERBS = {"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}


def _short(text: str, limit: int = 200) -> str:
    """A reason as the one-line summary shows it; the whole reason is in ``after``."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _where(credential: IssuedCredential) -> dict[str, Any]:
    return {"organisation_id": credential.organisation_id,
            "programme_id": credential.achievement.programme_id}


def issued(session: Session, credential: IssuedCredential, actor: User | str | None, *,
           now: datetime, level: str | None = None) -> None:
    """One entry per credential issued, bulk awards included; ``actor``
    :data:`AUTOMATIC` for a composite that followed its parts."""
    achievement = credential.achievement
    recipient = credential.recipient
    automatic = actor == AUTOMATIC
    audit.record(
        session, actor=actor, action="award.issued", subject_type="credential",
        subject_id=credential.id, now=now, **_where(credential),
        summary=(f"{achievement.name} awarded to {recipient.email}"
                 + (" (all its parts are held)" if automatic else "")),
        before=None,
        after={"state": credential.state, "achievement_id": achievement.id,
               "achievement": achievement.name, "recipient_id": recipient.id,
               "recipient": recipient.email, "level": level,
               "valid_until": credential.valid_until,
               "status_index": credential.status_index})


def status_changed(session: Session, credential: IssuedCredential, actor: User | None,
                   action: str, *, before: dict[str, Any], now: datetime) -> None:
    """One entry per credential whose status changed: its state and reason before and after."""
    reason = credential.state_reason
    audit.record(
        session, actor=actor, action=STATUS_ACTIONS[action], subject_type="credential",
        subject_id=credential.id, now=now, **_where(credential),
        summary=(f"{credential.achievement.name} of {credential.recipient.email} "
                 f"{_VERBS[action]}" + (f": {_short(reason)}" if reason else "")),
        before=before, after={"state": credential.state, "reason": reason})
