"""What PNG, SVG and PDF baking share: the text embedded (compact JSON or a compact JWT), how
an embedded text is read back, and the size check every reader applies first."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from credentials.errors import BakingError, InputTooLargeError
from credentials.jwt import is_compact_jws

#: Largest image we bake or unbake.
MAX_IMAGE_BYTES = 10 * 1024 * 1024

Credential = dict[str, Any] | str


def _payload_text(credential: Mapping[str, Any] | str) -> str:
    """The text to embed: compact JSON for a credential object, the JWT itself for a string."""
    if isinstance(credential, str):
        if not is_compact_jws(credential):
            raise BakingError(
                "a credential given as a string must be a compact JWT (header.payload.signature)"
            )
        return credential
    if isinstance(credential, Mapping):
        try:
            return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise BakingError(f"credential cannot be serialized as JSON: {exc}") from exc
    raise BakingError(
        f"credential must be a dict or a compact JWT, got {type(credential).__name__}"
    )


def _parse_payload(text: str, where: str) -> Credential:
    """The embedded credential: a JSON object, or a compact JWT string."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except RecursionError as exc:
            raise InputTooLargeError(f"credential JSON in {where} nests too deeply") from exc
        except ValueError as exc:
            raise BakingError(f"credential in {where} is not valid JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise BakingError(f"credential in {where} is not a JSON object")
        return parsed
    if is_compact_jws(stripped):
        return stripped
    if not stripped:
        raise BakingError(f"credential in {where} is empty")
    raise BakingError(f"credential in {where} is neither a JSON object nor a compact JWT")


def _check_size(data: bytes, max_bytes: int, kind: str) -> None:
    if len(data) > max_bytes:
        raise InputTooLargeError(
            f"{kind} of {len(data)} bytes exceeds the {max_bytes}-byte limit", size=len(data)
        )
