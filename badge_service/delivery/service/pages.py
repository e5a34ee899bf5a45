"""Delivering issued credentials: what the public page shows, downloads, baked images, sharing.

Everything the page *certifies* (achievement name, description, criteria, competences, level,
issuer, dates) is read from the signed document as issued (services.view, which the PDF
certificate and the employer report read too), not from today's definitions — an
achievement edited later must not change what an old credential says. The other language's
name and description come from the document's ``related`` editions (signed too); criteria,
competence, level and issuer names are signed in the main language only, and the page may add
the issuer's translation (services.signed_texts), which it marks as not part of the signed
credential, with the signed text beside it or one click away. Two things the page shows are
not in the document at all, and it says so: the holder's name (the document identifies the
holder by a salted hash of their email) and the *status*, which is live: it comes from the
credential's row (revoked, suspended) and the clock (expired, not yet valid), so the page
changes the moment a trainer acts.

Decisions:

* The reason for a suspension or revocation is never shown publicly: reasons are written for the
  record ("enquête en cours", a name, a disciplinary matter) and may be personal. The page says
  *that* the credential is suspended or revoked and since when; the trainers' pages show why.
* The recipient is shown by display name only — never the email, and never a display name that
  is (or contains) an email address (accounts created without a name default to their email):
  given and family names are used instead, or nothing.
* The badge image and the downloadable forms (baked PNG and SVG, VC-JWT) are
  services.downloads; the default badge drawing is formats.badge_image.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.adapters import uploads
from badge_service.awards.models import IssuedCredential
from badge_service.awards.service.issuing import credential_url
from badge_service.delivery.service import signed_texts, view

# The downloads, the default badge and the pages' words used to live here: they stay
# importable from this module for its callers.
from badge_service.delivery.service.downloads import (
    BadgeSource,
    badge_source,
    baked_badge,
    credential_jwt,
    default_badge_png_for,
    download_filename,
    unsigned_document,
)
from badge_service.delivery.service.labels import (
    LABELS,
    LANGUAGE_NAMES,
    MONTHS,
    format_date,
)
from badge_service.delivery.service.signed_texts import achievement_name
from badge_service.delivery.service.view import (
    STATUS_EXPIRED,
    STATUS_NOT_YET_VALID,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
    STATUS_VALID,
    Competence,
    DisplayStatus,
    Level,
    display_status,
    public_recipient_name,
)
from badge_service.formats.badge_image import default_badge_png, default_badge_svg
from badge_service.locale import LANGUAGES, choose_language

__all__ = [
    "LABELS", "LANGUAGES", "LANGUAGE_NAMES", "LINKEDIN_ADD_URL", "MONTHS", "STATUS_EXPIRED",
    "STATUS_NOT_YET_VALID", "STATUS_REVOKED", "STATUS_SUSPENDED", "STATUS_VALID", "BadgeSource",
    "Competence", "CredentialPage", "DisplayStatus", "Level", "achievement_name",
    "badge_source", "baked_badge", "choose_language", "credential_jwt", "credential_page",
    "credentials_of", "default_badge_png", "default_badge_png_for", "default_badge_svg",
    "display_status", "download_filename", "format_date", "linkedin_url", "linkedin_url_for",
    "og_description", "public_recipient_name", "unsigned_document", "verify_link",
]

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"

# --- what the page shows ---------------------------------------------------------------------


@dataclass
class CredentialPage:
    """Everything the public credential page shows, in one language."""

    id: uuid.UUID
    url: str
    language: str
    achievement_name: str
    achievement_type: str
    achievement_code: str | None
    achievement_url: str | None
    description: str
    criteria: str
    competences: list[Competence]
    level: Level | None
    issuer_name: str
    issuer_url: str | None
    issuer_id: str
    recipient_name: str | None
    issued_at: datetime
    valid_until: datetime | None
    status: DisplayStatus
    image_path: str  # same-site path, for the page (the CSP allows images from 'self' only)
    image_url: str  # absolute, for link previews
    image_type: str
    #: The baked image formats offered: ("png", "svg") for a PNG picture, ("svg",) else.
    baked_kinds: tuple[str, ...]
    evidence: list[dict[str, str]] = field(default_factory=list)
    #: The language of the texts signed in one language only (criteria, competences, level).
    signed_language: str | None = None
    #: The issuer's translations (unsigned; see services.signed_texts).
    criteria_translation: str | None = None
    issuer_name_translation: str | None = None

    @property
    def labels(self) -> dict[str, str]:
        return LABELS[self.language]

    @property
    def competences_translated(self) -> bool:
        return any(c.name_translation or c.framework_translation for c in self.competences)

    @property
    def signed_language_name(self) -> str:
        tag = self.signed_language or ""
        return LANGUAGE_NAMES[self.language].get(tag, tag)


def credential_page(session: Session, credential: IssuedCredential, *, language: str,
                    now: datetime, public_base_url: str, upload_dir: str) -> CredentialPage:
    document = credential.document
    achievement = signed_texts.achievement_of(document)
    name, description = signed_texts.edition(document, language)
    issuer = signed_texts.issuer_of(document)
    image = badge_source(credential, public_base_url=public_base_url, upload_dir=upload_dir)
    image_path = (f"/uploads/{image.upload_name}" if image.upload_name
                  else f"/credentials/{credential.id}/image.svg")
    if image.png_upload and image.upload_name:
        image_url = uploads.public_url(public_base_url, image.upload_name)
    else:
        # Link previews ignore SVG: they get a PNG (the default badge, drawn as PNG).
        image_url = f"{public_base_url}/credentials/{credential.id}/image.png"
    issuer_url = issuer.get("url") if isinstance(issuer.get("url"), str) else None
    issued_at = view.issued_at(document, view.aware(credential.issued_at))
    return CredentialPage(
        id=credential.id,
        url=credential_url(public_base_url, credential.id),
        language=language,
        achievement_name=name,
        achievement_type=view.text(achievement.get("achievementType")) or "Achievement",
        achievement_code=view.text(achievement.get("humanCode")) or None,
        achievement_url=achievement.get("id") if isinstance(achievement.get("id"), str)
        else None,
        description=description,
        criteria=signed_texts.criteria(document),
        competences=view.competences(credential, language, public_base_url),
        level=view.level(session, credential, language, public_base_url),
        issuer_name=signed_texts.issuer_name(document),
        issuer_url=issuer_url if issuer_url and issuer_url.startswith(("https://", "http://"))
        else None,
        issuer_id=view.text(issuer.get("id")),
        recipient_name=public_recipient_name(credential.recipient),
        issued_at=issued_at,
        valid_until=view.valid_until(document),
        status=display_status(credential, now),
        image_path=image_path,
        image_url=image_url,
        image_type=uploads.CONTENT_TYPES["png"],
        baked_kinds=image.baked_kinds,
        evidence=view.evidence(document),
        signed_language=signed_texts.main_language(document),
        criteria_translation=signed_texts.criteria_translation(credential, language),
        issuer_name_translation=signed_texts.issuer_name_translation(credential, language),
    )


def og_description(page: CredentialPage) -> str:
    labels = page.labels
    if page.recipient_name:
        return labels["og_description"].format(achievement=page.achievement_name,
                                               recipient=page.recipient_name,
                                               issuer=page.issuer_name)
    return labels["og_description_anonymous"].format(achievement=page.achievement_name,
                                                     issuer=page.issuer_name)


def verify_link(credential_public_url: str) -> str:
    """The employer verification page, checking this credential's URL."""
    return "/verify?" + urlencode({"url": credential_public_url})


