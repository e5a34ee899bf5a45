"""Reading verification input: a JSON object (dict, str or bytes), a compact VC-JWT, or a
credential baked into a PNG, an SVG or a PDF, with the size and nesting limits verification
applies before any costly work."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import baking
from .errors import InputTooLargeError, MalformedInputError
from .jwt import is_compact_jws

#: Largest input verified (a PDF certificate carrying a credential included).
MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_JSON_DEPTH = 48


def _parse(data: bytes | str | Mapping[str, Any]) -> tuple[str, dict[str, Any] | str]:
    if isinstance(data, Mapping):
        _check_depth(data)
        return "json", dict(data)
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes | str):
        # A presentation may carry anything as a "credential": a number, null, a list…
        kind = "null" if data is None else type(data).__name__
        raise MalformedInputError(
            f"expected a credential (a JSON object, a VC-JWT or a baked image), got {kind}"
        )
    if len(data) > MAX_INPUT_BYTES:
        raise InputTooLargeError(
            f"input is {len(data)} bytes; the limit is {MAX_INPUT_BYTES} bytes"
        )
    if isinstance(data, bytes):
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return "png", _baked(baking.unbake_png(data))
        if baking.is_pdf(data):
            return "pdf", _baked(baking.unbake_pdf(data))
        # xml_head: a UTF-16 or UTF-32 SVG (as some editors export) is an SVG too.
        head = baking.xml_head(data, 256).lower()
        if head.startswith((b"<?xml", b"<svg", b"<!--")) or b"<svg" in head:
            return "svg", _baked(baking.unbake_svg(data))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MalformedInputError(
                "input is neither UTF-8 text (JSON or JWT) nor a PNG or SVG image"
            ) from None
    text = data.strip()
    if is_compact_jws(text):
        return "jwt", text
    return "json", parse_json(text)


def _baked(content: dict[str, Any] | str) -> dict[str, Any] | str:
    if isinstance(content, str):
        text = content.strip()
        return text if is_compact_jws(text) else parse_json(text)
    _check_depth(content)
    return content


def parse_json(text: str) -> dict[str, Any]:
    """Parse a JSON object with the size and nesting limits verification applies."""
    if len(text) > MAX_INPUT_BYTES:
        raise InputTooLargeError(f"JSON is {len(text)} characters; limit {MAX_INPUT_BYTES}")
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputTooLargeError(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise MalformedInputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(value, dict):
        raise MalformedInputError("JSON input must be an object (a credential or presentation)")
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    # Iterative, so that a hostile document cannot exhaust the stack here either.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputTooLargeError(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(node, Mapping):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
