"""Where evidence files live: content-addressed by SHA-256 behind a small storage interface.

A file arrives as a stream and is written in chunks to a staging file beside the store, hashed
and counted on the way: it is never whole in memory, and one larger than the limit is cut off
as soon as the limit is passed. The staged file is checked (its type is read from its content,
see :mod:`badge_service.adapters.content_types`) and only then *placed* under its digest. A
stored file never changes (its name is its digest), so identical uploads share one file and a
digest written into a credential keeps naming the same bytes.

Placing is the caller's last act once the database row that references the file is saved: a
failed upload, or one whose transaction rolls back, leaves nothing behind (``discard``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from badge_service.errors import FieldError, PayloadTooLarge

CHUNK = 64 * 1024
DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StagedFile:
    """An uploaded file written to a staging path, not yet in the store."""

    path: Path
    sha256: str
    size: int


class EvidenceStore(Protocol):
    """What the portfolio needs from a file store (the instance folder by default; an object
    store would implement the same four methods)."""

    def stage(self, chunks: Iterable[bytes], *, max_bytes: int, name: str) -> StagedFile: ...

    def place(self, staged: StagedFile) -> None: ...

    def discard(self, staged: StagedFile) -> None: ...

    def open(self, sha256: str) -> IO[bytes]: ...


def stream_chunks(stream: IO[bytes], size: int = CHUNK) -> Iterable[bytes]:
    """Read ``stream`` in chunks (an uploaded file, a request body, a file on disk)."""
    while chunk := stream.read(size):
        yield chunk


class LocalEvidenceStore:
    """Files under ``root/<2 hex>/<64 hex>``; staging files under ``root/.staging``, on the same
    file system so that placing is an atomic rename."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _staging(self) -> Path:
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True, mode=0o700)
        return staging

    def path_of(self, sha256: str) -> Path:
        if not DIGEST.match(sha256):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha256[:2] / sha256

    def stage(self, chunks: Iterable[bytes], *, max_bytes: int, name: str) -> StagedFile:
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(dir=self._staging(), prefix="upload-")
        path = Path(temporary)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"{name}: the file is larger than {max_bytes} bytes, the largest "
                            "accepted", [FieldError(f"larger than {max_bytes} bytes",
                                                    field="file")])
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedFile(path=path, sha256=digest.hexdigest(), size=size)

    def place(self, staged: StagedFile) -> None:
        final = self.path_of(staged.sha256)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if final.exists():  # same content already stored: keep the one we have
            staged.path.unlink(missing_ok=True)
            return
        os.chmod(staged.path, 0o600)
        os.replace(staged.path, final)

    def discard(self, staged: StagedFile) -> None:
        with contextlib.suppress(FileNotFoundError):
            staged.path.unlink()

    def open(self, sha256: str) -> IO[bytes]:
        return self.path_of(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()
