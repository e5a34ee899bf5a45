"""Finding programmes, and who may read or manage one (see the package docstring)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import ROLE_COORDINATOR, OrganisationRole, User
from badge_service.db import get_or_not_found
from badge_service.errors import FieldError, NotFound
from badge_service.organisations.models import Organisation
from badge_service.programmes.models import ROLE_TRAINER, Programme, ProgrammeRole

#: Extra read access: functions (user) -> SELECT of programme ids the user may read.
Reader = Callable[[User], Select]
_READERS: list[Reader] = []


def register_reader(reader: Reader) -> Reader:
    """Let another module grant read access to programmes.

    ``reader(user)`` returns a SELECT of one column, the programme ids ``user`` may read.
    Usable as a decorator; registering the same function twice has no effect.
    """
    if reader not in _READERS:
        _READERS.append(reader)
    return reader


def get(session: Session, programme_id: uuid.UUID) -> Programme:
    return get_or_not_found(session, Programme, programme_id, "programme")


def _readable_ids(user: User) -> Select:
    coordinated = select(Programme.id).join(
        OrganisationRole, OrganisationRole.organisation_id == Programme.organisation_id).where(
        OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    trained = select(ProgrammeRole.programme_id).where(ProgrammeRole.user_id == user.id)
    # Participants of the programme's cohorts read it through the reader the cohorts register
    # (programmes must not know cohorts: they come after).
    return union(coordinated, trained, *(reader(user) for reader in _READERS))


def visible_to(user: User, organisation_id: uuid.UUID | None = None) -> Select:
    """Query of the programmes ``user`` may read, by title."""
    query = select(Programme).order_by(Programme.title, Programme.id)
    if not user.is_administrator:
        query = query.where(Programme.id.in_(select(_readable_ids(user).subquery().c[0])))
    if organisation_id is not None:
        query = query.where(Programme.organisation_id == organisation_id)
    return query


def can_read(session: Session, user: User | None, programme: Programme) -> bool:
    if user is None:
        return True
    if policy.may_manage_programme(session, user, programme):  # coordinators, trainers
        return True
    # Participants of its cohorts: through the reader the cohorts register.
    for reader in _READERS:
        ids = reader(user).subquery()
        if session.scalar(select(ids.c[0]).where(ids.c[0] == programme.id).limit(1)):
            return True
    return False


def require_read(session: Session, user: User, programme: Programme) -> None:
    if not can_read(session, user, programme):
        # Said as "not found": people outside a programme learn nothing about it.
        raise NotFound(f"no programme {programme.id}")


def get_readable(session: Session, user: User | None, programme_id: uuid.UUID) -> Programme:
    programme = get(session, programme_id)
    require_read(session, user, programme)
    return programme


def find(session: Session, reference: str) -> Programme:
    """A programme by id or by ``organisation-slug/programme-slug`` (command line)."""
    text = (reference or "").strip()
    try:
        return get(session, uuid.UUID(text))
    except ValueError:
        pass
    org_slug, _, slug = text.partition("/")
    programme = None if not text.isprintable() else session.scalar(select(Programme).join(
        Organisation, Organisation.id == Programme.organisation_id).where(
        Organisation.slug == org_slug, Programme.slug == slug))
    if programme is None:
        raise NotFound(f"no programme {text!r}: give its id or 'organisation-slug/"
                       "programme-slug'", [FieldError("no such programme", field="programme")])
    return programme


def manageable_organisations(session: Session, user: User) -> list[Organisation]:
    """Organisations in which ``user`` may create programmes."""
    query = select(Organisation).order_by(Organisation.name)
    if not user.is_administrator:
        query = query.where(Organisation.id.in_(policy.coordinated_organisation_ids(
            session, user)))
    return list(session.scalars(query))


def trainers_query(programme: Programme) -> Select:
    return select(User).join(ProgrammeRole, ProgrammeRole.user_id == User.id).where(
        ProgrammeRole.programme_id == programme.id, ProgrammeRole.role == ROLE_TRAINER
    ).order_by(User.display_name, User.email, User.id)


def trainers(session: Session, programme: Programme) -> list[User]:
    return list(session.scalars(trainers_query(programme)))
