"""Cohorts and participants: create by hand, import CSV (preview, then all-or-nothing), invite.

Who may do what:

* manage a programme's cohorts and participants (create, edit, import, invite, remove):
  coordinators of the programme's organisation, trainers of the programme, administrators;
* see a cohort: those, and its participants — who see only their own membership.

Services take ``actor``; ``None`` means the command-line operator, who already has the database
and is trusted (``badge-service cohorts import``). Views always pass a logged-in user.

Accounts are global and keyed by email (compared without case): importing a person already
known — as a participant of another cohort, or a trainer — enrols that account; it never
creates a second one and never changes the account's own profile. Enrolment data (participant
code, names as enrolled, organisation, country, job role, language) lives on the membership.

Invitations: an email in French or English (per the participant's preferred language: ``fr``
→ French, ``en`` → English, any other language → English) with a one-time link
``/invitation/<token>`` valid :data:`INVITATION_LIFETIME`. Following it logs the participant in
and marks their invited memberships active. Re-sending invalidates the links sent before.

The package splits the service by reason to change: :mod:`.access` (who may do what),
:mod:`.queries` (reading), :mod:`.editing` (changes by hand), :mod:`.fields` and :mod:`.codes`
(cleaning participant fields), :mod:`.importing`, :mod:`.import_plan` and :mod:`.pending` (CSV
import), :mod:`.invitations`. Callers import the package: ``from badge_service.cohorts import
service as cohorts``.
"""

from __future__ import annotations

from badge_service.cohorts.service.access import (
    is_member,
)
from badge_service.cohorts.service.codes import (
    COUNTRIES,
    COUNTRY_HINTS,
    LANGUAGE_CODES,
    LANGUAGE_NAMES,
)
from badge_service.cohorts.service.editing import (
    add_member,
    create_cohort,
    delete_cohort,
    remove_member,
    update_cohort,
    update_member,
)
from badge_service.cohorts.service.fields import (
    LIMITS,
    MEMBER_FIELDS,
    NAME_FIELDS,
    clean_language,
    clean_member,
    message_language,
)
from badge_service.cohorts.service.import_plan import (
    ACTION_ADD,
    ACTION_CREATE,
    ACTION_ERROR,
    ACTION_UNCHANGED,
    ACTION_UPDATE,
    ACTIONS,
    CohortPlan,
    ImportFailed,
    ImportPlan,
    RowPlan,
)
from badge_service.cohorts.service.importing import (
    IMPORT_COLUMNS,
    MAX_IMPORT_ROWS,
    REQUIRED_COLUMNS,
    import_members,
    plan_import,
)
from badge_service.cohorts.service.invitations import (
    INVITATION_LIFETIME,
    INVITATION_TEXTS,
    accept_invitation,
    check_invitation,
    invitation_message,
    invitation_url,
    invite,
    members_to_invite,
)
from badge_service.cohorts.service.pending import (
    PENDING_IMPORT_LIFETIME,
    cancel_pending_import,
    confirm_pending_import,
    get_pending_import,
    store_pending_import,
)
from badge_service.cohorts.service.queries import (
    EXPORT_HEADER,
    cohorts_query,
    export_members_csv,
    find_programme,
    get_cohort,
    get_member,
    get_programme,
    managed_programmes,
    member_counts,
    members_query,
    memberships_of,
)

__all__ = [
    "ACTIONS",
    "ACTION_ADD",
    "ACTION_CREATE",
    "ACTION_ERROR",
    "ACTION_UNCHANGED",
    "ACTION_UPDATE",
    "COUNTRIES",
    "COUNTRY_HINTS",
    "EXPORT_HEADER",
    "IMPORT_COLUMNS",
    "INVITATION_LIFETIME",
    "INVITATION_TEXTS",
    "LANGUAGE_CODES",
    "LANGUAGE_NAMES",
    "LIMITS",
    "MAX_IMPORT_ROWS",
    "MEMBER_FIELDS",
    "NAME_FIELDS",
    "PENDING_IMPORT_LIFETIME",
    "REQUIRED_COLUMNS",
    "CohortPlan",
    "ImportFailed",
    "ImportPlan",
    "RowPlan",
    "accept_invitation",
    "add_member",
    "cancel_pending_import",
    "check_invitation",
    "clean_language",
    "clean_member",
    "cohorts_query",
    "confirm_pending_import",
    "create_cohort",
    "delete_cohort",
    "export_members_csv",
    "find_programme",
    "get_cohort",
    "get_member",
    "get_pending_import",
    "get_programme",
    "import_members",
    "invitation_message",
    "invitation_url",
    "invite",
    "is_member",
    "managed_programmes",
    "member_counts",
    "members_query",
    "members_to_invite",
    "memberships_of",
    "message_language",
    "plan_import",
    "remove_member",
    "store_pending_import",
    "update_cohort",
    "update_member",
]
