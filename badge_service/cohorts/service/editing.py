"""Creating, changing and removing cohorts and memberships by hand (forms, API, command line).

Accounts are global and keyed by email: enrolling a known address enrols that account, it
never creates a second one and never changes the account's own profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.cohorts.models import STATUS_INVITED, STATUSES, Cohort, CohortMember
from badge_service.cohorts.service.access import is_member
from badge_service.cohorts.service.fields import (
    LIMITS,
    MEMBER_FIELDS,
    _key,
    clean_member,
    message_language,
)
from badge_service.errors import Conflict, FieldError, ValidationFailed
from badge_service.formats import csv_table as csv_import
from badge_service.programmes.models import Programme


def _check_dates(data: Mapping[str, Any], current: Cohort | None,
                 errors: list[FieldError]) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for name in ("start_date", "end_date"):
        if name not in data:
            continue
        value = data[name]
        if value in (None, ""):
            out[name] = None
        elif isinstance(value, datetime):
            errors.append(FieldError("must be a date (YYYY-MM-DD)", field=name))
        elif isinstance(value, date):
            out[name] = value
        else:
            try:
                out[name] = date.fromisoformat(str(value).strip())
            except ValueError:
                errors.append(FieldError("must be a date (YYYY-MM-DD)", field=name))
    start = out.get("start_date", current.start_date if current else None)
    end = out.get("end_date", current.end_date if current else None)
    if start and end and end < start and not errors:
        errors.append(FieldError("is before the start date", field="end_date"))
    return out


# --- cohorts ---------------------------------------------------------------------------------


def _cohort_by_name(session: Session, programme: Programme, name: str) -> Cohort | None:
    wanted = _key(name)
    for cohort in session.scalars(select(Cohort).where(Cohort.programme_id == programme.id)):
        if _key(cohort.name) == wanted:
            return cohort
    return None


def _check_cohort(session: Session, programme: Programme, data: Mapping[str, Any],
                  current: Cohort | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    unknown = set(data) - {"name", "start_date", "end_date"}
    errors.extend(FieldError("unknown field", field=name) for name in sorted(unknown))
    out: dict[str, Any] = {}
    if "name" in data or current is None:
        raw = data.get("name")
        name, problem = csv_import.check_text(raw if isinstance(raw, str) else "",
                                              max_length=LIMITS["cohort"])
        if problem:
            errors.append(FieldError(problem, field="name"))
        elif not name:
            errors.append(FieldError("is required", field="name"))
        else:
            out["name"] = name
    out.update(_check_dates(data, current, errors))
    if errors:
        raise ValidationFailed("the cohort is not valid", errors)
    if "name" in out:
        other = _cohort_by_name(session, programme, out["name"])
        if other is not None and (current is None or other.id != current.id):
            raise Conflict(f"the programme already has a cohort named {other.name!r}",
                           [FieldError("already used in this programme", field="name")])
    return out


def create_cohort(session: Session, actor: User | None, programme: Programme,
                  data: Mapping[str, Any], *, now: datetime) -> Cohort:
    """``data``: name, start_date, end_date (dates or ISO strings; optional)."""
    policy.require_manage_programme(session, actor, programme, policy.MANAGE_COHORTS)
    values = _check_cohort(session, programme, data, None)
    cohort = Cohort(programme_id=programme.id, created_at=now, updated_at=now, **values)
    session.add(cohort)
    session.flush()
    return cohort


def update_cohort(session: Session, actor: User | None, cohort: Cohort,
                  data: Mapping[str, Any], *, now: datetime) -> Cohort:
    policy.require_manage_programme(session, actor, cohort.programme, policy.MANAGE_COHORTS)
    for key, value in _check_cohort(session, cohort.programme, data, cohort).items():
        setattr(cohort, key, value)
    cohort.updated_at = now
    session.flush()
    return cohort


def delete_cohort(session: Session, actor: User | None, cohort: Cohort) -> None:
    """Delete a cohort and its memberships (the participants' accounts stay)."""
    policy.require_manage_programme(session, actor, cohort.programme, policy.MANAGE_COHORTS)
    session.delete(cohort)
    session.flush()


# --- members ---------------------------------------------------------------------------------


def _find_or_create_user(session: Session, values: Mapping[str, Any], *,
                         now: datetime) -> tuple[User, bool]:
    user = accounts.find_user_by_email(session, values["email"])
    if user is not None:
        return user, False
    return accounts.create_user(
        session, email=values["email"], given_name=values["given_name"],
        family_name=values["family_name"], now=now,
        preferred_language=message_language(values["preferred_language"])), True


def add_member(session: Session, actor: User | None, cohort: Cohort, data: Mapping[str, Any],
               *, now: datetime, default_language: str) -> CohortMember:
    """Enrol one participant; their account is found by email or created."""
    policy.require_manage_programme(session, actor, cohort.programme, policy.MANAGE_COHORTS)
    unknown = set(data) - {"email", *MEMBER_FIELDS}
    values, errors, _warnings = clean_member(
        {k: v for k, v in data.items() if k not in unknown}, default_language=default_language)
    errors = [FieldError("unknown field", field=name) for name in sorted(unknown)] + errors
    code = values.get("participant_code")
    if code and not errors:
        _check_code_free(session, cohort, code, None)
    if errors:
        raise ValidationFailed("the participant is not valid", errors)
    user, _created = _find_or_create_user(session, values, now=now)
    if is_member(session, user, cohort):
        raise Conflict(f"{user.email} is already in this cohort",
                       [FieldError("already in this cohort", field="email")])
    member = CohortMember(cohort_id=cohort.id, user_id=user.id, status=STATUS_INVITED,
                          created_at=now, **{k: v for k, v in values.items() if k != "email"})
    session.add(member)
    session.flush()
    return member


def _check_code_free(session: Session, cohort: Cohort, code: str,
                     member: CohortMember | None) -> None:
    owner = session.scalar(select(CohortMember).where(
        CohortMember.cohort_id == cohort.id, CohortMember.participant_code == code))
    if owner is not None and (member is None or owner.id != member.id):
        raise Conflict(f"participant code {code!r} is already used in this cohort by "
                       f"{owner.user.email}",
                       [FieldError("already used in this cohort", field="participant_code")])


def update_member(session: Session, actor: User | None, member: CohortMember,
                  data: Mapping[str, Any], *, default_language: str) -> CohortMember:
    """Change enrolment fields and/or ``status``. The email is the account's and is not
    changed here (remove the membership and add the right address instead)."""
    policy.require_manage_programme(session, actor, member.cohort.programme, policy.MANAGE_COHORTS)
    errors: list[FieldError] = []
    if "email" in data:
        errors.append(FieldError("the email address of a participant cannot be changed; "
                                 "remove them and add the right address", field="email"))
    unknown = set(data) - {"email", "status", *MEMBER_FIELDS}
    errors.extend(FieldError("unknown field", field=name) for name in sorted(unknown))
    fields = {k: v for k, v in data.items() if k in MEMBER_FIELDS}
    values, field_errors, _warnings = clean_member(fields, default_language=default_language,
                                                   partial=True)
    errors.extend(field_errors)
    status = data.get("status")
    if "status" in data and status not in STATUSES:
        errors.append(FieldError(f"must be one of {', '.join(STATUSES)}", field="status"))
    if errors:
        raise ValidationFailed("the participant is not valid", errors)
    if values.get("participant_code"):
        _check_code_free(session, member.cohort, values["participant_code"], member)
    for key, value in values.items():
        setattr(member, key, value)
    if status:
        member.status = status
    session.flush()
    return member


def remove_member(session: Session, actor: User | None, member: CohortMember) -> None:
    """Delete the membership (the account stays). To keep the record, withdraw instead."""
    policy.require_manage_programme(session, actor, member.cohort.programme, policy.MANAGE_COHORTS)
    session.delete(member)
    session.flush()
