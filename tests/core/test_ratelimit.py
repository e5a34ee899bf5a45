"""Public verification is rate-limited per client address (429 with Retry-After)."""

from __future__ import annotations

import pytest

from badge_service.edge.ratelimit import SlidingWindow


def test_sliding_window_allows_then_refuses_then_recovers():
    now = [1000.0]
    window = SlidingWindow(clock=lambda: now[0])
    assert [window.hit("a", 3) for _ in range(3)] == [None, None, None]
    wait = window.hit("a", 3)
    assert wait == pytest.approx(60.0)
    assert window.hit("b", 3) is None  # another client is not affected
    now[0] += 61
    assert window.hit("a", 3) is None


@pytest.fixture
def app_config(app_config):
    return {**app_config, "VERIFY_RATE_PER_MINUTE": 2}


def test_public_verification_endpoints_are_limited(client):
    body = {"verifiableCredential": {"@context": ["https://www.w3.org/ns/credentials/v2"]}}
    codes = [client.post("/credentials/verify", json=body).status_code for _ in range(3)]
    assert codes[:2] != [429, 429]
    assert codes[2] == 429
    refused = client.post("/api/v1/verify", json={"urls": ["https://example.org/x"]})
    assert refused.status_code == 429
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    # Showing the empty form is not counted.
    assert client.get("/verify").status_code == 200
