"""The CSV reading layer: encodings, delimiters, line endings, quoting, headers, limits."""

from __future__ import annotations

import pytest

from badge_service.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from badge_service.formats import csv_table as csv_import

COLUMNS = {
    "email": ("e-mail", "courriel", "adresse e-mail"),
    "given_name": ("prénom", "first name"),
    "family_name": ("nom", "last name"),
    "country": ("pays",),
}
REQUIRED = ("email", "given_name", "family_name")


def read(data: bytes, **kwargs):
    return csv_import.read_csv(data, columns=COLUMNS, required=REQUIRED, **kwargs)


@pytest.fixture
def fixture_bytes(shared_dir) -> bytes:
    return (shared_dir / "fixtures" / "cohorts" / "numefa-2025.csv").read_bytes()


def test_reads_the_fixture_with_physical_line_numbers(fixture_bytes):
    table = read(fixture_bytes)
    assert table.delimiter == ","
    assert not table.had_bom
    assert table.columns == ["given_name", "family_name", "email", "country"]
    assert {"participant_id", "organisation", "cohort", "preferred_language"} <= set(
        table.unknown_columns)
    assert len(table.rows) == 40
    assert [r.line for r in table.rows] == list(range(2, 42))
    first = table.rows[0].values
    assert first["email"] == "anne-sophie.delvaux@ecole-tilleuls.example"
    assert first["given_name"] == "Anne-Sophie"
    apostrophe = next(r for r in table.rows if r.values["family_name"] == "D'Hondt")
    assert apostrophe.values["given_name"] == "Hélène"


def _variant(data: bytes, *, bom: bool, crlf: bool, semicolon: bool) -> bytes:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=";" if semicolon else ",",
               lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return (csv_import.UTF8_BOM if bom else b"") + out.getvalue().encode("utf-8")


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("semicolon", [False, True])
def test_bom_line_endings_and_delimiters_give_the_same_rows(fixture_bytes, bom, crlf,
                                                            semicolon):
    variant = _variant(fixture_bytes, bom=bom, crlf=crlf, semicolon=semicolon)
    assert variant != fixture_bytes or not (bom or crlf or semicolon)
    table = read(variant)
    assert table.had_bom is bom
    assert table.delimiter == (";" if semicolon else ",")
    assert [(r.line, r.values) for r in table.rows] == [
        (r.line, r.values) for r in read(fixture_bytes).rows]


def test_old_mac_line_endings():
    table = read(b"email,given_name,family_name\ra@x.example,A,B\rb@x.example,C,D")
    assert [(r.line, r.values["email"]) for r in table.rows] == [(2, "a@x.example"),
                                                                (3, "b@x.example")]


def test_quoted_fields_with_delimiters_quotes_and_line_breaks():
    data = (b'email;given_name;family_name;country\r\n'
            b'"a@x.example";"Jean; dit ""Jeannot""";"Dupont\r\nde la Tour";BE\r\n'
            b'\r\n'
            b'b@x.example;Marie;"Curie";FR\r\n')
    table = read(data)
    assert table.delimiter == ";"
    assert [r.line for r in table.rows] == [2, 5]  # the record of line 2 spans lines 2–3
    assert table.rows[0].values["given_name"] == 'Jean; dit "Jeannot"'
    assert table.rows[0].values["family_name"] == "Dupont\r\nde la Tour"


def test_sniffing_ignores_delimiters_inside_quoted_header_cells():
    assert csv_import.sniff_delimiter('"a;b;c",d,e') == ","
    assert csv_import.sniff_delimiter('"a,b,c";d;e') == ";"
    assert csv_import.sniff_delimiter("email") == ","


