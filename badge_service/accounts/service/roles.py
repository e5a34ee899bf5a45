"""Who coordinates which organisation (the checks that follow from it are policy's).

Administrators are a flag on the account; coordinators are rows (one per organisation), which
only a coordinator of that organisation (or an administrator) adds or removes.
"""

from __future__ import annotations

# Organisations come after accounts (they are created by accounts and know them): the
# functions below take any object with the organisation's ``id``, not its model.
import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import ROLE_COORDINATOR, OrganisationRole, User
from badge_service.errors import FieldError, ValidationFailed


def coordinators_of(organisation_id: uuid.UUID) -> Select:
    return (select(User).join(OrganisationRole, OrganisationRole.user_id == User.id)
            .where(OrganisationRole.organisation_id == organisation_id,
                   OrganisationRole.role == ROLE_COORDINATOR)
            .order_by(User.email))


def grant_coordinator(session: Session, user: User, organisation: Any) -> None:
    """Make ``user`` a coordinator (no authorisation check: see :func:`add_coordinator`)."""
    exists = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if exists is None:
        session.add(OrganisationRole(user_id=user.id, organisation_id=organisation.id,
                                     role=ROLE_COORDINATOR))
        session.flush()


def revoke_coordinator(session: Session, user: User, organisation: Any) -> None:
    """(No authorisation check: see :func:`remove_coordinator`.)"""
    role = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if role is not None:
        session.delete(role)
        session.flush()


def add_coordinator(session: Session, actor: User, organisation: Any,
                    user: User) -> None:
    """A coordinator (or an administrator) makes another user a coordinator."""
    policy.require_coordinator(session, actor, organisation.id)
    if not user.is_active:
        raise ValidationFailed("this account is disabled",
                               [FieldError("is a disabled account", field="user")])
    grant_coordinator(session, user, organisation)


def remove_coordinator(session: Session, actor: User, organisation: Any,
                       user: User) -> None:
    policy.require_coordinator(session, actor, organisation.id)
    revoke_coordinator(session, user, organisation)

