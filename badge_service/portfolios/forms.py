"""What the portfolio's API, pages and commands share: the evidence store and the file rules
the settings give, and reading a request's evidence fields and file."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, send_file

from badge_service.adapters import content_types
from badge_service.adapters.evidence_store import LocalEvidenceStore
from badge_service.portfolios.service import FileRules, Upload

#: Form fields of an evidence item besides its file (``competences`` is repeated).
FIELDS = ("kind", "title", "description", "url", "text", "text_format")


def store() -> LocalEvidenceStore:
    return LocalEvidenceStore(current_app.config["EVIDENCE_DIR"])


def rules() -> FileRules:
    return FileRules(max_bytes=current_app.config["EVIDENCE_MAX_BYTES"],
                     allowed=content_types.parse_types(current_app.config["EVIDENCE_TYPES"]))


def allow_large_body() -> None:
    """An evidence upload may be far larger than other requests (MAX_CONTENT_LENGTH); the
    store still cuts the file at EVIDENCE_MAX_BYTES. Werkzeug spools a large file part to a
    temporary file, never keeping it whole in memory."""
    request.max_content_length = current_app.config["EVIDENCE_MAX_BYTES"] + 1024 * 1024


def form_data(*, edit: bool = False) -> dict[str, Any]:
    """The evidence fields of a form post (a multipart API call or a page). On an edit, a field
    the form does not carry is left out, so the current version's value is kept."""
    data: dict[str, Any] = {k: request.form[k] for k in FIELDS if k in request.form}
    if "competences" in request.form or not edit or "competences_present" in request.form:
        data["competences"] = [c for c in request.form.getlist("competences") if c]
    return data


def uploaded_file() -> Upload | None:
    part = request.files.get("file")
    if part is None or not part.filename:
        return None
    return Upload(stream=part.stream, filename=part.filename,
                  declared_type=part.mimetype or None)


def send_version_file(version: Any) -> Any:
    """The file of an evidence version, as a download: never shown inline from our origin (an
    evidence file is the participant's, not ours), private to the one who may see it."""
    response = send_file(store().open(version.file_sha256), mimetype=version.file_type,
                         as_attachment=True, download_name=version.file_name,
                         etag=version.file_sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Digest"] = f"sha-256={version.file_sha256}"
    return response
