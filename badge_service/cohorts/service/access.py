"""Who may manage and who may see cohorts: the one place the cohort service decides it.

* manage a programme's cohorts and participants (create, edit, import, invite, remove):
  coordinators of the programme's organisation, trainers of the programme, administrators;
* see a cohort: those, and its participants — who see only their own membership.

``actor`` ``None`` is the command-line operator, who already has the database and is trusted.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.errors import Forbidden
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme


def can_manage(session: Session, actor: User | None, programme: Programme) -> bool:
    if actor is None:  # the command-line operator
        return True
    return (programmes.can_manage(session, actor, programme)
            or programmes.is_trainer(session, actor, programme))


def require_manage(session: Session, actor: User | None, programme: Programme) -> None:
    if not can_manage(session, actor, programme):
        raise Forbidden("only coordinators of the programme's organisation and trainers of "
                        "the programme can manage its cohorts")


def is_member(session: Session, user: User, cohort: Cohort) -> bool:
    return session.scalar(select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)) is not None


@programmes.register_reader
def _participant_programmes(user: User) -> Select:
    """Participants may read the programmes of their cohorts."""
    return select(Cohort.programme_id).join(CohortMember, CohortMember.cohort_id == Cohort.id
                                            ).where(CohortMember.user_id == user.id)
