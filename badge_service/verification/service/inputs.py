"""What there is to verify, and reading it: URLs, uploaded files, documents given directly.

An employer has credential URLs or files (JSON, VC-JWT, baked PNG/SVG, our PDF certificate; a QR
code on a certificate encodes our public URL, so it is a URL too). This module checks how much
was asked, tells files apart by their bytes and loads each input; what cannot be loaded comes
back as an :class:`Unreadable`, which the report turns into a plain-language card.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from badge_service.adapters.fetcher import GuardedFetcher
from badge_service.errors import FieldError, ValidationFailed
from badge_service.verification.service.local import Fetcher, LocalDocuments
from badge_service.verification.service.texts import UNAVAILABLE
from credentials import baking
from credentials.errors import CredentialsError

log = logging.getLogger(__name__)

#: What we ask for when a URL should give us a credential (content negotiation).
VC_ACCEPT = "application/vc+ld+json, application/ld+json, application/json"
MAX_URLS = 20
MAX_FILES = 10
MAX_URL_LENGTH = 2000
MAX_JWT_BYTES = 1024 * 1024

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JWT = re.compile(rb"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


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


def with_accept(fetcher: Fetcher, accept: str) -> Fetcher:
    """The same guarded fetcher asking for another media type (own cache: other answers)."""
    if isinstance(fetcher, GuardedFetcher):
        return dataclasses.replace(fetcher, accept=accept, _cache=OrderedDict(),
                                   _lock=threading.Lock())
    return fetcher


@dataclass(frozen=True)
class Unreadable:
    """Why an input could not be loaded; the report shows it as a failed ``check``."""

    verdict: str
    check: str
    problem: str
    detail: str


def load_url(url: str, fetch: Fetcher,
             local: LocalDocuments | None) -> bytes | dict | Unreadable:
    """The document at ``url``: ours straight from the database (an address of ours that is no
    credential is said to be one), any other through ``fetch``."""
    parts = urlsplit(url)
    if len(url) > MAX_URL_LENGTH or parts.scheme not in ("https", "http") or not parts.netloc:
        return Unreadable("malformed", "fetch", "not-a-url",
                          "give the credential's web address, starting with https://")
    if local is not None and local.owns(url):
        issued = local.issued(url)
        if issued is None:
            return Unreadable(UNAVAILABLE, "fetch", "unknown-credential",
                              f"{url} is not a credential issued by this service")
        return issued.document
    try:
        body = fetch(url)
    except CredentialsError as exc:
        return Unreadable(UNAVAILABLE, "fetch", "unavailable", exc.detail)
    except Exception:
        log.exception("fetching %s failed unexpectedly", url)
        return Unreadable(UNAVAILABLE, "fetch", "unavailable", f"{url} could not be fetched")
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return Unreadable(UNAVAILABLE, "fetch", "web-page",
                          f"{url} answered with a web page, not a credential")
    return body


def load_file(data: bytes, max_bytes: int) -> bytes | dict | str | Unreadable:
    """An uploaded file as the library reads it (it unbakes PNG and SVG itself)."""
    if len(data) > max_bytes:
        return Unreadable("malformed", "file", "too-large",
                          f"the file is {len(data)} bytes; the limit is {max_bytes} bytes")
    kind = sniff(data)
    if kind is None:
        return Unreadable("malformed", "file", "unsupported-file",
                          "not a JSON, JWT, PNG, SVG or PDF file")
    if kind != "pdf":
        return data
    return pdf_credential(data)


def pdf_credential(data: bytes) -> bytes | dict | str | Unreadable:
    """The credential attached to a PDF certificate, read by the library (credentials.baking)
    like a baked PNG or SVG; a PDF without one is told as "no-attachment", in words for people.
    """
    detail = "the PDF carries no credential attachment that could be read"
    try:
        extracted = baking.unbake_pdf(data)
    except CredentialsError as exc:
        extracted, detail = None, exc.detail  # written for people: what is wrong with the PDF
    except Exception:
        # A hostile PDF can break a parser in many ways; the person only needs to know it
        # carries no credential we can read.
        log.info("no credential could be extracted from an uploaded PDF", exc_info=True)
        extracted = None
    if not extracted:
        return Unreadable("malformed", "file", "no-attachment", detail)
    return extracted
