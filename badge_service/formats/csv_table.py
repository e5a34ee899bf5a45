"""Reading CSV files people export from spreadsheets, enrolment systems and Moodle.

A pure layer (no Flask, no database): bytes in, rows with line numbers out, or a
:class:`~badge_service.errors.ServiceError` that says what is wrong and on which line. Any
importer (cohorts, frameworks, results) can reuse it with its own column list.

What it accepts, and why:

- **Encoding**: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes one).
  Anything else is refused with the line of the first invalid byte: guessing Windows-1252 would
  silently turn "Hélène" into "HÃ©lÃ¨ne" or the reverse. UTF-16 (Excel's "Unicode text") and
  spreadsheet files (xlsx, xls, ods, PDF) are recognised by their first bytes and named.
- **Delimiter**: comma or semicolon (French-locale Excel writes ";"), sniffed from the header
  line only: the data lines may contain either character inside quoted fields.
- **Line endings**: CRLF, LF or CR.
- **Quoting**: RFC 4180, including quotes doubled inside quoted fields and line breaks inside
  quoted fields. A record's line number is the *physical* line where it starts (the header is
  line 1), i.e. the line a text editor shows.
- **Header names** are normalised before matching: trimmed, case-insensitive, accents removed,
  spaces/hyphens/dots treated as "_" — so "Prénom", " PRENOM " and "prénom" are the same column.
  Each importer declares its canonical names and aliases (see :func:`normalise_header`);
  unknown columns are reported (the importer decides whether to warn) and ignored; empty header
  cells are ignored; two columns meaning the same thing are an error.
- **Blank lines** (or lines of delimiters only, as spreadsheets append) are skipped.
- **Field count**: every other record has exactly as many fields as the header (the header's
  trailing empty cells may be left out); a shorter or longer one is a malformed row, reported
  with its line — never padded or cut.
- **Size**: at most ``max_bytes`` bytes (the service passes ``MAX_IMPORT_BYTES``) and
  ``max_rows`` records, checked before parsing.

Values are returned as they are in the file, except for spaces right after a delimiter (so
``a, "b"`` reads as a quoted field, the way people type it): validating and cleaning them
(whitespace, control characters, lengths) is the importer's job, because only it knows the
fields. :func:`check_text` offers the common checks.

Exporting: a value starting with ``=``, ``+``, ``-``, ``@``, tab or CR is run as a formula by
spreadsheet programs ("CSV injection"). Values are stored as imported; anything that writes CSV
for people to open must pass cells through :func:`spreadsheet_safe` (or use :func:`write_csv`,
which does), which prefixes such values with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from badge_service.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
#: Longest single field the reader accepts (the csv module's own default limit).
MAX_FIELD_CHARS = 131_072

UTF8_BOM = b"\xef\xbb\xbf"

# First bytes of files people upload by mistake instead of a CSV export.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or LibreOffice .ods workbook?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook"),
    (b"%PDF-", "a PDF document"),
    (b"\xff\xfe", "UTF-16 text (Excel's 'Unicode text')"),
    (b"\xfe\xff", "UTF-16 text"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
)
_SAVE_AS = "save it from your spreadsheet as 'CSV UTF-8 (comma delimited)'"

# Bidirectional embedding/override/isolate controls: invisible, and they reorder how the text
# around them is displayed ("Trojan Source"). Legitimate right-to-left names never need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvRow:
    """One record: ``line`` is the physical line where it starts (header = line 1)."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class CsvTable:
    delimiter: str
    had_bom: bool
    #: Canonical names of the recognised columns, in file order.
    columns: list[str]
    #: The header cells as written in the file (for messages).
    header: list[str]
    #: Header cells that matched no known column (ignored).
    unknown_columns: list[str]
    rows: list[CsvRow] = field(default_factory=list)


