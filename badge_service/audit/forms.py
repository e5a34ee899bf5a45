"""Reading the audit trail's filters from a request, the same way for the API and the page
(``?action=&since=&until=``), and the CSV download both answer with."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from flask import Response

from badge_service.audit import service as audit
from badge_service.errors import FieldError, ValidationFailed

#: The query parameters, for the OpenAPI document.
FILTER_QUERY = (
    ("action", "string", "one action (credential.revoked) or a family (credential: every "
                         "credential.* action)"),
    ("since", "string", "ISO 8601 instant with a time zone, or a date (midnight UTC); "
                        "inclusive"),
    ("until", "string", "ISO 8601 instant with a time zone, or a date (midnight UTC); "
                        "exclusive"),
)


def _moment(args: Mapping[str, str], name: str, errors: list[FieldError]) -> datetime | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        errors.append(FieldError("give an ISO 8601 date (2026-09-15) or instant "
                                 "(2026-09-15T10:00:00Z)", field=name))
        return None
    if moment.tzinfo is None:
        errors.append(FieldError("give a time zone (e.g. Z or +01:00)", field=name))
        return None
    return moment


def filters_from(args: Mapping[str, str]) -> audit.Filters:
    """The filters of ``args`` (a request's query string); 422 naming each bad parameter."""
    errors: list[FieldError] = []
    since = _moment(args, "since", errors)
    until = _moment(args, "until", errors)
    if errors:
        raise ValidationFailed("the audit trail filters are not valid", errors)
    return audit.Filters(action=(args.get("action") or "").strip() or None, since=since,
                         until=until)


def csv_response(data: bytes, filename: str) -> Response:
    """A CSV download: an attachment, never sniffed as anything else."""
    response = Response(data, mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
