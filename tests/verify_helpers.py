"""What the verify() tests share: a fixed "now", verify() called with it and an offline
resolver, and the set of problem types a result reports."""

from __future__ import annotations

from datetime import UTC, datetime

from credentials.did import Resolver
from credentials.verify import verify

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _verify(data, **kwargs):
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("resolver", Resolver())
    return verify(data, **kwargs)


def _problems(result) -> set[str]:
    return {p.type for p in result.errors}
