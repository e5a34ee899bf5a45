"""Who may do what: the one place every domain's service asks.

The rules, gathered so that a change of who-may-do-what is made once, and read once:

* administrators are a flag on the account and may do everything a coordinator may;
* coordinators are rows (one per organisation): they manage their organisation, its
  programmes and everything in them;
* trainers are rows (one per programme): they manage that programme's cohorts and awards;
* ``user`` ``None`` is the command-line operator, who already has the database and is trusted
  (except where a function says otherwise).

A shared module: it reads domain *models* only, never a domain's service, so that every service
may import it without a cycle.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from badge_service.accounts.models import ROLE_COORDINATOR, OrganisationRole, User
from badge_service.errors import Forbidden
from badge_service.programmes.models import ROLE_TRAINER, Programme, ProgrammeRole

#: Said when someone who is neither trainer nor coordinator asks for a programme's credentials.
SEE_CREDENTIALS = "only the programme's trainers and coordinators can see its credentials"
#: Said when someone who is neither asks to manage a programme's cohorts or participants.
MANAGE_COHORTS = ("only coordinators of the programme's organisation and trainers of the programme "
                  "can manage its cohorts")


# --- organisations ------------------------------------------------------------------------

def coordinated_organisation_ids(session: Session, user: User) -> set[uuid.UUID]:
    return set(session.scalars(
        select(OrganisationRole.organisation_id).where(
            OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    ))


def coordinates(session: Session, user: User, organisation_id: uuid.UUID) -> bool:
    """Whether ``user`` coordinates the organisation (administrators coordinate every one)."""
    return user.is_administrator or organisation_id in coordinated_organisation_ids(session, user)


def require_administrator(user: User) -> None:
    if not user.is_administrator:
        raise Forbidden("only an administrator can do this")


def require_coordinator(session: Session, user: User, organisation_id: uuid.UUID) -> None:
    if not coordinates(session, user, organisation_id):
        raise Forbidden("only a coordinator of this organisation can do this")


# --- programmes ---------------------------------------------------------------------------

def is_trainer(session: Session, user: User, programme: Programme) -> bool:
    return session.scalar(select(ProgrammeRole.id).where(
        ProgrammeRole.user_id == user.id, ProgrammeRole.programme_id == programme.id,
        ProgrammeRole.role == ROLE_TRAINER)) is not None


def may_coordinate_programme(session: Session, user: User | None, programme: Programme) -> bool:
    """Edit, delete, staff the programme: coordinators of its organisation (not trainers)."""
    return user is None or coordinates(session, user, programme.organisation_id)


def require_coordinate_programme(session: Session, user: User | None,
                                 programme: Programme) -> None:
    if not may_coordinate_programme(session, user, programme):
        raise Forbidden("only a coordinator of the programme's organisation can do this")


def may_manage_programme(session: Session, user: User | None, programme: Programme) -> bool:
    """Manage what happens in the programme (cohorts, awards, credentials): its trainers and
    the coordinators of its organisation."""
    if user is None:  # the command-line operator
        return True
    return (may_coordinate_programme(session, user, programme)
            or is_trainer(session, user, programme))


def require_manage_programme(session: Session, user: User | None, programme: Programme,
                             message: str = SEE_CREDENTIALS) -> None:
    """Raise ``Forbidden(message)`` unless :func:`may_manage_programme`; each caller names what
    was refused (its cohorts, its credentials…)."""
    if not may_manage_programme(session, user, programme):
        raise Forbidden(message)


def managed_programme_ids(user: User) -> Select:
    """SELECT of the ids of the programmes ``user`` coordinates or trains (administrators are
    the caller's business: they manage every programme)."""
    coordinated = select(Programme.id).join(
        OrganisationRole, OrganisationRole.organisation_id == Programme.organisation_id).where(
        OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    trained = select(ProgrammeRole.programme_id).where(ProgrammeRole.user_id == user.id,
                                                       ProgrammeRole.role == ROLE_TRAINER)
    return union(coordinated, trained)


# --- the audit trail ----------------------------------------------------------------------

#: Said when someone other than a coordinator asks for a programme's audit trail.
READ_AUDIT = "only coordinators of the programme's organisation can read its audit trail"


def may_read_audit(session: Session, user: User | None, programme: Programme) -> bool:
    """Read a programme's audit trail: coordinators of its organisation, administrators and
    the operator — not its trainers, whose acts (and revocation reasons) the trail is there
    for coordinators to oversee; trainers see the credentials' states on the awards pages."""
    return may_coordinate_programme(session, user, programme)


def require_read_audit(session: Session, user: User | None, programme: Programme) -> None:
    if not may_read_audit(session, user, programme):
        raise Forbidden(READ_AUDIT)


def require_read_organisation_audit(session: Session, user: User | None,
                                    organisation_id: uuid.UUID) -> None:
    """An organisation's whole trail (its programmes' and its frameworks'): the same people."""
    if user is not None and not coordinates(session, user, organisation_id):
        raise Forbidden("only a coordinator of the organisation can read its audit trail")


# --- awards and credentials ---------------------------------------------------------------

def may_award(session: Session, user: User | None, achievement: Any) -> bool:
    """Award ``achievement`` (anything with a ``programme``): who manages its programme."""
    return may_manage_programme(session, user, achievement.programme)


def require_award(session: Session, user: User | None, achievement: Any) -> None:
    if not may_award(session, user, achievement):
        raise Forbidden("only the programme's trainers and coordinators can award this")


def may_manage_credential(session: Session, user: User | None, credential: Any) -> bool:
    """Revoke, suspend, resend an issued credential: who may award its achievement."""
    return may_award(session, user, credential.achievement)


def may_view_credential(session: Session, user: User | None, credential: Any) -> bool:
    """See an issued credential: its recipient, administrators, and who may manage it."""
    if user is None or user.is_administrator or credential.recipient_id == user.id:
        return True
    return may_manage_credential(session, user, credential)


def may_issue_for(session: Session, user: Any, organisation: Any) -> bool:
    """Sign for an organisation (VC-API): administrators, the organisation's coordinators and
    its programmes' trainers."""
    if user is None or user.is_administrator:
        return True
    if coordinates(session, user, organisation.id):
        return True
    return session.scalar(select(ProgrammeRole.id).join(
        Programme, Programme.id == ProgrammeRole.programme_id).where(
        ProgrammeRole.user_id == user.id, ProgrammeRole.role == ROLE_TRAINER,
        Programme.organisation_id == organisation.id).limit(1)) is not None


# --- frameworks ---------------------------------------------------------------------------

def may_import_framework(session: Session, user: User | None,
                         organisation_id: uuid.UUID | None) -> bool:
    """Import or edit a framework of the organisation; ``None``: shared by every organisation,
    which only administrators may."""
    if user is None:
        return True
    if organisation_id is None:
        return user.is_administrator
    return coordinates(session, user, organisation_id)


def require_import_framework(session: Session, user: User | None,
                             organisation_id: uuid.UUID | None) -> None:
    if may_import_framework(session, user, organisation_id):
        return
    if organisation_id is None:
        raise Forbidden("only an administrator can import or edit a framework shared by every "
                        "organisation")
    raise Forbidden("only a coordinator of the framework's organisation can import or edit it")


def may_import_any_framework(session: Session, user: User | None) -> bool:
    """Whether the user may import at all (administrator, or coordinator of something)."""
    if user is None or user.is_administrator:
        return True
    return session.scalar(select(OrganisationRole.id).where(
        OrganisationRole.user_id == user.id).limit(1)) is not None


# --- portfolios ---------------------------------------------------------------------------

#: Said to anyone but its owner who asks for an evidence item (submissions will widen this to
#: the trainers and jury of the programmes it was submitted to).
SEE_EVIDENCE = "only its owner can see this evidence item"


def may_view_portfolio_item(session: Session, user: User | None, item: Any) -> bool:
    """See an evidence item: its owner (and the command-line operator); nobody else yet —
    not even administrators: a portfolio is personal until its owner submits it."""
    return user is None or item.owner_id == user.id


def require_view_portfolio_item(session: Session, user: User | None, item: Any) -> None:
    if not may_view_portfolio_item(session, user, item):
        raise Forbidden(SEE_EVIDENCE)


def require_edit_portfolio_item(user: User | None, item: Any) -> None:
    """Revise or delete an evidence item: its owner only (the operator too)."""
    if user is not None and item.owner_id != user.id:
        raise Forbidden("only its owner can change this evidence item")
