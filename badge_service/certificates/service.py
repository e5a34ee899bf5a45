"""Printable PDF certificates of issued credentials: the loader from an
:class:`~badge_service.awards.models.IssuedCredential` to the plain data the renderer
(:mod:`badge_service.formats.certificate_pdf`) draws, and the reading of an uploaded PDF's
embedded credential for the verification page.

``certificate_data(credential, language, public_base_url)`` is the thin loader;
``certificate_pdf(...)`` renders it (``render_certificate``, a pure function of plain data to
PDF bytes, with the signed credential attached as ``credential.json`` by
:func:`credentials.baking.bake_pdf`); ``extract_credential(pdf_bytes)`` reads the embedded
credential back (:func:`credentials.baking.unbake_pdf`), its errors as the service's
:class:`CertificateFileError`. The renderer's names stay importable from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats.certificate_pdf import (
    CHAINS,
    LABELS,
    LANGUAGES,
    CertificateData,
    CertificateUnavailable,
    Competence,
    Signatory,
    TextStyle,
    check_fonts,
    clean,
    fit,
    format_date,
    markup,
    qr_matrix,
    render_certificate,
    runs,
    visual,
)
from badge_service.formats.certificate_pdf.text import _covers
from credentials import baking
from credentials.baking import (
    ATTACHMENT_MEDIA_TYPE,
    ATTACHMENT_NAME,
    MAX_CREDENTIAL_BYTES,
    MAX_PDF_BYTES,
)
from credentials.errors import CredentialsError

# Re-exported: the renderer's names, as callers and tests knew them here.
__all__ = [
    "ATTACHMENT_MEDIA_TYPE", "ATTACHMENT_NAME", "CHAINS", "LABELS", "LANGUAGES",
    "MAX_CREDENTIAL_BYTES", "MAX_PDF_BYTES", "CertificateData", "CertificateFileError",
    "CertificateUnavailable", "Competence", "Signatory", "TextStyle", "_covers",
    "certificate_data", "certificate_pdf", "check_fonts", "clean", "competences_of",
    "extract_credential", "fit", "format_date", "markup", "qr_matrix", "render_certificate",
    "runs", "visual",
]

if TYPE_CHECKING:
    from badge_service.awards.models import IssuedCredential


class CertificateFileError(ValidationFailed):
    """The file is not a PDF certificate with an embedded credential that can be read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, [FieldError(detail, field="file")])


# --- the embedded credential -----------------------------------------------------------------


def extract_credential(pdf_bytes: bytes, *, max_bytes: int = MAX_PDF_BYTES,
                       max_credential_bytes: int = MAX_CREDENTIAL_BYTES) -> dict[str, Any]:
    """The credential embedded in a PDF certificate (``credential.json``, or the one JSON
    attachment), as a dict — not verified: pass it to ``credentials.verify.verify``.

    Raises CertificateFileError (a ValidationFailed) with a plain message for anything else:
    too large, not a PDF, a malformed PDF, no or several candidate attachments, an attachment
    too large once decompressed, or one that is not a JSON object (the library's messages,
    written for people, are the service's)."""
    if not isinstance(pdf_bytes, bytes | bytearray):
        raise CertificateFileError("the certificate must be given as bytes")
    try:
        return baking.unbake_pdf(pdf_bytes, max_bytes=max_bytes,
                                 max_credential_bytes=max_credential_bytes)
    except CredentialsError as exc:
        raise CertificateFileError(exc.detail) from exc


# --- the loader from an issued credential ----------------------------------------------------


def competences_of(document: dict[str, Any], language: str) -> tuple[list[Competence],
                                                                        str | None]:
    """The competences (alignments, with levels from results tied to them) and the overall
    level reached (results tied to no alignment) of a credential (services.view)."""
    from badge_service.delivery.service import view

    reached, level = view.reached_competences(document, language)
    return [Competence(name=c.name, code=c.code, framework=c.framework, level=c.level)
            for c in reached], level


def certificate_data(credential: IssuedCredential, language: str,
                     public_base_url: str) -> CertificateData:
    """The plain data of an issued credential's certificate in ``language``.

    Every text comes from the signed credential, never from today's definitions: the
    achievement's name and description in ``language`` when it has that edition (``related``,
    signed), the competences, level and issuer's name as signed (in the achievement's main
    language, which the competences' heading then names). The names of the participant (the
    public one, never an email address) and of the trainer are not in the credential; the
    footer says they are the issuer's."""
    from badge_service.awards.service.issuing import credential_url
    from badge_service.delivery.service import signed_texts, view
    from badge_service.delivery.service.view import public_recipient_name

    if language not in LANGUAGES:
        raise ValidationFailed("unknown certificate language",
                               [FieldError("must be fr or en", field="lang")])
    document = credential.document
    achievement = signed_texts.achievement_of(document)
    name, description = signed_texts.edition(document, language)
    competences, level = competences_of(document, language)
    org_name = signed_texts.issuer_name(document)
    signatories = []
    if credential.awarded_by is not None:
        trainer = public_recipient_name(credential.awarded_by)
        if trainer:
            signatories.append(Signatory(trainer, "trainer"))
    if org_name:
        signatories.append(Signatory(org_name, "issuer"))
    participant = public_recipient_name(credential.recipient) or LABELS[language]["holder"]
    issued = view.issued_at(document, credential.issued_at)
    code = achievement.get("humanCode")
    return CertificateData(
        language=language,
        participant=participant,
        achievement=name,
        description=description or None,
        achievement_code=code if isinstance(code, str) else None,
        organisation=org_name,
        issued=issued,
        valid_until=view.valid_until(document),
        credential_id=document.get("id") or credential_url(public_base_url, credential.id),
        public_url=credential_url(public_base_url, credential.id),
        credential=document,
        competences=tuple(competences),
        level=level,
        signatories=tuple(signatories),
        state=credential.state,
        reference=str(credential.id),
        signed_language=signed_texts.main_language(document),
        names_unsigned=True,
    )


def certificate_pdf(credential: IssuedCredential, language: str,
                    public_base_url: str) -> bytes:
    return render_certificate(certificate_data(credential, language, public_base_url))

