"""All models, imported here so metadata (and Alembic) sees every table."""

from .accounts import ApiToken, EmailToken, OrganisationRole, User
from .organisations import Organisation

__all__ = ["ApiToken", "EmailToken", "Organisation", "OrganisationRole", "User"]
