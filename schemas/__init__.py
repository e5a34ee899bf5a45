"""Pinned standards data: JSON-LD contexts and JSON Schemas shipped with the product.

``manifest.json`` maps each canonical URL to its file and sha256. The files are taken, byte for
byte, from registry packages that distribute them (see ``schemas/README.md`` and
``schemas/refresh.py``); :func:`load_manifest` refuses to serve a file whose digest has drifted.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


class ManifestError(RuntimeError):
    """A bundled file is missing or does not match the digest the manifest pins."""


@cache
def load_manifest() -> dict[str, Any]:
    """Return the manifest, after checking every listed file against its sha256."""
    manifest: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    for section in ("contexts", "json_schemas"):
        for entry in manifest.get(section, []):
            path = ROOT / entry["file"]
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                raise ManifestError(f"bundled file {entry['file']} is missing") from exc
            if digest != entry["sha256"]:
                raise ManifestError(
                    f"bundled file {entry['file']} has sha256 {digest}, "
                    f"the manifest pins {entry['sha256']}"
                )
    return manifest


@cache
def bundled_documents(section: str = "contexts") -> dict[str, dict[str, Any]]:
    """Parsed documents of one manifest section, keyed by canonical URL."""
    out: dict[str, dict[str, Any]] = {}
    for entry in load_manifest().get(section, []):
        out[entry["url"]] = json.loads((ROOT / entry["file"]).read_text(encoding="utf-8"))
        for alias in entry.get("aliases", []):
            out[alias] = out[entry["url"]]
    return out
