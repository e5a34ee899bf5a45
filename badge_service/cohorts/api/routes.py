"""The cohorts API's routes: cohorts, participants, memberships, invitations and CSV imports
(the import's contract is described in :mod:`badge_service.cohorts.api`)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, jsonify, request, url_for

from badge_service import policy
from badge_service.clock import utcnow
from badge_service.cohorts import service as cohorts
from badge_service.cohorts.api.schemas import (
    CohortIn,
    CohortOut,
    CohortPatch,
    ImportOut,
    InviteIn,
    InviteOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    MembershipOut,
    cohort_out,
    member_out,
    membership_out,
)
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db
from badge_service.edge.auth import api_user
from badge_service.edge.csv_upload import read_upload
from badge_service.edge.language import configured_language
from badge_service.edge.openapi import created, operation, paged, parse_body
from badge_service.edge.problems import problem_response
from badge_service.errors import FieldError, ValidationFailed

TAG = "cohorts"
def _counts_if_manager(cohort: Cohort) -> dict[str, int] | None:
    if not policy.may_manage_programme(db.session, api_user(), cohort.programme):
        return None
    return cohorts.member_counts(db.session, [cohort])[cohort.id]


def _flag(name: str, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ValidationFailed(f"{name} must be true or false",
                           [FieldError("must be true or false", field=name)])


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"])


# --- cohorts ---------------------------------------------------------------------------------


@operation("/programmes/<uuid:programme_id>/cohorts", "GET", summary="List a programme's cohorts",
           tag=TAG, response=CohortOut, paged=True)
def list_cohorts(programme_id: uuid.UUID) -> Any:
    actor = api_user()
    programme = cohorts.get_programme(db.session, actor, programme_id)
    manager = policy.may_manage_programme(db.session, actor, programme)
    return paged(db.session, cohorts.cohorts_query(db.session, actor, programme),
                 lambda cohort: cohort_out(cohort, cohorts.member_counts(
                     db.session, [cohort])[cohort.id] if manager else None))


@operation("/programmes/<uuid:programme_id>/cohorts", "POST", summary="Create a cohort",
           tag=TAG, body=CohortIn, response=CohortOut, status=201)
def create_cohort(programme_id: uuid.UUID) -> Any:
    actor = api_user()
    programme = cohorts.get_programme(db.session, actor, programme_id)
    data = parse_body(CohortIn).model_dump()
    cohort = cohorts.create_cohort(db.session, actor, programme, data, now=utcnow())
    return created(cohort_out(cohort, _counts_if_manager(cohort)),
                   url_for("api.cohorts_get_cohort", cohort_id=cohort.id))


@operation("/cohorts/<uuid:cohort_id>", "GET", summary="Get a cohort", tag=TAG,
           response=CohortOut)
def get_cohort(cohort_id: uuid.UUID) -> Any:
    cohort = cohorts.get_cohort(db.session, api_user(), cohort_id)
    return jsonify(cohort_out(cohort, _counts_if_manager(cohort)))


@operation("/cohorts/<uuid:cohort_id>", "PATCH", summary="Update a cohort (name, dates)",
           tag=TAG, body=CohortPatch, response=CohortOut)
def update_cohort(cohort_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    data = parse_body(CohortPatch).model_dump(exclude_unset=True)
    cohorts.update_cohort(db.session, actor, cohort, data, now=utcnow())
    return jsonify(cohort_out(cohort, _counts_if_manager(cohort)))


@operation("/cohorts/<uuid:cohort_id>", "DELETE",
           summary="Delete a cohort and its memberships (accounts stay)", tag=TAG, status=204)
def delete_cohort(cohort_id: uuid.UUID) -> Any:
    actor = api_user()
    cohorts.delete_cohort(db.session, actor, cohorts.get_cohort(db.session, actor, cohort_id))
    return "", 204


# --- members ---------------------------------------------------------------------------------


@operation("/cohorts/<uuid:cohort_id>/members", "GET",
           summary="List the participants (participants see only themselves)", tag=TAG,
           response=MemberOut, paged=True,
           query=[("status", "string", "invited, active or withdrawn"),
                  ("q", "string", "search in email, names, code and organisation")])
def list_members(cohort_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    query = cohorts.members_query(db.session, actor, cohort, status=request.args.get("status"),
                                  search=request.args.get("q"))
    return paged(db.session, query, member_out)


@operation("/cohorts/<uuid:cohort_id>/members", "POST",
           summary="Add a participant (the account is found by email or created)", tag=TAG,
           body=MemberIn, response=MemberOut, status=201)
def add_member(cohort_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    data = parse_body(MemberIn).model_dump()
    invite = data.pop("invite")
    now = utcnow()
    member = cohorts.add_member(db.session, actor, cohort, data, now=now,
                                default_language=configured_language())
    if invite:
        cohorts.invite(db.session, actor, [member], now=now, base_url=_base_url())
    return created(member_out(member), url_for("api.cohorts_get_member", cohort_id=cohort.id,
                                               member_id=member.id))


@operation("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>", "GET",
           summary="Get a participant", tag=TAG, response=MemberOut)
def get_member(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    return jsonify(member_out(cohorts.get_member(db.session, actor, cohort, member_id)))


@operation("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>", "PATCH",
           summary="Update a participant's enrolment or status", tag=TAG, body=MemberPatch,
           response=MemberOut)
def update_member(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    member = cohorts.get_member(db.session, actor, cohort, member_id)
    data = parse_body(MemberPatch).model_dump(exclude_unset=True)
    cohorts.update_member(db.session, actor, member, data, default_language=configured_language())
    return jsonify(member_out(member))


@operation("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>", "DELETE",
           summary="Remove a participant from the cohort (the account stays)", tag=TAG,
           status=204)
def remove_member(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    cohorts.remove_member(db.session, actor,
                          cohorts.get_member(db.session, actor, cohort, member_id))
    return "", 204


@operation("/me/cohorts", "GET", summary="Your own cohort memberships", tag=TAG,
           response=MembershipOut, paged=True)
def my_memberships() -> Any:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from badge_service.programmes.models import Programme

    query = (select(CohortMember).join(Cohort).join(Programme)
             .where(CohortMember.user_id == api_user().id)
             .options(selectinload(CohortMember.cohort).selectinload(Cohort.programme),
                      selectinload(CohortMember.user))
             .order_by(Programme.title, Cohort.name, CohortMember.id))
    return paged(db.session, query, membership_out)


# --- invitations -----------------------------------------------------------------------------


@operation("/cohorts/<uuid:cohort_id>/invitations", "POST",
           summary="Send invitations (chosen members, or everyone in a scope)", tag=TAG,
           body=InviteIn, response=InviteOut)
def invite_members(cohort_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    data = parse_body(InviteIn)
    if data.member_ids is not None:
        members = [cohorts.get_member(db.session, actor, cohort, member_id)
                   for member_id in dict.fromkeys(data.member_ids)]
        policy.require_manage_programme(db.session, actor, cohort.programme, policy.MANAGE_COHORTS)
    else:
        members = cohorts.members_to_invite(db.session, actor, cohort, scope=data.scope)
    cohorts.invite(db.session, actor, members, now=utcnow(), base_url=_base_url())
    return jsonify(InviteOut(invited=len(members),
                             member_ids=[m.id for m in members]).model_dump(mode="json"))


@operation("/cohorts/<uuid:cohort_id>/members/<uuid:member_id>/invitation", "POST",
           summary="Send (or re-send) one participant's invitation", tag=TAG,
           response=InviteOut)
def invite_member(cohort_id: uuid.UUID, member_id: uuid.UUID) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id)
    member = cohorts.get_member(db.session, actor, cohort, member_id)
    cohorts.invite(db.session, actor, [member], now=utcnow(), base_url=_base_url())
    return jsonify(InviteOut(invited=1, member_ids=[member.id]).model_dump(mode="json"))


# --- import ----------------------------------------------------------------------------------




def run_import(programme_id: uuid.UUID, cohort_id: uuid.UUID | None) -> Any:
    actor = api_user()
    cohort = cohorts.get_cohort(db.session, actor, cohort_id) if cohort_id else None
    programme = cohort.programme if cohort else cohorts.get_programme(db.session, actor,
                                                                      programme_id)
    policy.require_manage_programme(db.session, actor, programme, policy.MANAGE_COHORTS)
    dry_run = _flag("dry_run", False)
    invite = _flag("invite", False)
    data = read_upload()
    try:
        plan = cohorts.import_members(
            db.session, actor, programme, data, now=utcnow(),
            default_language=configured_language(), dry_run=dry_run, cohort=cohort,
            cohort_name=None if cohort else (request.args.get("cohort") or None),
            max_bytes=int(current_app.config["MAX_IMPORT_BYTES"]), invite_new=invite,
            base_url=_base_url())
    except cohorts.ImportFailed as exc:
        return problem_response(422, exc.problem, exc.title, exc.detail, exc.errors,
                                preview=exc.plan.to_dict())
    return jsonify(plan.to_dict())


@operation("/programmes/<uuid:programme_id>/cohorts/import", "POST",
           summary="Import participants from CSV; each row's `cohort` column (or the `cohort` "
                   "parameter) names the cohort, created if new",
           tag=TAG, response=ImportOut, upload="csv",
           query=[("dry_run", "boolean", "preview only: nothing is written (default false)"),
                  ("cohort", "string", "import every row into this cohort (by name)"),
                  ("invite", "boolean", "invite the participants this import adds")])
def import_into_programme(programme_id: uuid.UUID) -> Any:
    return run_import(programme_id, None)


@operation("/cohorts/<uuid:cohort_id>/import", "POST",
           summary="Import participants from CSV into this cohort (multipart `file` or a "
                   "text/csv body)",
           tag=TAG, response=ImportOut, upload="csv",
           query=[("dry_run", "boolean", "preview only: nothing is written (default false)"),
                  ("invite", "boolean", "invite the participants this import adds")])
def import_into_cohort(cohort_id: uuid.UUID) -> Any:
    return run_import(uuid.UUID(int=0), cohort_id)
