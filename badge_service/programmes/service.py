"""Programmes and their trainers.

Who may do what:

* create, update, delete a programme, assign trainers: coordinators of the programme's
  organisation (and administrators);
* read a programme: those, its trainers, the participants of its cohorts, and anyone a
  registered *reader* admits (see :func:`register_reader`);
* ``actor=None`` is the operator at the command line, who has the database anyway.

Trainer accounts: a coordinator assigning a trainer by an email that has no account creates
the account (no password) and an invitation leaves when the transaction commits, in the
trainer's language, with a one-time link valid :data:`TRAINER_INVITATION_LIFETIME` to choose a
password (see :func:`assign_trainer`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from badge_service.accounts.models import ROLE_COORDINATOR, OrganisationRole, User
from badge_service.accounts.service import users as accounts
from badge_service.adapters import mail
from badge_service.cohorts.models import Cohort, CohortMember
from badge_service.db import db
from badge_service.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from badge_service.formats import names
from badge_service.organisations.models import Organisation
from badge_service.programmes.models import ROLE_TRAINER, Programme, ProgrammeRole

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
LANGUAGES = ("fr", "en")
#: Like cohort invitations: long enough for someone who reads their mail once a week.
TRAINER_INVITATION_LIFETIME = timedelta(days=14)
TITLE_MAX = 500
DESCRIPTION_MAX = 20_000

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


# --- reading ---------------------------------------------------------------------------------


def get(session: Session, programme_id: uuid.UUID) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"no programme {programme_id}")
    return programme


def _readable_ids(user: User) -> Select:
    coordinated = select(Programme.id).join(
        OrganisationRole, OrganisationRole.organisation_id == Programme.organisation_id).where(
        OrganisationRole.user_id == user.id, OrganisationRole.role == ROLE_COORDINATOR)
    trained = select(ProgrammeRole.programme_id).where(ProgrammeRole.user_id == user.id)
    enrolled = select(Cohort.programme_id).join(
        CohortMember, CohortMember.cohort_id == Cohort.id).where(CohortMember.user_id == user.id)
    return union(coordinated, trained, enrolled, *(reader(user) for reader in _READERS))


def visible_to(user: User, organisation_id: uuid.UUID | None = None) -> Select:
    """Query of the programmes ``user`` may read, by title."""
    query = select(Programme).order_by(Programme.title, Programme.id)
    if not user.is_administrator:
        query = query.where(Programme.id.in_(select(_readable_ids(user).subquery().c[0])))
    if organisation_id is not None:
        query = query.where(Programme.organisation_id == organisation_id)
    return query


def is_trainer(session: Session, user: User, programme: Programme) -> bool:
    return session.scalar(select(ProgrammeRole.id).where(
        ProgrammeRole.user_id == user.id, ProgrammeRole.programme_id == programme.id,
        ProgrammeRole.role == ROLE_TRAINER)) is not None


def can_manage(session: Session, user: User | None, programme: Programme) -> bool:
    return user is None or accounts.is_coordinator(session, user, programme.organisation_id)


def is_participant(session: Session, user: User, programme: Programme) -> bool:
    return session.scalar(select(CohortMember.id).join(
        Cohort, CohortMember.cohort_id == Cohort.id).where(
        CohortMember.user_id == user.id, Cohort.programme_id == programme.id).limit(1)) is not None


def can_read(session: Session, user: User | None, programme: Programme) -> bool:
    if user is None:
        return True
    if (can_manage(session, user, programme) or is_trainer(session, user, programme)
            or is_participant(session, user, programme)):
        return True
    for reader in _READERS:
        ids = reader(user).subquery()
        if session.scalar(select(ids.c[0]).where(ids.c[0] == programme.id).limit(1)):
            return True
    return False


def require_manage(session: Session, user: User | None, programme: Programme) -> None:
    if not can_manage(session, user, programme):
        raise Forbidden("only a coordinator of the programme's organisation can do this")


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
        query = query.where(Organisation.id.in_(accounts.coordinated_organisation_ids(
            session, user)))
    return list(session.scalars(query))


def trainers_query(programme: Programme) -> Select:
    return select(User).join(ProgrammeRole, ProgrammeRole.user_id == User.id).where(
        ProgrammeRole.programme_id == programme.id, ProgrammeRole.role == ROLE_TRAINER
    ).order_by(User.display_name, User.email, User.id)


def trainers(session: Session, programme: Programme) -> list[User]:
    return list(session.scalars(trainers_query(programme)))


def text_of(texts: dict[str, Any] | None, language: str | None = None) -> str:
    """The text in ``language``, else French, else English, else ''."""
    texts = texts or {}
    for tag in (language, "fr", "en"):
        if tag and texts.get(tag):
            return str(texts[tag])
    return next((str(v) for v in texts.values() if v), "")


# --- validation ------------------------------------------------------------------------------


def clean_i18n(value: Any, field: str, errors: list[FieldError], *, max_length: int,
               required: bool = False, name: bool = False) -> dict[str, str]:
    """{"fr": …, "en": …} with blank entries dropped; errors for other languages, non-strings,
    over-long texts, and (``required``) when no language has text. With ``name`` (titles the
    badge and certificate print) each text follows the shared name rule (formats.names:
    NFC, one line, nothing invisible)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        errors.append(FieldError("must be an object with 'fr' and/or 'en' texts", field=field))
        return {}
    out: dict[str, str] = {}
    for tag, text in value.items():
        if tag not in LANGUAGES:
            errors.append(FieldError(f"unsupported language {tag!r} (use 'fr' or 'en')",
                                     field=f"{field}.{tag}"))
            continue
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(FieldError("must be a string", field=f"{field}.{tag}"))
            continue
        if name:
            text, problem = names.check_name(text, max_length=max_length)
            if problem:
                errors.append(FieldError(problem, field=f"{field}.{tag}"))
                continue
        text = text.strip()
        if len(text) > max_length:
            errors.append(FieldError(f"longer than {max_length} characters",
                                     field=f"{field}.{tag}"))
        elif text:
            out[tag] = text
    if required and not out and not any(e.field and e.field.startswith(field) for e in errors):
        errors.append(FieldError("is required in French or English (or both)", field=field))
    return out


