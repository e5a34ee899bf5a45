"""What the programme's pages and its API share at the request edge: the link a new trainer's
invitation carries. Here, below both, because the API must not import the pages (the layers
contract of pyproject.toml); the page that spends the link is in views."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, url_for

from badge_service.programmes.models import Programme


def trainer_invitation_link(programme: Programme) -> Callable[[str], str]:
    """The absolute link of a trainer's invitation (the API uses it too)."""
    def link(token: str) -> str:
        return current_app.config["PUBLIC_BASE_URL"] + url_for(
            "programmes.trainer_invitation", programme_id=programme.id, token=token)
    return link
