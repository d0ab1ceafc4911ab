"""Tests of read_table on invented files and on other projects' test inputs."""

from __future__ import annotations

import codecs
import csv
import io
import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from importok_widget import _reading_csv
from importok_widget._exceptions import (
    EmptyFileError,
    FileReadError,
    UnsupportedFileError,
)
from importok_widget._reading import (
    SheetNotFoundError,
    Table,
    column_letter,
    guess_header_row,
    read_table,
)

DATA = Path(__file__).parent / "data" / "reading"
SPECTRUM = DATA / "csv-spectrum"
CSVKIT = DATA / "csvkit"
READXL = DATA / "readxl"

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def records(table: Table) -> list[dict[str, str]]:
    return table.frame.to_dict("records")


def assert_contract(table: Table) -> None:
    frame = table.frame
    assert table.columns == list(frame.columns)
    assert len(set(table.columns)) == len(table.columns)
    assert all(name and name == name.strip() for name in table.columns)
    assert all(dtype == pd.StringDtype("pyarrow") for dtype in frame.dtypes)
    assert not frame.isna().any().any()
    assert frame.index.equals(pd.RangeIndex(len(frame)))


# csv-spectrum: every file must give the expected records exactly.


@pytest.mark.parametrize(
    "name", sorted(path.stem for path in (SPECTRUM / "csvs").glob("*.csv"))
)
def test_csv_spectrum_records(name: str) -> None:
    table = read_table(SPECTRUM / "csvs" / f"{name}.csv")
    expected = json.loads((SPECTRUM / "json" / f"{name}.json").read_text("utf-8"))
    assert_contract(table)
    assert records(table) == expected


def test_csv_spectrum_count() -> None:
    assert len(list((SPECTRUM / "csvs").glob("*.csv"))) == 11


# csvkit examples


def test_csvkit_utf8_bom() -> None:
    table = read_table(CSVKIT / "test_utf8_bom.csv")
    assert table.columns == ["foo", "bar", "baz"]
    assert table.encoding == "utf-8-sig"
    assert records(table)[1]["baz"] == "ʤ"


def test_csvkit_latin1() -> None:
    table = read_table(CSVKIT / "test_latin1.csv")
    assert table.encoding == "cp1252"
    assert records(table)[1] == {"a": "4", "b": "5", "c": "©"}


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("test_utf16_little.csv", "utf-16-le"), ("test_utf16_big.csv", "utf-16-be")],
)
def test_csvkit_utf16(name: str, encoding: str) -> None:
    table = read_table(CSVKIT / name)
    assert table.encoding == encoding
    assert table.columns == ["a", "b", "c"]
    assert records(table)[1]["c"] == "ʤ"


def test_csvkit_leading_zeros_kept() -> None:
    table = read_table(CSVKIT / "test_no_leading_zeroes.csv")
    assert records(table) == [{"a": "01", "b": "00.11", "c": "0.1"}]


def test_csvkit_locale_numbers_kept() -> None:
    table = read_table(CSVKIT / "test_locale.csv")
    assert records(table) == [{"a": "1,7", "b": "200.000.000", "c": ""}]


def test_csvkit_date_like_number() -> None:
    assert records(read_table(CSVKIT / "date_like_number.csv")) == [{"a": "4.5"}]


def test_csvkit_bad_ragged_rows() -> None:
    table = read_table(CSVKIT / "bad.csv")
    assert_contract(table)
    assert table.columns == ["column_a", "column_b", "column_c", "Column 4"]
    rows = records(table)
    assert rows[0] == {
        "column_a": "1",
        "column_b": "27",
        "column_c": "",
        "Column 4": "I'm too long!",
    }
    assert rows[1]["column_a"] == ""
    assert rows[1]["column_b"] == "I'm too short!"
    assert rows[2]["column_b"] == "mixed types.... uh oh"
    assert rows[2]["column_c"] == "17"
    assert any(w.startswith("Row 2 has 4 values") for w in table.warnings)
    assert any(w.startswith("Row 3 has 2 values") for w in table.warnings)


