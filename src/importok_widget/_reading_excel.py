"""Reading of XLSX, XLSM, XLSB, XLS and ODS workbooks through python-calamine."""

from __future__ import annotations

import datetime as dt
import io

import python_calamine

from ._exceptions import EmptyFileError, FileReadError

_SAVE_AS_HINT = "Save it as CSV UTF-8 or XLSX and upload again."

# Whole floats at or above this size print in Python's exponent form, because their
# integer digits past the 16th are an artefact of binary floating point.
_MAX_EXACT_WHOLE_FLOAT = 1e16


class SheetNotFoundError(FileReadError, LookupError):
    """A requested sheet name or index that the workbook does not contain."""


def format_cell(value: object) -> str:
    """Format one calamine cell value as the text a spreadsheet user would type."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # bool before int and float: bool is a subclass of int. Excel shows TRUE/FALSE.
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _MAX_EXACT_WHOLE_FLOAT:
            return str(int(value))
        return repr(value)
    # datetime before date: datetime is a subclass of date.
    if isinstance(value, dt.datetime):
        return _format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        timespec = "milliseconds" if value.microsecond else "seconds"
        return value.isoformat(timespec=timespec)
    if isinstance(value, dt.timedelta):
        return _format_duration(value)
    return str(value)


def _format_datetime(value: dt.datetime) -> str:
    if value.time() == dt.time(0):
        return value.date().isoformat()
    timespec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(sep=" ", timespec=timespec)


def _format_duration(value: dt.timedelta) -> str:
    """Format a duration as Excel's [h]:mm:ss."""
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"


def read_workbook(
    data: bytes | bytearray, sheet: str | int | None, filename: str
) -> tuple[list[tuple[int, list[str]]], str, list[str]]:
    """Read the non-blank rows of one sheet.

    Returns three values. The first is a list of (1-based sheet row number, cell
    texts) for each row with a non-whitespace cell, without trailing empty cells.
    The second is the name of the sheet read, and the third lists all sheet names.
    """
    try:
        # NOTE: the tests have no real .xls file, so that format is read here
        # only as calamine documents it, never checked on a file.
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise FileReadError(_protected_message(filename)) from None
    except python_calamine.CalamineError as error:
        raise FileReadError(_damaged_message(filename, error)) from None

    names = list(workbook.sheet_names)
    name = _choose_sheet(workbook, sheet, filename)
    try:
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except python_calamine.PasswordError:
        raise FileReadError(_protected_message(filename)) from None
    except python_calamine.CalamineError as error:
        raise FileReadError(_damaged_message(filename, error)) from None
    finally:
        workbook.close()

    rows = []
    for number, values in enumerate(cells, start=1):
        texts = [format_cell(value) for value in values]
        while texts and not texts[-1].strip():
            texts.pop()
        if texts:
            rows.append((number, texts))
    if not rows:
        raise EmptyFileError(
            f"Sheet {name!r} of {filename} is empty. Choose another sheet, or add "
            "a header row and data and upload again."
        )
    return rows, name, names


def _choose_sheet(
    workbook: python_calamine.CalamineWorkbook, sheet: str | int | None, filename: str
) -> str:
    names = list(workbook.sheet_names)
    if not names:
        raise EmptyFileError(f"{filename} contains no sheets. {_SAVE_AS_HINT}")
    if sheet is None:
        # Default to the first visible worksheet, because hidden sheets and chart
        # sheets are not what a user expects. Fall back to the first sheet.
        for metadata in workbook.sheets_metadata:
            if (
                metadata.visible == python_calamine.SheetVisibleEnum.Visible
                and metadata.typ == python_calamine.SheetTypeEnum.WorkSheet
            ):
                return metadata.name
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if -len(names) <= sheet < len(names):
            return names[sheet]
        raise SheetNotFoundError(
            f"{filename} has {len(names)} sheet(s), so sheet index {sheet} does not "
            f"exist. Sheets: {', '.join(names)}."
        )
    if sheet in names:
        return sheet
    raise SheetNotFoundError(
        f"Sheet {sheet!r} was not found in {filename}. Sheets: {', '.join(names)}."
    )


def _protected_message(filename: str) -> str:
    return (
        f"{filename} is password-protected. Open it in Excel, remove the password "
        "(File > Info > Protect Workbook), save it as XLSX and upload again."
    )


def _damaged_message(filename: str, error: Exception) -> str:
    return (
        f"{filename} could not be read as a workbook ({error}); the file may be "
        f"damaged or incomplete. Open it in Excel or LibreOffice, save it as XLSX "
        f"or CSV UTF-8 and upload again."
    )
