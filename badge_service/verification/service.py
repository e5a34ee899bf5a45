"""Verification for everyone: credential URLs, uploaded files, pasted documents → verdicts.

:func:`verify_any` takes what an employer has (one or more credential URLs, files: JSON, VC-JWT,
baked PNG/SVG, our PDF certificate; a QR code on a certificate encodes our public URL, so it is a
URL too) and returns one :class:`CredentialReport` per credential: a plain-language verdict and
every check explained in French or English, never a stack trace.

Remote documents (other issuers' credentials, did:web documents, HTTPS keys, status lists) come
through the guarded fetcher. Documents under our own ``PUBLIC_BASE_URL`` never go over the
network: :class:`LocalDocuments` serves them from the database and the keyring (credentials as
issued, DID documents, signed status lists), so verifying our credentials works without DNS and
sees a revocation at once. For our credentials the database also refines the verdict: revocation
sets the same status bit as suspension (see models/issued.py), and the state kept here says
which it was, and why. A signature by a key an organisation reported compromised counts only
for a credential recorded here before then (services/key_compromise.py).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_service.accounts.service import users as accounts
from badge_service.adapters.fetcher import GuardedFetcher
from badge_service.adapters.keyring import ALGORITHM
from badge_service.awards.models import STATE_REVOKED, STATE_SUSPENDED, IssuedCredential
from badge_service.awards.service import conformance
from badge_service.delivery.service.pages import public_recipient_name
from badge_service.delivery.service.signed_texts import edition as signed_edition
from badge_service.errors import FieldError, Forbidden, NotFound, ServiceError, ValidationFailed
from badge_service.keys.service import GENERAL as COMPROMISED_TEXTS
from badge_service.keys.service import KEY_COMPROMISED, CompromisedKeys
from badge_service.keys.service import explain as explain_compromise
from badge_service.organisations import service as organisations
from badge_service.organisations.models import Organisation
from badge_service.programmes.models import ROLE_TRAINER, Programme, ProgrammeRole
from badge_service.status import service as status_lists
from credentials import data_integrity, related_resource, schema
from credentials.did import Resolver
from credentials.errors import CredentialsError, FetchError, UndefinedTermError
from credentials.models import identity_matches
from credentials.verify import VERDICTS, VerificationResult, verify

log = logging.getLogger(__name__)

Fetcher = Callable[[str], bytes]

#: What we ask for when a URL should give us a credential (content negotiation).
VC_ACCEPT = "application/vc+ld+json, application/ld+json, application/json"
MAX_URLS = 20
MAX_FILES = 10
MAX_URL_LENGTH = 2000
MAX_JWT_BYTES = 1024 * 1024
LANGUAGES = ("fr", "en")
#: Verdicts beyond the library's: nothing could be retrieved at a URL.
UNAVAILABLE = "unavailable"
ALL_VERDICTS = (*VERDICTS, UNAVAILABLE)

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JWT = re.compile(rb"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_CREDENTIAL_PATH = re.compile(r"^/credentials/([0-9a-fA-F-]{32,36})(?:[/.][^?#]*)?$")
_ISSUER_DID_PATH = re.compile(r"^/issuers/([A-Za-z0-9_-]{1,64})/did\.json$")
_STATUS_PATH = re.compile(r"^/status/([A-Za-z0-9_-]{1,64})/([a-z]+)/([0-9]{1,9})$")


class VerificationFailed(ServiceError):
    """A credential or presentation did not verify; ``errors`` and ``checks`` say why."""

    status = 400
    problem = "verification-failed"
    title = "The credential did not verify"


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Input:
    """One thing to verify: a URL, an uploaded file, or a document given directly (API)."""

    kind: str  # "url" | "file" | "document"
    source: str  # shown to the person: the URL, the file name, "credential 2"
    content: bytes | str | Mapping[str, Any] | None = None

    @classmethod
    def url(cls, url: str) -> Input:
        return cls("url", url.strip(), url.strip())

    @classmethod
    def file(cls, name: str, data: bytes) -> Input:
        return cls("file", name or "file", data)

    @classmethod
    def document(cls, source: str, content: bytes | str | Mapping[str, Any]) -> Input:
        return cls("document", source, content)


def urls_from_text(text: str | None) -> list[str]:
    """The URLs of a text area: one per line (blank lines and surrounding spaces ignored)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def check_counts(urls: Sequence[str], files: int, documents: int = 0) -> None:
    """Refuse requests with nothing to verify or with more than we verify at once."""
    errors = []
    if len(urls) > MAX_URLS:
        errors.append(FieldError(f"at most {MAX_URLS} addresses at once", field="urls"))
    if files > MAX_FILES:
        errors.append(FieldError(f"at most {MAX_FILES} files at once", field="files"))
    if documents > MAX_FILES:
        errors.append(FieldError(f"at most {MAX_FILES} credentials at once",
                                 field="credentials"))
    if not urls and not files and not documents:
        errors.append(FieldError("give at least one credential address or file", field="urls"))
    if errors:
        raise ValidationFailed("nothing to verify, or too much at once", errors)


def sniff(data: bytes) -> str | None:
    """The kind of an uploaded file, from its bytes (never its name): pdf, png, svg, json, jwt."""
    if data.startswith(_PDF):
        return "pdf"
    if data.startswith(_PNG):
        return "png"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json"
    lowered = head.lower()
    if lowered.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:4096].lower():
        return "svg"
    if _JWT.match(data.strip()[:MAX_JWT_BYTES]) and len(data) <= MAX_JWT_BYTES:
        return "jwt"
    return None



# ---------------------------------------------------------------------------------------------
# Our own documents, served locally


