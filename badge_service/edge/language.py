"""The language of this request's page or answer: :func:`badge_service.locale.choose_language`
given what the request carries (its ``Accept-Language``) and the service's settings, so that
views and APIs do not each read the header and the configuration their own way."""

from __future__ import annotations

from flask import current_app, request

from badge_service.locale import DEFAULT_LANGUAGE, choose_language


def configured_language() -> str:
    """The ``DEFAULT_LANGUAGE`` setting: new accounts' and members' language, and a page's when
    nothing else says."""
    return str(current_app.config["DEFAULT_LANGUAGE"])


def request_language(requested: str | None = None, *, preferred: str | None = None,
                     default: str | None = None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """``requested`` (``?lang=``), else ``preferred``, else the browser's preference, else
    ``default`` (the credential's), else ``fallback``."""
    return choose_language(requested, preferred, request.accept_languages, default,
                           fallback=fallback)
