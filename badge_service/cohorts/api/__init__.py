"""API: cohorts of a programme, their participants, CSV imports and invitations.

Imports take the CSV as a multipart upload (field ``file``) or as the raw body
(``Content-Type: text/csv``), and ``dry_run=true|false``. A dry run answers 200 with the
preview (rows, per-row errors and warnings) and writes nothing; a real import answers 200 with
the same document once everything is saved, or 422 problem+json listing every error (with its
``row`` = line number) and the preview under ``preview`` — nothing is saved then.

The routes are in :mod:`.routes`, the JSON shapes (and the OpenAPI schemas) in :mod:`.schemas`;
importing this package registers the routes on the ``/api/v1`` blueprint.
"""

from __future__ import annotations

from badge_service.cohorts.api.routes import (
    CSV_TYPES,
    TAG,
    add_member,
    create_cohort,
    delete_cohort,
    get_cohort,
    get_member,
    import_into_cohort,
    import_into_programme,
    invite_member,
    invite_members,
    list_cohorts,
    list_members,
    my_memberships,
    read_upload,
    remove_member,
    run_import,
    update_cohort,
    update_member,
)
from badge_service.cohorts.api.schemas import (
    CohortIn,
    CohortOut,
    CohortPatch,
    ImportCohort,
    ImportOut,
    ImportProblem,
    ImportRow,
    ImportSummary,
    InviteIn,
    InviteOut,
    MemberCounts,
    MemberIn,
    MemberOut,
    MemberPatch,
    MembershipOut,
    cohort_out,
    member_out,
    membership_out,
)

__all__ = [
    "CSV_TYPES",
    "TAG",
    "CohortIn",
    "CohortOut",
    "CohortPatch",
    "ImportCohort",
    "ImportOut",
    "ImportProblem",
    "ImportRow",
    "ImportSummary",
    "InviteIn",
    "InviteOut",
    "MemberCounts",
    "MemberIn",
    "MemberOut",
    "MemberPatch",
    "MembershipOut",
    "add_member",
    "cohort_out",
    "create_cohort",
    "delete_cohort",
    "get_cohort",
    "get_member",
    "import_into_cohort",
    "import_into_programme",
    "invite_member",
    "invite_members",
    "list_cohorts",
    "list_members",
    "member_out",
    "membership_out",
    "my_memberships",
    "read_upload",
    "remove_member",
    "run_import",
    "update_cohort",
    "update_member",
]