# --- sharing ---------------------------------------------------------------------------------


def linkedin_url(*, name: str, organisation_name: str, issued_at: datetime,
                 valid_until: datetime | None, credential_url: str, credential_id: str,
                 organisation_id: str | None = None) -> str:
    """LinkedIn's "Add to profile" link for a certification, with its fields filled.

    ``organisation_id`` is the issuer's LinkedIn company page id, when known: LinkedIn then
    links the certification to that page instead of showing the name alone.
    """
    params: list[tuple[str, str]] = [("startTask", "CERTIFICATION_NAME"), ("name", name)]
    if organisation_id:
        params.append(("organizationId", organisation_id))
    else:
        params.append(("organizationName", organisation_name))
    params += [("issueYear", str(issued_at.year)), ("issueMonth", str(issued_at.month))]
    if valid_until is not None:
        params += [("expirationYear", str(valid_until.year)),
                   ("expirationMonth", str(valid_until.month))]
    params += [("certUrl", credential_url), ("certId", credential_id)]
    return f"{LINKEDIN_ADD_URL}?{urlencode(params)}"


def linkedin_url_for(page: CredentialPage) -> str:
    return linkedin_url(name=page.achievement_name, organisation_name=page.issuer_name,
                        issued_at=page.issued_at, valid_until=page.valid_until,
                        credential_url=page.url, credential_id=str(page.id))


# --- the participant's own list -------------------------------------------------------------


def credentials_of(user: User) -> Select:
    """The user's credentials, newest first (every state: the list says which)."""
    return (select(IssuedCredential).where(IssuedCredential.recipient_id == user.id)
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id))
