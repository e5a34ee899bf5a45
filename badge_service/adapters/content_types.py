"""What an uploaded file really is: read from its content by libmagic (the ``file`` command's
library, through ``python-magic``), never from its name or the type the browser declared.

A file is accepted when the type read from its content is allowed, and when neither its name's
extension nor its declared type says something else: a ``.pdf`` that is a Windows program, or a
``.jpg`` that is HTML, is refused with a message naming the file and the rule.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import magic

from badge_service.errors import FieldError, UnsupportedMediaType

#: Default of the EVIDENCE_TYPES setting: what teachers' portfolios hold — documents, images,
#: audio, video and archives. Not HTML or SVG (they run scripts when opened from our origin),
#: nor programs.
DEFAULT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/epub+zip",
    "text/plain", "text/csv", "text/markdown",
    "image/png", "image/jpeg", "image/gif", "image/webp",
    "audio/mpeg", "audio/ogg", "audio/wav", "audio/flac", "audio/mp4", "audio/webm",
    "video/mp4", "video/webm", "video/ogg", "video/quicktime",
    "application/zip", "application/gzip", "application/x-tar", "application/x-7z-compressed",
)

# Different names libmagic and the mimetypes table give to one type.
_ALIASES = {
    "audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav",
    "audio/x-flac": "audio/flac", "audio/x-m4a": "audio/mp4", "video/x-m4v": "video/mp4",
    "application/x-zip-compressed": "application/zip", "application/x-gzip": "application/gzip",
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/ogg": "audio/ogg",
    "text/x-markdown": "text/markdown",
}
# Zip-based formats: older libmagic or unusual writers may only see "a zip" in them.
_ZIP_BASED = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/epub+zip",
}
# Types that are text: plain text read by libmagic is what a .csv or .md is.
_TEXT = {"text/plain", "text/csv", "text/markdown"}
# Say nothing about the content.
_UNINFORMATIVE = {"", "application/octet-stream", "binary/octet-stream"}


def normalise(media_type: str | None) -> str:
    base = (media_type or "").split(";")[0].strip().lower()
    return _ALIASES.get(base, base)


def parse_types(setting: str | None) -> frozenset[str]:
    """The EVIDENCE_TYPES setting (comma-separated media types), or the default list."""
    if not setting:
        return frozenset(DEFAULT_TYPES)
    return frozenset(normalise(t) for t in setting.split(",") if t.strip())


def detect(path: Path) -> str:
    """The media type of the file's content (libmagic reads only what it needs)."""
    return normalise(magic.from_file(str(path), mime=True))


def _compatible(detected: str, claimed: str) -> bool:
    if detected == claimed:
        return True
    if detected == "text/plain" and claimed in _TEXT:
        return True
    if detected == "audio/ogg" and claimed in {"video/ogg", "audio/ogg"}:
        return True
    if detected.startswith("video/") and claimed.startswith("audio/"):
        # An audio-only MP4/WebM is often read as video (same container).
        return detected.split("/")[1] == claimed.split("/")[1]
    return detected == "application/zip" and claimed in _ZIP_BASED


def check(path: Path, *, filename: str, declared: str | None,
          allowed: frozenset[str]) -> str:
    """The file's media type, or UnsupportedMediaType naming the file and the rule broken."""
    detected = detect(path)
    if detected not in allowed:
        raise UnsupportedMediaType(
            f"{filename}: files of type {detected} are not accepted",
            [FieldError(f"type {detected} is not among the accepted types", field="file")])
    by_name = normalise(mimetypes.guess_type(filename)[0]) if Path(filename).suffix else ""
    if by_name and not _compatible(detected, by_name):
        raise UnsupportedMediaType(
            f"{filename}: its content is {detected}, but its name says {by_name}",
            [FieldError("the content does not match the file name's extension", field="file")])
    claimed = normalise(declared)
    if claimed not in _UNINFORMATIVE and not _compatible(detected, claimed):
        raise UnsupportedMediaType(
            f"{filename}: its content is {detected}, but it was sent as {claimed}",
            [FieldError("the content does not match the declared type", field="file")])
    return detected
