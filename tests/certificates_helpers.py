"""What the certificate tests and the signed-text tests share: the fonts a PDF needs (skip
outside CI, fail under CI) and reading a PDF's text back."""

from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader

from badge_service.certificates import service as certificates
from badge_service.certificates.service import CertificateUnavailable


def need(present: bool, what: str) -> None:
    """Skip outside CI when a system package is missing; fail under CI (.ci/run installs it)."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} — required under CI (.ci/run installs it)")
    pytest.skip(f"{what}; install it to run this test")


@pytest.fixture(scope="session")
def fonts() -> None:
    try:
        certificates.check_fonts()
    except CertificateUnavailable as exc:
        need(False, exc.detail)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    return "".join(text.split())
