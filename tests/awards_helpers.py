"""Shared set-up for the award tests (API, pages, CLI, end-to-end): the demo world and a few
shortcuts to award and read credentials over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

from accounts_helpers import bearer
from issuing_helpers import World, build_world
from sqlalchemy import func, select

from badge_service.awards.models import IssuedCredential
from badge_service.db import db

__all__ = ["World", "award_json", "build_world", "count_credentials", "trainer_headers"]


def count_credentials() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(IssuedCredential)) or 0


def trainer_headers(world: World) -> dict[str, str]:
    return bearer(world.trainer)


def award_json(client: Any, headers: dict[str, str], achievement_id: uuid.UUID,
               recipients: list[dict[str, Any]], *, key: str | None = None,
               notify: bool = False, expect: int | None = 201) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    response = client.post(f"/api/v1/achievements/{achievement_id}/awards",
                           json={"recipients": recipients, "notify": notify},
                           headers={**headers, **extra})
    if expect is not None:
        assert response.status_code == expect, response.get_data(as_text=True)
    return response
