"""A programme's trainers: assigning and removing them, and a new trainer's account invitation.

Trainer accounts: a coordinator assigning a trainer by an email that has no account creates
the account (no password) and an invitation leaves when the transaction commits, in the
trainer's language, with a one-time link valid :data:`TRAINER_INVITATION_LIFETIME` to choose a
password (see :func:`assign_trainer`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service import policy
from badge_service.accounts.models import User
from badge_service.accounts.service import users as accounts
from badge_service.adapters import mail
from badge_service.errors import FieldError, NotFound, ValidationFailed
from badge_service.locale import LANGUAGES, choose_language
from badge_service.programmes.models import ROLE_TRAINER, Programme, ProgrammeRole
from badge_service.programmes.service.texts import text_of

#: Like cohort invitations: long enough for someone who reads their mail once a week.
TRAINER_INVITATION_LIFETIME = timedelta(days=14)


def add_trainer(session: Session, actor: User | None, programme: Programme, user: User) -> bool:
    """Make ``user`` a trainer of the programme; False when they already were."""
    policy.require_coordinate_programme(session, actor, programme)
    if not user.is_active:
        raise ValidationFailed("this account is disabled",
                               [FieldError("account disabled", field="user_id")])
    if policy.is_trainer(session, user, programme):
        return False
    session.add(ProgrammeRole(user_id=user.id, programme_id=programme.id, role=ROLE_TRAINER))
    session.flush()
    return True


def remove_trainer(session: Session, actor: User | None, programme: Programme, user: User) -> None:
    policy.require_coordinate_programme(session, actor, programme)
    role = session.scalar(select(ProgrammeRole).where(
        ProgrammeRole.user_id == user.id, ProgrammeRole.programme_id == programme.id,
        ProgrammeRole.role == ROLE_TRAINER))
    if role is None:
        raise NotFound(f"{user.email} is not a trainer of this programme")
    session.delete(role)
    session.flush()


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
    language = choose_language(preferred=user.preferred_language, fallback="en")
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
    policy.require_coordinate_programme(session, actor, programme)
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
