"""Uploaded framework files: size and type checks, decoding, and the choice of parser.

The format is recognised by content (a JSON object is a CASE package, anything else is CSV), so
that a file named wrongly still imports.
"""

from __future__ import annotations

import json

from badge_service.errors import FieldError, PayloadTooLarge, UnsupportedMediaType
from badge_service.formats.case.csv_read import parse_csv
from badge_service.formats.case.json_read import parse_package
from badge_service.formats.case.model import ParseResult


def read(content: bytes, *, max_bytes: int, title: str | None = None,
         language: str = "en") -> tuple[str, ParseResult]:
    """Decode an uploaded file, recognise its format by content, parse it.

    Returns ``("case" | "csv", result)``. Raises PayloadTooLarge / UnsupportedMediaType.
    """
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"the file is {len(content)} bytes; the limit is {max_bytes} bytes "
            "(setting MAX_IMPORT_BYTES)")
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedMediaType("spreadsheet files are not accepted: save the sheet as "
                                   "'CSV UTF-8' or export a CASE JSON package")
    if b"\x00" in content:
        raise UnsupportedMediaType("this is not a text file: send a CASE JSON package or a "
                                   "UTF-8 CSV file")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[:exc.start].count(b"\n") + 1
        raise UnsupportedMediaType(
            f"the file is not UTF-8 text (first bad byte on line {line}); save it as UTF-8",
            [FieldError("not UTF-8", row=line)]) from None
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        return "case", parse_json_text(text)
    if text.lstrip().startswith("["):
        return "case", ParseResult(None, [FieldError(
            "a CASE package is a JSON object ({…}), not an array")])
    return "csv", parse_csv(text, title=title, language=language)


def parse_json_text(text: str) -> ParseResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParseResult(None, [FieldError(f"not valid JSON: {exc.msg} (column {exc.colno})",
                                             row=exc.lineno)])
    except RecursionError:
        return ParseResult(None, [FieldError("not valid JSON: nested too deeply")])
    return parse_package(data)
