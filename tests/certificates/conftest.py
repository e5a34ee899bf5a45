"""Fixtures of the certificate tests: the tools that read a page back (pdftoppm, zbarimg)."""

from __future__ import annotations

import shutil

import pytest
from certificates_helpers import need


@pytest.fixture(scope="session")
def tools() -> None:
    need(shutil.which("pdftoppm") is not None, "pdftoppm (Debian package poppler-utils)")
    need(shutil.which("zbarimg") is not None, "zbarimg (Debian package zbar-tools)")
