"""All models, imported here so metadata (and Alembic) sees every table."""

from badge_service.accounts.models import ApiToken, EmailToken, LoginFailure, OrganisationRole, User
from badge_service.achievements.models import (
    Achievement,
    AchievementAlignment,
    AchievementRequirement,
)
from badge_service.audit.models import AuditEntry
from badge_service.awards.models import IssuedCredential
from badge_service.cohorts.models import Cohort, CohortMember, PendingImport
from badge_service.frameworks.models import (
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
)
from badge_service.organisations.models import Organisation
from badge_service.portfolios.models import PortfolioItem, PortfolioItemVersion, PortfolioTag
from badge_service.programmes.models import Programme, ProgrammeRole
from badge_service.status.models import StatusEntry, StatusList

__all__ = [
    "Achievement",
    "AchievementAlignment",
    "AchievementRequirement",
    "ApiToken",
    "AuditEntry",
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
    "PortfolioItem",
    "PortfolioItemVersion",
    "PortfolioTag",
    "Programme",
    "ProgrammeRole",
    "StatusEntry",
    "StatusList",
    "User",
]
