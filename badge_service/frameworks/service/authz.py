"""Who may import and edit which frameworks (administrators: shared ones; coordinators: their
organisation's; ``actor=None``: the operator at the command line)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.accounts.models import OrganisationRole, User
from badge_service.accounts.service import users as accounts
from badge_service.errors import Forbidden
from badge_service.frameworks.models import Framework


def can_import(session: Session, actor: User | None, organisation_id: uuid.UUID | None) -> bool:
    if actor is None:
        return True
    if organisation_id is None:
        return actor.is_administrator
    return accounts.is_coordinator(session, actor, organisation_id)


def can_edit(session: Session, actor: User | None, framework: Framework) -> bool:
    return can_import(session, actor, framework.organisation_id)


def _require(session: Session, actor: User | None, organisation_id: uuid.UUID | None) -> None:
    if can_import(session, actor, organisation_id):
        return
    if organisation_id is None:
        raise Forbidden("only an administrator can import or edit a framework shared by every "
                        "organisation")
    raise Forbidden("only a coordinator of the framework's organisation can import or edit it")


def require_edit(session: Session, actor: User | None, framework: Framework) -> None:
    _require(session, actor, framework.organisation_id)


def may_import_any(session: Session, actor: User | None) -> bool:
    """Whether the user may import at all (administrator, or coordinator of something)."""
    if actor is None or actor.is_administrator:
        return True
    return session.scalar(select(OrganisationRole.id).where(
        OrganisationRole.user_id == actor.id).limit(1)) is not None
