"""Who coordinates which organisation, and the checks that follow from it.

Administrators are a flag on the account; coordinators are rows (one per organisation), which
only a coordinator of that organisation (or an administrator) adds or removes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import ROLE_COORDINATOR, OrganisationRole, User
from badge_service.errors import FieldError, Forbidden, ValidationFailed
from badge_service.organisations.models import Organisation


def coordinated_organisation_ids(session: Session, user: User) -> set[uuid.UUID]:
    return set(session.scalars(
        select(OrganisationRole.organisation_id).where(
            OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    ))


def coordinators_of(organisation_id: uuid.UUID) -> Select:
    return (select(User).join(OrganisationRole, OrganisationRole.user_id == User.id)
            .where(OrganisationRole.organisation_id == organisation_id,
                   OrganisationRole.role == ROLE_COORDINATOR)
            .order_by(User.email))


def is_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> bool:
    return user.is_administrator or organisation_id in coordinated_organisation_ids(session, user)


def require_administrator(user: User) -> None:
    if not user.is_administrator:
        raise Forbidden("only an administrator can do this")


def require_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> None:
    if not is_coordinator(session, user, organisation_id):
        raise Forbidden("only a coordinator of this organisation can do this")


def grant_coordinator(session: Session, user: User, organisation: Organisation) -> None:
    """Make ``user`` a coordinator (no authorisation check: see :func:`add_coordinator`)."""
    exists = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if exists is None:
        session.add(OrganisationRole(user_id=user.id, organisation_id=organisation.id,
                                     role=ROLE_COORDINATOR))
        session.flush()


def revoke_coordinator(session: Session, user: User, organisation: Organisation) -> None:
    """(No authorisation check: see :func:`remove_coordinator`.)"""
    role = session.scalar(select(OrganisationRole).where(
        OrganisationRole.user_id == user.id,
        OrganisationRole.organisation_id == organisation.id,
        OrganisationRole.role == ROLE_COORDINATOR))
    if role is not None:
        session.delete(role)
        session.flush()


def add_coordinator(session: Session, actor: User, organisation: Organisation,
                    user: User) -> None:
    """A coordinator (or an administrator) makes another user a coordinator."""
    require_coordinator(session, actor, organisation.id)
    if not user.is_active:
        raise ValidationFailed("this account is disabled",
                               [FieldError("is a disabled account", field="user")])
    grant_coordinator(session, user, organisation)


def remove_coordinator(session: Session, actor: User, organisation: Organisation,
                       user: User) -> None:
    require_coordinator(session, actor, organisation.id)
    revoke_coordinator(session, user, organisation)