def test_csvkit_blanks_stay_text() -> None:
    rows = records(read_table(CSVKIT / "blanks.csv"))
    assert rows == [
        {"a": "", "b": "NA", "c": "N/A", "d": "NONE", "e": "NULL", "f": "."}
    ]


def test_csvkit_empty_columns() -> None:
    table = read_table(CSVKIT / "test_empty_columns.csv")
    # The two unnamed trailing columns hold no values, so they are dropped.
    assert table.columns == ["a", "b", "c"]
    assert records(table) == [
        {"a": "a", "b": "", "c": ""},
        {"a": "", "b": "", "c": "c"},
    ]


def test_csvkit_long_blank_row_only() -> None:
    with pytest.raises(EmptyFileError, match="no data rows"):
        read_table(CSVKIT / "test_empty_columns_long_row.csv")


def test_csvkit_mac_newlines() -> None:
    table = read_table(CSVKIT / "mac_newlines.csv")
    assert records(table) == [
        {"a": "1", "b": "2", "c": "3"},
        {"a": "Once upon\ra time", "b": "5", "c": "6"},
    ]


def test_csvkit_null_byte() -> None:
    table = read_table(CSVKIT / "null_byte.csv")
    assert records(table) == [{"a": "", "b": "2", "c": "3"}]
    assert any("NUL" in w for w in table.warnings)


def test_csvkit_skip_lines_csv() -> None:
    table = read_table(CSVKIT / "test_skip_lines.csv")
    assert table.columns == ["a", "b", "c"]
    assert records(table) == [{"a": "1", "b": "2", "c": "3"}]


def test_csvkit_skip_lines_xlsx() -> None:
    table = read_table(CSVKIT / "test_skip_lines.xlsx")
    assert_contract(table)
    assert table.columns[:7] == [
        "text",
        "date",
        "integer",
        "boolean",
        "float",
        "datetime",
        "empty_column",
    ]
    assert table.columns[7] == "Column 8"
    rows = records(table)
    assert rows[0]["date"] == "1971-01-01"
    assert rows[0]["integer"] == "40"
    assert rows[0]["boolean"] == "TRUE"
    assert rows[0]["float"] == "1"
    assert rows[0]["datetime"] == "1971-01-01 04:14:00"
    assert rows[1]["float"] == "1.27"
    assert rows[1]["Column 8"] == "Extra data beyond headers will be trimmed"
    assert rows[2]["float"] == "41800000.01"
    assert rows[4]["text"] == "Unicode! Σ"
    assert any(w.startswith("Row 6 has 8 values") for w in table.warnings)


def test_csvkit_header_control_characters() -> None:
    table = read_table(CSVKIT / "test_header_newline.csv")
    assert table.columns == ["start end", "b", "c"]
    assert records(table) == [{"start end": "d", "b": "e", "c": "f"}]


def test_csvkit_semicolons() -> None:
    table = read_table(CSVKIT / "sniff_limit.csv")
    assert table.delimiter == ";"
    assert records(table) == [{"a": "1", "b": "2", "c": "3"}]


# readxl sheets


def test_readxl_unnamed_duplicated() -> None:
    table = read_table(READXL / "unnamed-duplicated-columns.xlsx")
    assert table.columns == ["Column 1", "var2", "Column 3", "var2 (2)"]
    assert records(table)[0] == {
        "Column 1": "1",
        "var2": "a",
        "Column 3": "1.1",
        "var2 (2)": "aa",
    }


def test_readxl_whitespace_values_kept() -> None:
    table = read_table(READXL / "whitespace-xlsx.xlsx")
    assert table.sheets == ["whitespace", "logical_and_NA"]
    assert table.columns == ["<-space, space->"]
    values = table.frame["<-space, space->"].tolist()
    assert values[0] == " <-space"
    assert values[2] == "\t<-tab, tab->\t"
    assert "\t   \t" not in values


def test_readxl_second_sheet_by_index() -> None:
    table = read_table(READXL / "whitespace-xlsx.xlsx", sheet=1)
    assert table.sheet == "logical_and_NA"
    assert records(table) == [{"numeric": "1.3"}, {"numeric": "  :-)  "}]


