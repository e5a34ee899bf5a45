"""The emails that carry account links (one-time login, password reset), in French or English.

Written in the account's preferred language, like invitations: a locked-out person reading a
message in a language they do not read would not find the link they asked for.
"""

from __future__ import annotations

from badge_service.accounts.models import User
from badge_service.accounts.service.users import (
    PURPOSE_LOGIN_LINK,
    PURPOSE_PASSWORD_RESET,
)
from badge_service.locale import choose_language

_COMMON = {
    "fr": {
        "greeting": "Bonjour {name},",
        "anonymous": "Bonjour,",
        "footer": ("Ce lien ne fonctionne qu'une fois, pendant {minutes} minutes. "
                   "Si vous ne l'avez pas demandé, ignorez ce message."),
    },
    "en": {
        "greeting": "Hello {name},",
        "anonymous": "Hello,",
        "footer": ("This link works once, for {minutes} minutes. "
                   "If you did not ask for it, ignore this message."),
    },
}

LINK_TEXTS = {
    PURPOSE_LOGIN_LINK: {
        "fr": {"subject": "Votre lien de connexion — badge_service",
               "intro": "Ouvrez ce lien pour vous connecter :"},
        "en": {"subject": "Your login link — badge_service",
               "intro": "Open this link to log in:"},
    },
    PURPOSE_PASSWORD_RESET: {
        "fr": {"subject": "Choisissez un nouveau mot de passe — badge_service",
               "intro": "Ouvrez ce lien pour choisir un nouveau mot de passe :"},
        "en": {"subject": "Reset your password — badge_service",
               "intro": "Open this link to choose a new password:"},
    },
}


def link_message(user: User, purpose: str, link: str, minutes: int) -> tuple[str, str, str]:
    """``(language, subject, body)`` of the message carrying ``link`` to ``user``."""
    language = choose_language(preferred=user.preferred_language, fallback="en")
    common, texts = _COMMON[language], LINK_TEXTS[purpose][language]
    # Without a name given, the display name is the address: "Hello a@b.org," reads badly.
    named = user.display_name and user.display_name != user.email
    greeting = (common["greeting"].format(name=user.display_name) if named
                else common["anonymous"])
    body = (f"{greeting}\n\n{texts['intro']}\n\n{link}\n\n"
            f"{common['footer'].format(minutes=minutes)}\n")
    return language, texts["subject"], body
