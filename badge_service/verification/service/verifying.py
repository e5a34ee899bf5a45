"""Verifying: inputs in, one :class:`CredentialReport` per credential out.

Remote documents (other issuers' credentials, did:web documents, HTTPS keys, status lists) come
through the guarded fetcher, ours through :class:`LocalDocuments`. For our credentials the
database also refines the verdict: revocation sets the same status bit as suspension (see
awards/models.py), and the state kept here says which it was, and why. A signature by a key an
organisation reported compromised counts only for a credential recorded here before then
(keys/service.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from badge_service.awards.models import STATE_REVOKED, STATE_SUSPENDED, IssuedCredential
from badge_service.keys.service import KEY_COMPROMISED
from badge_service.locale import choose_language
from badge_service.verification.service.inputs import (
    VC_ACCEPT,
    Input,
    Unreadable,
    load_file,
    load_url,
    sniff,
    with_accept,
)
from badge_service.verification.service.local import Fetcher, LocalDocuments, LocalFirstFetcher
from badge_service.verification.service.reports import (
    CheckReport,
    CredentialReport,
    ProblemReport,
    failure,
)
from badge_service.verification.service.summary import email_answer, summarise
from badge_service.verification.service.texts import (
    PRESENTATION_VALID,
    check_title,
    explain,
    explain_check,
    explain_problem,
    in_language,
    verdict_text,
)
from credentials.did import Resolver
from credentials.models import issuer_id
from credentials.verify import VERDICTS, VerificationResult, verify

log = logging.getLogger(__name__)


def verify_any(inputs: Iterable[Input], *, now: datetime, fetcher: Fetcher,
               local: LocalDocuments | None = None, email: str | None = None,
               language: str = "en", max_bytes: int = 5 * 1024 * 1024,
               recipient_names: bool = True) -> list[CredentialReport]:
    """Verify every input; one report per credential (a presentation gives one per credential
    it carries). Never raises on bad input: problems become reports."""
    language = choose_language(language, fallback="en")
    email = (email or "").strip() or None
    fetch = LocalFirstFetcher(local, fetcher)
    credential_fetch = LocalFirstFetcher(local, with_accept(fetcher, VC_ACCEPT))
    reports: list[CredentialReport] = []
    for item in inputs:
        try:
            reports.extend(_verify_input(item, now=now, fetch=fetch,
                                         credential_fetch=credential_fetch, local=local,
                                         email=email, language=language, max_bytes=max_bytes,
                                         recipient_names=recipient_names))
        except Exception:
            # A bug must not turn into a stack trace for an employer: one card says so.
            log.exception("verifying %s failed unexpectedly", item.source)
            reports.append(failure(item.source, "invalid", "verification", "verification-error",
                                   "the verification could not be completed", language))
    return reports


def _verify_input(item: Input, *, now: datetime, fetch: Fetcher, credential_fetch: Fetcher,
                  local: LocalDocuments | None, email: str | None, language: str,
                  max_bytes: int, recipient_names: bool) -> list[CredentialReport]:
    data: bytes | str | Mapping[str, Any] | Unreadable
    if item.kind == "url":
        data = load_url(item.source, credential_fetch, local)
    elif item.kind == "file":
        assert isinstance(item.content, bytes)
        data = load_file(item.content, max_bytes)
    elif item.content is None:
        data = Unreadable("malformed", "parse", "malformed-input", "nothing was given")
    else:
        data = item.content
    if isinstance(data, Unreadable):
        return [failure(item.source, data.verdict, data.check, data.problem, data.detail,
                        language)]
    result = _verify(data, now=now, fetch=fetch, local=local)
    if result.format == "presentation" and result.credentials:
        outer = [e for e in result.errors if e.check != "credentials"]
        reports = [report_for(f"{item.source} ({i})", nested, local, email, language,
                              recipient_names, presentation_problems=outer)
                   for i, nested in enumerate(result.credentials, start=1)]
    else:
        reports = [report_for(item.source, result, local, email, language, recipient_names)]
    if item.kind == "file" and isinstance(item.content, bytes) and sniff(item.content) == "pdf":
        for report in reports:
            report.format = "pdf"  # the credential attached to a PDF certificate
    return reports


def report_for(source: str, result: VerificationResult, local: LocalDocuments | None,
               email: str | None, language: str, recipient_names: bool, *,
               presentation_problems: Sequence[Any] = ()) -> CredentialReport:
    credential = result.credential if isinstance(result.credential, dict) else None
    verdict = result.verdict
    issued = _ours(credential, result, local)
    errors = list(result.errors)
    # The trainer's reason for a revocation or suspension is not part of any public report:
    # reasons are written for the record and may be personal (as on the public page).
    if issued is not None:
        if issued.state == STATE_REVOKED:
            # One status bit serves both: the database knows it was a revocation.
            if VERDICTS.index(verdict) > VERDICTS.index("revoked"):
                verdict = "revoked"
            errors = [dataclasses.replace(e, type="revoked") if e.type == "suspended" else e
                      for e in errors]
        elif issued.state == STATE_SUSPENDED and (
                VERDICTS.index(verdict) > VERDICTS.index("suspended")):
            verdict = "suspended"
    first_error = {}
    for problem in errors:
        first_error.setdefault(problem.check, problem)
    warnings_by_check = {}
    for problem in result.warnings:
        warnings_by_check.setdefault(problem.check, problem)
    checks = [
        CheckReport(check.name, check_title(check.name, language), check.passed, check.detail,
                    explain_check(check.name, check.passed, first_error.get(check.name),
                                   warnings_by_check.get(check.name), language))
        for check in result.checks
    ]
    problems = [ProblemReport(p.type, p.check, p.detail, explain(p, language))
                for p in errors]
    warnings = [ProblemReport(p.type, p.check, p.detail, explain_problem(p.type, language))
                for p in (*result.warnings, *presentation_problems)]
    headline = verdict_text(verdict, language)
    if verdict == "valid" and result.format == "presentation":
        # "This credential is genuine" would tell an employer there was a credential to trust.
        headline = in_language(PRESENTATION_VALID, language)
    if verdict == "invalid" and problems:
        headline += " " + problems[0].explanation
    compromised = next((p for p in problems if p.type == KEY_COMPROMISED), None)
    if compromised is not None and verdict != "invalid":
        # "Unknown issuer" alone would not say why: the issuer itself disowned the key.
        headline += " " + compromised.explanation
    report = CredentialReport(
        source=source, verdict=verdict, verified=verdict == "valid", headline=headline,
        format=result.format, checks=checks, errors=problems, warnings=warnings,
        summary=summarise(credential, issued, language, recipient_names), ours=issued is not None,
        result=result)
    if email:
        report.email_match, report.email_note = email_answer(credential, verdict, email,
                                                             language)
    return report


def _ours(credential: dict | None, result: VerificationResult,
          local: LocalDocuments | None) -> IssuedCredential | None:
    """Our stored credential, when this one is it: same id, and signed by the issuer we signed
    for (a forgery can copy our id, not our signature)."""
    if credential is None or local is None:
        return None
    issued = local.issued(credential.get("id")) if isinstance(credential.get("id"), str) else None
    if issued is None or issuer_id(credential, allow_empty=True) != issued.issuer_id:
        return None
    if any(p.check in ("proof", "issuer") for p in result.errors):
        return None
    return issued


def verify_document(data: bytes | str | Mapping[str, Any], *, now: datetime, fetcher: Fetcher,
                    local: LocalDocuments | None = None, challenge: str | None = None,
                    domain: str | None = None) -> VerificationResult:
    """The library's verification with our local-first fetching (presentations keep their
    nested results; ``challenge``/``domain``: what a presentation's proofs must carry)."""
    return _verify(data, now=now, fetch=LocalFirstFetcher(local, fetcher), local=local,
                   challenge=challenge, domain=domain)


def _verify(data: bytes | str | Mapping[str, Any], *, now: datetime, fetch: Fetcher,
            local: LocalDocuments | None, challenge: str | None = None,
            domain: str | None = None) -> VerificationResult:
    """Every door verifies alike: keys, DID documents and status lists through ``fetch``, and
    compromised keys judged by our records."""
    return verify(data, now=now, resolver=Resolver(fetcher=fetch), fetch_status_list=fetch,
                  challenge=challenge, domain=domain,
                  key_policy=local.key_policy if local is not None else None)
