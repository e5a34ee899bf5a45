"""Shared by the tests/credentials/test_schema_validation*.py modules (no tests here): the
bundled OB 3.0 schema URLs and the 1EdTech validator's signed credentials."""

from __future__ import annotations

import json
from pathlib import Path

OB_JSON = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
PROFILE_URL = OB_JSON + "ob_v3p0_profile_schema.json"


def signed_vector(standards_dir: Path, name: str) -> dict:
    """One of the 1EdTech validator's signed credentials (test-vectors/1edtech-validator-signed)."""
    path = standards_dir / "test-vectors" / "1edtech-validator-signed" / name
    return json.loads(path.read_text(encoding="utf-8"))