def test_readxl_big_numbers_exact() -> None:
    table = read_table(READXL / "big-texty-numbers-xlsx.xlsx")
    assert table.frame["number"].tolist()[1:] == [
        "2147483647",
        "2147483648",
        "2147483649",
        "-2147483648",
        "-2147483649",
    ]
    assert table.frame["number as text"].tolist()[1] == "2147483647"


# Invented text files


def test_zip_and_phone_keep_zeros() -> None:
    table = read_table(b"zip,phone\n01234,0612345678\n02116,0033612345678\n")
    assert table.frame["zip"].tolist() == ["01234", "02116"]
    assert table.frame["phone"].tolist() == ["0612345678", "0033612345678"]


def test_values_never_converted() -> None:
    values = ["01234", "900100200300400001", "NA", "null", "N/A", "1-2", "MAR-5"]
    data = ("value,n\n" + "".join(f"{v},7\n" for v in values) + ",7\n").encode()
    table = read_table(data)
    assert table.frame["value"].tolist() == [*values, ""]
    assert table.frame["n"].tolist() == ["7"] * (len(values) + 1)


def test_windows_1252_export() -> None:
    text = "Name;Stadt;Status;Betrag\r\nZoë Ferrand;Montréal;“VIP”;€ 120\r\n"
    table = read_table(text.encode("cp1252"), filename="export.csv")
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert records(table) == [
        {
            "Name": "Zoë Ferrand",
            "Stadt": "Montréal",
            "Status": "“VIP”",
            "Betrag": "€ 120",
        }
    ]


