"""What a verification answers: one :class:`CredentialReport` per credential, plain data.

A plain-language verdict and every check explained in French or English, never a stack trace;
``to_dict`` gives what the page and ``/api/v1/verify`` show (``verification/api.py`` describes
the same fields for the OpenAPI document from these classes).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from badge_service.errors import ServiceError
from badge_service.verification.service.texts import check_title, explain_problem, verdict_text
from credentials.verify import VerificationResult


class VerificationFailed(ServiceError):
    """A credential or presentation did not verify; ``errors`` and ``checks`` say why."""

    status = 400
    problem = "verification-failed"
    title = "The credential did not verify"


class _Data:
    """Report parts are plain data: ``to_dict`` is every field (nested dataclasses too)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CheckReport(_Data):
    name: str
    title: str
    passed: bool | None
    detail: str
    explanation: str


@dataclass(frozen=True)
class ProblemReport(_Data):
    type: str
    check: str
    detail: str
    explanation: str


@dataclass(frozen=True)
class Summary(_Data):
    credential_id: str | None = None
    issuer: str | None = None
    issuer_id: str | None = None
    achievement: str | None = None
    recipient: str | None = None
    issued: str | None = None
    expires: str | None = None
    #: Says that ``recipient`` is the issuer's record, not part of the signed credential.
    recipient_note: str | None = None


@dataclass
class CredentialReport:
    source: str
    verdict: str
    verified: bool
    headline: str
    format: str = "unknown"
    checks: list[CheckReport] = field(default_factory=list)
    errors: list[ProblemReport] = field(default_factory=list)
    warnings: list[ProblemReport] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    #: Ours: issued by this service (the database state refined the verdict).
    ours: bool = False
    #: The answer to "was it issued to this email?": True, False, or None (cannot tell).
    email_match: bool | None = None
    email_note: str | None = None
    #: The library's result, for callers that need the raw checks (VC-API).
    result: VerificationResult | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "verdict": self.verdict,
            "verified": self.verified,
            "headline": self.headline,
            "format": self.format,
            "checks": [c.to_dict() for c in self.checks],
            "errors": [e.to_dict() for e in self.errors],
            "warnings": [w.to_dict() for w in self.warnings],
            "summary": self.summary.to_dict(),
            "issued_by_this_service": self.ours,
            "email_match": self.email_match,
            "email_note": self.email_note,
        }


def failure(source: str, verdict: str, check: str, problem: str, detail: str,
            language: str) -> CredentialReport:
    """A report for what could not be verified at all: one failed check says why."""
    explanation = explain_problem(problem, language)
    return CredentialReport(
        source=source, verdict=verdict, verified=False,
        headline=verdict_text(verdict, language),
        checks=[CheckReport(check, check_title(check, language), False, detail, explanation)],
        errors=[ProblemReport(problem, check, detail, explanation)])
