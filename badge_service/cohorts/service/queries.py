"""Reading cohorts and memberships, filtered to what the actor may see (and the CSV export)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.cohorts.models import STATUSES, Cohort, CohortMember
from badge_service.cohorts.service.access import is_member
from badge_service.errors import FieldError, NotFound, ValidationFailed
from badge_service.formats import csv_table as csv_import
from badge_service.programmes import service as programmes
from badge_service.programmes.models import Programme, ProgrammeRole


def get_programme(session: Session, actor: User | None, programme_id: uuid.UUID) -> Programme:
    programme = programmes.get(session, programme_id)
    if actor is not None:
        programmes.require_read(session, actor, programme)
    return programme


def find_programme(session: Session, reference: str) -> Programme:
    """A programme by id or by ``organisation-slug/programme-slug`` (command line)."""
    return programmes.find(session, reference)


def get_cohort(session: Session, actor: User | None, cohort_id: uuid.UUID) -> Cohort:
    """The cohort if ``actor`` may see it (manager or member); otherwise "not found"."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not (policy.may_manage_programme(session, actor, cohort.programme)
                              or (actor is not None and is_member(session, actor, cohort))):
        raise NotFound(f"no cohort {cohort_id}")
    return cohort


def cohorts_query(session: Session, actor: User | None, programme: Programme) -> Select:
    """The programme's cohorts ``actor`` may see, newest start first, then by name."""
    query = select(Cohort).where(Cohort.programme_id == programme.id).order_by(
        Cohort.start_date.desc().nulls_last(), Cohort.name, Cohort.id)
    if actor is not None and not policy.may_manage_programme(session, actor, programme):
        query = query.where(Cohort.id.in_(select(CohortMember.cohort_id).where(
            CohortMember.user_id == actor.id)))
    return query


def managed_programmes(session: Session, actor: User) -> list[Programme]:
    """Programmes whose cohorts ``actor`` manages (coordinated organisations, trained ones)."""
    query = select(Programme).order_by(Programme.title, Programme.id)
    if not actor.is_administrator:
        trained = select(ProgrammeRole.programme_id).where(ProgrammeRole.user_id == actor.id)
        coordinated = policy.coordinated_organisation_ids(session, actor)
        query = query.where(or_(Programme.id.in_(trained),
                                Programme.organisation_id.in_(coordinated)))
    return list(session.scalars(query))


def memberships_of(session: Session, user: User) -> list[CohortMember]:
    return list(session.scalars(
        select(CohortMember).join(Cohort).where(CohortMember.user_id == user.id)
        .options(selectinload(CohortMember.cohort).selectinload(Cohort.programme))
        .order_by(Cohort.start_date.desc().nulls_last(), Cohort.name)))


def members_query(session: Session, actor: User | None, cohort: Cohort, *,
                  status: str | None = None, search: str | None = None) -> Select:
    """Members ``actor`` may see: all of them for managers, their own row for participants."""
    query = (select(CohortMember).join(User, User.id == CohortMember.user_id)
             .where(CohortMember.cohort_id == cohort.id)
             .options(selectinload(CohortMember.user))
             .order_by(CohortMember.family_name, CohortMember.given_name, User.email,
                       CohortMember.id))
    if not policy.may_manage_programme(session, actor, cohort.programme):
        query = query.where(CohortMember.user_id == (actor.id if actor else None))
    if status:
        if status not in STATUSES:
            raise ValidationFailed("unknown status", [
                FieldError(f"must be one of {', '.join(STATUSES)}", field="status")])
        query = query.where(CohortMember.status == status)
    # PostgreSQL refuses NUL in text parameters: keep only printable characters.
    search = "".join(c for c in (search or "") if c.isprintable())[:200]
    if search.strip():
        pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace(
            "%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            User.email, CohortMember.given_name, CohortMember.family_name,
            CohortMember.participant_code, CohortMember.organisation_name))))
    return query


def get_member(session: Session, actor: User | None, cohort: Cohort,
               member_id: uuid.UUID) -> CohortMember:
    member = session.get(CohortMember, member_id)
    if (member is None or member.cohort_id != cohort.id
            or not (policy.may_manage_programme(session, actor, cohort.programme)
                    or (actor is not None and member.user_id == actor.id))):
        raise NotFound(f"no member {member_id} in this cohort")
    return member


def member_counts(session: Session, cohorts: Iterable[Cohort]) -> dict[uuid.UUID, dict[str, int]]:
    ids = [c.id for c in cohorts]
    counts: dict[uuid.UUID, dict[str, int]] = {i: dict.fromkeys(STATUSES, 0) for i in ids}
    if ids:
        for cohort_id, status, count in session.execute(
                select(CohortMember.cohort_id, CohortMember.status, func.count())
                .where(CohortMember.cohort_id.in_(ids))
                .group_by(CohortMember.cohort_id, CohortMember.status)):
            counts[cohort_id][status] = count
    return counts


# --- export ----------------------------------------------------------------------------------


EXPORT_HEADER = ("participant_id", "given_name", "family_name", "email", "organisation",
                 "organisation_type", "country", "role", "cohort", "preferred_language",
                 "status", "invited_at", "joined_at")


def export_members_csv(session: Session, actor: User | None, cohort: Cohort) -> bytes:
    """The cohort's participants as CSV, in the import's columns (so the file can be edited and
    imported again) plus status and dates. Cells that spreadsheets would run as formulas are
    prefixed with an apostrophe (csv_import.write_csv)."""
    policy.require_manage_programme(session, actor, cohort.programme, policy.MANAGE_COHORTS)
    members = session.scalars(members_query(session, actor, cohort))
    return csv_import.write_csv(EXPORT_HEADER, (
        (m.participant_code, m.given_name, m.family_name, m.user.email, m.organisation_name,
         m.organisation_type, m.country, m.job_role, cohort.name, m.preferred_language,
         m.status, m.invited_at.isoformat() if m.invited_at else "",
         m.joined_at.isoformat() if m.joined_at else "")
        for m in members))