def test_excel_unicode_text_export() -> None:
    text = "Name\tCity\r\nŁukasz\tKraków\r\nZoë\t“Lyon”\r\n"
    table = read_table(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert table.encoding == "utf-16-le"
    assert table.delimiter == "\t"
    assert table.filetype == "text/tab-separated-values"
    assert table.columns == ["Name", "City"]
    assert records(table)[1] == {"Name": "Zoë", "City": "“Lyon”"}


def test_utf16_be_bom() -> None:
    data = codecs.BOM_UTF16_BE + "a,b\n€,Zoë\n".encode("utf-16-be")
    assert records(read_table(data)) == [{"a": "€", "b": "Zoë"}]


def test_utf8_bom_removed_from_header() -> None:
    table = read_table(codecs.BOM_UTF8 + "name,city\nŁukasz,Kraków\n".encode())
    assert table.columns == ["name", "city"]
    assert table.encoding == "utf-8-sig"


def test_encoding_override() -> None:
    data = "name\nZoë\n".encode("cp1252")
    table = read_table(data, encoding="latin-1")
    assert table.encoding == "latin-1"
    assert records(table) == [{"name": "Zoë"}]


def test_wrong_encoding_override_fails() -> None:
    with pytest.raises(FileReadError, match="could not be decoded as utf-8"):
        read_table("name\nZoë\n".encode("cp1252"), encoding="utf-8")


def test_unknown_encoding_rejected() -> None:
    with pytest.raises(ValueError, match="Unknown encoding"):
        read_table(b"a\n1\n", encoding="no-such-codec")


def test_german_semicolon_with_commas() -> None:
    text = "Name;Firma;PLZ\nAnna Vogt;Vogt, Berger & Partner;01067\nB;C, D;02345\n"
    table = read_table(text.encode())
    assert table.delimiter == ";"
    assert records(table)[0] == {
        "Name": "Anna Vogt",
        "Firma": "Vogt, Berger & Partner",
        "PLZ": "01067",
    }


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_detected(delimiter: str) -> None:
    lines = ["id|name|note", '1|Zoë|"a, b; c"', "2|Bo|x"]
    text = "\n".join(line.replace("|", delimiter) for line in lines) + "\n"
    table = read_table(text.encode())
    assert table.delimiter == delimiter
    assert table.columns == ["id", "name", "note"]
    assert records(table)[0]["note"] == "a, b; c"


def test_tsv_extension_read_as_text() -> None:
    table = read_table(b"a\tb\n1\t2\n", filename="export.tsv")
    assert records(table) == [{"a": "1", "b": "2"}]
    assert table.filetype == "text/tab-separated-values"


def test_delimiter_override() -> None:
    table = read_table(b"a;b,c\n1;2,3\n", delimiter=",")
    assert table.columns == ["a;b", "c"]


def test_namibia_is_data() -> None:
    table = read_table(b"name,country\nAnna,NA\nBo,\n")
    assert table.frame["country"].tolist() == ["NA", ""]


def test_duplicate_header_names() -> None:
    table = read_table(b"id,email,name,email\n1,a@x.org,Zo,b@x.org\n")
    assert table.columns == ["id", "email", "name", "email (2)"]
    assert records(table)[0]["email (2)"] == "b@x.org"


def test_generated_name_avoids_real_name() -> None:
    table = read_table(b"email,email,email (2)\n1,2,3\n")
    assert table.columns == ["email", "email (3)", "email (2)"]


def test_blank_header_gets_placeholder() -> None:
    table = read_table(b"id,,name\n1,x,Zo\n")
    assert table.columns == ["id", "Column 2", "name"]


def test_header_names_trimmed() -> None:
    table = read_table(" id\u00a0,\tname ,a\x01b\n1,2,3\n".encode())
    assert table.columns == ["id", "name", "a b"]


def test_quoted_structures() -> None:
    data = b'a,b,c\r\n"x, y","say ""hi""","line1\r\nline2"\r\n\r\n1,2,3\r\n'
    rows = records(read_table(data))
    assert rows[0] == {"a": "x, y", "b": 'say "hi"', "c": "line1\r\nline2"}
    assert rows[1] == {"a": "1", "b": "2", "c": "3"}


def test_trailing_delimiter_no_shift() -> None:
    table = read_table(b"a,b,c\n1,2,3,\n4,5,6,\n")
    assert table.columns == ["a", "b", "c"]
    assert records(table)[1] == {"a": "4", "b": "5", "c": "6"}
    assert table.warnings == []


def test_short_row_padded_and_noted() -> None:
    table = read_table(b"a,b,c\n1,2,3\n4\n")
    assert records(table)[1] == {"a": "4", "b": "", "c": ""}
    assert table.warnings == [
        "Row 3 has 1 values but the header has 3 columns; the missing values are "
        "left blank."
    ]


def test_long_row_gets_column_and_warning() -> None:
    table = read_table(b"a,b\n1,2\n3,4,5\n")
    assert table.columns == ["a", "b", "Column 3"]
    assert records(table)[1] == {"a": "3", "b": "4", "Column 3": "5"}
    assert table.warnings[0].startswith("Row 3 has 3 values but the header has 2")


def test_row_warnings_capped() -> None:
    data = b"a,b\n" + b"1\n" * 150
    warnings = read_table(data).warnings
    assert len(warnings) == 101
    assert warnings[-1].startswith("50 more row(s)")


def test_blank_and_whitespace_rows_skipped() -> None:
    table = read_table(b"\n\na,b\n\n1,2\n , \n,,\n3,4\n")
    assert records(table) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_cr_only_line_endings() -> None:
    assert records(read_table(b"a,b\r1,2\r3,4\r")) == [
        {"a": "1", "b": "2"},
        {"a": "3", "b": "4"},
    ]


def test_title_rows_above_header() -> None:
    text = "Customer export\nCreated 2024-10-16,\nid,name,email\n1,Zo,z@x.org\n"
    table = read_table(text.encode())
    assert table.header_row == 2
    assert table.columns == ["id", "name", "email"]
    assert len(table.frame) == 1


def test_header_row_given() -> None:
    table = read_table(b"x,y\na,b\n1,2\n", header_row=1)
    assert table.header_row == 1
    assert records(table) == [{"a": "1", "b": "2"}]


def test_header_row_beyond_rows() -> None:
    with pytest.raises(EmptyFileError):
        read_table(b"a,b\n1,2\n", header_row=5)


def test_without_header_letters() -> None:
    table = read_table(b"1,2,3\n4,5,6\n", with_header=False)
    assert table.columns == ["A", "B", "C"]
    assert table.header_row == 0
    assert len(table.frame) == 2


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_guess_header_row_cases() -> None:
    assert guess_header_row([["a", "b"], ["1", "2"]]) == 0
    assert guess_header_row([["Report"], ["a", "b", "c"], ["1", "2", "3"]]) == 1
    assert guess_header_row([["Report"], ["1", "2", "3"]]) == 0
    assert guess_header_row([["", "name", "city"], ["1", "Zoë", "Paris"]]) == 0
    assert guess_header_row([]) == 0


def test_bytes_filename_defaults() -> None:
    table = read_table(b"a\n1\n")
    assert table.filename == "untitled.csv"
    assert table.filesize == 4
    assert table.filetype == "text/csv"
    assert table.sheet is None
    assert table.sheets == []


def test_memoryview_and_bytearray_sources() -> None:
    data = b"a,b\n1,2\n"
    assert records(read_table(memoryview(data))) == [{"a": "1", "b": "2"}]
    assert records(read_table(bytearray(data))) == [{"a": "1", "b": "2"}]


def test_large_file_mixed_rows() -> None:
    rng = random.Random(7)
    lines = ["id,name,zip"]
    lines += [f'{i},"N{i}, x",{rng.randrange(100000):05d}' for i in range(30000)]
    lines.append("30000,last")
    table = read_table(("\n".join(lines) + "\n").encode())
    assert len(table.frame) == 30001
    assert table.frame["zip"].str.len().iloc[:-1].eq(5).all()
    assert records(table)[-1] == {"id": "30000", "name": "last", "zip": ""}


def test_non_ascii_late_in_file() -> None:
    body = "a,b\n" + "x,y\n" * 40000 + "Zoë,€\n"
    table = read_table(body.encode("cp1252"))
    assert table.encoding == "cp1252"
    assert records(table)[-1] == {"a": "Zoë", "b": "€"}


# Files longer than the head: the first bytes decide how the file is read, and
# pyarrow checks the rest as it parses it from the path or the upload's buffer.

HEAD = _reading_csv.HEAD_BYTES
Reader = Callable[..., Table]


@pytest.fixture(params=["path", "memoryview"])
def read_source(request: pytest.FixtureRequest, tmp_path: Path) -> Reader:
    def read(data: bytes, **options: object) -> Table:
        if request.param == "path":
            path = tmp_path / "upload.csv"
            path.write_bytes(data)
            return read_table(path, **options)
        upload = memoryview(bytearray(data))
        return read_table(upload, filename="upload.csv", **options)

    return read


def people_csv(count: int) -> list[str]:
    """Return a header and `count` rows, every seventh with a quoted comma."""
    lines = ["id,name,city"]
    for i in range(count):
        city = '"Montréal, QC"' if i % 7 == 0 else "Kraków"
        lines.append(f"{i},Zoë {i},{city}")
    return lines


def test_large_utf8_file(read_source: Reader) -> None:
    data = ("\n".join(people_csv(20001)) + "\n").encode()
    assert len(data) > 3 * HEAD
    table = read_source(data)
    assert_contract(table)
    assert len(table.frame) == 20001
    assert records(table)[0] == {"id": "0", "name": "Zoë 0", "city": "Montréal, QC"}
    assert records(table)[-1] == {"id": "20000", "name": "Zoë 20000", "city": "Kraków"}
    assert table.filesize == len(data)
    assert table.encoding == "utf-8"
    assert table.warnings == []


def test_large_path_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(("\n".join(people_csv(20000)) + "\n").encode())

    def read_bytes(self: Path) -> bytes:
        raise AssertionError(f"{self} was read whole")

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert len(read_table(path).frame) == 20000


def test_large_utf8_bom_file(read_source: Reader) -> None:
    data = codecs.BOM_UTF8 + ("\n".join(people_csv(20000)) + "\n").encode()
    table = read_source(data)
    assert table.columns == ["id", "name", "city"]
    assert table.encoding == "utf-8-sig"
    assert len(table.frame) == 20000


def test_character_across_head_end(read_source: Reader) -> None:
    prefix = ("\n".join(people_csv(2000)) + "\n").encode()
    assert len(prefix) < HEAD - 10
    filler = "x" * (HEAD - 10 - len(prefix))
    # "é" is two bytes, so one of them starts at HEAD - 1 when the row's ASCII
    # part ends at an odd distance from it.
    start = len(prefix) + len("2000,") + len(filler)
    if (HEAD - 1 - start) % 2:
        filler += "x"
    row = f"2000,{filler}{'é' * 10},Lyon\n"
    data = prefix + row.encode() + b"2001,Anna,Lyon\n"
    assert data[HEAD - 1] == 0xC3
    assert _reading_csv.probable_utf8(data[:HEAD], None) == (0, "utf-8")
    table = read_source(data)
    assert table.encoding == "utf-8"
    assert records(table)[-2]["name"] == filler + "é" * 10


def test_large_file_nul_after_head(read_source: Reader) -> None:
    lines = people_csv(20000)
    lines[15000] = "14999,Zo\x00ë,Lyon"
    data = ("\n".join(lines) + "\n").encode()
    assert data.index(b"\x00") > HEAD
    table = read_source(data)
    assert records(table)[14999] == {"id": "14999", "name": "Zoë", "city": "Lyon"}
    assert "1 NUL byte(s)" in table.warnings[0]


def test_large_file_cp1252_after_head(read_source: Reader) -> None:
    data = ("a,b\n" + "x,y\n" * 40000 + "Zoë,€\n").encode("cp1252")
    table = read_source(data)
    assert table.encoding == "cp1252"
    assert records(table)[-1] == {"a": "Zoë", "b": "€"}


def test_large_file_invalid_utf8_given(read_source: Reader) -> None:
    data = ("a,b\n" + "x,y\n" * 40000 + "Zoë,€\n").encode("cp1252")
    position = data.index("ë".encode("cp1252"))
    with pytest.raises(FileReadError, match=f"0xEB at position {position} "):
        read_source(data, encoding="utf-8")


def test_large_file_ragged_row_after_head(read_source: Reader) -> None:
    lines = people_csv(20000)
    lines[15000] = "14999,Zoë,Lyon,extra"
    lines[16000] = "15999,Zoë"
    table = read_source(("\n".join(lines) + "\n").encode())
    assert table.columns == ["id", "name", "city", "Column 4"]
    assert records(table)[14999]["Column 4"] == "extra"
    assert records(table)[15999]["city"] == ""
    assert table.warnings[0].startswith("Row 15001 has 4 values")
    assert table.warnings[1].startswith("Row 16001 has 2 values")


def test_quoted_line_breaks_across_blocks(
    read_source: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small blocks make many block boundaries fall inside quoted values.
    monkeypatch.setattr(_reading_csv, "ARROW_BLOCK_BYTES", 4096)
    lines = ["id,note,city"]
    for i in range(6000):
        note = f'"line {i}\nand, ""more""\r\nend"' if i % 3 == 0 else f"note {i}"
        lines.append(f"{i},{note},Lyon")
    text = "\n".join(lines) + "\n"
    expected = list(csv.DictReader(io.StringIO(text, newline="")))
    table = read_source(text.encode())
    assert_contract(table)
    assert records(table) == expected


def test_upload_buffer_released() -> None:
    upload = bytearray(("\n".join(people_csv(20000)) + "\n").encode())
    table = read_table(memoryview(upload))
    # A bytearray cannot be resized while a buffer still exports its memory.
    upload.extend(b"20000,Anna,Lyon\n")
    assert len(table.frame) == 20000


# Workbooks


def test_xlsx_typed_cells() -> None:
    table = read_table(DATA / "typed.xlsx")
    assert_contract(table)
    assert table.filetype == XLSX_MIME
    assert table.sheets == ["People", "Countries"]
    assert table.sheet == "People"
    assert table.header_row == 1
    assert table.encoding is None
    assert table.delimiter is None
    rows = records(table)
    assert len(rows) == 3
    assert rows[0] == {
        "name": "Zoë Ferrand",
        "zip": "01234",
        "joined": "2024-10-16",
        "seen": "2024-10-16 13:45:00",
        "alarm": "13:45:00",
        "vip": "TRUE",
        "score": "0.1",
        "qty": "7",
    }
    assert rows[1]["vip"] == "FALSE"
    assert rows[1]["qty"] == ""
    assert rows[2]["name"] == "“VIP” €"
    assert rows[2]["score"] == "1e+20"
    assert rows[2]["qty"] == "3"


def test_xlsx_sheet_by_name() -> None:
    table = read_table(DATA / "typed.xlsx", sheet="Countries")
    assert records(table) == [{"country": "Namibia", "code": "NA"}]


def test_xlsx_unknown_sheet() -> None:
    with pytest.raises(SheetNotFoundError, match="People, Countries"):
        read_table(DATA / "typed.xlsx", sheet="Nope")
    with pytest.raises(SheetNotFoundError):
        read_table(DATA / "typed.xlsx", sheet=5)


def test_large_xlsx_path(tmp_path: Path) -> None:
    path = tmp_path / "padded.xlsx"
    with (
        zipfile.ZipFile(DATA / "typed.xlsx") as original,
        zipfile.ZipFile(path, "w") as padded,
    ):
        for item in original.infolist():
            padded.writestr(item, original.read(item))
        # An unreferenced part makes the file longer than the head that is sniffed.
        padded.writestr("padding.bin", random.Random(3).randbytes(2 * HEAD))
    assert path.stat().st_size > HEAD
    table = read_table(path)
    assert records(table) == records(read_table(DATA / "typed.xlsx"))
    assert table.filesize == path.stat().st_size


def test_xlsx_bytes_sniffed() -> None:
    table = read_table((DATA / "typed.xlsx").read_bytes())
    assert table.filename == "untitled.xlsx"
    assert table.filetype == XLSX_MIME


def test_xlsx_named_csv_read_as_workbook() -> None:
    table = read_table((DATA / "typed.xlsx").read_bytes(), filename="people.csv")
    assert table.filetype == XLSX_MIME


def test_ods_typed_cells() -> None:
    table = read_table(DATA / "typed.ods")
    assert table.filetype == "application/vnd.oasis.opendocument.spreadsheet"
    assert records(table) == [
        {"name": "Zoë", "joined": "2024-10-16", "qty": "7"},
        {"name": "Ana", "joined": "2024-10-17 08:30:00", "qty": "0.1"},
        {"name": "Bo", "joined": "TRUE", "qty": "13:45:00"},
    ]


# Errors


def test_empty_file() -> None:
    with pytest.raises(EmptyFileError, match="empty.csv is empty"):
        read_table(b"", filename="empty.csv")


def test_blank_lines_only() -> None:
    with pytest.raises(EmptyFileError):
        read_table(codecs.BOM_UTF8 + b"\r\n\r\n  \n")


def test_header_only() -> None:
    with pytest.raises(EmptyFileError, match="no data rows"):
        read_table(b"id,name,email\n", filename="h.csv")


def test_binary_renamed_csv() -> None:
    data = random.Random(1).randbytes(4096)
    with pytest.raises(FileReadError, match="not look like a text file"):
        read_table(data, filename="data.csv")


def test_password_protected_workbook() -> None:
    with pytest.raises(FileReadError, match="password-protected"):
        read_table(DATA / "password.xlsx")


def test_corrupt_workbook() -> None:
    data = (DATA / "typed.xlsx").read_bytes()[:1500]
    with pytest.raises(FileReadError, match="broken.xlsx could not be read"):
        read_table(data, filename="broken.xlsx")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"<!DOCTYPE html><html><table></table></html>", "HTML"),
    ],
)
def test_unsupported_types(data: bytes, kind: str) -> None:
    with pytest.raises(UnsupportedFileError, match=kind) as raised:
        read_table(data, filename="upload.xls")
    assert "upload.xls" in str(raised.value)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="header_row"):
        read_table(b"a\n1\n", header_row=-1)
    with pytest.raises(ValueError, match="delimiter"):
        read_table(b"a\n1\n", delimiter=";;")
