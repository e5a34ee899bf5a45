"""The email telling a recipient they have been awarded a credential, in their language.

Sent by services.issuing once the whole request is issued (see there for when it is queued);
the link is the credential's public page, where anyone can check it.
"""

from __future__ import annotations

from datetime import datetime

from badge_service.accounts.models import User
from badge_service.achievements.models import Achievement
from badge_service.adapters import mail
from badge_service.awards.models import IssuedCredential
from badge_service.locale import choose_language


def notify_award(credential: IssuedCredential, recipient: User, achievement: Achievement, *,
                 url: str, now: datetime) -> None:
    language = choose_language(preferred=recipient.preferred_language)
    names = {"fr": achievement.name, **(achievement.name_i18n or {})}
    name = names.get(language) or achievement.name
    organisation = achievement.programme.organisation.name
    if language == "fr":
        subject = f"Vous avez obtenu : {name}"
        text = (f"Bonjour {recipient.display_name},\n\n{organisation} vous a décerné le badge "
                f"« {name} ».\n\nVotre badge signé, à partager ou imprimer :\n{url}\n\n"
                "Toute personne peut vérifier son authenticité à cette adresse, sans compte.")
    else:
        subject = f"You have earned: {name}"
        text = (f"Hello {recipient.display_name},\n\n{organisation} has awarded you "
                f"“{name}”.\n\nYour signed badge, to share or print:\n{url}\n\n"
                "Anyone can check that it is genuine at that address, without an account.")
    mail.send(recipient.email, subject, text, display_name=recipient.display_name)
    credential.notified_at = now
