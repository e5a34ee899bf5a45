"""Who may see cohorts (who may manage them is :mod:`badge_service.policy`'s rule).

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
from badge_service.programmes import service as programmes


def is_member(session: Session, user: User, cohort: Cohort) -> bool:
    return session.scalar(select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)) is not None


@programmes.register_reader
def _participant_programmes(user: User) -> Select:
    """Participants may read the programmes of their cohorts."""
    return select(Cohort.programme_id).join(CohortMember, CohortMember.cohort_id == Cohort.id
                                            ).where(CohortMember.user_id == user.id)
