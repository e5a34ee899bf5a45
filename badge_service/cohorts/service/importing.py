"""CSV import of participants: read and check the whole file (preview), then apply it all or
nothing.

Importing a person already known — as a participant of another cohort, or a trainer — enrols
that account. Enrolment data (participant code, names as enrolled, organisation, country, job
role, language) lives on the membership.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.cohorts.models import STATUS_INVITED, STATUS_WITHDRAWN, Cohort, CohortMember
from badge_service.cohorts.service.editing import (
    _cohort_by_name,
    _find_or_create_user,
    create_cohort,
)
from badge_service.cohorts.service.fields import LIMITS, MEMBER_FIELDS, _key, clean_member
from badge_service.cohorts.service.import_plan import (
    ACTION_ADD,
    ACTION_CREATE,
    ACTION_ERROR,
    ACTION_UNCHANGED,
    ACTION_UPDATE,
    CohortPlan,
    ImportFailed,
    ImportPlan,
    RowPlan,
)
from badge_service.cohorts.service.invitations import invite
from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats import csv_table as csv_import
from badge_service.programmes.models import Programme

MAX_IMPORT_ROWS = 5000
REQUIRED_COLUMNS = ("email", "given_name", "family_name")

#: CSV header names accepted for each column, besides the canonical name. Compared after
#: csv_import.normalise_header (case, accents, spaces/hyphens ignored), so "Prénom", "PRENOM"
#: and "prenom" are one alias.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("e-mail", "mail", "email address", "e-mail address", "courriel",
              "adresse courriel", "adresse e-mail", "adresse email", "adresse mail",
              "adresse électronique", "mél"),
    "given_name": ("first name", "firstname", "given name", "forename", "prénom"),
    "family_name": ("last name", "lastname", "surname", "family name", "nom",
                    "nom de famille"),
    "participant_code": ("participant_id", "participant id", "participant code",
                         "code participant", "identifiant", "matricule", "code"),
    "organisation_name": ("organisation", "organization", "organization name",
                          "organisation name", "institution", "établissement", "organisme",
                          "employeur", "employer", "school", "école", "structure"),
    "organisation_type": ("organization type", "organisation type", "type d'organisation",
                          "type d'établissement", "type de structure", "institution type"),
    "country": ("pays", "country code", "code pays"),
    "job_role": ("role", "rôle", "job", "job title", "position", "fonction", "poste",
                 "métier"),
    "cohort": ("cohorte", "cohort name", "groupe", "group", "promotion", "session"),
    "preferred_language": ("language", "lang", "langue", "langue préférée", "locale"),
}


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def plan_import(session: Session, actor: User | None, programme: Programme, data: bytes, *,
                cohort: Cohort | None = None, cohort_name: str | None = None,
                default_language: str, max_bytes: int = csv_import.MAX_IMPORT_BYTES,
                max_rows: int = MAX_IMPORT_ROWS) -> ImportPlan:
    """Read and check the whole file against the database; write nothing.

    The target cohort is ``cohort``, else the one named ``cohort_name`` (created if the
    programme has none by that name), else each row's ``cohort`` column (cohorts that do not
    exist yet are created). A row whose ``cohort`` column names another cohort than the target
    is an error. File-level problems (encoding, size, header, quoting) raise at once.
    """
    policy.require_manage_programme(session, actor, programme, policy.MANAGE_COHORTS)
    if cohort is not None and cohort.programme_id != programme.id:
        raise ValidationFailed("the cohort belongs to another programme")
    table = csv_import.read_csv(data, columns=IMPORT_COLUMNS, required=REQUIRED_COLUMNS,
                                max_bytes=max_bytes, max_rows=max_rows)
    plan = ImportPlan(programme=programme, rows=[], cohorts=[], delimiter=table.delimiter,
                      had_bom=table.had_bom, columns=table.columns)
    if table.unknown_columns:
        shown = ", ".join(repr(csv_import.printable(c, 60)) for c in table.unknown_columns)
        plan.file_warnings.append(FieldError(f"columns ignored (not recognised): {shown}",
                                             field="header", row=1))
    if not table.rows:
        plan.file_errors.append(FieldError("the file has a header but no participants",
                                           field="file"))

    target_name: str | None = None
    if cohort is not None:
        target_name = cohort.name
    elif cohort_name is not None:
        target_name, problem = csv_import.check_text(cohort_name, max_length=LIMITS["cohort"])
        if problem or not target_name:
            raise ValidationFailed("the cohort name is not valid", [
                FieldError(problem or "is required", field="cohort")])
        cohort = _cohort_by_name(session, programme, target_name)

    cohort_plans: dict[str, CohortPlan] = {}
    if target_name is not None:
        cohort_plans[_key(target_name)] = CohortPlan(cohort.name if cohort else target_name,
                                                     cohort)
    existing_by_key = {_key(c.name): c for c in session.scalars(
        select(Cohort).where(Cohort.programme_id == programme.id))}

    seen_email: dict[tuple[str, str], int] = {}
    seen_code: dict[tuple[str, str], int] = {}
    for record in table.rows:
        line = record.line
        raw = dict(record.values)
        row_cohort = raw.pop("cohort", None)
        values, errors, warnings = clean_member(raw, default_language=default_language,
                                                row=line)
        shown_email = values.get("email") or csv_import.check_text(
            raw.get("email") or "", max_length=10_000)[0][:LIMITS["email"]]
        name = None
        if row_cohort is not None:
            name, problem = csv_import.check_text(row_cohort, max_length=LIMITS["cohort"])
            if problem:
                errors.append(FieldError(problem, field="cohort", row=line))
                name = None
        if target_name is not None:
            if name and _key(name) != _key(target_name):
                errors.append(FieldError(
                    f"this row is for cohort {csv_import.printable(name, 80)!r}, but the "
                    f"import is into {target_name!r}", field="cohort", row=line))
            name = target_name
        elif not name and not any(e.field == "cohort" for e in errors):
            errors.append(FieldError("is required: name the cohort in this column, or choose "
                                     "the cohort to import into", field="cohort", row=line))
        row = RowPlan(line=line, email=shown_email, cohort=name or "", values=values,
                      errors=errors, warnings=warnings,
                      filled={k for k, v in raw.items() if v and v.strip()})
        plan.rows.append(row)
        if not name:
            continue
        key = _key(name)
        if key not in cohort_plans:
            existing = existing_by_key.get(key)
            cohort_plans[key] = CohortPlan(existing.name if existing else name, existing)
        row.cohort = cohort_plans[key].name
        if "email" in values:
            first = seen_email.setdefault((key, values["email"]), line)
            if first != line:
                row.errors.append(FieldError(
                    f"duplicate: {values['email']} is on lines {first} and {line} (emails "
                    "are compared without case)", field="email", row=line))
        code = values.get("participant_code")
        if code:
            first = seen_code.setdefault((key, code), line)
            if first != line:
                row.errors.append(FieldError(
                    f"duplicate participant code {code!r} on lines {first} and {line}",
                    field="participant_code", row=line))
    plan.cohorts = list(cohort_plans.values())

    # Against the database: who has an account, who is already in which cohort.
    emails = sorted({r.values["email"] for r in plan.rows if "email" in r.values})
    users: dict[str, User] = {}
    for chunk in _chunks(emails):
        users.update((u.email, u) for u in session.scalars(select(User).where(
            User.email.in_(chunk))))
    cohort_ids = [c.cohort.id for c in plan.cohorts if c.cohort is not None]
    members: dict[tuple[uuid.UUID, uuid.UUID], CohortMember] = {}
    codes: dict[tuple[uuid.UUID, str], CohortMember] = {}
    if cohort_ids:
        user_ids = [u.id for u in users.values()]
        for chunk in _chunks(user_ids):
            for member in session.scalars(select(CohortMember).where(
                    CohortMember.cohort_id.in_(cohort_ids), CohortMember.user_id.in_(chunk))):
                members[(member.cohort_id, member.user_id)] = member
        file_codes = sorted({r.values["participant_code"] for r in plan.rows
                             if r.values.get("participant_code")})
        for chunk in _chunks(file_codes):
            for member in session.scalars(select(CohortMember).where(
                    CohortMember.cohort_id.in_(cohort_ids),
                    CohortMember.participant_code.in_(chunk)).options(
                    selectinload(CohortMember.user))):
                codes[(member.cohort_id, member.participant_code or "")] = member

    for row in plan.rows:
        if row.errors:
            row.action = ACTION_ERROR
            continue
        target = cohort_plans[_key(row.cohort)].cohort
        user = users.get(row.values["email"])
        member = members.get((target.id, user.id)) if target and user else None
        code = row.values.get("participant_code")
        if target is not None and code:
            owner = codes.get((target.id, code))
            if owner is not None and (user is None or owner.user_id != user.id):
                row.errors.append(FieldError(
                    f"participant code {code!r} already belongs to {owner.user.email} in this "
                    "cohort", field="participant_code", row=row.line))
                row.action = ACTION_ERROR
                continue
        row.user, row.member = user, member
        if user is None:
            row.action = ACTION_CREATE
        elif member is None:
            row.action = ACTION_ADD
            if not user.is_active:
                row.warnings.append(FieldError(
                    "this account is disabled: the participant cannot log in", field="email",
                    row=row.line))
        else:
            for name in MEMBER_FIELDS:
                # An empty cell (or a missing column) does not erase what is known.
                if name not in row.filled or name not in row.values:
                    continue
                new = row.values[name]
                if getattr(member, name) != new:
                    row.changes[name] = (getattr(member, name), new)
            row.action = ACTION_UPDATE if row.changes else ACTION_UNCHANGED
            if member.status == STATUS_WITHDRAWN:
                row.warnings.append(FieldError(
                    "has withdrawn from this cohort; the import does not re-enrol them (set "
                    "them back to invited on their page)", field="email", row=row.line))
    return plan


def import_members(session: Session, actor: User | None, programme: Programme, data: bytes, *,
                   now: datetime, default_language: str, dry_run: bool,
                   cohort: Cohort | None = None, cohort_name: str | None = None,
                   max_bytes: int = csv_import.MAX_IMPORT_BYTES, invite_new: bool = False,
                   base_url: str | None = None) -> ImportPlan:
    """Preview (``dry_run``) or apply an import. Applying is all-or-nothing: with any error,
    :class:`ImportFailed` is raised before anything is written. With ``invite_new``, members
    added by this import (and never invited) get their invitation."""
    plan = plan_import(session, actor, programme, data, cohort=cohort, cohort_name=cohort_name,
                       default_language=default_language, max_bytes=max_bytes)
    plan.dry_run = dry_run
    if dry_run:
        return plan
    if not plan.ok:
        raise ImportFailed(plan)
    for cohort_plan in plan.cohorts:
        if cohort_plan.cohort is None:
            cohort_plan.cohort = create_cohort(session, actor, programme,
                                               {"name": cohort_plan.name}, now=now)
    by_key = {_key(c.name): c.cohort for c in plan.cohorts}
    new_members: list[CohortMember] = []
    created_users: dict[str, User] = {}
    for row in plan.rows:
        target = by_key[_key(row.cohort)]
        assert target is not None
        fields = {k: v for k, v in row.values.items() if k in MEMBER_FIELDS}
        if row.action in (ACTION_CREATE, ACTION_ADD):
            user = row.user or created_users.get(row.values["email"])
            if user is None:
                user, _ = _find_or_create_user(session, row.values, now=now)
                created_users[user.email] = user
            member = CohortMember(cohort_id=target.id, user_id=user.id, status=STATUS_INVITED,
                                  created_at=now, **fields)
            member.user = user
            member.cohort = target
            session.add(member)
            row.member, row.user = member, user
            new_members.append(member)
        elif row.action == ACTION_UPDATE and row.member is not None:
            for name, (_old, new) in row.changes.items():
                setattr(row.member, name, new)
    session.flush()
    plan.applied = True
    # Disabled accounts were warned about in the preview; they are enrolled, not mailed.
    to_invite = [m for m in new_members if m.user.is_active]
    if invite_new and to_invite:
        if base_url is None:
            raise ValueError("base_url is needed to invite")
        invite(session, actor, to_invite, now=now, base_url=base_url)
        plan.invited = len(to_invite)
    return plan
