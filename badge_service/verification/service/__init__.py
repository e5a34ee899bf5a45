"""Verification for everyone: credential URLs, uploaded files, pasted documents → verdicts.

:func:`verify_any` takes what an employer has (one or more credential URLs, files: JSON, VC-JWT,
baked PNG/SVG, our PDF certificate; a QR code on a certificate encodes our public URL, so it is a
URL too) and returns one :class:`CredentialReport` per credential: a plain-language verdict and
every check explained in French or English, never a stack trace.

One module per reason to change: :mod:`.inputs` (what was asked, loading URLs and files),
:mod:`.local` (our own documents), :mod:`.reports` (the report's data), :mod:`.summary` (what a
credential says), :mod:`.verifying` (verdicts: what is fetched where, and how our
database refines them), :mod:`.texts` (the French and English words).
This package re-exports their public names, so ``from badge_service.verification import
service`` is the one import callers need.
"""

from badge_service.locale import LANGUAGES
from badge_service.verification.service.inputs import (
    MAX_FILES,
    MAX_JWT_BYTES,
    MAX_URL_LENGTH,
    MAX_URLS,
    VC_ACCEPT,
    Input,
    check_counts,
    sniff,
    urls_from_text,
    with_accept,
)
from badge_service.verification.service.local import Fetcher, LocalDocuments, LocalFirstFetcher
from badge_service.verification.service.reports import (
    CheckReport,
    CredentialReport,
    ProblemReport,
    Summary,
    VerificationFailed,
)
from badge_service.verification.service.texts import (
    ALL_VERDICTS,
    CHECK_TITLES,
    EMAIL_NO,
    EMAIL_UNKNOWN,
    EMAIL_UNTRUSTED,
    EMAIL_YES,
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    PRESENTATION_VALID,
    PROBLEM_TEXTS,
    RECIPIENT_NOTE,
    SKIPPED,
    STATUS_REASONS,
    UNAVAILABLE,
    VERDICT_LABELS,
    VERDICT_TEXTS,
    check_title,
    explain_problem,
    problem_slugs,
    verdict_label,
    verdict_text,
)
from badge_service.verification.service.verifying import report_for, verify_any, verify_document

# What LocalDocuments.fetch raises; callers catching it have always imported it from here.
from credentials.errors import FetchError

__all__ = [
    "ALL_VERDICTS",
    "CHECK_TITLES",
    "EMAIL_NO",
    "EMAIL_UNKNOWN",
    "EMAIL_UNTRUSTED",
    "EMAIL_YES",
    "FAILED",
    "LANGUAGES",
    "MAX_FILES",
    "MAX_JWT_BYTES",
    "MAX_URLS",
    "MAX_URL_LENGTH",
    "NOT_APPLICABLE",
    "PASSED",
    "PRESENTATION_VALID",
    "PROBLEM_TEXTS",
    "RECIPIENT_NOTE",
    "SKIPPED",
    "STATUS_REASONS",
    "UNAVAILABLE",
    "VC_ACCEPT",
    "VERDICT_LABELS",
    "VERDICT_TEXTS",
    "CheckReport",
    "CredentialReport",
    "FetchError",
    "Fetcher",
    "Input",
    "LocalDocuments",
    "LocalFirstFetcher",
    "ProblemReport",
    "Summary",
    "VerificationFailed",
    "check_counts",
    "check_title",
    "explain_problem",
    "problem_slugs",
    "report_for",
    "sniff",
    "urls_from_text",
    "verdict_label",
    "verdict_text",
    "verify_any",
    "verify_document",
    "with_accept",
]
