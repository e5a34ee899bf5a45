"""Who may award, see and manage credentials: one place for the awards' access rules.

The command line operator (``actor is None``) may do everything; otherwise the programme's
trainers and its organisation's coordinators manage its awards, and a recipient (or an
administrator) may see a credential. Gathered here so that a change of who-may-do-what is made
once, and read once.
"""

from __future__ import annotations

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from badge_service.accounts.models import ROLE_COORDINATOR, OrganisationRole, User
from badge_service.achievements.models import Achievement
from badge_service.awards.models import IssuedCredential
from badge_service.errors import Forbidden
from badge_service.programmes import service as programmes
from badge_service.programmes.models import ROLE_TRAINER, Programme, ProgrammeRole


def can_award(session: Session, actor: User | None, achievement: Achievement) -> bool:
    if actor is None:
        return True  # the command line operator
    programme = achievement.programme
    return (programmes.can_manage(session, actor, programme)
            or programmes.is_trainer(session, actor, programme))


def require_award(session: Session, actor: User | None, achievement: Achievement) -> None:
    if not can_award(session, actor, achievement):
        raise Forbidden("only the programme's trainers and coordinators can award this")


def can_manage_credential(session: Session, actor: User | None,
                          credential: IssuedCredential) -> bool:
    return can_award(session, actor, credential.achievement)


def managed_programme_ids(user: User) -> Select:
    coordinated = select(Programme.id).join(
        OrganisationRole, OrganisationRole.organisation_id == Programme.organisation_id).where(
        OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    trained = select(ProgrammeRole.programme_id).where(ProgrammeRole.user_id == user.id,
                                                       ProgrammeRole.role == ROLE_TRAINER)
    return union(coordinated, trained)


def can_manage_programme(session: Session, actor: User | None, programme: Programme) -> bool:
    """Trainers of the programme and coordinators of its organisation."""
    if actor is None:
        return True
    return (programmes.can_manage(session, actor, programme)
            or programmes.is_trainer(session, actor, programme))


def require_manage_programme(session: Session, actor: User | None,
                             programme: Programme) -> None:
    if not can_manage_programme(session, actor, programme):
        raise Forbidden("only the programme's trainers and coordinators can see its "
                        "credentials")


def can_view(session: Session, actor: User | None, credential: IssuedCredential) -> bool:
    if actor is None or actor.is_administrator or credential.recipient_id == actor.id:
        return True
    return can_manage_credential(session, actor, credential)
