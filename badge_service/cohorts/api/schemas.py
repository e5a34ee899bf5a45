"""The API's JSON shapes for cohorts: request bodies (``*In``, ``*Patch``), answers (``*Out``)
and the functions that turn a cohort or a membership into one.

Kept apart from the routes (:mod:`.routes`): these change with the public contract — the
OpenAPI document is built from them — the routes with the service they call.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.edge.openapi import Strict


class CohortIn(Strict):
    name: str = Field(max_length=200)
    start_date: date | None = None
    end_date: date | None = None


class CohortPatch(Strict):
    name: str | None = Field(default=None, max_length=200)
    start_date: date | None = None
    end_date: date | None = None


class MemberCounts(BaseModel):
    invited: int
    active: int
    withdrawn: int


class CohortOut(BaseModel):
    id: uuid.UUID
    programme_id: uuid.UUID
    name: str
    start_date: date | None
    end_date: date | None
    created_at: datetime
    updated_at: datetime
    members: MemberCounts | None = Field(
        default=None, description="counts by status; only for those who manage the cohort")


# Names carry no max_length here: the service applies the shared name rule (NFC first, then
# the limit), so a decomposed name is counted as stored and every door refuses with one message.
class MemberIn(Strict):
    email: str = Field(max_length=320)
    given_name: str
    family_name: str = Field(default="", description="empty for a mononym")
    participant_code: str | None = Field(default=None, max_length=64)
    organisation_name: str | None = Field(default=None, max_length=300)
    organisation_type: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=64,
                                description="ISO 3166-1 alpha-2, e.g. BE")
    job_role: str | None = Field(default=None, max_length=200)
    preferred_language: str | None = Field(default=None, max_length=35,
                                           description="BCP 47, e.g. fr, en, nl")
    invite: bool = Field(default=False, description="send the invitation now")


class MemberPatch(Strict):
    given_name: str | None = None
    family_name: str | None = Field(default=None, description="\"\" for a mononym")
    participant_code: str | None = Field(default=None, max_length=64)
    organisation_name: str | None = Field(default=None, max_length=300)
    organisation_type: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, max_length=64)
    job_role: str | None = Field(default=None, max_length=200)
    preferred_language: str | None = Field(default=None, max_length=35)
    status: Literal["invited", "active", "withdrawn"] | None = None


class MemberOut(BaseModel):
    id: uuid.UUID
    cohort_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    participant_code: str | None
    given_name: str
    family_name: str
    organisation_name: str | None
    organisation_type: str | None
    country: str | None
    job_role: str | None
    preferred_language: str
    status: str
    created_at: datetime
    invited_at: datetime | None
    joined_at: datetime | None


class MembershipOut(MemberOut):
    cohort_name: str
    programme_id: uuid.UUID
    programme_title: str


class InviteIn(Strict):
    member_ids: list[uuid.UUID] | None = Field(
        default=None, description="these members; without it, every member in `scope`")
    scope: Literal["not-invited", "pending"] = Field(
        default="not-invited",
        description="not-invited: never sent; pending: everyone who has not accepted yet")


class InviteOut(BaseModel):
    invited: int
    member_ids: list[uuid.UUID]


class ImportProblem(BaseModel):
    message: str
    field: str | None = None
    row: int | None = None


class ImportRow(BaseModel):
    line: int
    email: str
    cohort: str
    action: Literal["create", "add", "update", "unchanged", "error"]
    values: dict[str, Any]
    changes: dict[str, dict[str, Any]]
    member_id: uuid.UUID | None
    errors: list[ImportProblem]
    warnings: list[ImportProblem]


class ImportCohort(BaseModel):
    name: str
    id: uuid.UUID | None
    action: Literal["create", "existing"]
    rows: int


class ImportSummary(BaseModel):
    rows: int
    create: int
    add: int
    update: int
    unchanged: int
    error: int
    errors: int
    warnings: int
    new_cohorts: int
    invited: int


class ImportOut(BaseModel):
    dry_run: bool
    ok: bool
    applied: bool
    programme_id: uuid.UUID
    delimiter: str
    had_bom: bool
    columns: list[str]
    summary: ImportSummary
    cohorts: list[ImportCohort]
    rows: list[ImportRow]
    errors: list[ImportProblem]
    warnings: list[ImportProblem]


def cohort_out(cohort: Cohort, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return CohortOut(
        id=cohort.id, programme_id=cohort.programme_id, name=cohort.name,
        start_date=cohort.start_date, end_date=cohort.end_date, created_at=cohort.created_at,
        updated_at=cohort.updated_at,
        members=MemberCounts(**counts) if counts is not None else None,
    ).model_dump(mode="json", exclude_none=counts is None)


def member_out(member: CohortMember) -> dict[str, Any]:
    return MemberOut(**_member_fields(member)).model_dump(mode="json")


def _member_fields(member: CohortMember) -> dict[str, Any]:
    return {
        "id": member.id, "cohort_id": member.cohort_id, "user_id": member.user_id,
        "email": member.user.email, "participant_code": member.participant_code,
        "given_name": member.given_name, "family_name": member.family_name,
        "organisation_name": member.organisation_name,
        "organisation_type": member.organisation_type, "country": member.country,
        "job_role": member.job_role, "preferred_language": member.preferred_language,
        "status": member.status, "created_at": member.created_at,
        "invited_at": member.invited_at, "joined_at": member.joined_at,
    }


def membership_out(member: CohortMember) -> dict[str, Any]:
    programme = member.cohort.programme
    return MembershipOut(**_member_fields(member), cohort_name=member.cohort.name,
                         programme_id=programme.id,
                         programme_title=programme.title).model_dump(mode="json")
