"""Delivering issued credentials: what the public page shows, downloads, baked images, sharing.

Everything the page *certifies* (achievement name, description, criteria, competences, level,
issuer, dates) is read from the signed document as issued, not from today's definitions — an
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
* The badge image is the one the document names (``achievement.image``, a content-addressed
  upload of ours), so baked images match what was signed even if the achievement's image is
  replaced later. Without one, a default badge is drawn from the achievement name (SVG and
  PNG). Every credential has both baked forms: a PNG picture is also wrapped in an SVG; an SVG
  picture cannot be rasterised (no SVG renderer among our dependencies), so its baked PNG —
  and its link-preview PNG — is the default drawn badge instead (PNG-only backpacks still get
  the credential; the SVG download keeps the achievement's own drawing).
* The VC-JWT form is the one stored at issue time. For credentials issued before that was
  stored, it is signed on demand only while the signing key is still the organisation's active
  key: retired keys never sign anything new, so afterwards the answer is a clear 409.
"""

from __future__ import annotations

import base64
import colorsys
import re
import struct
import textwrap
import unicodedata
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from badge_service.accounts.models import User
from badge_service.adapters import uploads
from badge_service.adapters.keyring import Keyring
from badge_service.awards.models import STATE_REVOKED, STATE_SUSPENDED, IssuedCredential
from badge_service.awards.service.issuing import credential_url
from badge_service.delivery.service import signed_texts
from badge_service.errors import Conflict, NotFound
from badge_service.frameworks.models import FrameworkItem
from badge_service.programmes.service import text_of
from credentials import baking
from credentials.errors import CredentialsError
from credentials.jwt import sign_jwt
from credentials.verify import parse_datetime

LANGUAGES = ("fr", "en")
LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"

STATUS_VALID = "valid"
STATUS_SUSPENDED = "suspended"
STATUS_REVOKED = "revoked"
STATUS_EXPIRED = "expired"
STATUS_NOT_YET_VALID = "not-yet-valid"

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
# Characters XML 1.0 cannot carry at all (the default badge is XML).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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


# --- language and dates ----------------------------------------------------------------------


def choose_language(requested: str | None, accepted: str | None, default: str | None) -> str:
    """``?lang=`` if supported, else the browser's preference, else the credential's."""
    for tag in (requested, accepted, default):
        if tag:
            tag = tag.split("-")[0].lower()
            if tag in LANGUAGES:
                return tag
    return "fr"


def format_date(moment: datetime | None, language: str) -> str:
    if moment is None:
        return ""
    months = MONTHS.get(language, MONTHS["en"])
    if language == "en":
        return f"{moment.day} {months[moment.month - 1]} {moment.year}"
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {months[moment.month - 1]} {moment.year}"


# --- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisplayStatus:
    """The live status of a credential, as people and the API see it."""

    code: str  # valid | suspended | revoked | expired | not-yet-valid
    since: datetime | None = None

    @property
    def is_valid(self) -> bool:
        return self.code == STATUS_VALID

    def label(self, language: str) -> str:
        return LABELS[language][self.code]

    def explanation(self, language: str) -> str:
        return LABELS[language][f"{self.code}_text"].format(
            date=format_date(self.since, language))


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored datetime is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def display_status(credential: IssuedCredential, now: datetime) -> DisplayStatus:
    """Revoked, then suspended (the issuer's acts win), then expired or not yet valid."""
    if credential.state == STATE_REVOKED:
        return DisplayStatus(STATUS_REVOKED, _aware(credential.state_changed_at))
    if credential.state == STATE_SUSPENDED:
        return DisplayStatus(STATUS_SUSPENDED, _aware(credential.state_changed_at))
    valid_until = _aware(credential.valid_until)
    if valid_until is not None and now >= valid_until:
        return DisplayStatus(STATUS_EXPIRED, valid_until)
    valid_from = _aware(credential.valid_from)
    if valid_from is not None and now < valid_from:
        return DisplayStatus(STATUS_NOT_YET_VALID, valid_from)
    return DisplayStatus(STATUS_VALID, valid_from)


