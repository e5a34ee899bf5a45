"""Private files on disk: single encrypted key files (the command line's ``--key``/``--out``)
and the careful reads and writes the key store shares with them.

Files are written 0600 through a temp file and never replace an existing key; reads refuse
files that group or others can access, and never follow a symlink.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from credentials.errors import KeyError_
from credentials.key_pair import KeyPair
from credentials.pkcs8 import MAX_KEY_FILE_BYTES

__all__ = [
    "ensure_private_directory",
    "read_key_file",
    "read_private_file",
    "write_atomic",
    "write_key_file",
]


def write_key_file(
    path: str | os.PathLike[str],
    key: KeyPair,
    passphrase: str | bytes,
    *,
    scrypt_log_n: int = 17,
) -> None:
    """Write ``key`` encrypted to a new file with mode 0600; an existing file is never replaced."""
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise KeyError_(f"{target} already exists; refusing to overwrite a key file")
    write_atomic(
        target, key.to_encrypted_pem(passphrase, scrypt_log_n=scrypt_log_n), overwrite=False
    )


def read_key_file(path: str | os.PathLike[str], passphrase: str | bytes) -> KeyPair:
    """Read a key written by :func:`write_key_file` (or a store file); refuses loose modes."""
    source = f"key file {Path(path)}"
    return KeyPair.from_encrypted_pem(
        read_private_file(Path(path), source), passphrase, source=source
    )


def read_private_file(path: Path, source: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise KeyError_(f"{source} does not exist", path=str(path)) from None
    except OSError as exc:
        raise KeyError_(f"cannot open {source}: {exc.strerror}", path=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if os.name == "posix" and mode & 0o077:
            raise KeyError_(
                f"{source} is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
                f"refusing to use it. Run: chmod 600 {path}",
                path=str(path),
            )
        return handle.read(MAX_KEY_FILE_BYTES + 1)


def ensure_private_directory(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        mode = stat.S_IMODE(directory.stat().st_mode)
        if mode & 0o077:
            # Key ids are not secret, but a directory others can write to lets them swap files.
            with contextlib.suppress(PermissionError):
                directory.chmod(0o700)


def write_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write via a 0600 temp file, fsync, rename (or link, never replacing), fsync the dir."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                # link() fails when the target exists, so a racing writer is never clobbered.
                os.link(tmp, path)
            except FileExistsError:
                raise KeyError_(f"{path} already exists; refusing to overwrite it") from None
            tmp.unlink()
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
