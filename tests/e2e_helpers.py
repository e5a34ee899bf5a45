"""An employer's verifier reading our served routes through the test client, and the API
calls the end-to-end tests make (award, fetch, set a status): shared by
awards/test_e2e_award_verify.py and verification/test_bound_form_service.py."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from badge_service.clock import utcnow
from credentials.did import Resolver
from credentials.verify import verify

BASE = "https://badges.example.org"
VC_LD_JSON = "application/vc+ld+json"
STATUS_MAX_AGE = 300  # seconds: a revocation must reach verifiers within minutes


# --- an employer's verifier, reading our served routes ----------------------------------------


class Served:
    """Fetches public URLs of the service through the test client, as a verifier would over
    HTTPS, and remembers the responses (to check their headers)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.responses: dict[str, Any] = {}

    def get(self, url: str, **headers: str) -> Any:
        assert url.startswith(BASE + "/"), f"not one of our URLs: {url}"
        response = self.client.get(url.removeprefix(BASE), headers=headers)
        self.responses[url] = response
        return response

    def fetch(self, url: str) -> bytes:
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.data

    def status_list(self, url: str) -> dict:
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        cache = response.headers["Cache-Control"]
        max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
        assert max_age <= STATUS_MAX_AGE, cache
        return json.loads(response.data)

    def verify(self, document: dict, *, now=None) -> Any:
        # A fresh resolver each time: nothing is remembered between verifications.
        return verify(document, now=now or utcnow(), resolver=Resolver(fetcher=self.fetch),
                      fetch_status_list=self.status_list)


def award(client, headers, achievement_id, emails, *, key=None, notify=True) -> list[dict]:
    response = client.post(f"/api/v1/achievements/{achievement_id}/awards",
                           json={"recipients": [{"email": e} for e in emails],
                                 "notify": notify},
                           headers={**headers, **({"Idempotency-Key": key} if key else {})})
    assert response.status_code == 201, response.get_data(as_text=True)
    return [o["credential"] for o in response.json["outcomes"]]


def fetch_credential(app, client, headers, served: Served, credential: dict) -> dict:
    """The signed credential from its public id URL (content negotiation), checked to be
    exactly what the trainers' API says was issued."""
    stored = client.get(f"/api/v1/credentials/{credential['id']}", headers=headers).json[
        "document"]
    for media_type in (VC_LD_JSON, "application/ld+json", "application/json"):
        response = served.get(credential["url"], Accept=media_type)
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert json.loads(response.data) == stored  # exactly as issued
    return stored


def service_verdict(app, client, url: str) -> str:
    """The verdict of the service's own public verification API for a credential URL (it
    knows, from its records, whether a set bit means revoked)."""
    response = client.post("/api/v1/verify", json={"urls": [url], "lang": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [report] = response.json["results"]
    return report["verdict"]


def download(served: Served, url: str, media_type: str) -> bytes:
    response = served.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == media_type
    return response.data


def verify_files(client, files: dict[str, bytes]) -> dict[str, dict]:
    """What an employer gets for uploaded files from ``POST /api/v1/verify``, by file name."""
    response = client.post("/api/v1/verify",
                           data={"files": [(io.BytesIO(data), name)
                                           for name, data in files.items()], "lang": "en"},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    reports = response.json["results"]
    assert len(reports) == len(files)
    return dict(zip(files, reports, strict=True))


def status_check(report: dict) -> dict:
    [check] = [c for c in report["checks"] if c["name"] == "status"]
    return check


def set_status(client, headers, credential_id: str, action: str, reason: str | None = None):
    response = client.post(f"/api/v1/credentials/{credential_id}/status",
                           json={"action": action, "reason": reason}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def link_in(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(re.escape(BASE) + r"/credentials/[0-9a-f-]{36}", text)
    assert len(links) == 1, text
    return links[0]


# --- the journey ------------------------------------------------------------------------------