# --- the recipient ---------------------------------------------------------------------------


def public_recipient_name(user: User) -> str | None:
    """The name to show publicly: never an email address (see the module docstring)."""
    name = (user.display_name or "").strip()
    if name and not _EMAIL.search(name):
        return name
    parts = " ".join(p.strip() for p in (user.given_name, user.family_name) if p and p.strip())
    if parts and not _EMAIL.search(parts):
        return parts
    return None


# --- what the page shows ---------------------------------------------------------------------


def _text(value: Any) -> str:
    """A text property of the document: a string (or, defensively, a language map)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return text_of(value)
    return ""


@dataclass(frozen=True)
class Competence:
    code: str | None
    #: As signed (the achievement's main language).
    name: str
    framework: str | None
    url: str | None
    #: The issuer's translations into the page's language: not part of the signed credential.
    name_translation: str | None = None
    framework_translation: str | None = None

    @property
    def shown_name(self) -> str:
        return self.name_translation or self.name

    @property
    def shown_framework(self) -> str | None:
        return self.framework_translation or self.framework


@dataclass(frozen=True)
class Level:
    code: str | None
    #: As signed (the achievement's rubric, main language).
    name: str
    #: The issuer's translation: not part of the signed credential.
    translation: str | None = None


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


def _achievement_document(credential: IssuedCredential) -> dict[str, Any]:
    return signed_texts.achievement_of(credential.document)


def achievement_name(credential: IssuedCredential, language: str | None = None) -> str:
    """The achievement's name as the credential states it, in ``language`` when it has that
    edition."""
    return signed_texts.edition(credential.document, language)[0]


def _issuer_name(credential: IssuedCredential) -> str:
    return signed_texts.issuer_name(credential.document)


def _competences(credential: IssuedCredential, language: str,
                 public_base_url: str) -> list[Competence]:
    translations = signed_texts.alignment_translations(credential, language, public_base_url)
    return [Competence(a.code, a.name, a.framework, a.url,
                       translations.names.get(a.url or ""),
                       translations.frameworks.get(a.url or ""))
            for a in signed_texts.alignments(credential.document)]


def _level(session: Session, credential: IssuedCredential, language: str,
           public_base_url: str) -> Level | None:
    signed = signed_texts.achieved_level(credential.document)
    if signed is None:
        return None
    item = (session.get(FrameworkItem, credential.level_item_id)
            if credential.level_item_id is not None else None)
    return Level(signed.code, signed.name, signed_texts.level_translation(
        credential, signed, language, public_base_url, item))


def _evidence(document: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for entry in document.get("evidence") or []:
        if not isinstance(entry, dict):
            continue
        url = entry.get("id") if isinstance(entry.get("id"), str) else ""
        # Only web links become links on the page; anything else is shown as text.
        out.append({"narrative": _text(entry.get("narrative")),
                    "url": url if url.startswith(("https://", "http://")) else "",
                    "name": _text(entry.get("name"))})
    return out


def credential_page(session: Session, credential: IssuedCredential, *, language: str,
                    now: datetime, public_base_url: str, upload_dir: str) -> CredentialPage:
    document = credential.document
    achievement = _achievement_document(credential)
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
    # Signed dates; the row holds the same moments, kept only for a document without them.
    issued_at = (parse_datetime(document.get("awardedDate"))
                 or parse_datetime(document.get("validFrom"))
                 or _aware(credential.issued_at))
    return CredentialPage(
        id=credential.id,
        url=credential_url(public_base_url, credential.id),
        language=language,
        achievement_name=name,
        achievement_type=_text(achievement.get("achievementType")) or "Achievement",
        achievement_code=_text(achievement.get("humanCode")) or None,
        achievement_url=achievement.get("id") if isinstance(achievement.get("id"), str)
        else None,
        description=description,
        criteria=signed_texts.criteria(document),
        competences=_competences(credential, language, public_base_url),
        level=_level(session, credential, language, public_base_url),
        issuer_name=_issuer_name(credential),
        issuer_url=issuer_url if issuer_url and issuer_url.startswith(("https://", "http://"))
        else None,
        issuer_id=_text(issuer.get("id")),
        recipient_name=public_recipient_name(credential.recipient),
        issued_at=issued_at,
        valid_until=parse_datetime(document.get("validUntil")),
        status=display_status(credential, now),
        image_path=image_path,
        image_url=image_url,
        image_type=uploads.CONTENT_TYPES["png"],
        baked_kinds=image.baked_kinds,
        evidence=_evidence(document),
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


# --- files -----------------------------------------------------------------------------------


def download_filename(name: str, extension: str, fallback: str = "credential") -> str:
    """An ASCII file name derived from ``name``: letters, digits and dashes only (no path, no
    quotes, nothing a header or a file system could misread)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:60].strip("-")
    return f"{slug or fallback}.{extension}"