class LocalDocuments:
    """Documents under our ``PUBLIC_BASE_URL``, read from the database and the keyring.

    ``fetch`` raises :class:`FetchError` (with a message safe to show) for anything it cannot
    serve; it never goes over the network.
    """

    def __init__(self, session: Session, keyring: Any, public_base_url: str, *, now: datetime,
                 host_organisation: str | None = None) -> None:
        self.session = session
        self.keyring = keyring
        self.base = public_base_url.rstrip("/")
        self.now = now
        self.host_organisation = host_organisation
        #: Every door verifying through this service judges compromised keys by our records.
        self.key_policy = CompromisedKeys(self)

    def owns(self, url: str) -> bool:
        """Whether ``url`` is under our base URL (scheme and host compared case-blind)."""
        if not isinstance(url, str):
            return False
        try:
            parts, base = urlsplit(url), urlsplit(self.base)
            same_origin = (parts.scheme.lower(), parts.netloc.lower()) == (
                base.scheme.lower(), base.netloc.lower())
        except ValueError:
            return False
        base_path = base.path.rstrip("/")
        return same_origin and (parts.path == base_path
                                or parts.path.startswith(base_path + "/"))

    def _path(self, url: str) -> str:
        """The path below our base URL (which may itself have a path)."""
        base_path = urlsplit(self.base).path.rstrip("/")
        return urlsplit(url).path[len(base_path):] or "/"

    def issued(self, url: str) -> IssuedCredential | None:
        """The credential a URL designates: its id, or any page under it (PDF, image, JWT)."""
        if not self.owns(url):
            return None
        match = _CREDENTIAL_PATH.match(self._path(url))
        if not match:
            return None
        try:
            credential_id = uuid.UUID(match.group(1))
        except ValueError:
            return None
        return self.session.get(IssuedCredential, credential_id)

    def fetch(self, url: str) -> bytes:
        try:
            document = self._document(url)
        except FetchError:
            raise
        except Exception:
            # Whatever failed here (keys, database) is ours to log, not the verifier's to read.
            log.exception("serving %s locally failed", url)
            raise FetchError(f"{url} could not be read from this service", url=url) from None
        if document is None:
            raise FetchError(f"{url}: no such document on this service", url=url)
        return json.dumps(document, ensure_ascii=False).encode("utf-8")

    def _document(self, url: str) -> dict | None:
        path = self._path(url)
        issued = self.issued(url)
        if issued is not None:
            return issued.document
        match = _ISSUER_DID_PATH.match(path)
        if match and match.group(1) != self.host_organisation:
            # The host organisation's DID is did:web:<host>: its path DID is nobody's (the
            # served route answers 404 too).
            return self._did_document(match.group(1))
        if path == "/.well-known/did.json" and self.host_organisation:
            return self._did_document(self.host_organisation)
        match = _STATUS_PATH.match(path)
        if match and match.group(2) in status_lists.PURPOSES:
            slug, purpose, number = match.group(1), match.group(2), int(match.group(3))
            try:
                organisation = organisations.by_slug(self.session, slug)
                status_list = status_lists.find(self.session, organisation, purpose, number)
            except NotFound:
                return None
            identity = self.keyring.identity_for_issuer(organisation, status_list.issuer_id)
            return status_lists.signed_credential(
                self.session, status_list, identity=identity,
                public_base_url=self.base, now=self.now)
        return None

    def _did_document(self, slug: str) -> dict | None:
        try:
            organisation = organisations.by_slug(self.session, slug)
        except NotFound:
            return None
        if organisation.did_method != "web":
            return None
        return self.keyring.did_document(organisation)


class LocalFirstFetcher:
    """``fetcher(url) -> bytes``: our own documents locally, every other URL through ``remote``."""

    def __init__(self, local: LocalDocuments | None, remote: Fetcher) -> None:
        self.local = local
        self.remote = remote

    def __call__(self, url: str) -> bytes:
        if self.local is not None and self.local.owns(url):
            return self.local.fetch(url)
        try:
            return self.remote(url)
        except CredentialsError:
            raise
        except Exception:
            # The guarded fetcher raises FetchError; anything else is a bug whose message
            # (which may say anything) must not reach the person verifying.
            log.exception("fetching %s failed unexpectedly", url)
            raise FetchError(f"could not fetch {url}", url=url) from None


def with_accept(fetcher: Fetcher, accept: str) -> Fetcher:
    """The same guarded fetcher asking for another media type (own cache: other answers)."""
    if isinstance(fetcher, GuardedFetcher):
        return dataclasses.replace(fetcher, accept=accept, _cache=OrderedDict(),
                                   _lock=threading.Lock())
    return fetcher


# ---------------------------------------------------------------------------------------------
# Reports


@dataclass(frozen=True)
class CheckReport:
    name: str
    title: str
    passed: bool | None
    detail: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ProblemReport:
    type: str
    check: str
    detail: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Summary:
    credential_id: str | None = None
    issuer: str | None = None
    issuer_id: str | None = None
    achievement: str | None = None
    recipient: str | None = None
    issued: str | None = None
    expires: str | None = None
    #: Says that ``recipient`` is the issuer's record, not part of the signed credential.
    recipient_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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


# ---------------------------------------------------------------------------------------------
# Verifying


def verify_any(inputs: Iterable[Input], *, now: datetime, fetcher: Fetcher,
               local: LocalDocuments | None = None, email: str | None = None,
               language: str = "en", max_bytes: int = 5 * 1024 * 1024,
               recipient_names: bool = True) -> list[CredentialReport]:
    """Verify every input; one report per credential (a presentation gives one per credential
    it carries). Never raises on bad input: problems become reports."""
    language = language if language in LANGUAGES else "en"
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
            reports.append(_failure(item.source, "invalid", "verification", "verification-error",
                                    "the verification could not be completed", language))
    return reports


def _verify_input(item: Input, *, now: datetime, fetch: Fetcher, credential_fetch: Fetcher,
                  local: LocalDocuments | None, email: str | None, language: str,
                  max_bytes: int, recipient_names: bool) -> list[CredentialReport]:
    data: bytes | str | Mapping[str, Any]
    if item.kind == "url":
        loaded = _load_url(item.source, credential_fetch, local, language)
        if isinstance(loaded, CredentialReport):
            return [loaded]
        data = loaded
    elif item.kind == "file":
        assert isinstance(item.content, bytes)
        loaded = _load_file(item.source, item.content, language, max_bytes)
        if isinstance(loaded, CredentialReport):
            return [loaded]
        data = loaded
    else:
        if item.content is None:
            return [_failure(item.source, "malformed", "parse", "malformed-input",
                             "nothing was given", language)]
        data = item.content
    result = verify(data, now=now, resolver=Resolver(fetcher=fetch), fetch_status_list=fetch,
                    key_policy=local.key_policy if local is not None else None)
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


def _load_url(url: str, fetch: Fetcher, local: LocalDocuments | None,
              language: str) -> bytes | dict | CredentialReport:
    parts = urlsplit(url)
    if len(url) > MAX_URL_LENGTH or parts.scheme not in ("https", "http") or not parts.netloc:
        return _failure(url, "malformed", "fetch", "not-a-url",
                        "give the credential's web address, starting with https://", language)
    if local is not None and local.owns(url):
        issued = local.issued(url)
        if issued is None:
            return _failure(url, UNAVAILABLE, "fetch", "unknown-credential",
                            f"{url} is not a credential issued by this service", language)
        return issued.document
    try:
        body = fetch(url)
    except CredentialsError as exc:
        return _failure(url, UNAVAILABLE, "fetch", "unavailable", exc.detail, language)
    except Exception:
        log.exception("fetching %s failed unexpectedly", url)
        return _failure(url, UNAVAILABLE, "fetch", "unavailable", f"{url} could not be fetched",
                        language)
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return _failure(url, UNAVAILABLE, "fetch", "web-page",
                        f"{url} answered with a web page, not a credential", language)
    return body


