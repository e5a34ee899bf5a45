"""Shared by the tests/credentials/test_data_integrity*.py modules (no tests here): the
`created` time of the W3C eddsa-rdfc-2022 vectors, which the round-trip tests reuse."""

from __future__ import annotations

from datetime import UTC, datetime

CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
