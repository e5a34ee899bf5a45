"""All models, imported here so metadata (and Alembic) sees every table."""

from .accounts import ApiToken, EmailToken, LoginFailure, OrganisationRole, User
from .achievements import Achievement, AchievementAlignment, AchievementRequirement
from .cohorts import Cohort, CohortMember, PendingImport
from .frameworks import Framework, FrameworkAssociation, FrameworkItem, FrameworkVersion
from .issued import IssuedCredential
from .organisations import Organisation
from .programmes import Programme, ProgrammeRole
from .status import StatusEntry, StatusList

__all__ = [
    "Achievement",
    "AchievementAlignment",
    "AchievementRequirement",
    "ApiToken",
    "Cohort",
    "CohortMember",
    "EmailToken",
    "Framework",
    "FrameworkAssociation",
    "FrameworkItem",
    "FrameworkVersion",
    "IssuedCredential",
    "LoginFailure",
    "Organisation",
    "OrganisationRole",
    "PendingImport",
    "Programme",
    "ProgrammeRole",
    "StatusEntry",
    "StatusList",
    "User",
]