def _load_file(name: str, data: bytes, language: str,
               max_bytes: int) -> bytes | dict | str | CredentialReport:
    if len(data) > max_bytes:
        return _failure(name, "malformed", "file", "too-large",
                        f"the file is {len(data)} bytes; the limit is {max_bytes} bytes",
                        language)
    kind = sniff(data)
    if kind is None:
        return _failure(name, "malformed", "file", "unsupported-file",
                        "not a JSON, JWT, PNG, SVG or PDF file", language)
    if kind != "pdf":
        return data
    detail = "the PDF carries no credential attachment that could be read"
    try:
        from badge_service.certificates import service as certificates

        extracted = certificates.extract_credential(data)
    except ServiceError as exc:
        extracted, detail = None, exc.detail  # written for people: what is wrong with the PDF
    except Exception:
        # A hostile PDF can break a parser in many ways; the person only needs to know it
        # carries no credential we can read.
        log.info("no credential could be extracted from an uploaded PDF", exc_info=True)
        extracted = None
    if not extracted:
        return _failure(name, "malformed", "file", "no-attachment", detail, language)
    return extracted


def _failure(source: str, verdict: str, check: str, problem: str, detail: str,
             language: str) -> CredentialReport:
    explanation = explain_problem(problem, language)
    return CredentialReport(
        source=source, verdict=verdict, verified=False,
        headline=verdict_text(verdict, language),
        checks=[CheckReport(check, check_title(check, language), False, detail, explanation)],
        errors=[ProblemReport(problem, check, detail, explanation)])


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
                    _explain_check(check.name, check.passed, first_error.get(check.name),
                                   warnings_by_check.get(check.name), language))
        for check in result.checks
    ]
    problems = [ProblemReport(p.type, p.check, p.detail, _explain(p, language))
                for p in errors]
    warnings = [ProblemReport(p.type, p.check, p.detail, explain_problem(p.type, language))
                for p in (*result.warnings, *presentation_problems)]
    headline = verdict_text(verdict, language)
    if verdict == "valid" and result.format == "presentation":
        # "This credential is genuine" would tell an employer there was a credential to trust.
        headline = _t(PRESENTATION_VALID, language)
    if verdict == "invalid" and problems:
        headline += " " + problems[0].explanation
    compromised = next((p for p in problems if p.type == KEY_COMPROMISED), None)
    if compromised is not None and verdict != "invalid":
        # "Unknown issuer" alone would not say why: the issuer itself disowned the key.
        headline += " " + compromised.explanation
    report = CredentialReport(
        source=source, verdict=verdict, verified=verdict == "valid", headline=headline,
        format=result.format, checks=checks, errors=problems, warnings=warnings,
        summary=_summary(credential, issued, language, recipient_names), ours=issued is not None,
        result=result)
    if email:
        report.email_match, report.email_note = _email_answer(credential, verdict, email,
                                                              language)
    return report


def _ours(credential: dict | None, result: VerificationResult,
          local: LocalDocuments | None) -> IssuedCredential | None:
    """Our stored credential, when this one is it: same id, and signed by the issuer we signed
    for (a forgery can copy our id, not our signature)."""
    if credential is None or local is None:
        return None
    issued = local.issued(credential.get("id")) if isinstance(credential.get("id"), str) else None
    if issued is None or _issuer_id(credential) != issued.issuer_id:
        return None
    if any(p.check in ("proof", "issuer") for p in result.errors):
        return None
    return issued


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _text(value: Any, language: str) -> str | None:
    """A display string from a plain string, a language map or a list of language values."""
    if isinstance(value, str):
        return value[:500]
    if isinstance(value, Mapping):
        if "@value" in value and isinstance(value["@value"], str):
            return value["@value"][:500]
        for key in (language, "en", "fr"):
            if isinstance(value.get(key), str):
                return value[key][:500]
        for text in value.values():
            if isinstance(text, str):
                return text[:500]
    if isinstance(value, list):
        texts = [v for v in value if isinstance(v, Mapping)]
        for wanted in (language, None):
            for item in texts:
                if wanted is None or item.get("@language") == wanted:
                    found = _text(item, language)
                    if found:
                        return found
        for item in value:
            found = _text(item, language)
            if found:
                return found
    return None


def _summary(credential: dict | None, issued: IssuedCredential | None, language: str,
             recipient_names: bool) -> Summary:
    if credential is None:
        return Summary()
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    summary = Summary(
        credential_id=credential.get("id") if isinstance(credential.get("id"), str) else None,
        issuer=_text(issuer.get("name"), language) if isinstance(issuer, Mapping) else None,
        issuer_id=_issuer_id(credential),
        achievement=(_text(achievement.get("name"), language)
                     if isinstance(achievement, Mapping) else None),
        issued=_date(credential.get("validFrom") or credential.get("awardedDate")
                     or credential.get("issuanceDate")),
        expires=_date(credential.get("validUntil") or credential.get("expirationDate")),
    )
    if issued is not None:
        # Ours: the achievement's name in the reader's language when the credential has that
        # edition (signed too), never today's definitions; and who it was issued to. The
        # credential identifies the holder by a hashed email only: the name is our record,
        # and the report says it is not part of the signed credential.
        recipient = public_recipient_name(issued.recipient) if recipient_names else None
        summary = dataclasses.replace(
            summary,
            achievement=signed_edition(credential, language)[0] or summary.achievement,
            recipient=recipient,
            recipient_note=_t(RECIPIENT_NOTE, language) if recipient else None)
    return summary


def _date(value: Any) -> str | None:
    return value[:64] if isinstance(value, str) else None


def _email_answer(credential: dict | None, verdict: str, email: str,
                  language: str) -> tuple[bool | None, str]:
    if credential is None or verdict in ("malformed", "tampered", UNAVAILABLE):
        return None, _t(EMAIL_UNTRUSTED, language)
    subjects = credential.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    identities = []
    for subject in subjects:
        if isinstance(subject, Mapping):
            found = subject.get("identifier")
            identities += found if isinstance(found, list) else [found]
    emails = [i for i in identities
              if isinstance(i, Mapping) and i.get("identityType") == "emailAddress"]
    if not emails:
        return None, _t(EMAIL_UNKNOWN, language)
    matched = any(identity_matches(identity, email) for identity in emails)
    return matched, _t(EMAIL_YES if matched else EMAIL_NO, language).format(email=email)