def normalise_header(name: str) -> str:
    """``" Prénom "`` → ``"prenom"``, ``"E-mail"`` → ``"e_mail"``, ``"Code postal"`` →
    ``"code_postal"``: the form header cells and aliases are compared in."""
    text = unicodedata.normalize("NFKD", name.replace(UTF8_BOM.decode(), ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()
    text = re.sub(r"[\s\-./'’()]+", "_", text)
    return text.strip("_")


def describe_char(char: str) -> str:
    """A visible description of an invisible or unprintable character, for messages."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def printable(text: str, limit: int = 200) -> str:
    """``text`` with control and bidi characters shown as escapes and long values cut: safe to
    put in a terminal or a log line (HTML escaping is the templates' job)."""
    out = []
    for char in text[:limit]:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\u{ord(char):04x}" if ord(char) > 0xFF else f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out) + ("…" if len(text) > limit else "")


def check_text(value: str, *, max_length: int, multiline: bool = False) -> tuple[str, str | None]:
    """Clean one text field: returns ``(cleaned, problem)``.

    Cleaning trims and, unless ``multiline``, turns every run of whitespace (including line
    breaks from quoted fields and tabs) into one space. Problems: control characters (NUL,
    escape…), bidi controls, unassigned code points, length over ``max_length`` characters
    (counted after cleaning). The cleaned value is returned even with a problem, for display.
    """
    text = value.strip()
    if not multiline:
        text = re.sub(r"\s+", " ", text)
    for char in text:
        if char in BIDI_CONTROLS:
            return text, (f"contains an invisible text-direction control character "
                          f"({describe_char(char)}); remove it")
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in "\n\r\t"):
            return text, f"contains a control character ({describe_char(char)}); remove it"
        if category in ("Cn", "Cs", "Co"):
            return text, f"contains an invalid character ({describe_char(char)})"
    if len(text) > max_length:
        return text, f"is too long: {len(text)} characters, at most {max_length}"
    return text, None


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


def spreadsheet_safe(value: object) -> str:
    """A cell value that spreadsheet programs will show, not run (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads the accents), CRLF, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return UTF8_BOM + buffer.getvalue().encode("utf-8")


def decode(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> tuple[str, bool]:
    """The text of a CSV file and whether it had a BOM; size, type and encoding checked."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"the file is {_size(len(data))}; the largest accepted import is {_size(max_bytes)}")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedMediaType(f"this is {what}, not a CSV file; {_SAVE_AS}")
    had_bom = data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM):] if had_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[:exc.start].count(b"\n") + 1
        bad = body[exc.start:exc.start + 1].hex().upper()
        hint = (" — it looks like Windows-1252/Latin-1 (accented letters)"
                if 0x80 <= body[exc.start] <= 0xFF else "")
        raise ValidationFailed(
            f"the file is not UTF-8: invalid byte 0x{bad} on line {line}{hint}; {_SAVE_AS}",
            [FieldError(f"invalid UTF-8 (byte 0x{bad}); the file must be UTF-8",
                        field="file", row=line)]) from None
    if not text.strip():
        raise ValidationFailed("the file is empty", [FieldError("the file is empty",
                                                                field="file")])
    return text, had_bom


