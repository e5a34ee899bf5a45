"""The public pages' words: their languages, interface texts and dates.

Kept apart from the page data so that a wording or a translation changes here alone; the
status explanations, the trainers' pages and the key pages write dates with the same
:func:`format_date`.
"""

from __future__ import annotations

from datetime import datetime

MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}

#: Interface texts of the public pages, per language.
LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "colon": "\u00a0:", "awarded_to": "Décerné à", "issued_by": "Émis par",
        "issued_on": "Délivré le",
        "valid_until": "Valable jusqu'au", "no_expiry": "Sans date d'expiration",
        "criteria": "Critères", "competences": "Compétences", "level": "Niveau atteint",
        "evidence": "Preuves", "issuer": "Émetteur", "issuer_id": "Identifiant (DID)",
        "status": "Statut", "verify": "Vérifier ce badge",
        "verify_hint": "Un employeur peut vérifier la signature et le statut, sans compte.",
        "share": "Partager", "public_link": "Lien public", "copy_link": "Copier le lien",
        "copied": "Lien copié", "linkedin": "Ajouter à mon profil LinkedIn",
        "downloads": "Télécharger", "json": "Badge signé (JSON)", "jwt": "Badge signé (JWT)",
        "png": "Image du badge, badge signé intégré (PNG)",
        "svg": "Image du badge, badge signé intégré (SVG)",
        "pdf": "Certificat imprimable (PDF)",
        "identifier": "Identifiant", "name_hidden": "(nom non communiqué)",
        "my_credentials": "Mes badges", "type": "Type",
        "about": "En savoir plus sur ce badge",
        "valid": "Valide", "suspended": "Suspendu", "revoked": "Révoqué",
        "expired": "Expiré", "not-yet-valid": "Pas encore valide",
        "valid_text": "Ce badge est valide : l'émetteur ne l'a ni suspendu ni révoqué.",
        "suspended_text": "L'émetteur a suspendu ce badge le {date}. Il peut être rétabli.",
        "revoked_text": "L'émetteur a révoqué ce badge le {date}. Il n'est plus valide.",
        "expired_text": "Ce badge a expiré le {date}.",
        "not-yet-valid_text": "Ce badge ne sera valide qu'à partir du {date}.",
        "og_description": "{achievement} — décerné à {recipient} par {issuer}.",
        "og_description_anonymous": "{achievement} — décerné par {issuer}.",
        "unsigned_translation": "Traduction fournie par l'émetteur, hors badge signé",
        "signed_text": "Texte signé ({language})",
        "signed_name": "nom signé",
        "recipient_note": "Nom du titulaire fourni par l'émetteur, hors badge signé : le badge "
                          "signé identifie son titulaire par l'empreinte de son adresse e-mail.",
    },
    "en": {
        "colon": ":", "awarded_to": "Awarded to", "issued_by": "Issued by",
        "issued_on": "Issued on",
        "valid_until": "Valid until", "no_expiry": "Does not expire",
        "criteria": "Criteria", "competences": "Competences", "level": "Level reached",
        "evidence": "Evidence", "issuer": "Issuer", "issuer_id": "Identifier (DID)",
        "status": "Status", "verify": "Verify this credential",
        "verify_hint": "Employers can check its signature and status, without an account.",
        "share": "Share", "public_link": "Public link", "copy_link": "Copy link",
        "copied": "Link copied", "linkedin": "Add to my LinkedIn profile",
        "downloads": "Download", "json": "Signed credential (JSON)",
        "jwt": "Signed credential (JWT)", "png": "Badge image with the credential inside (PNG)",
        "svg": "Badge image with the credential inside (SVG)",
        "pdf": "Printable certificate (PDF)",
        "identifier": "Identifier", "name_hidden": "(name not shared)",
        "my_credentials": "My credentials", "type": "Type",
        "about": "About this achievement",
        "valid": "Valid", "suspended": "Suspended", "revoked": "Revoked",
        "expired": "Expired", "not-yet-valid": "Not yet valid",
        "valid_text": "This credential is valid: its issuer has neither suspended nor revoked "
                      "it.",
        "suspended_text": "The issuer suspended this credential on {date}. It may be "
                          "reinstated.",
        "revoked_text": "The issuer revoked this credential on {date}. It is no longer valid.",
        "expired_text": "This credential expired on {date}.",
        "not-yet-valid_text": "This credential is valid only from {date}.",
        "og_description": "{achievement} — awarded to {recipient} by {issuer}.",
        "og_description_anonymous": "{achievement} — awarded by {issuer}.",
        "unsigned_translation": "Translation supplied by the issuer, not part of the signed "
                                "credential",
        "signed_text": "Signed text ({language})",
        "signed_name": "signed name",
        "recipient_note": "Holder's name supplied by the issuer, not part of the signed "
                          "credential: the signed credential identifies its holder by a hash "
                          "of their email address.",
    },
}

#: Names of the languages texts may be signed in, in each page language.
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "fr": {"fr": "français", "en": "anglais"},
    "en": {"fr": "French", "en": "English"},
}


def format_date(moment: datetime | None, language: str) -> str:
    if moment is None:
        return ""
    months = MONTHS.get(language, MONTHS["en"])
    if language == "en":
        return f"{moment.day} {months[moment.month - 1]} {moment.year}"
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {months[moment.month - 1]} {moment.year}"
