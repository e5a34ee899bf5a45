"""Invitations: an email in French or English (per the participant's preferred language: ``fr``
→ French, ``en`` → English, any other language → English) with a one-time link
``/invitation/<token>`` valid :data:`INVITATION_LIFETIME`. Following it logs the participant in
and marks their invited memberships active. Re-sending invalidates the links sent before.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from badge_service import policy
from badge_service.accounts.models import EmailToken, User
from badge_service.accounts.service import users as accounts
from badge_service.adapters import mail
from badge_service.cohorts.models import (
    STATUS_ACTIVE,
    STATUS_INVITED,
    STATUS_WITHDRAWN,
    Cohort,
    CohortMember,
)
from badge_service.cohorts.service.fields import message_language
from badge_service.errors import FieldError, ValidationFailed
from badge_service.programmes import service as programmes

INVITATION_LIFETIME = timedelta(days=14)

INVITATION_TEXTS = {
    "fr": {
        "subject": "Invitation : {cohort} — {programme}",
        "body": (
            "Bonjour {given_name},\n\n"
            "{organisation} vous a inscrit·e dans la cohorte « {cohort} » du programme "
            "« {programme} ».\n\n"
            "Ouvrez ce lien pour accéder à votre espace participant, où vous retrouverez "
            "ensuite vos badges numériques (Open Badges) :\n\n"
            "{link}\n\n"
            "Ce lien est personnel : il ne fonctionne qu'une fois et reste valable {days} "
            "jours. Ensuite, vous pourrez demander un lien de connexion depuis la page "
            "« Se connecter ».\n\n"
            "Si vous ne vous attendiez pas à ce message, ignorez-le simplement.\n\n"
            "— {organisation}\n"
        ),
    },
    "en": {
        "subject": "Invitation: {cohort} — {programme}",
        "body": (
            "Hello {given_name},\n\n"
            "{organisation} has enrolled you in the cohort \"{cohort}\" of the programme "
            "\"{programme}\".\n\n"
            "Open this link to reach your participant space, where you will later find your "
            "digital badges (Open Badges):\n\n"
            "{link}\n\n"
            "This link is personal: it works once and stays valid for {days} days. After "
            "that, you can ask for a login link on the \"Log in\" page.\n\n"
            "If you were not expecting this message, simply ignore it.\n\n"
            "— {organisation}\n"
        ),
    },
}


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url}/invitation/{token}"


def invitation_message(member: CohortMember, link: str) -> tuple[str, str, str]:
    """``(language, subject, body)`` of the invitation of ``member``."""
    language = message_language(member.preferred_language)
    cohort = member.cohort
    programme = cohort.programme
    organisation = programme.organisation
    fields = {
        "given_name": member.given_name,
        "cohort": cohort.name,
        "programme": programmes.text_of(programme.title_i18n, language) or programme.title,
        "organisation": (organisation.name_i18n or {}).get(language) or organisation.name,
        "link": link,
        "days": INVITATION_LIFETIME.days,
    }
    texts = INVITATION_TEXTS[language]
    return language, texts["subject"].format(**fields), texts["body"].format(**fields)


def invite(session: Session, actor: User | None, members: Iterable[CohortMember], *,
           now: datetime, base_url: str) -> list[CohortMember]:
    """Send (or re-send) invitations; they leave when the transaction commits.

    Withdrawn members and disabled accounts are refused with one error each (nothing is sent
    when any member is refused). Earlier unused invitation links of the same people stop
    working, so only the latest email is valid.
    """
    members = list(members)
    errors: list[FieldError] = []
    allowed: set[uuid.UUID] = set()
    for member in members:
        if member.cohort.programme_id not in allowed:
            policy.require_manage_programme(session, actor, member.cohort.programme,
                                            policy.MANAGE_COHORTS)
            allowed.add(member.cohort.programme_id)
        if member.status == STATUS_WITHDRAWN:
            errors.append(FieldError(f"{member.user.email} has withdrawn from the cohort; "
                                     "set them back to invited first", field="member_ids"))
        elif not member.user.is_active:
            errors.append(FieldError(f"the account of {member.user.email} is disabled",
                                     field="member_ids"))
    if errors:
        raise ValidationFailed("some participants cannot be invited", errors)
    revoked: set[uuid.UUID] = set()
    for member in members:
        user = member.user
        if user.id not in revoked:
            session.execute(
                update(EmailToken).where(
                    EmailToken.user_id == user.id,
                    EmailToken.purpose == accounts.PURPOSE_INVITATION,
                    EmailToken.used_at.is_(None), EmailToken.expires_at > now)
                .values(expires_at=now).execution_options(synchronize_session=False))
            revoked.add(user.id)
        token = accounts.issue_email_token(session, user, accounts.PURPOSE_INVITATION, now=now,
                                           lifetime=INVITATION_LIFETIME)
        _language, subject, body = invitation_message(member,
                                                      invitation_url(base_url, token))
        mail.send(user.email, subject, body, display_name=member.full_name)
        member.invited_at = now
    session.flush()
    return members


def members_to_invite(session: Session, actor: User | None, cohort: Cohort, *,
                      scope: str = "not-invited") -> list[CohortMember]:
    """``not-invited``: invited status, never sent; ``pending``: every member who has not yet
    accepted (re-sends to those already invited)."""
    policy.require_manage_programme(session, actor, cohort.programme, policy.MANAGE_COHORTS)
    query = select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                       CohortMember.status == STATUS_INVITED)
    if scope == "not-invited":
        query = query.where(CohortMember.invited_at.is_(None))
    elif scope != "pending":
        raise ValidationFailed("unknown scope", [
            FieldError("must be 'not-invited' or 'pending'", field="scope")])
    return list(session.scalars(query.options(selectinload(CohortMember.user))))


def check_invitation(session: Session, token: str, *, now: datetime) -> User:
    return accounts.check_email_token(session, token, accounts.PURPOSE_INVITATION, now=now)


def accept_invitation(session: Session, token: str, *, now: datetime) -> User:
    """Spend the invitation token: the participant's invited memberships become active."""
    user = accounts.consume_email_token(session, token, accounts.PURPOSE_INVITATION, now=now)
    for member in session.scalars(select(CohortMember).where(
            CohortMember.user_id == user.id, CohortMember.status == STATUS_INVITED)):
        member.status = STATUS_ACTIVE
        member.joined_at = member.joined_at or now
    user.last_login_at = now
    session.flush()
    return user