def default_badge_svg(name: str, subtitle: str | None = None, *, seed: str = "") -> bytes:
    """A plain round badge with the achievement name (escaped, wrapped, shortened)."""
    name = _XML_INVALID.sub("", " ".join(name.split())) or "Badge"
    subtitle = _XML_INVALID.sub("", " ".join((subtitle or "").split()))
    lines = textwrap.wrap(name, width=18, break_long_words=True) or ["Badge"]
    if len(lines) > 4:
        lines = lines[:4]
        lines[-1] = lines[-1][:16].rstrip() + "…"
    size = 30 if len(lines) <= 2 else 26
    step = size + 6
    top = 200 - (len(lines) - 1) * step / 2 + size / 3
    # A colour of its own per achievement, dark enough for white text.
    hue = (zlib.crc32(seed.encode("utf-8")) % 360) / 360
    fill = "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hls_to_rgb(hue, 0.32, 0.55))
    spans = "".join(
        f'<tspan x="200" y="{top + index * step:.0f}">{escape(line)}</tspan>'
        for index, line in enumerate(lines))
    sub = ""
    if subtitle:
        short = subtitle if len(subtitle) <= 32 else subtitle[:31].rstrip() + "…"
        sub = (f'<text x="200" y="330" text-anchor="middle" font-family="sans-serif" '
               f'font-size="16" fill="#ffffff">{escape(short)}</text>')
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" '
        f'viewBox="0 0 400 400" role="img" aria-label={quoteattr(name)}>'
        f"<title>{escape(name)}</title>"
        f'<circle cx="200" cy="200" r="196" fill={quoteattr(fill)}/>'
        '<circle cx="200" cy="200" r="176" fill="none" stroke="#ffffff" stroke-width="5" '
        'stroke-opacity="0.6"/>'
        f'<text text-anchor="middle" font-family="sans-serif" font-size="{size}" '
        f'font-weight="700" fill="#ffffff">{spans}</text>'
        f"{sub}</svg>\n"
    )
    return svg.encode("utf-8")