def sniff_delimiter(header_line: str) -> str:
    """``;`` or ``,``: whichever occurs more often outside quotes in the header line."""
    counts = {",": 0, ";": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return ";" if counts[";"] > counts[","] else ","


def read_csv(data: bytes, *, columns: Mapping[str, Collection[str]],
             required: Collection[str] = (), max_bytes: int = MAX_IMPORT_BYTES,
             max_rows: int = MAX_ROWS) -> CsvTable:
    """Parse ``data`` into rows keyed by canonical column names.

    ``columns`` maps each canonical name to its accepted aliases (the canonical name itself is
    always accepted; aliases are compared after :func:`normalise_header`). Raises
    ValidationFailed listing every structural problem it can find (missing columns, a record
    with more or fewer fields than the header, a quote never closed — reading stops at the
    latter, since nothing after it can be trusted); the row values themselves are not validated
    here.
    """
    text, had_bom = decode(data, max_bytes=max_bytes)
    first_line = text.splitlines()[0] if text else ""
    delimiter = sniff_delimiter(first_line)
    lookup: dict[str, str] = {}
    for canonical, aliases in columns.items():
        for alias in (canonical, *aliases):
            lookup[normalise_header(alias)] = canonical

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=True, strict=True)
    errors: list[FieldError] = []
    records: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for record in reader:
            start = last_line + 1
            last_line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            records.append((start, record))
            if len(records) > max_rows + 1:  # + the header
                raise ValidationFailed(
                    f"the file has more than {max_rows} rows; split it into smaller files",
                    [FieldError(f"more than {max_rows} rows", field="file", row=start)])
    except csv.Error as exc:
        start = last_line + 1
        reason = str(exc)
        if "field larger than field limit" in reason:
            message = f"a field is longer than {MAX_FIELD_CHARS} characters"
        elif "unexpected end of data" in reason or "EOF" in reason:
            message = ("a quoted field that starts on this line is never closed "
                       "(a missing \")")
        else:
            message = (f"badly quoted field ({reason}); a field containing quotes must be "
                       f"enclosed in quotes, with inner quotes doubled (\"\")")
        errors.append(FieldError(message, row=start))

    if not records:
        raise ValidationFailed("the file has no header line", errors or [
            FieldError("no header line", field="file")])
    header_line, header = records[0]
    header = [h.replace("\ufeff", "") for h in header]
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        key = normalise_header(cell)
        if not key:
            continue
        canonical = lookup.get(key)
        if canonical is None:
            unknown.append(cell.strip())
        elif canonical in found:
            errors.append(FieldError(
                f"columns {header[found[canonical]].strip()!r} and {cell.strip()!r} both mean "
                f"{canonical!r}; keep one", field=canonical, row=header_line))
        else:
            found[canonical] = index
    missing = [name for name in required if name not in found]
    if missing:
        shown = ", ".join(repr(printable(h.strip(), 60)) for h in header if h.strip())
        detail = (f"missing required column{'s' if len(missing) > 1 else ''}: "
                  f"{', '.join(missing)}; found: {shown or 'nothing'} "
                  f"(delimiter {delimiter!r})")
        errors.insert(0, FieldError(detail, field="header", row=header_line))
        raise ValidationFailed(f"the file's header is not usable: {detail}", errors)

    # Every record must have the header's fields: a short one is as malformed as a long one (a
    # lost delimiter or quote shifts the values into the wrong columns), so it is reported with
    # its line, never padded with empty values. The only slack is the header's own trailing
    # empty cells (a spreadsheet's used range), which name no column.
    named_width = max((i + 1 for i, cell in enumerate(header) if cell.strip()), default=0)
    rows: list[CsvRow] = []
    for line, record in records[1:]:
        if len(record) > len(header):
            errors.append(FieldError(
                f"{len(record)} fields but the header has {len(header)}: a value containing "
                f"{delimiter!r} must be enclosed in quotes", row=line))
            continue
        if len(record) < named_width:
            errors.append(FieldError(
                f"only {len(record)} field{'s' if len(record) != 1 else ''} but the header has "
                f"{named_width}: every row needs one value (possibly empty) per column, "
                f"separated by {delimiter!r}", row=line))
            continue
        values = {name: record[index] for name, index in found.items()}
        rows.append(CsvRow(line, values))
    if errors:
        raise ValidationFailed(
            f"the file has {len(errors)} structural error{'s' if len(errors) > 1 else ''}",
            errors)
    ordered = sorted(found, key=found.__getitem__)
    return CsvTable(delimiter=delimiter, had_bom=had_bom, columns=ordered,
                    header=[h.strip() for h in header], unknown_columns=unknown, rows=rows)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n} bytes"
