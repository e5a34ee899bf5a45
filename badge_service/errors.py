"""The service layer's error hierarchy, mapped once to RFC 9457 problem details at the HTTP edge
(see :mod:`badge_service.edge.problems`).

``detail`` and ``errors`` are written for the person who sent the request: they say what is wrong
and where (field, row), and never include internal state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with the input: where (field and/or row/line) and what."""

    message: str
    field: str | None = None
    row: int | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


class ServiceError(Exception):
    status = 400
    problem = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])


class ValidationFailed(ServiceError):
    status = 422
    problem = "validation-failed"
    title = "The input is not valid"


class NotFound(ServiceError):
    status = 404
    problem = "not-found"
    title = "Not found"


class AuthenticationRequired(ServiceError):
    status = 401
    problem = "authentication-required"
    title = "Authentication required"


class Forbidden(ServiceError):
    status = 403
    problem = "forbidden"
    title = "Not allowed"


class Conflict(ServiceError):
    status = 409
    problem = "conflict"
    title = "Conflict with the current state"


class PayloadTooLarge(ServiceError):
    status = 413
    problem = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(ServiceError):
    status = 415
    problem = "unsupported-media-type"
    title = "Unsupported media type"


class TooManyRequests(ServiceError):
    status = 429
    problem = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        #: Seconds until a new attempt can succeed; sent as the Retry-After header.
        self.retry_after = retry_after
