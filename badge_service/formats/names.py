"""The one rule for names: people's names and the titles badges and certificates print.

Every way a name comes in — the API, the cohort CSV import, the pages' forms, the CLI — ends in
:func:`check_name` (through ``cohorts.clean_member``, ``accounts.create_user`` /
``update_user``, ``programmes.clean_i18n(name=True)`` and the organisation checks), so a name
accepted by one door is accepted by all of them, and refused with the same words.

What the rule does, and why:

- **NFC**: a name typed on a Mac or copied from a PDF often arrives decomposed ("e" + U+0301
  instead of "é"). Both look the same but compare, sort, search and count differently, so the
  composed form is what we store.
- **One line**: leading and trailing whitespace is trimmed and runs of spaces (including
  no-break and other Unicode spaces) become one space. A line break *inside* the name, and any
  other control character (tab, NUL, escape…), is refused: certificates and mail headers are one
  line, and these characters are never part of a name.
- **Nothing invisible**: format characters (Unicode category Cf) are refused — U+200B zero
  width space, U+2060 word joiner, U+FEFF, U+00AD soft hyphen, U+200E/U+200F direction marks,
  the bidi embeddings/overrides/isolates U+202A–U+202E and U+2066–U+2069 ("Trojan Source": they
  reorder what is shown), tags… They show as gaps or nothing at all in PDFs, and make two
  identical-looking names different. So are the Hangul fillers and the braille blank, letters
  and symbols that draw nothing (used to make "blank" names).
- **Except the joiners where a script needs them**: U+200C ZERO WIDTH NON-JOINER and U+200D
  ZERO WIDTH JOINER are part of correct spelling in Persian, Kurdish and the Indic scripts
  (e.g. "می‌خواهم", "क्‍ष"). They are accepted only *between* two letters or combining marks
  (a virama is a mark), where they change how the letters join; at the start or end of the
  name, next to a space or a digit they do nothing visible and are refused.
- **Unassigned, private-use and surrogate code points** are refused.
- **Never cut**: a name longer than its limit (counted in characters after NFC) is refused with
  the limit; it is never shortened to fit.

An empty result is not a problem here: whether a name is required is the caller's decision (a
mononym has an empty family name).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from badge_service.errors import FieldError
from badge_service.formats.csv_table import BIDI_CONTROLS, describe_char

#: Characters that end a line. Refused inside a name (trimmed at its ends).
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
#: Joiners accepted between letters (see the module docstring).
JOINERS = frozenset("\u200c\u200d")
#: Not format characters, yet they draw nothing: refused like them.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Longest display name of an account (``User.display_name`` column); a display name made of
#: the given and family names must fit whole.
DISPLAY_NAME_MAX = 300


def _is_letter_or_mark(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def check_name(value: str, *, max_length: int) -> tuple[str, str | None]:
    """Clean one name: returns ``(cleaned, problem)``; ``problem`` is None when it is fine.

    The cleaned value (NFC, trimmed, spaces collapsed) is returned even with a problem, for
    display; it must not be stored then.
    """
    text = unicodedata.normalize("NFC", value).strip()
    # Runs of spaces (no-break, ideographic, en/em…) become one ordinary space; line breaks and
    # tabs are not spaces here: they are refused below, not silently joined.
    out: list[str] = []
    for char in text:
        if unicodedata.category(char) == "Zs":
            if out and out[-1] != " ":
                out.append(" ")
            continue
        out.append(char)
    text = "".join(out)
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char in LINE_BREAKS or category in ("Zl", "Zp"):
            return text, "contains a line break; a name must be on one line"
        if category == "Cc":
            return text, f"contains a control character ({describe_char(char)}); remove it"
        if char in BIDI_CONTROLS:
            return text, (f"contains an invisible text-direction control character "
                          f"({describe_char(char)}); remove it")
        if char in JOINERS:
            before = text[index - 1] if index > 0 else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if before and after and _is_letter_or_mark(before) and _is_letter_or_mark(after):
                continue
            return text, (f"contains an invisible {describe_char(char)} outside a word; it is "
                          f"only accepted between two letters (Persian, Indic scripts)")
        if category == "Cf" or char in BLANK_LETTERS:
            return text, (f"contains an invisible character ({describe_char(char)}), which "
                          f"certificates show as a gap or not at all; remove it")
        if category in ("Cn", "Cs", "Co"):
            return text, f"contains an invalid character ({describe_char(char)})"
    if len(text) > max_length:
        return text, f"is too long: {len(text)} characters, at most {max_length}"
    return text, None


def clean_name(value: Any, field: str, errors: list[FieldError], *, max_length: int,
               row: int | None = None, required: bool = False) -> str | None:
    """:func:`check_name` for one field: the cleaned name (None when empty or refused), each
    problem appended to ``errors`` as a FieldError naming ``field`` (and ``row``)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(FieldError("must be text", field=field, row=row))
        return None
    text, problem = check_name(value, max_length=max_length)
    if problem:
        errors.append(FieldError(problem, field=field, row=row))
        return None
    if not text and required:
        errors.append(FieldError("is required", field=field, row=row))
    return text or None


def display_name_problem(given_name: str | None, family_name: str | None) -> str | None:
    """Why "given family" cannot be an account's display name (too long), or None."""
    length = len(" ".join(p for p in (given_name, family_name) if p))
    if length > DISPLAY_NAME_MAX:
        return (f"the given and family names together are {length} characters; at most "
                f"{DISPLAY_NAME_MAX}")
    return None
