"""Uploaded evidence files: streamed to the store's staging area, checked by content, and placed
under their digest only once the version that references them is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from badge_service.adapters import content_types
from badge_service.adapters.evidence_store import EvidenceStore, StagedFile, stream_chunks
from badge_service.db import after_commit
from badge_service.errors import FieldError, ValidationFailed

MAX_NAME = 255


@dataclass(frozen=True)
class Upload:
    """A file as it arrives: its stream (read once, in chunks), the name and declared type the
    sender gave."""

    stream: IO[bytes]
    filename: str
    declared_type: str | None = None


@dataclass(frozen=True)
class FileRules:
    """The EVIDENCE_MAX_BYTES and EVIDENCE_TYPES settings."""

    max_bytes: int
    allowed: frozenset[str]


@dataclass(frozen=True)
class CheckedFile:
    staged: StagedFile
    filename: str
    media_type: str


def _clean_name(filename: str) -> str:
    # Browsers on Windows may send the whole path; only the last part is the name.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if not name:
        raise ValidationFailed("the file has no name",
                               [FieldError("a file name is required", field="file")])
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"{name[:40]}…: the file name is longer than {MAX_NAME} characters",
                               [FieldError(f"at most {MAX_NAME} characters", field="file")])
    return name


def receive(upload: Upload, *, store: EvidenceStore, rules: FileRules) -> CheckedFile:
    """Stage and check one file; a refused file leaves nothing behind. The caller saves the
    version, then :func:`keep` places the file once the transaction commits."""
    name = _clean_name(upload.filename)
    staged = store.stage(stream_chunks(upload.stream), max_bytes=rules.max_bytes, name=name)
    try:
        if staged.size == 0:
            raise ValidationFailed(f"{name}: the file is empty",
                                   [FieldError("the file is empty", field="file")])
        media_type = content_types.check(staged.path, filename=name,
                                         declared=upload.declared_type, allowed=rules.allowed)
    except BaseException:
        store.discard(staged)
        raise
    return CheckedFile(staged=staged, filename=name, media_type=media_type)


def keep(checked: CheckedFile, store: EvidenceStore) -> None:
    """Place the file when the transaction commits; delete the staged copy if it rolls back."""
    after_commit(lambda: store.place(checked.staged),
                 on_rollback=lambda: store.discard(checked.staged))