def test_header_names_are_normalised_and_french_aliases_accepted():
    data = " Courriel ;PRÉNOM;Nom;Pays\nA@X.example;Zoë;Ndiaye;sn\n".encode()
    table = read(data)
    assert table.columns == ["email", "given_name", "family_name", "country"]
    assert table.rows[0].values == {"email": "A@X.example", "given_name": "Zoë",
                                    "family_name": "Ndiaye", "country": "sn"}
    assert csv_import.normalise_header("  Adresse E-mail ") == "adresse_e_mail"
    assert csv_import.normalise_header("\ufeffPrénom") == "prenom"


def test_missing_required_columns_lists_missing_and_found():
    with pytest.raises(ValidationFailed) as info:
        read(b"mail_perso;name\nx@y.example;X\n")
    detail = info.value.detail
    assert "missing required columns: email, given_name, family_name" in detail
    assert "'mail_perso'" in detail
    assert "'name'" in detail
    assert info.value.errors[0].row == 1
    assert info.value.errors[0].field == "header"


def test_two_columns_with_the_same_meaning_are_refused():
    with pytest.raises(ValidationFailed) as info:
        read(b"email,courriel,given_name,family_name\na@x.example,b@x.example,A,B\n")
    assert any("both mean 'email'" in e.message for e in info.value.errors)


def test_rows_with_too_many_fields_are_reported_by_line():
    data = (b"email,given_name,family_name\n"
            b"a@x.example,A,B\n"
            b"b@x.example,Dupont, Jean,C\n"
            b"c@x.example,C,D,,\n")  # even empty extra cells: the row is not the header's shape
    with pytest.raises(ValidationFailed) as info:
        read(data)
    assert [(e.row, e.message.split(":")[0]) for e in info.value.errors] == [
        (3, "4 fields but the header has 3"), (4, "5 fields but the header has 3")]


def test_short_rows_are_malformed_rows_reported_with_their_line_not_padded():
    data = (b"email,given_name,family_name,country\n"
            b"a@x.example,A,B,BE\n"
            b"b@x.example,A\n"
            b'"c@x.example","C,D",FR\n'  # a quoting slip swallowed a delimiter
            b"d@x.example,D,E,\n")
    with pytest.raises(ValidationFailed) as info:
        read(data)
    assert [(e.row, e.message.split(":")[0]) for e in info.value.errors] == [
        (3, "only 2 fields but the header has 4"), (4, "only 3 fields but the header has 4")]


def test_the_headers_trailing_empty_cells_may_be_left_out_of_the_rows():
    # A spreadsheet's used range can give the header empty cells the rows do not repeat: they
    # name no column, so nothing is missing.
    table = read(b"email,given_name,family_name,,\na@x.example,A,B\nb@x.example,C,D,,\n")
    assert [r.values["family_name"] for r in table.rows] == ["B", "D"]


def test_an_unclosed_quote_is_reported_at_the_line_where_it_starts():
    data = b'email,given_name,family_name\na@x.example,A,B\nb@x.example,"Jean,C\nc@x,C,D\n'
    with pytest.raises(ValidationFailed) as info:
        read(data)
    assert info.value.errors[0].row == 3
    assert "never closed" in info.value.errors[0].message


def test_badly_quoted_field():
    with pytest.raises(ValidationFailed) as info:
        read(b'email,given_name,family_name\na@x.example,"Jean"ne,B\n')
    assert info.value.errors[0].row == 2
    assert "quote" in info.value.errors[0].message


def test_blank_lines_and_delimiter_only_lines_are_skipped():
    table = read(b"email,given_name,family_name\n\na@x.example,A,B\n,,\n   \nb@x.example,C,D\n")
    assert [r.line for r in table.rows] == [3, 6]


def test_latin1_is_refused_with_the_line_of_the_first_bad_byte():
    data = "email,given_name,family_name\na@x.example,Anne,B\nb@x.example,Hélène,C\n".encode(
        "latin-1")
    with pytest.raises(ValidationFailed) as info:
        read(data)
    assert "not UTF-8" in info.value.detail
    assert "line 3" in info.value.detail
    assert "0xE9" in info.value.detail
    assert info.value.errors[0].row == 3


