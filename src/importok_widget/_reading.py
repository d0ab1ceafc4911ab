"""Read an uploaded CSV or workbook into a table of strings."""

from __future__ import annotations

import functools
import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _reading_csv, _reading_excel
from ._exceptions import EmptyFileError, FileReadError, UnsupportedFileError
from ._reading_excel import SheetNotFoundError

__all__ = ["SheetNotFoundError", "Table", "guess_header_row", "read_table"]

STRING_DTYPE = pd.StringDtype("pyarrow")

_ADD_ROWS_HINT = "Add a header row and data rows, then upload it again."
_MAX_ROW_WARNINGS = 100
_HEADER_GUESS_ROWS = 25

MIME_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "xlsb": "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# Leading bytes of common non-spreadsheet files, with a name for the error message.
_OTHER_MAGICS = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
)

_INVISIBLE = frozenset("\ufeff\u200b")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,\s']\d+)*|[.,]\d+)%?")


@dataclass
class Table:
    """A file read as text: one string column per file column, one row per record."""

    frame: pd.DataFrame
    columns: list[str]
    filename: str
    filesize: int
    filetype: str
    with_header: bool
    header_row: int
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_table(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview,
    *,
    filename: str | None = None,
    with_header: bool = True,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> Table:
    """Read a delimited text file or a workbook into a Table of strings.

    `source` is a path or the file's bytes. The type is decided by the content and
    only then by the extension of `filename`. `header_row` counts non-blank rows
    from 0; when it is None the header row is guessed. `encoding` and `delimiter`
    apply to text files, `sheet` (a name or a 0-based index) to workbooks.

    Raises EmptyFileError for a file without data rows, UnsupportedFileError for a
    file that is neither text nor a workbook, SheetNotFoundError for an unknown
    sheet, and FileReadError for any other file that cannot be read.
    """
    if header_row is not None and header_row < 0:
        raise ValueError(f"header_row must be 0 or more, not {header_row}.")
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, not {delimiter!r}.")

    data: bytes | bytearray | None
    path = None
    if isinstance(source, bytes | bytearray | memoryview):
        data = upload = _as_bytes(source)
        head = bytes(upload[: _reading_csv.HEAD_BYTES])
        size = len(upload)
        shown_name = filename or "The uploaded file"
    else:
        path = Path(source)
        data, head, size = _read_head(path)
        shown_name = filename = filename or path.name
    if not size:
        raise EmptyFileError(f"{shown_name} is empty. {_ADD_ROWS_HINT}")
    kind = _sniff(head if data is None else data, shown_name)
    if filename is None:
        filename = f"untitled.{kind}"

    if kind in ("csv", "tsv"):
        return _read_text(
            data,
            path,
            head,
            size,
            filename,
            with_header,
            header_row,
            encoding,
            delimiter,
        )
    assert data is not None, "_read_head reads workbooks whole"
    rows, sheet_name, sheet_names = _reading_excel.read_workbook(data, sheet, filename)
    table = _table_from_rows(
        rows, filename, with_header, header_row, warn_short_rows=False
    )
    table.filesize = size
    table.filetype = MIME_TYPES[kind]
    table.sheet = sheet_name
    table.sheets = sheet_names
    return table


def _read_head(path: Path) -> tuple[bytes | None, bytes, int]:
    """Read the first HEAD_BYTES bytes of a file, and all of it when it is shorter,
    a workbook, or not a regular file such as a pipe.

    Returns (the whole content or None, the first bytes, the size in bytes). A
    longer text file is left for pyarrow to read from the path in blocks.
    """
    with path.open("rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            data = file.read()
            return data, data[: _reading_csv.HEAD_BYTES], len(data)
        head = file.read(_reading_csv.HEAD_BYTES)
        if len(head) < _reading_csv.HEAD_BYTES:
            return head, head, len(head)
        if head.startswith((_CFB_MAGIC, *_ZIP_MAGICS)):
            data = head + file.read()
            return data, head, len(data)
        return None, head, os.fstat(file.fileno()).st_size


def _as_bytes(source: bytes | bytearray | memoryview) -> bytes | bytearray:
    if not isinstance(source, memoryview):
        return source
    view = source.cast("B") if source.format != "B" else source
    if isinstance(view.obj, bytes | bytearray) and view.nbytes == len(view.obj):
        return view.obj
    return view.tobytes()


def _sniff(data: bytes | bytearray, filename: str) -> str:
    """Return the file kind: csv, tsv, xlsx, xlsm, xlsb, xls or ods."""
    head = bytes(data[:8])
    extension = Path(filename).suffix.lower().lstrip(".")
    if head.startswith(_CFB_MAGIC):
        return _sniff_cfb(data, filename)
    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(data, filename, extension)
    for magic, description in _OTHER_MAGICS:
        if head.startswith(magic):
            raise UnsupportedFileError(
                f"{filename} is {description}, not a spreadsheet. Upload a CSV, "
                "XLSX, XLS or ODS file."
            )
    _reject_markup(data, filename)
    return "tsv" if extension in ("tsv", "tab") else "csv"


def _sniff_cfb(data: bytes | bytearray, filename: str) -> str:
    # Directory entry names in a Compound File are stored as UTF-16 LE.
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise FileReadError(_reading_excel._protected_message(filename))
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    raise UnsupportedFileError(
        f"{filename} is an Office document but not a workbook. Upload a CSV, XLSX, "
        "XLS or ODS file."
    )


def _sniff_zip(data: bytes | bytearray, filename: str, extension: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                if archive.read("mimetype").strip() == _ODS_MIMETYPE:
                    return "ods"
            elif "xl/workbook.bin" in names:
                return "xlsb"
            elif "xl/workbook.xml" in names:
                types = archive.read("[Content_Types].xml")
                macro = b"macroEnabled" in types or extension == "xlsm"
                return "xlsm" if macro else "xlsx"
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        raise FileReadError(
            f"{filename} could not be read as a workbook ({error}); the file may be "
            "damaged or incomplete. Open it in Excel or LibreOffice, save it as XLSX "
            "or CSV UTF-8 and upload again."
        ) from None
    raise UnsupportedFileError(
        f"{filename} is a ZIP archive or document but not a workbook. Unzip it, or "
        "upload a CSV, XLSX, XLS or ODS file."
    )


def _reject_markup(data: bytes | bytearray, filename: str) -> None:
    """Reject HTML and XML files, which some programs save with an .xls name."""
    start = bytes(data[:1024]).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table")):
        description = "a web page (HTML)"
    elif start.startswith(b"<?xml"):
        description = "an XML document"
    else:
        return
    raise UnsupportedFileError(
        f"{filename} is {description}, not a real spreadsheet. Open it in Excel, "
        "save it as XLSX or CSV UTF-8 and upload again."
    )


def _read_text(
    data: bytes | bytearray | None,
    path: Path | None,
    head: bytes,
    size: int,
    filename: str,
    with_header: bool,
    header_row: int | None,
    encoding: str | None,
    delimiter: str | None,
) -> Table:
    """Read a delimited text file given as `data`, or as `path` when `data` is None.

    A file whose first bytes are UTF-8 is parsed by pyarrow straight from `data` or
    from the file, and pyarrow validates the rest. Any other file, and any file
    that this first attempt cannot read, is read whole, decoded and validated.
    """
    probable = _reading_csv.probable_utf8(head, encoding)
    if probable is not None:
        start, used_encoding = probable
        sample, sample_is_whole = _reading_csv.sample_text(head, start)
        used_delimiter = delimiter or _reading_csv.detect_delimiter(sample)
        table = _read_text_arrow(
            functools.partial(_parse_utf8_stream, data, path),
            size,
            start,
            sample,
            sample_is_whole,
            filename,
            with_header,
            header_row,
            used_delimiter,
        )
        if table is not None:
            return _finish_text(table, size, used_encoding, used_delimiter, [])

    if data is None:
        assert path is not None
        # NOTE: only a file that is not UTF-8, or that the read above rejected, is
        # held whole here. With its decoded copy, its peak memory can exceed 3x the
        # file size: 4.9x for a cp1252 copy of the file of bench_read.py.
        data = path.read_bytes()
    utf8, start, used_encoding = _reading_csv.decode_to_utf8(data, encoding, filename)
    notes = []
    if utf8.find(b"\x00", start) != -1:
        nul_count = utf8.count(b"\x00", start)
        utf8, start = bytes(utf8[start:]).replace(b"\x00", b""), 0
        notes.append(f"The file contains {nul_count} NUL byte(s); they were removed.")

    sample, sample_is_whole = _reading_csv.sample_text(utf8, start)
    if delimiter is None:
        delimiter = _reading_csv.detect_delimiter(sample)

    table = _read_text_arrow(
        functools.partial(_parse_decoded, utf8),
        len(utf8),
        start,
        sample,
        sample_is_whole,
        filename,
        with_header,
        header_row,
        delimiter,
    )
    if table is None:
        rows = [
            (number, fields)
            for number, fields in _reading_csv.iter_python_records(
                utf8, start, delimiter, filename
            )
            if not _reading_csv.is_blank(fields)
        ]
        table = _table_from_rows(
            rows, filename, with_header, header_row, warn_short_rows=True
        )
    return _finish_text(table, size, used_encoding, delimiter, notes)


def _finish_text(
    table: Table, size: int, encoding: str, delimiter: str, notes: list[str]
) -> Table:
    table.filesize = size
    table.filetype = MIME_TYPES["tsv" if delimiter == "\t" else "csv"]
    table.encoding = encoding
    table.delimiter = delimiter
    table.warnings[:0] = notes
    return table


def _parse_utf8_stream(
    data: bytes | bytearray | None,
    path: Path | None,
    offset: int,
    width: int,
    delimiter: str,
) -> pa.Table | None:
    """Parse `data`, or the file at `path` when `data` is None, from byte `offset`
    as UTF-8 text that is not yet validated.

    Returns None when the file must be read whole and validated instead: when
    pyarrow finds invalid UTF-8 or a row of another width, or when a value contains
    a NUL byte, which that reader removes with a warning.
    """
    # Quote-aware block splitting is slower, and it is only needed when a quoted
    # line break falls on a block boundary, which read_arrow then reports. The
    # second attempt also runs, in vain, when the first failed for another reason.
    for newlines_in_values in (False, True):
        if data is not None:
            stream = pa.BufferReader(pa.py_buffer(data).slice(offset))
        else:
            stream = pa.OSFile(str(path))
            stream.seek(offset)
        with stream:
            try:
                table = _reading_csv.read_arrow(
                    stream, width, delimiter, newlines_in_values
                )
            except pa.ArrowInvalid:
                continue
        return None if _reading_csv.contains_nul(table) else table
    return None


def _parse_decoded(
    utf8: bytes | bytearray, offset: int, width: int, delimiter: str
) -> pa.Table | None:
    """Parse decoded UTF-8 text from `offset`; return None when pyarrow cannot."""
    stream = pa.BufferReader(pa.py_buffer(utf8).slice(offset))
    try:
        # Quote-aware block splitting is slower, so it is only on when quotes exist.
        return _reading_csv.read_arrow(
            stream, width, delimiter, utf8.find(b'"', offset) != -1
        )
    except pa.ArrowInvalid:
        return None


def _read_text_arrow(
    parse: Callable[[int, int, str], pa.Table | None],
    size: int,
    start: int,
    sample: str,
    sample_is_whole: bool,
    filename: str,
    with_header: bool,
    header_row: int | None,
    delimiter: str,
) -> Table | None:
    """Read the rows after the header with `parse(offset, width, delimiter)`.

    `sample` is the text of the first lines from byte `start` of a `size`-byte
    file. Returns None when the Python csv reader must be used.
    """
    records = [r for r in _reading_csv.parse_records(sample, delimiter) if r]
    non_blank = [r for r in records if not _reading_csv.is_blank(r)]
    if not sample_is_whole:
        # The sample may end inside a quoted line break, so its last record is
        # left out of every decision.
        non_blank = non_blank[:-1]
    if not non_blank:
        return None

    if with_header:
        index = (
            header_row
            if header_row is not None
            else guess_header_row(non_blank[:_HEADER_GUESS_ROWS])
        )
    else:
        index = 0
    if index >= len(non_blank):
        return None

    # Find where the data starts by scanning records up to the header, and check
    # that the scanner splits them exactly as the csv module did.
    scanned = 0
    offset = 0
    first_fields: list[str] = []
    for fields, end in _reading_csv.scan_records(sample, delimiter):
        if _reading_csv.is_blank(fields):
            continue
        if fields != non_blank[scanned]:
            return None
        if scanned == index:
            first_fields = fields
            offset = end if with_header else 0
            break
        scanned += 1
    else:
        return None

    header = first_fields if with_header else []
    width = len(first_fields)
    byte_offset = start + len(sample[:offset].encode("utf-8"))
    if byte_offset >= size:
        raise EmptyFileError(_header_only_message(filename))
    arrow_table = parse(byte_offset, width, delimiter)
    if arrow_table is None:
        return None

    arrow_table = _drop_blank_rows(arrow_table)
    if arrow_table.num_rows == 0:
        raise EmptyFileError(_header_only_message(filename))
    names = _column_names(header, width, with_header)
    keep = [
        i
        for i, name in enumerate(names)
        if name is not None or pc.max(pc.binary_length(arrow_table.column(i))).as_py()
    ]
    final_names = _finish_names(names, keep, with_header)
    arrow_table = arrow_table.select(keep).rename_columns(final_names)
    # ArrowStringArray wraps the large_string chunks without copying them.
    frame = arrow_table.to_pandas(types_mapper={pa.large_string(): STRING_DTYPE}.get)
    return _new_table(frame, filename, with_header, index if with_header else 0, [])


def _drop_blank_rows(table: pa.Table) -> pa.Table:
    """Drop rows whose fields are all empty or whitespace, such as `,,,` lines."""
    blank = None
    for column in table.columns:
        empty = pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))
        blank = empty if blank is None else pc.and_(blank, empty)
        # Most files have no such rows, so stop at the first column without any.
        if not pc.any(blank).as_py():
            return table
    if blank is None:
        return table
    return table.filter(pc.invert(blank))


def _header_only_message(filename: str) -> str:
    return f"{filename} has a header but no data rows. Add data rows and upload again."


def _table_from_rows(
    rows: list[tuple[int, list[str]]],
    filename: str,
    with_header: bool,
    header_row: int | None,
    *,
    warn_short_rows: bool,
) -> Table:
    """Build a Table from (row number, fields) pairs of non-blank rows."""
    if not rows:
        raise EmptyFileError(f"{filename} is empty. {_ADD_ROWS_HINT}")
    if with_header:
        index = (
            header_row
            if header_row is not None
            else guess_header_row([fields for _, fields in rows[:_HEADER_GUESS_ROWS]])
        )
        if index >= len(rows):
            raise EmptyFileError(
                f"{filename} has {len(rows)} non-blank row(s), so row {index} cannot "
                "be the header. Choose an earlier header row."
            )
        header = rows[index][1]
        data = rows[index + 1 :]
        if not data:
            raise EmptyFileError(_header_only_message(filename))
    else:
        index = 0
        header = []
        data = rows

    width = max(len(header), max(len(fields) for _, fields in data))
    names = _column_names(header, width, with_header)
    columns: list[list[str]] = [[] for _ in range(width)]
    padding = [""] * width
    for _, fields in data:
        padded = fields + padding[len(fields) :] if len(fields) < width else fields
        for column, value in zip(columns, padded, strict=True):
            column.append(value)

    keep = [i for i, name in enumerate(names) if name is not None or any(columns[i])]
    final_names = _finish_names(names, keep, with_header)
    warnings = (
        _row_warnings(data, len(header), keep, final_names, warn_short_rows)
        if with_header
        else []
    )
    frame = pd.DataFrame(
        {
            name: pd.array(columns[i], dtype=STRING_DTYPE)
            for i, name in zip(keep, final_names, strict=True)
        },
        columns=final_names,
    )
    return _new_table(frame, filename, with_header, index, warnings)


def _row_warnings(
    data: list[tuple[int, list[str]]],
    header_width: int,
    keep: list[int],
    final_names: list[str],
    warn_short_rows: bool,
) -> list[str]:
    name_of = dict(zip(keep, final_names, strict=True))
    warnings: list[str] = []
    skipped = 0
    for number, fields in data:
        message = None
        if len(fields) > header_width and any(fields[header_width:]):
            extra = [
                name_of[i]
                for i in range(header_width, len(fields))
                if fields[i] and i in name_of
            ]
            message = (
                f"Row {number} has {len(fields)} values but the header has "
                f"{header_width} columns; the extra values are in "
                f"{', '.join(extra)}."
            )
        elif warn_short_rows and len(fields) < header_width:
            message = (
                f"Row {number} has {len(fields)} values but the header has "
                f"{header_width} columns; the missing values are left blank."
            )
        if message is None:
            continue
        if len(warnings) < _MAX_ROW_WARNINGS:
            warnings.append(message)
        else:
            skipped += 1
    if skipped:
        warnings.append(
            f"{skipped} more row(s) have more or fewer values than the header."
        )
    return warnings


def _new_table(
    frame: pd.DataFrame,
    filename: str,
    with_header: bool,
    header_row: int,
    warnings: list[str],
) -> Table:
    return Table(
        frame=frame,
        columns=list(frame.columns),
        filename=filename,
        filesize=0,
        filetype="",
        with_header=with_header,
        header_row=header_row,
        encoding=None,
        delimiter=None,
        sheet=None,
        sheets=[],
        warnings=warnings,
    )


def guess_header_row(rows: Sequence[Sequence[str]]) -> int:
    """Guess which of the first non-blank rows is the header.

    Title rows above a header have far fewer filled cells than the table below.
    Leading rows with at most one filled cell, or fewer than half as many as the
    widest row, count as title rows. The first wider row after them is the header
    when most of its cells are text. Otherwise the first row is the header.
    """
    widths = [sum(1 for cell in row if cell.strip()) for row in rows]
    if not widths:
        return 0
    widest = max(widths)
    titles = 0
    for width in widths:
        if width <= 1 or width < widest / 2:
            titles += 1
        else:
            break
    if titles == 0 or titles == len(rows) or widest < 2:
        return 0
    return titles if _is_mostly_text(rows[titles]) else 0


def _is_mostly_text(row: Sequence[str]) -> bool:
    filled = [cell.strip() for cell in row if cell.strip()]
    numbers = sum(1 for cell in filled if _NUMBER.fullmatch(cell))
    return len(filled) - numbers > numbers


def _column_names(
    header: Sequence[str], width: int, with_header: bool
) -> list[str | None]:
    """Return the cleaned name at each position, or None where it is blank."""
    if not with_header:
        return [None] * width
    names: list[str | None] = []
    for i in range(width):
        name = clean_header_name(header[i]) if i < len(header) else ""
        names.append(name or None)
    return names


def _finish_names(
    names: list[str | None], keep: list[int], with_header: bool
) -> list[str]:
    """Name blank columns by position and number repeated names."""
    if not with_header:
        return [names[i] or column_letter(i) for i in keep]
    wanted = [names[i] or f"Column {i + 1}" for i in keep]
    taken = {name for name in names if name is not None}
    used: set[str] = set()
    result = []
    for name in wanted:
        candidate = name
        number = 1
        while candidate in used or (candidate != name and candidate in taken):
            number += 1
            candidate = f"{name} ({number})"
        used.add(candidate)
        result.append(candidate)
    return result


def clean_header_name(name: str) -> str:
    """Trim a header name, turning control characters into single spaces."""
    cleaned = "".join(
        " " if unicodedata.category(char) == "Cc" or char in _INVISIBLE else char
        for char in name
    )
    return " ".join(cleaned.split())


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index: A … Z, AA, AB …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
