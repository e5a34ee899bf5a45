"""The plain data of a certificate (what it shows, already in its language) and the printed
labels of both languages: what callers fill in, and the only texts the renderer adds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Competence:
    name: str
    code: str | None = None
    framework: str | None = None
    #: The level reached for this competence, when a result says so.
    level: str | None = None


@dataclass(frozen=True)
class Signatory:
    name: str
    #: "trainer" (who awarded it) or "issuer" (the organisation).
    role: str


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate shows, already in its language (``fr`` or ``en``)."""

    language: str
    participant: str
    achievement: str
    organisation: str
    issued: datetime
    #: The credential's id, which is also its public page (the QR code's target).
    credential_id: str
    #: The signed credential, embedded as ``credential.json``.
    credential: dict[str, Any]
    description: str | None = None
    achievement_code: str | None = None
    valid_until: datetime | None = None
    competences: tuple[Competence, ...] = ()
    #: The overall level reached (a result not tied to one competence).
    level: str | None = None
    signatories: tuple[Signatory, ...] = ()
    #: "active", "suspended" or "revoked": the last two print a watermark.
    state: str = "active"
    #: Short id printed in the footer (defaults to the last segment of ``credential_id``).
    reference: str | None = None
    #: Where the QR code points, when not the credential's id.
    public_url: str | None = None
    #: The language the competence and level texts were signed in, when not ``language``
    #: (their heading then says so).
    signed_language: str | None = None
    #: The participant's (and trainer's) names are the issuer's records, not in the signed
    #: credential (it identifies the holder by a hash of their email): the footer says so.
    names_unsigned: bool = False

    @property
    def url(self) -> str:
        return self.public_url or self.credential_id


LABELS = {
    "fr": {
        "title": "Certificat de réussite",
        "certifies": "Ce certificat atteste que",
        "earned": "a obtenu le badge",
        "competences": "Compétences certifiées",
        "code": "Code",
        "competence": "Compétence",
        "level": "Niveau atteint",
        "more": "… et {n} autre(s) compétence(s) : voir la page publique",
        "issued": "Délivré le",
        "valid_until": "Valable jusqu’au",
        "no_expiry": "Sans date d’expiration",
        "trainer": "Formateur ou formatrice",
        "issuer": "Organisme émetteur",
        "verify": "Vérifier l’authenticité",
        "reference": "Identifiant du justificatif",
        "embedded": "Ce PDF contient le justificatif Open Badges 3.0 signé (credential.json).",
        "names_unsigned": "Ce PDF contient le justificatif Open Badges 3.0 signé "
                          "(credential.json) ; les noms du titulaire et du formateur sont fournis "
                          "par l’émetteur, hors justificatif signé.",
        "holder_unsigned": "Ce PDF contient le justificatif Open Badges 3.0 signé "
                           "(credential.json) ; le nom du titulaire est fourni par l’émetteur, "
                           "hors justificatif signé.",
        "as_signed": "{label} (texte signé, en {language})",
        "languages": {"fr": "français", "en": "anglais"},
        "revoked": "RÉVOQUÉ",
        "suspended": "SUSPENDU",
        "subject": "Certificat Open Badges",
        "holder": "Titulaire du badge",
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                   "septembre", "octobre", "novembre", "décembre"],
    },
    "en": {
        "title": "Certificate of achievement",
        "certifies": "This is to certify that",
        "earned": "has earned the badge",
        "competences": "Certified competences",
        "code": "Code",
        "competence": "Competence",
        "level": "Level reached",
        "more": "… and {n} more competence(s): see the public page",
        "issued": "Issued on",
        "valid_until": "Valid until",
        "no_expiry": "Does not expire",
        "trainer": "Trainer",
        "issuer": "Issuing organisation",
        "verify": "Verify authenticity",
        "reference": "Credential ID",
        "embedded": "This PDF contains the signed Open Badges 3.0 credential (credential.json).",
        "names_unsigned": "This PDF contains the signed Open Badges 3.0 credential "
                          "(credential.json); the holder’s and trainer’s names are supplied by "
                          "the issuer, not part of the signed credential.",
        "holder_unsigned": "This PDF contains the signed Open Badges 3.0 credential "
                           "(credential.json); the holder’s name is supplied by the issuer, not "
                           "part of the signed credential.",
        "as_signed": "{label} (as signed, in {language})",
        "languages": {"fr": "French", "en": "English"},
        "revoked": "REVOKED",
        "suspended": "SUSPENDED",
        "subject": "Open Badges certificate",
        "holder": "Badge holder",
        "months": ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"],
    },
}


def format_date(value: datetime, language: str) -> str:
    month = LABELS[language]["months"][value.month - 1]
    if language == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year}"
    return f"{value.day} {month} {value.year}"