@pytest.mark.parametrize(("data", "what"), [
    ("email,given_name\n".encode("utf-16"), "UTF-16"),
    (b"PK\x03\x04\x14\x00\x06\x00rest-of-an-xlsx", "xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", ".xls"),
    (b"%PDF-1.7\n", "PDF"),
])
def test_other_file_types_are_named(data, what):
    with pytest.raises(UnsupportedMediaType) as info:
        read(data)
    assert what in info.value.detail
    assert "CSV UTF-8" in info.value.detail


@pytest.mark.parametrize("data", [b"", b"   \n", csv_import.UTF8_BOM,
                                  csv_import.UTF8_BOM + b"\r\n"])
def test_empty_files(data):
    with pytest.raises(ValidationFailed, match="empty"):
        read(data)


def test_size_limit_is_checked_before_parsing():
    data = b"email,given_name,family_name\n" + b"a@x.example,A,B\n" * 100
    assert len(read(data, max_bytes=len(data)).rows) == 100
    with pytest.raises(PayloadTooLarge) as info:
        read(data, max_bytes=len(data) - 1)
    assert "largest accepted import" in info.value.detail


def test_row_limit():
    data = b"email,given_name,family_name\n" + b"a@x.example,A,B\n" * 11
    with pytest.raises(ValidationFailed, match="more than 10 rows"):
        read(data, max_rows=10)
    assert len(read(data, max_rows=11).rows) == 11


def test_a_field_longer_than_the_reader_limit_is_an_error_not_a_crash():
    data = b"email,given_name,family_name\na@x.example," + b"A" * 200_000 + b",B\n"
    with pytest.raises(ValidationFailed) as info:
        read(data)
    assert info.value.errors[0].row == 2
    assert "longer than" in info.value.errors[0].message


def test_values_are_returned_as_written_nul_included():
    table = read(b"email,given_name,family_name\n a@x.example ,A\x00B, \"<script>\"\n")
    # Spaces after a delimiter go (so `a, "b"` is a quoted field); the rest is as written.
    assert table.rows[0].values == {"email": "a@x.example ", "given_name": "A\x00B",
                                    "family_name": "<script>"}


def test_check_text():
    assert csv_import.check_text("  Jean \r\n  Pierre\t", max_length=20) == ("Jean Pierre", None)
    assert csv_import.check_text("a\nb", max_length=20, multiline=True) == ("a\nb", None)
    assert "control character (U+0000" in csv_import.check_text("A\x00B", max_length=9)[1]
    assert "control character (U+001B" in csv_import.check_text("\x1b[31mred", max_length=9)[1]
    problem = csv_import.check_text("abc\u202egpj.exe", max_length=99)[1]
    assert "text-direction" in problem
    assert "U+202E" in problem
    assert csv_import.check_text("x" * 11, max_length=10)[1] == (
        "is too long: 11 characters, at most 10")
    # Right-to-left scripts themselves are fine.
    assert csv_import.check_text("مريم الحسني", max_length=50)[1] is None


def test_printable_escapes_what_a_terminal_would_act_on():
    assert csv_import.printable("a\x1b[2Jb\u202ec\x00") == "a\\x1b[2Jb\\u202ec\\x00"
    assert csv_import.printable("x" * 300, limit=10) == "x" * 10 + "…"


def test_exported_cells_cannot_run_as_formulas():
    for value in ("=HYPERLINK(\"http://evil\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_import.spreadsheet_safe(value) == "'" + value
    assert csv_import.spreadsheet_safe("Anne") == "Anne"
    assert csv_import.spreadsheet_safe(None) == ""
    data = csv_import.write_csv(["email", "given_name", "family_name"],
                                [["a@x.example", "=1+1", "Dupont, \"Jo\""]])
    assert data.startswith(csv_import.UTF8_BOM)
    assert b"\r\n" in data
    row = read(data).rows[0].values
    assert row == {"email": "a@x.example", "given_name": "'=1+1",
                   "family_name": 'Dupont, "Jo"'}