def _check(session: Session, data: dict[str, Any], organisation_id: uuid.UUID,
           programme: Programme | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    known = {"slug", "title", "description"}
    for key in data:
        if key not in known:
            errors.append(FieldError("unknown field", field=key))
    out: dict[str, Any] = {}
    if "slug" in data or programme is None:
        slug = data.get("slug")
        slug = slug.strip() if isinstance(slug, str) else slug
        if not isinstance(slug, str) or not SLUG.match(slug):
            errors.append(FieldError("lower-case letters, digits and hyphens, 1–64 characters",
                                     field="slug"))
        else:
            out["slug"] = slug
            taken = session.scalar(select(Programme.id).where(
                Programme.organisation_id == organisation_id, Programme.slug == slug))
            if taken is not None and (programme is None or taken != programme.id):
                raise Conflict(f"the slug {slug!r} is already used by another programme of this "
                               "organisation", [FieldError("already used", field="slug")])
    if "title" in data or programme is None:
        out["title"] = clean_i18n(data.get("title"), "title", errors, max_length=TITLE_MAX,
                                  required=True, name=True)
    if "description" in data:
        out["description"] = clean_i18n(data.get("description"), "description", errors,
                                        max_length=DESCRIPTION_MAX)
    if errors:
        raise ValidationFailed("the programme is not valid", errors)
    return out


def _apply(programme: Programme, values: dict[str, Any]) -> None:
    if "slug" in values:
        programme.slug = values["slug"]
    if "title" in values:
        programme.title_i18n = values["title"]
        programme.title = text_of(values["title"])
    if "description" in values:
        programme.description_i18n = values["description"]


# --- writing ---------------------------------------------------------------------------------


def create(session: Session, actor: User | None, organisation_id: uuid.UUID,
           data: dict[str, Any], *,
           now: datetime) -> Programme:
    """``data``: slug, title {fr, en}, description {fr, en}."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationFailed("the organisation does not exist",
                               [FieldError("no such organisation", field="organisation_id")])
    if actor is not None:
        accounts.require_coordinator(session, actor, organisation.id)
    values = _check(session, data, organisation.id, None)
    programme = Programme(organisation_id=organisation.id, created_at=now, title="",
                          title_i18n={}, description_i18n={})
    _apply(programme, values)
    session.add(programme)
    session.flush()
    return programme


def update(session: Session, actor: User | None, programme: Programme, data: dict[str, Any], *,
           now: datetime) -> Programme:
    require_manage(session, actor, programme)
    values = _check(session, data, programme.organisation_id, programme)
    _apply(programme, values)
    programme.updated_at = now
    session.flush()
    return programme


def dependants(session: Session, programme: Programme) -> dict[str, int]:
    """Rows of other tables that belong to the programme (achievements, cohorts, …), by table.

    Found generically from the schema: every table with a foreign key to ``programme.id``
    except the trainer assignments, so a table added later (cohorts) is guarded too.
    """
    counts: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("programme", "programme_role"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "programme" and fk.column.name == "id":
                count = session.scalar(select(func.count()).select_from(table).where(
                    fk.parent == programme.id))
                if count:
                    counts[table.name] = counts.get(table.name, 0) + count
    return counts


def delete(session: Session, actor: User | None, programme: Programme) -> None:
    """Delete an empty programme; 409 while it has achievements, cohorts or other data."""
    require_manage(session, actor, programme)
    found = dependants(session, programme)
    if found:
        listed = ", ".join(f"{count} {table.replace('_', ' ')}{'s' if count > 1 else ''}"
                           for table, count in sorted(found.items()))
        raise Conflict(f"the programme still has {listed}; delete them first",
                       [FieldError(f"{count} remaining", field=table)
                        for table, count in sorted(found.items())])
    session.delete(programme)
    session.flush()


def add_trainer(session: Session, actor: User | None, programme: Programme, user: User) -> bool:
    """Make ``user`` a trainer of the programme; False when they already were."""
    require_manage(session, actor, programme)
    if not user.is_active:
        raise ValidationFailed("this account is disabled",
                               [FieldError("account disabled", field="user_id")])
    if is_trainer(session, user, programme):
        return False
    session.add(ProgrammeRole(user_id=user.id, programme_id=programme.id, role=ROLE_TRAINER))
    session.flush()
    return True


def remove_trainer(session: Session, actor: User | None, programme: Programme, user: User) -> None:
    require_manage(session, actor, programme)
    role = session.scalar(select(ProgrammeRole).where(
        ProgrammeRole.user_id == user.id, ProgrammeRole.programme_id == programme.id,
        ProgrammeRole.role == ROLE_TRAINER))
    if role is None:
        raise NotFound(f"{user.email} is not a trainer of this programme")
    session.delete(role)
    session.flush()


# --- trainer accounts and invitations -------------------------------------------------------

TRAINER_INVITATION_TEXTS = {
    "fr": {
        "subject": "Vous êtes formateur·rice du programme « {programme} »",
        "body": (
            "{greeting}\n\n"
            "{organisation} vous a ajouté·e comme formateur·rice du programme « {programme} » "
            "sur son service de badges numériques (Open Badges) : vous pourrez y évaluer les "
            "participant·es et leur attribuer des badges.\n\n"
            "Un compte a été créé pour l'adresse {email}. Ouvrez ce lien pour choisir votre "
            "mot de passe ; vous serez ensuite connecté·e :\n\n"
            "{link}\n\n"
            "Ce lien est personnel : il ne fonctionne qu'une fois et reste valable {days} "
            "jours. Ensuite, utilisez « Mot de passe oublié » ou demandez un lien de "
            "connexion depuis la page « Se connecter ».\n\n"
            "Si vous ne vous attendiez pas à ce message, ignorez-le simplement.\n\n"
            "— {organisation}\n"
        ),
        "greeting": "Bonjour {name},",
        "anonymous": "Bonjour,",
    },
    "en": {
        "subject": "You are a trainer of the programme \"{programme}\"",
        "body": (
            "{greeting}\n\n"
            "{organisation} has made you a trainer of the programme \"{programme}\" on its "
            "digital badge service (Open Badges): there you will assess participants and award "
            "their badges.\n\n"
            "An account was created for {email}. Open this link to choose your password; you "
            "will then be logged in:\n\n"
            "{link}\n\n"
            "This link is personal: it works once and stays valid for {days} days. After "
            "that, use \"Forgot your password?\" or ask for a login link on the \"Log in\" "
            "page.\n\n"
            "If you were not expecting this message, simply ignore it.\n\n"
            "— {organisation}\n"
        ),
        "greeting": "Hello {name},",
        "anonymous": "Hello,",
    },
}


@dataclass(frozen=True)
class TrainerAssignment:
    user: User
    #: The account did not exist: it was created, and an invitation is queued.
    created: bool
    #: The user was not a trainer of the programme before.
    granted: bool


def trainer_invitation_message(user: User, programme: Programme,
                               link: str) -> tuple[str, str, str]:
    """``(language, subject, body)`` of the invitation, in the trainer's language."""
    language = user.preferred_language if user.preferred_language in LANGUAGES else "en"
    texts = TRAINER_INVITATION_TEXTS[language]
    organisation = programme.organisation
    # Without a name given, the display name is the address: "Hello a@b.org," reads badly.
    named = user.display_name and user.display_name != user.email
    fields = {
        "greeting": (texts["greeting"].format(name=user.display_name) if named
                     else texts["anonymous"]),
        "programme": text_of(programme.title_i18n, language) or programme.title,
        "organisation": (organisation.name_i18n or {}).get(language) or organisation.name,
        "email": user.email,
        "link": link,
        "days": TRAINER_INVITATION_LIFETIME.days,
    }
    return language, texts["subject"].format(**fields), texts["body"].format(**fields)


def assign_trainer(session: Session, actor: User | None, programme: Programme, *, email: str,
                   now: datetime, invitation_link: Callable[[str], str],
                   display_name: str | None = None, preferred_language: str | None = None,
                   default_language: str = "fr") -> TrainerAssignment:
    """Make the owner of ``email`` a trainer of the programme, creating their account if
    there is none.

    A new account has no password: the trainer gets an email (after commit) with
    ``invitation_link(token)``, a one-time link to choose one. ``display_name`` and
    ``preferred_language`` (default ``default_language``) are used only for a new account: a
    coordinator does not rename or re-configure somebody's existing account. An existing
    account is just granted the role; nothing is sent.
    """
    # Authorisation first: someone who may not assign learns nothing about which addresses
    # have accounts, nor gets their input validated.
    require_manage(session, actor, programme)
    errors: list[FieldError] = []
    try:
        address = accounts.normalise_email(email)
    except ValidationFailed as exc:
        errors += exc.errors
        address = ""
    language = preferred_language or default_language
    if language not in LANGUAGES:
        errors.append(FieldError(f"must be one of {', '.join(LANGUAGES)}",
                                 field="preferred_language"))
    if errors:
        raise ValidationFailed("the trainer is not valid", errors)
    user = accounts.find_user_by_email(session, address)
    if user is not None:
        if not user.is_active:
            raise ValidationFailed("this account is disabled",
                                   [FieldError("is a disabled account", field="email")])
        return TrainerAssignment(user, False, add_trainer(session, actor, programme, user))
    user = accounts.create_user(session, email=address, display_name=display_name,
                                password=None, now=now, preferred_language=language)
    add_trainer(session, actor, programme, user)
    token = accounts.issue_email_token(session, user, accounts.PURPOSE_TRAINER_INVITATION,
                                       now=now, lifetime=TRAINER_INVITATION_LIFETIME)
    _language, subject, body = trainer_invitation_message(user, programme,
                                                          invitation_link(token))
    named = user.display_name if user.display_name != user.email else None
    mail.send(user.email, subject, body, display_name=named)
    return TrainerAssignment(user, True, True)


def check_trainer_invitation(session: Session, token: str, *, now: datetime) -> User:
    """The trainer a valid invitation link belongs to (the link is not spent)."""
    return accounts.check_email_token(session, token, accounts.PURPOSE_TRAINER_INVITATION,
                                      now=now)


def accept_trainer_invitation(session: Session, token: str, password: str, confirm: str, *,
                              now: datetime) -> User:
    """Spend the invitation link to choose the first password; the trainer, logged in."""
    user = accounts.set_password_with_token(session, token, accounts.PURPOSE_TRAINER_INVITATION,
                                            password, confirm, now=now)
    user.last_login_at = now
    return user
