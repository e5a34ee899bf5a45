"""Reading a verification request: uploaded files, JSON bodies within the verifier's limits, and
the fetcher and local documents a verification uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request
from werkzeug.datastructures import FileStorage

from badge_service.adapters.fetcher import GuardedFetcher
from badge_service.adapters.keyring import current_keyring
from badge_service.db import db
from badge_service.errors import PayloadTooLarge, ServiceError, UnsupportedMediaType
from badge_service.verification import service
from credentials.errors import CredentialsError, InputTooLargeError
from credentials.verify import MAX_INPUT_BYTES, parse_json


def current_fetcher() -> Any:
    """The application's guarded fetcher (tests and local runs may put their own in
    ``app.extensions["badge_fetcher"]``); one per app, so its cache is shared."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    fetcher = app.extensions.get("badge_fetcher")
    if fetcher is None:
        fetcher = app.extensions.setdefault("badge_fetcher", GuardedFetcher())
    return fetcher


def local_documents(now: datetime) -> service.LocalDocuments:
    return service.LocalDocuments(db.session, current_keyring(),
                                  current_app.config["PUBLIC_BASE_URL"], now=now,
                                  host_organisation=current_app.config["HOST_DID_ORGANISATION"])


def uploaded_files() -> list[FileStorage]:
    """Files actually chosen (browsers send an empty part when none was)."""
    return [f for f in request.files.getlist("files") if f.filename or f.content_length]


def read_upload(upload: FileStorage, limit: int) -> bytes:
    # Read one byte past the limit: enough to know it is too large without reading it all.
    return upload.stream.read(limit + 1)


def json_body() -> dict[str, Any]:
    """The request's JSON object, parsed with the verifier's size and nesting limits."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_INPUT_BYTES:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; the limit is {MAX_INPUT_BYTES}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("the body is not UTF-8 text") from None
    try:
        return parse_json(text)
    except InputTooLargeError as exc:
        raise ServiceError(f"the body is refused: {exc.detail}") from None
    except CredentialsError as exc:
        raise ServiceError(f"the body is not a JSON object: {exc.detail}") from None


