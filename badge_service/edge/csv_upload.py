"""Reading the CSV of an import request, the same way for every domain that imports one
(cohorts, awards): a multipart field ``file`` or a text/csv body, within MAX_IMPORT_BYTES."""

from __future__ import annotations

from flask import current_app, request

from badge_service.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

#: Media types a CSV body may be sent as (spreadsheets and browsers differ).
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")


def read_upload() -> bytes:
    """The CSV of an import request: multipart field ``file`` or a text/csv body."""
    limit = int(current_app.config["MAX_IMPORT_BYTES"])
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise PayloadTooLarge(f"the largest accepted import is {limit} bytes")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("send the CSV file in the multipart field 'file'",
                                   [FieldError("is required", field="file")])
        data = upload.stream.read(limit + 1)
    elif request.mimetype in CSV_TYPES:
        data = request.get_data(cache=False)
    else:
        raise UnsupportedMediaType(
            "send the CSV as multipart/form-data (field 'file') or as the body with "
            "Content-Type: text/csv")
    if len(data) > limit:
        raise PayloadTooLarge(f"the largest accepted import is {limit} bytes")
    return data