# ---------------------------------------------------------------------------------------------
# Plain language (French and English)


def _t(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


RECIPIENT_NOTE = {
    "en": "Name supplied by the issuer, not part of the signed credential (which identifies "
          "its holder by a hash of their email address).",
    "fr": "Nom fourni par l'émetteur, hors badge signé (celui-ci identifie son titulaire par "
          "l'empreinte de son adresse e-mail).",
}
EMAIL_YES = {"en": "This credential was issued to {email}: yes.",
             "fr": "Ce badge a été délivré à {email} : oui."}
EMAIL_NO = {"en": "This credential was issued to {email}: no (or to another address of theirs).",
            "fr": "Ce badge a été délivré à {email} : non (ou à une autre de ses adresses)."}
EMAIL_UNKNOWN = {"en": "The credential does not name its holder by email, so the address cannot "
                       "be checked.",
                 "fr": "Le badge ne désigne pas son titulaire par une adresse e-mail : "
                       "impossible de vérifier l'adresse."}
EMAIL_UNTRUSTED = {"en": "The address was not checked: the credential itself cannot be trusted.",
                   "fr": "L'adresse n'a pas été vérifiée : le badge lui-même n'est pas fiable."}

VERDICT_TEXTS: dict[str, dict[str, str]] = {
    "valid": {"en": "Valid: this credential is genuine, unchanged since it was issued, and "
                    "currently valid.",
              "fr": "Valide : ce badge est authentique, n'a pas été modifié depuis sa "
                    "délivrance et est actuellement valide."},
    "revoked": {"en": "Revoked: the issuer has withdrawn this credential for good.",
                "fr": "Révoqué : l'émetteur a retiré ce badge définitivement."},
    "suspended": {"en": "Suspended: the issuer has suspended this credential for now; it may "
                        "be reinstated.",
                  "fr": "Suspendu : l'émetteur a suspendu ce badge pour le moment ; il pourra "
                        "être rétabli."},
    "expired": {"en": "Expired: this credential is genuine but its validity period has ended.",
                "fr": "Expiré : ce badge est authentique mais sa période de validité est "
                      "terminée."},
    "not-yet-valid": {"en": "Not yet valid: this credential only becomes valid at a later date.",
                      "fr": "Pas encore valide : ce badge ne sera valide qu'à une date "
                            "ultérieure."},
    "tampered": {"en": "Tampered: the content does not match the issuer's signature; it was "
                       "changed after it was issued, or it is a forgery.",
                 "fr": "Falsifié : le contenu ne correspond pas à la signature de l'émetteur ; "
                       "il a été modifié après sa délivrance, ou c'est un faux."},
    "unknown-issuer": {"en": "Unknown issuer: we could not confirm who signed this credential.",
                       "fr": "Émetteur inconnu : impossible de confirmer qui a signé ce badge."},
    "malformed": {"en": "Unreadable: this is not a credential we can read.",
                  "fr": "Illisible : ce n'est pas un badge que nous savons lire."},
    "invalid": {"en": "Not valid: at least one check failed.",
                "fr": "Non valide : au moins une vérification a échoué."},
    UNAVAILABLE: {"en": "Not found: no credential could be retrieved from this address.",
                  "fr": "Introuvable : aucun badge n'a pu être récupéré à cette adresse."},
}

VERDICT_LABELS: dict[str, dict[str, str]] = {
    "valid": {"en": "Valid", "fr": "Valide"},
    "revoked": {"en": "Revoked", "fr": "Révoqué"},
    "suspended": {"en": "Suspended", "fr": "Suspendu"},
    "expired": {"en": "Expired", "fr": "Expiré"},
    "not-yet-valid": {"en": "Not yet valid", "fr": "Pas encore valide"},
    "tampered": {"en": "Tampered", "fr": "Falsifié"},
    "unknown-issuer": {"en": "Unknown issuer", "fr": "Émetteur inconnu"},
    "malformed": {"en": "Unreadable", "fr": "Illisible"},
    "invalid": {"en": "Not valid", "fr": "Non valide"},
    UNAVAILABLE: {"en": "Not found", "fr": "Introuvable"},
}

CHECK_TITLES: dict[str, dict[str, str]] = {
    "parse": {"en": "Reading", "fr": "Lecture"},
    "fetch": {"en": "Retrieval", "fr": "Récupération"},
    "file": {"en": "File", "fr": "Fichier"},
    "contexts": {"en": "Vocabulary", "fr": "Vocabulaire"},
    "types": {"en": "Kind of credential", "fr": "Type de document"},
    "schema": {"en": "Open Badges format", "fr": "Format Open Badges"},
    "proof": {"en": "Signature", "fr": "Signature"},
    "issuer": {"en": "Issuer", "fr": "Émetteur"},
    "validity": {"en": "Validity dates", "fr": "Dates de validité"},
    "status": {"en": "Revocation status", "fr": "Statut (révocation)"},
    "endorsements": {"en": "Endorsements", "fr": "Recommandations"},
    "credentials": {"en": "Credentials presented", "fr": "Badges présentés"},
    "verification": {"en": "Verification", "fr": "Vérification"},
}

PASSED: dict[str, dict[str, str]] = {
    "parse": {"en": "It contains a credential we can read.",
              "fr": "Il contient un badge lisible."},
    "contexts": {"en": "It uses the standard vocabularies (W3C Verifiable Credentials, Open "
                       "Badges).",
                 "fr": "Il utilise les vocabulaires standard (W3C Verifiable Credentials, Open "
                       "Badges)."},
    "types": {"en": "It is a verifiable credential of a recognised kind.",
              "fr": "C'est une attestation vérifiable d'un type reconnu."},
    "schema": {"en": "Its content follows the Open Badges 3.0 format.",
               "fr": "Son contenu respecte le format Open Badges 3.0."},
    "proof": {"en": "The digital signature is intact: nothing was changed after signing.",
              "fr": "La signature numérique est intacte : rien n'a été modifié après la "
                    "signature."},
    "issuer": {"en": "The signing key belongs to the issuer named in the credential.",
               "fr": "La clé de signature appartient bien à l'émetteur indiqué dans le badge."},
    "validity": {"en": "Today is within its validity period.",
                 "fr": "La date du jour est dans sa période de validité."},
    "status": {"en": "The issuer has neither revoked nor suspended it.",
               "fr": "L'émetteur ne l'a ni révoqué ni suspendu."},
    "endorsements": {"en": "Its endorsements are genuine.",
                     "fr": "Ses recommandations sont authentiques."},
    "credentials": {"en": "Every credential presented was verified.",
                    "fr": "Chaque badge présenté a été vérifié."},
}

SKIPPED: dict[str, dict[str, str]] = {
    "types": {"en": "It is a verifiable credential, but not an Open Badge.",
              "fr": "C'est une attestation vérifiable, mais pas un Open Badge."},
    "schema": {"en": "No Open Badges format applies to this kind of credential.",
               "fr": "Aucun format Open Badges ne s'applique à ce type d'attestation."},
    "status": {"en": "The credential has no revocation status: its issuer cannot revoke it.",
               "fr": "Le badge n'a pas de statut de révocation : son émetteur ne peut pas le "
                     "révoquer."},
    "proof": {"en": "The presentation itself is not signed; the credentials it carries were "
                    "checked.",
              "fr": "La présentation elle-même n'est pas signée ; les badges qu'elle contient "
                    "ont été vérifiés."},
    "endorsements": {"en": "Endorsements nested in endorsements are not checked.",
                     "fr": "Les recommandations imbriquées ne sont pas vérifiées."},
}
NOT_APPLICABLE = {"en": "This check did not apply.", "fr": "Cette vérification ne s'applique pas."}
FAILED = {"en": "This check failed.", "fr": "Cette vérification a échoué."}

_STATUS_UNKNOWN = {
    "en": "Its revocation status could not be checked: {why}. It may have been revoked.",
    "fr": "Son statut de révocation n'a pas pu être vérifié : {why}. Il a pu être révoqué.",
}
STATUS_REASONS = {
    "status-list-unavailable": {"en": "the issuer's status list could not be retrieved (the "
                                      "site did not answer, or its address is not allowed)",
                                "fr": "la liste de statuts de l'émetteur n'a pas pu être "
                                      "récupérée (site injoignable, ou adresse non autorisée)"},
    "status-list-invalid": {"en": "the issuer's status list is invalid or not signed by the "
                                  "issuer",
                            "fr": "la liste de statuts de l'émetteur est invalide ou n'est pas "
                                  "signée par l'émetteur"},
    "status-list-expired": {"en": "the issuer's status list is out of date",
                            "fr": "la liste de statuts de l'émetteur n'est plus à jour"},
    "status-purpose-mismatch": {"en": "the status entry does not match the issuer's list",
                                "fr": "l'entrée de statut ne correspond pas à la liste de "
                                      "l'émetteur"},
    "status-index-out-of-range": {"en": "the status entry points outside the issuer's list",
                                  "fr": "l'entrée de statut pointe hors de la liste de "
                                        "l'émetteur"},
    "status-entry-invalid": {"en": "the status entry in the credential is invalid",
                             "fr": "l'entrée de statut du badge est invalide"},
    "status-type-unsupported": {"en": "it uses a kind of status this verifier does not support",
                                "fr": "il utilise un type de statut que ce vérificateur ne "
                                      "connaît pas"},
    "revocation-list-unsupported": {"en": "it uses a kind of status this verifier does not "
                                          "support",
                                    "fr": "il utilise un type de statut que ce vérificateur ne "
                                          "connaît pas"},
    "status-not-checked": {"en": "no status source was available",
                           "fr": "aucune source de statut n'était disponible"},
}

_SIGNATURE_BROKEN = {
    "en": "The signature is missing or malformed.",
    "fr": "La signature est absente ou mal formée.",
}
_SIGNATURE_UNSUPPORTED = {
    "en": "The signature uses a method this verifier does not support.",
    "fr": "La signature utilise une méthode que ce vérificateur ne connaît pas.",
}
_NOT_AUTHORISED = {
    "en": "The key that signed it is not authorised by the issuer to issue credentials.",
    "fr": "La clé qui l'a signé n'est pas autorisée par l'émetteur à délivrer des badges.",
}
_KEY_NOT_FOUND = {
    "en": "The issuer's public key could not be found, so the signature cannot be checked.",
    "fr": "La clé publique de l'émetteur est introuvable : la signature ne peut pas être "
          "vérifiée.",
}

PROBLEM_TEXTS: dict[str, dict[str, str]] = {
    "malformed-input": {"en": "The content is not a well-formed credential.",
                        "fr": "Le contenu n'est pas un badge bien formé."},
    "input-too-large": {"en": "The content is too large or too deeply nested to be a credential.",
                        "fr": "Le contenu est trop volumineux ou trop imbriqué pour être un "
                              "badge."},
    "malformed-encoding": {"en": "Part of the content is not correctly encoded.",
                           "fr": "Une partie du contenu n'est pas correctement encodée."},
    "baking-failed": {"en": "The image does not contain a readable credential.",
                      "fr": "L'image ne contient pas de badge lisible."},
    "signature-mismatch": {"en": "The signature does not match the content: the credential was "
                                 "changed after it was signed.",
                           "fr": "La signature ne correspond pas au contenu : le badge a été "
                                 "modifié après sa signature."},
    "undefined-term": {"en": "It contains fields the signature does not cover; they may have "
                             "been added after signing.",
                       "fr": "Il contient des champs que la signature ne couvre pas ; ils ont "
                             "pu être ajoutés après la signature."},
    "unbound-form": {"en": "It is written in an unusual form in which what this page would "
                           "read is not certainly what was signed, so it is not accepted.",
                     "fr": "Il est rédigé sous une forme inhabituelle où ce qui serait lu ici "
                           "n'est pas à coup sûr ce qui a été signé : il n'est donc pas "
                           "accepté."},
    "context-mismatch": {"en": "The signature was made over other vocabularies than the "
                               "credential declares.",
                         "fr": "La signature porte sur d'autres vocabulaires que ceux déclarés "
                               "par le badge."},
    "invalid-jwt": {"en": "The signed token (JWT) is invalid: its signature does not match, or "
                          "it is malformed.",
                    "fr": "Le jeton signé (JWT) est invalide : sa signature ne correspond pas, "
                          "ou il est mal formé."},
    "invalid-proof": _SIGNATURE_BROKEN,
    "missing-proof": {"en": "The credential is not signed.", "fr": "Le badge n'est pas signé."},
    "malformed-proof": _SIGNATURE_BROKEN,
    "malformed-proof-value": _SIGNATURE_BROKEN,
    "unsupported-proof-type": _SIGNATURE_UNSUPPORTED,
    "unsupported-cryptosuite": _SIGNATURE_UNSUPPORTED,
    "wrong-key-type": _SIGNATURE_UNSUPPORTED,
    "canonicalization-failed": {"en": "The content could not be prepared for checking its "
                                      "signature.",
                                "fr": "Le contenu n'a pas pu être préparé pour vérifier sa "
                                      "signature."},
    "unknown-context": {"en": "It uses a vocabulary this verifier does not know, so its meaning "
                              "cannot be checked.",
                        "fr": "Il utilise un vocabulaire que ce vérificateur ne connaît pas : "
                              "son sens ne peut pas être vérifié."},
    "resolution-failed": _KEY_NOT_FOUND,
    "key-error": _KEY_NOT_FOUND,
    "unknown-key": {"en": "The signing key is not among the issuer's keys.",
                    "fr": "La clé de signature ne fait pas partie des clés de l'émetteur."},
    "fetch-failed": {"en": "The issuer's public key could not be retrieved (the issuer's site "
                           "did not answer, or its address is not allowed).",
                     "fr": "La clé publique de l'émetteur n'a pas pu être récupérée (site de "
                           "l'émetteur injoignable, ou adresse non autorisée)."},
    "controller-mismatch": {"en": "The key that signed it does not belong to the issuer named in "
                                  "it.",
                            "fr": "La clé qui l'a signé n'appartient pas à l'émetteur qui y est "
                                  "indiqué."},
    "purpose-not-authorized": _NOT_AUTHORISED,
    "wrong-proof-purpose": _NOT_AUTHORISED,
    "revoked": {"en": "The issuer has revoked it.", "fr": "L'émetteur l'a révoqué."},
    "suspended": {"en": "The issuer has suspended it.", "fr": "L'émetteur l'a suspendu."},
    "status-set": {"en": "The issuer has set a status flag on it that this verifier cannot "
                         "interpret.",
                   "fr": "L'émetteur lui a attribué un statut que ce vérificateur ne sait pas "
                         "interpréter."},
    "expired": {"en": "Its validity period has ended.",
                "fr": "Sa période de validité est terminée."},
    "not-yet-valid": {"en": "It is not valid yet.", "fr": "Il n'est pas encore valide."},
    "schema-invalid": {"en": "Its content does not follow the Open Badges 3.0 format.",
                       "fr": "Son contenu ne respecte pas le format Open Badges 3.0."},
    "invalid-endorsement": {"en": "One of its endorsements does not verify.",
                            "fr": "Une de ses recommandations n'est pas authentique."},
    "unknown-issuer": {"en": "The issuer could not be confirmed.",
                       "fr": "L'émetteur n'a pas pu être confirmé."},
    KEY_COMPROMISED: COMPROMISED_TEXTS,
    # Our own problems, before the credential could be read.
    "not-a-url": {"en": "This is not a web address. Give the credential's address, starting "
                        "with https://.",
                  "fr": "Ce n'est pas une adresse web. Donnez l'adresse du badge, qui commence "
                        "par https://."},
    "unknown-credential": {"en": "This service has issued no credential at this address.",
                           "fr": "Ce service n'a délivré aucun badge à cette adresse."},
    "unavailable": {"en": "No credential could be retrieved from this address (the site did not "
                          "answer, the page does not exist, or the address is not allowed).",
                    "fr": "Aucun badge n'a pu être récupéré à cette adresse (site injoignable, "
                          "page inexistante, ou adresse non autorisée)."},
    "web-page": {"en": "This address leads to a web page, not to a credential. Ask the holder "
                       "for the credential file or its direct link.",
                 "fr": "Cette adresse mène à une page web, pas à un badge. Demandez au "
                       "titulaire le fichier du badge ou son lien direct."},
    "too-large": {"en": "The file is too large.", "fr": "Le fichier est trop volumineux."},
    "unsupported-file": {"en": "This kind of file is not supported: upload a JSON, JWT, PNG, "
                               "SVG or PDF file.",
                         "fr": "Ce type de fichier n'est pas pris en charge : déposez un fichier "
                               "JSON, JWT, PNG, SVG ou PDF."},
    "no-attachment": {"en": "This PDF does not carry a readable credential. Only certificates "
                            "issued by this service carry one.",
                      "fr": "Ce PDF ne contient pas de badge lisible. Seuls les certificats "
                            "délivrés par ce service en contiennent un."},
    "verification-error": {"en": "An unexpected problem prevented the verification; please try "
                                 "again later.",
                           "fr": "Un problème inattendu a empêché la vérification ; réessayez "
                                 "plus tard."},
    "challenge-mismatch": {"en": "The presentation was not made for this request: it does not "
                                 "carry the expected challenge (it may be a replay).",
                           "fr": "La présentation n'a pas été faite pour cette demande : elle ne "
                                 "porte pas le défi attendu (ce peut être un rejeu)."},
    "domain-mismatch": {"en": "The presentation was made for another site: it does not carry the "
                              "expected domain.",
                        "fr": "La présentation a été faite pour un autre site : elle ne porte pas "
                              "le domaine attendu."},
    "unsigned-presentation": {"en": "The presentation itself is not signed: it does not prove who "
                                    "presents the credentials; only the credentials count.",
                              "fr": "La présentation elle-même n'est pas signée : elle ne prouve "
                                    "pas qui présente les badges ; seuls les badges comptent."},
    "related-resource-mismatch": {"en": "A resource the credential relies on is not the one its "
                                        "issuer described (its digest differs).",
                                  "fr": "Une ressource dont dépend le badge n'est pas celle que "
                                        "son émetteur a décrite (son empreinte diffère)."},
}


PRESENTATION_VALID = {
    "en": "Valid presentation: signed by its holder, but it contains no credential; it proves "
          "who presented it, nothing more.",
    "fr": "Présentation valide : signée par son titulaire, mais elle ne contient aucun badge ; "
          "elle prouve qui l'a présentée, rien de plus.",
}


def verdict_text(verdict: str, language: str) -> str:
    return _t(VERDICT_TEXTS.get(verdict, VERDICT_TEXTS["invalid"]), language)


def verdict_label(verdict: str, language: str) -> str:
    return _t(VERDICT_LABELS.get(verdict, VERDICT_LABELS["invalid"]), language)


def check_title(name: str, language: str) -> str:
    texts = CHECK_TITLES.get(name)
    return _t(texts, language) if texts else name


def explain_problem(slug: str, language: str) -> str:
    if slug in STATUS_REASONS:
        return _t(_STATUS_UNKNOWN, language).format(why=_t(STATUS_REASONS[slug], language))
    texts = PROBLEM_TEXTS.get(slug)
    return _t(texts, language) if texts else _t(FAILED, language)


def _explain(problem: Any, language: str) -> str:
    """A problem's explanation; a compromised key's gives the date the issuer reported it."""
    if problem.type == KEY_COMPROMISED:
        return explain_compromise(problem.detail, language)
    return explain_problem(problem.type, language)


def problem_slugs() -> list[str]:
    """Every problem we explain (the help page lists them; VC-API problem types link there)."""
    return sorted({*PROBLEM_TEXTS, *STATUS_REASONS})


def _explain_check(name: str, passed: bool | None, error: Any, warning: Any,
                   language: str) -> str:
    if passed is True:
        return _t(PASSED.get(name, NOT_APPLICABLE), language)
    if passed is False:
        return _explain(error, language) if error is not None else _t(FAILED, language)
    if warning is not None:
        return explain_problem(warning.type, language)
    return _t(SKIPPED.get(name, NOT_APPLICABLE), language)


# ---------------------------------------------------------------------------------------------
# Verifying one document (VC-API)


def verify_document(data: bytes | str | Mapping[str, Any], *, now: datetime, fetcher: Fetcher,
                    local: LocalDocuments | None = None, challenge: str | None = None,
                    domain: str | None = None) -> VerificationResult:
    """The library's verification with our local-first fetching (presentations keep their
    nested results; ``challenge``/``domain``: what a presentation's proofs must carry)."""
    fetch = LocalFirstFetcher(local, fetcher)
    return verify(data, now=now, resolver=Resolver(fetcher=fetch), fetch_status_list=fetch,
                  challenge=challenge, domain=domain,
                  key_policy=local.key_policy if local is not None else None)


# ---------------------------------------------------------------------------------------------
# Issuing through the VC-API: a caller-built credential, signed by an organisation's key


class IssueRefused(ServiceError):
    """The credential cannot be issued as given (VC-API ``/credentials/issue``)."""

    status = 400
    problem = "issue-refused"
    title = "The credential cannot be issued"


VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
#: Defines DataIntegrityProof, cryptosuite and proofValue, which the VC 1.1 context predates.
DI_V2 = "https://w3id.org/security/data-integrity/v2"
ISSUE_OPTIONS = frozenset({"credentialId", "mandatoryPointers", "issuer", "cryptosuite"})
_DATETIME = re.compile(
    r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def organisation_for_issuer(session: Session, keyring: Any,
                            issuer_id: str) -> Organisation | None:
    """The organisation whose issuer id (did:web, or the active key's did:key) is ``issuer_id``."""
    for organisation in session.scalars(select(Organisation).order_by(Organisation.slug)):
        if organisation.did_method == "web":
            if keyring.did_web(organisation) == issuer_id:
                return organisation
            continue
        for info in keyring.key_infos(organisation):
            if info.active and info.algorithm == ALGORITHM \
                    and f"did:key:{info.public_multibase}" == issuer_id:
                return organisation
    return None


def may_issue_for(session: Session, actor: Any, organisation: Any) -> bool:
    """Administrators, the organisation's coordinators and its programmes' trainers."""
    if actor is None or actor.is_administrator:
        return True
    if accounts.is_coordinator(session, actor, organisation.id):
        return True
    return session.scalar(select(ProgrammeRole.id).join(
        Programme, Programme.id == ProgrammeRole.programme_id).where(
        ProgrammeRole.user_id == actor.id, ProgrammeRole.role == ROLE_TRAINER,
        Programme.organisation_id == organisation.id).limit(1)) is not None


def issue_credential(session: Session, actor: Any, keyring: Any, body: Any, *,
                     now: datetime) -> dict[str, Any]:
    """Sign ``body["credential"]`` for the organisation it names as issuer (VC-API).

    ``actor`` None is the operator (loopback conformance mode). Raises :class:`IssueRefused`
    (400) listing every problem found, ``Forbidden`` when the actor may not issue for that
    organisation. Nothing is stored: the caller built the credential and keeps it.
    """
    if not isinstance(body, Mapping):
        raise IssueRefused("the body must be a JSON object {credential, options}")
    unknown = sorted(set(body) - {"credential", "options"})
    errors = [FieldError(f"unknown member {name!r}", field=name) for name in unknown]
    credential = body.get("credential")
    options = body.get("options", {})
    if not isinstance(options, Mapping):
        errors.append(FieldError("must be an object", field="options"))
        options = {}
    errors += [FieldError(f"unknown option {name!r}", field=f"options.{name}")
               for name in sorted(set(options) - ISSUE_OPTIONS)]
    if options.get("mandatoryPointers"):
        errors.append(FieldError("selective disclosure is not supported (both cryptosuites "
                                 "offered sign the whole credential)",
                                 field="options.mandatoryPointers"))
    cryptosuite = options.get("cryptosuite", data_integrity.CRYPTOSUITE)
    if cryptosuite not in data_integrity.CRYPTOSUITES:
        errors.append(FieldError(f"must be one of {', '.join(data_integrity.CRYPTOSUITES)}",
                                 field="options.cryptosuite"))
    if not isinstance(credential, Mapping):
        errors.append(FieldError("give the unsigned credential as a JSON object",
                                 field="credential"))
        raise IssueRefused("the request is not a VC-API issue request", errors)
    credential = json.loads(json.dumps(credential))
    requested = options.get("issuer")
    issuer_id = _issuer_id(credential)
    if requested is not None:
        if not isinstance(requested, str):
            errors.append(FieldError("must be a string (an issuer id)", field="options.issuer"))
        elif issuer_id is not None and issuer_id != requested:
            errors.append(FieldError(f"differs from credential.issuer {issuer_id!r}",
                                     field="options.issuer"))
        elif "issuer" not in credential:
            credential["issuer"] = requested
            issuer_id = requested
    # VC-API: the id the caller wants the credential to have (it keeps the credential).
    wanted_id = options.get("credentialId")
    if wanted_id is not None:
        if not (isinstance(wanted_id, str) and _URI.match(wanted_id)):
            errors.append(FieldError("must be a URL", field="options.credentialId"))
        elif "id" in credential and credential["id"] != wanted_id:
            errors.append(FieldError(f"differs from credential.id {credential['id']!r}",
                                     field="options.credentialId"))
        else:
            credential["id"] = wanted_id
    if _first_context(credential) == VC_V1:
        if "issuanceDate" not in credential:
            # VCDM 1.1 requires it; like other VC-API issuers, the issue time fills it in.
            credential["issuanceDate"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        contexts = credential["@context"]
        if isinstance(contexts, str):
            contexts = credential["@context"] = [contexts]
        if isinstance(contexts, list) and DI_V2 not in contexts:
            # Without it the proof's own terms are undefined in a VC 1.1 credential (the
            # signature would not cover them); appended, so no term the caller chose moves.
            contexts.append(DI_V2)
    errors += _check_unsigned(credential)
    if errors:
        raise IssueRefused("the credential cannot be issued as given", errors)
    organisation = organisation_for_issuer(session, keyring, issuer_id)
    if organisation is None:
        raise IssueRefused("the issuer is not one of this service's organisations", [FieldError(
            f"{issuer_id!r} is not the issuer id of any organisation here (did:web of the "
            "organisation, or the did:key of its active key)", field="credential.issuer")])
    if not may_issue_for(session, actor, organisation):
        raise Forbidden("only the organisation's coordinators and trainers can issue for it")
    identity = keyring.identity(organisation)
    try:
        signed = data_integrity.add_proof(credential, identity.signer(), created=now,
                                          cryptosuite=cryptosuite)
    except UndefinedTermError as exc:
        raise IssueRefused(f"term {exc.term!r} is not defined by the credential's contexts",
                           [FieldError(exc.detail, field="credential")]) from None
    except CredentialsError as exc:
        raise IssueRefused("the credential cannot be signed",
                           [FieldError(exc.detail, field="credential")]) from None
    except RecursionError:
        raise IssueRefused("the credential is nested too deeply") from None
    except Exception:
        # pyld fails in many ways on hostile JSON-LD; it is the input that is wrong.
        log.warning("JSON-LD processing of a credential to issue failed", exc_info=True)
        raise IssueRefused("the credential cannot be processed as JSON-LD", [FieldError(
            "JSON-LD expansion failed; check @context and the shape of its values",
            field="credential")]) from None
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    open_badge = bool({"OpenBadgeCredential", "AchievementCredential"} & set(types))
    if open_badge:
        violations = schema.validate(signed, "AchievementCredential")
        if violations:
            raise IssueRefused("the credential does not follow the Open Badges 3.0 schema", [
                FieldError(v.message, field="credential" + (v.path.replace("/", ".")
                                                            if v.path else ""))
                for v in violations[:20]])
        # The strict 1EdTech schema variant wants the proof as an array (same signature).
        signed = conformance.as_proof_set(signed)
    # The caller chose the dates (a credential valid from tomorrow may be issued); the rest
    # must verify round trip before it is sent.
    conformance.check(signed, identity=identity, now=now,
                      kind=conformance.ACHIEVEMENT if open_badge else None,
                      what="the credential", check_dates=False)
    log.info("VC-API issued %s for %s (actor %s)", signed.get("id", "a credential without id"),
             organisation.slug, getattr(actor, "email", "loopback operator"))
    return signed


def _first_context(credential: Mapping[str, Any]) -> Any:
    contexts = credential.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    return contexts[0] if contexts else None


def _check_unsigned(credential: Mapping[str, Any]) -> list[FieldError]:
    """The VC Data Model's rules a credential must meet before we sign it."""
    errors: list[FieldError] = []

    def bad(field_name: str, message: str) -> None:
        errors.append(FieldError(message, field=f"credential.{field_name}"))

    if "@context" not in credential:
        bad("@context", "is required")
    elif _first_context(credential) not in (VC_V2, VC_V1):
        bad("@context", f"the first context must be {VC_V2} (or {VC_V1})")
    elif not all(isinstance(c, str | dict) for c in (credential["@context"]
                                                      if isinstance(credential["@context"], list)
                                                      else [credential["@context"]])):
        bad("@context", "must be URLs or context objects")
    types = credential.get("type")
    if types is None:
        bad("type", "is required")
    else:
        listed = types if isinstance(types, list) else [types]
        if not all(isinstance(t, str) and t for t in listed):
            bad("type", "must be a string or an array of strings")
        elif "VerifiableCredential" not in listed:
            bad("type", "must include VerifiableCredential")
    if "proof" in credential:
        bad("proof", "the credential is already signed; send it without proof")
    if "id" in credential and not (isinstance(credential["id"], str)
                                   and _URI.match(credential["id"])):
        bad("id", "must be a URL")
    issuer = credential.get("issuer")
    issuer_id = _issuer_id(credential)
    if issuer is None:
        bad("issuer", "is required (or give options.issuer)")
    elif issuer_id is None or not _URI.match(issuer_id):
        bad("issuer", "must be a URL, or an object whose id is a URL")
    subjects = credential.get("credentialSubject")
    listed_subjects = subjects if isinstance(subjects, list) else [subjects]
    if subjects is None:
        bad("credentialSubject", "is required")
    elif not listed_subjects or not all(isinstance(s, Mapping) and s for s in listed_subjects):
        bad("credentialSubject", "must be a non-empty object (or array of objects)")
    else:
        for position, subject in enumerate(listed_subjects):
            if "id" in subject and not (isinstance(subject["id"], str)
                                        and _URI.match(subject["id"])):
                bad(f"credentialSubject[{position}].id", "must be a URL")
    names = ("validFrom", "validUntil") if _first_context(credential) == VC_V2 else (
        "issuanceDate", "expirationDate")
    for name in names:
        if name in credential and not (isinstance(credential[name], str)
                                       and _DATETIME.match(credential[name])):
            bad(name, "must be a date-time with a time zone, e.g. 2026-01-31T12:00:00Z")
    for name in ("credentialStatus", "credentialSchema", "evidence", "termsOfUse",
                 "refreshService"):
        if name not in credential:
            continue
        values = credential[name] if isinstance(credential[name], list) else [credential[name]]
        if not all(isinstance(v, Mapping) and isinstance(v.get("type"), str | list)
                   for v in values):
            bad(name, "each entry must be an object with a type")
        elif name in ("credentialStatus", "credentialSchema") and not all(
                isinstance(v.get("id"), str) and _URI.match(v["id"]) for v in values
                if name == "credentialSchema" or "id" in v):
            bad(name, "id must be a URL")
    for name in ("name", "description"):
        if name in credential and not _language_value(credential[name]):
            bad(name, "must be a string or language value objects {@value, @language}")
    # Before signing: a credential must not pin digests of a context other than the one it is
    # signed and verified with (a bundled resource's digest is recomputed from its bytes).
    errors += [FieldError(finding.detail, field=f"credential.{finding.field}")
               for finding in related_resource.check(credential) if not finding.ok]
    return errors


def _language_value(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, Mapping):
        return isinstance(value.get("@value"), str)
    if isinstance(value, list):
        return bool(value) and all(_language_value(v) and not isinstance(v, list) for v in value)
    return False
