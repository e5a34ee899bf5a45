"""openbadgeslib, the independent Python verifier some tests run."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def import_ldp(*, allow_module_level: bool = False) -> ModuleType:
    """openbadgeslib.ob3.ldp. It is a test extra: a developer's clone without it skips the
    tests that need it and says so. Under CI (``CI`` set) the extra is always installed, so its
    absence is a failure, never a silent skip — the same rule as ``require_shared`` in
    conftest.py."""
    try:
        return importlib.import_module("openbadgeslib.ob3.ldp")
    except ImportError as exc:
        message = f"openbadgeslib[ldp] (a test extra) cannot be imported: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " — required under CI", pytrace=False)
        pytest.skip(message, allow_module_level=allow_module_level)