_BADGE_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _badge_font(size: int) -> Any:
    from PIL import ImageFont

    for path in _BADGE_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def default_badge_png(name: str, subtitle: str | None = None, *, seed: str = "") -> bytes:
    """The default badge as a PNG (the same design as :func:`default_badge_svg`): link
    previews (LinkedIn, Facebook) ignore SVG, and a PNG can carry a baked credential too."""
    import io

    from PIL import Image, ImageDraw

    name = _XML_INVALID.sub("", " ".join(name.split())) or "Badge"
    lines = textwrap.wrap(name, width=18, break_long_words=True) or ["Badge"]
    if len(lines) > 4:
        lines = lines[:4]
        lines[-1] = lines[-1][:16].rstrip() + "…"
    hue = (zlib.crc32(seed.encode("utf-8")) % 360) / 360
    fill = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.32, 0.55))
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 396, 396), fill=fill)
    draw.ellipse((24, 24, 376, 376), outline=(255, 255, 255, 160), width=5)
    font = _badge_font(30 if len(lines) <= 2 else 26)
    step = font.size + 6
    top = 200 - (len(lines) - 1) * step / 2
    for index, line in enumerate(lines):
        draw.text((200, top + index * step), line, font=font, fill="white", anchor="mm")
    if subtitle:
        subtitle = " ".join(subtitle.split())
        short = subtitle if len(subtitle) <= 32 else subtitle[:31].rstrip() + "…"
        draw.text((200, 325), short, font=_badge_font(16), fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class BadgeSource:
    """The image a credential's badge is drawn from."""

    data: bytes
    kind: str  # "png" | "svg"
    #: The stored upload it came from; None for the generated default.
    upload_name: str | None

    @property
    def baked_kinds(self) -> tuple[str, ...]:
        # Always both: see the module docstring for what each is drawn from.
        return ("png", "svg")

    @property
    def png_upload(self) -> bool:
        """Whether the PNG forms show the uploaded picture itself (else the default badge)."""
        return self.upload_name is not None and self.kind == "png"


def badge_source(credential: IssuedCredential, *, public_base_url: str,
                 upload_dir: str | Path) -> BadgeSource:
    """The image the signed document names (one of our uploads), else the default badge."""
    achievement = _achievement_document(credential)
    image = achievement.get("image")
    image_id = image.get("id") if isinstance(image, dict) else image
    prefix = f"{public_base_url}/uploads/"
    if isinstance(image_id, str) and image_id.startswith(prefix):
        name = image_id[len(prefix):]
        path = uploads.path_of(upload_dir, name)
        if path is not None:
            return BadgeSource(path.read_bytes(), name.rsplit(".", 1)[1], name)
    return BadgeSource(default_badge_svg(achievement_name(credential), _issuer_name(credential),
                                         seed=str(credential.achievement_id)), "svg", None)


def default_badge_png_for(credential: IssuedCredential) -> bytes:
    return default_badge_png(achievement_name(credential), _issuer_name(credential),
                             seed=str(credential.achievement_id))


def _svg_around_png(png: bytes, title: str) -> bytes:
    """An SVG showing ``png`` (embedded as a data: image) at its own size."""
    width, height = struct.unpack(">II", png[16:24])  # IHDR: checked when it was uploaded
    title = _XML_INVALID.sub("", title)
    data = base64.b64encode(png).decode("ascii")
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<image width="{width}" height="{height}" href="data:image/png;base64,{data}"/>'
        "</svg>\n"
    )
    return svg.encode("utf-8")


def baked_badge(credential: IssuedCredential, kind: str, *, public_base_url: str,
                upload_dir: str | Path) -> bytes:
    """The badge image with the signed credential baked in, as ``kind`` ("png" or "svg")."""
    source = badge_source(credential, public_base_url=public_base_url, upload_dir=upload_dir)
    if kind not in source.baked_kinds:
        raise NotFound(f"no baked {kind} form")
    if kind == "png":
        picture = source.data if source.png_upload else default_badge_png_for(credential)
        return baking.bake_png(picture, credential.document)
    svg = (source.data if source.kind == "svg"
           else _svg_around_png(source.data, achievement_name(credential)))
    return baking.bake_svg(svg, credential.document)


def unsigned_document(credential: IssuedCredential) -> dict[str, Any]:
    return {k: v for k, v in credential.document.items() if k != "proof"}


def credential_jwt(credential: IssuedCredential, keyring: Keyring) -> str:
    """The credential's VC-JWT form (see the module docstring for keys)."""
    if credential.jwt:
        return credential.jwt
    identity = keyring.identity(credential.organisation)
    if identity.verification_method != credential.verification_method:
        raise Conflict(
            "the JWT form of this credential is not available: it was signed with the key "
            f"{credential.verification_method}, which the issuer has since retired, and "
            "retired keys never sign anything new. The signed JSON (credential.json) and the "
            "baked badge images still verify.")
    try:
        return sign_jwt(unsigned_document(credential), identity.key,
                        kid=identity.verification_method)
    except CredentialsError as exc:
        raise Conflict(f"the JWT form of this credential cannot be made: {exc.detail}") from None


# --- the participant's own list -------------------------------------------------------------


def credentials_of(user: User) -> Select:
    """The user's credentials, newest first (every state: the list says which)."""
    return (select(IssuedCredential).where(IssuedCredential.recipient_id == user.id)
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id))
