"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def require_shared() -> Path:
    """The read-only standards/fixtures folder beside the repo.

    Outside CI it may be absent (a developer's own clone): the oracle tests skip and say why.
    Under CI it is always provided, so its absence is a failure, never a silent skip.
    """
    if SHARED.is_dir():
        return SHARED
    message = f"{SHARED} (../shared with the standards oracles) is absent"
    if os.environ.get("CI"):
        pytest.fail(message + " — required under CI")
    pytest.skip(message + "; these oracle tests run where it is present")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def standards_dir(shared_dir: Path) -> Path:
    return shared_dir / "standards"
