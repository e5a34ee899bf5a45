"""Award CSVs: the columns (email, narrative, evidence_url, level, with the header spellings
accepted for each) and each row's values cleaned, with its line number.

The same cleaning serves the award form's fields, so a request reads alike whichever way it
came; the award's own checks (services.issuing) come after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from badge_service.awards.service import award_requests
from badge_service.errors import FieldError, ValidationFailed
from badge_service.formats import csv_table as csv_import

EMAIL_MAX = 320
EVIDENCE_MAX = 1000
LEVEL_MAX = 200

#: Canonical CSV columns and the header spellings accepted for them (compared after
#: csv_import.normalise_header: case, accents, spaces and hyphens do not matter).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("e_mail", "mail", "courriel", "adresse_email", "adresse_e_mail", "email_address"),
    "narrative": ("narratif", "commentaire", "comment", "appreciation", "justification"),
    "evidence_url": ("evidence", "preuve", "url_preuve", "lien_preuve", "evidence_link",
                     "evidence_url_", "url"),
    "level": ("niveau", "niveau_atteint", "level_reached"),
}



@dataclass
class ParsedRows:
    rows: list[award_requests.AwardRow]
    #: Problems found while reading (bad characters, too long); each with its line.
    errors: list[FieldError] = field(default_factory=list)
    delimiter: str = ","
    had_bom: bool = False
    columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


def read_csv(data: bytes, *, max_bytes: int) -> ParsedRows:
    """The rows of an award CSV; ``row`` is each record's line number (header = line 1).

    Structural problems (encoding, header, quoting) raise ValidationFailed; problems with
    values are returned in ``errors`` so they can be reported together with the award's own
    checks."""
    table = csv_import.read_csv(data, columns=CSV_COLUMNS, required=("email",),
                                max_bytes=max_bytes, max_rows=award_requests.MAX_BATCH)
    parsed = ParsedRows([], [], table.delimiter, table.had_bom, table.columns,
                        table.unknown_columns)
    for record in table.rows:
        row, problems = clean_row(record.values, record.line)
        parsed.rows.append(row)
        parsed.errors.extend(problems)
    if not parsed.rows:
        raise ValidationFailed("the file has no recipient rows, only a header",
                               [FieldError("no rows", field="file")])
    return parsed


def clean_row(values: dict[str, str | None], line: int) -> tuple[award_requests.AwardRow,
                                                                 list[FieldError]]:
    """One recipient's values as typed (CSV cells, form fields): trimmed, line breaks
    normalised, control and bidi characters and over-long values reported with the line."""
    limits = {"email": (EMAIL_MAX, False), "narrative": (award_requests.NARRATIVE_MAX, True),
              "evidence_url": (EVIDENCE_MAX, False), "level": (LEVEL_MAX, False)}
    cleaned: dict[str, str | None] = {}
    problems = []
    for name, (limit, multiline) in limits.items():
        raw = values.get(name)
        if raw is None:
            cleaned[name] = None
            continue
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        text, problem = csv_import.check_text(raw, max_length=limit, multiline=multiline)
        if problem:
            problems.append(FieldError(problem, field=name, row=line))
        cleaned[name] = text or None
    return award_requests.AwardRow(email=cleaned["email"] or "", narrative=cleaned["narrative"],
                            evidence_url=cleaned["evidence_url"], level=cleaned["level"],
                            row=line), problems
