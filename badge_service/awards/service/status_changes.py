"""Revoking, suspending and reinstating issued credentials — all of a request or none.

The live status is the credential's row and its bit in the organisation's status list (see
awards/models.py): both change together, and a revocation is for good. Each change appends an
audit entry (state and reason before and after) in the same transaction (services/trail.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.awards.models import (
    STATE_ACTIVE,
    STATE_REVOKED,
    STATE_SUSPENDED,
    IssuedCredential,
)
from badge_service.awards.service import trail
from badge_service.awards.service.award_requests import MAX_BATCH
from badge_service.db import get_or_not_found
from badge_service.errors import Conflict, FieldError, Forbidden, ValidationFailed
from badge_service.status import service as status_lists

ACTIONS = ("revoke", "suspend", "reinstate")
REASON_MAX = 2000
MAX_STATUS_BATCH = MAX_BATCH


def get_credential(session: Session, credential_id: uuid.UUID) -> IssuedCredential:
    return get_or_not_found(session, IssuedCredential, credential_id, "credential")



def change_status(session: Session, actor: User | None, credentials: Iterable[IssuedCredential],
                  action: str, *, reason: str | None, now: datetime) -> list[IssuedCredential]:
    """Revoke (for good), suspend, or reinstate credentials — all of them or none."""
    if action not in ACTIONS:
        raise ValidationFailed(f"unknown action {action!r}",
                               [FieldError(f"one of {', '.join(ACTIONS)}", field="action")])
    reason = (reason or "").strip()
    if action in ("revoke", "suspend") and not reason:
        raise ValidationFailed("give a reason", [FieldError("is required", field="reason")])
    if len(reason) > REASON_MAX:
        raise ValidationFailed("the reason is too long",
                               [FieldError(f"at most {REASON_MAX} characters", field="reason")])
    targets = list(credentials)
    errors = []
    for position, credential in enumerate(targets, start=1):
        if not policy.may_manage_credential(session, actor, credential):
            raise Forbidden("only the programme's trainers and coordinators can change the "
                            "status of its credentials")
        allowed = {"revoke": (STATE_ACTIVE, STATE_SUSPENDED), "suspend": (STATE_ACTIVE,),
                   "reinstate": (STATE_SUSPENDED,)}[action]
        if credential.state not in allowed:
            errors.append(FieldError(f"credential {credential.id} is {credential.state}; "
                                     f"it cannot be {action}d", row=position))
    if errors:
        raise Conflict("nothing was changed", errors)
    for credential in targets:
        before = {"state": credential.state, "reason": credential.state_reason}
        value = 0 if action == "reinstate" else 1
        status_lists.set_status(session, credential.status_list, credential.status_index,
                                value, now=now)
        credential.state = {"revoke": STATE_REVOKED, "suspend": STATE_SUSPENDED,
                            "reinstate": STATE_ACTIVE}[action]
        credential.state_reason = reason or None
        credential.state_changed_at = now
        credential.state_changed_by_id = actor.id if actor else None
        # In the act's transaction: the entry commits with the change or not at all.
        trail.status_changed(session, credential, actor, action, before=before, now=now)
    session.flush()
    return targets


def change_status_by_ids(session: Session, actor: User | None, ids: Sequence[Any],
                         action: str, *, reason: str | None,
                         now: datetime) -> list[IssuedCredential]:
    """Revoke, suspend or reinstate the credentials ``ids`` — all of them or none. Errors name
    the position (``row``, from 1) of each bad id."""
    if not ids:
        raise ValidationFailed("no credential was given",
                               [FieldError("give at least one credential id", field="ids")])
    if len(ids) > MAX_STATUS_BATCH:
        raise ValidationFailed(f"at most {MAX_STATUS_BATCH} credentials per request",
                               [FieldError(f"at most {MAX_STATUS_BATCH}", field="ids")])
    errors: list[FieldError] = []
    targets: list[IssuedCredential] = []
    seen: dict[uuid.UUID, int] = {}
    for position, raw in enumerate(ids, start=1):
        try:
            credential_id = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw).strip())
        except ValueError:
            errors.append(FieldError("is not a credential id (a UUID)", field="ids",
                                     row=position))
            continue
        if credential_id in seen:
            errors.append(FieldError(f"{credential_id} appears twice (also row "
                                     f"{seen[credential_id]})", field="ids", row=position))
            continue
        seen[credential_id] = position
        credential = session.get(IssuedCredential, credential_id)
        if credential is None or not policy.may_view_credential(session, actor, credential):
            errors.append(FieldError(f"no credential {credential_id}", field="ids",
                                     row=position))
            continue
        targets.append(credential)
    if errors:
        raise ValidationFailed("nothing was changed", errors)
    return change_status(session, actor, targets, action, reason=reason, now=now)
