"""Date formats, date checks and conversion of serial numbers to ISO dates."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._numbers import _series, _strings, on_distinct

ISO_DATE = "%Y-%m-%d"
EXAMPLE = datetime.datetime(2024, 12, 31, 13, 45, 30)
"""The date that messages show in each format: "Must be a date like 31/12/2024"."""

# strftime directives that pyarrow's strptime and strftime both support.
_DIRECTIVES = set("YymdHIMSpbBaAejz%")

# importOK (Unicode date pattern) tokens, longest first, and their strftime equivalent.
_UNICODE_TOKENS = {
    "yyyy": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%m",
    "dd": "%d",
    "d": "%d",
    "HH": "%H",
    "H": "%H",
    "hh": "%I",
    "h": "%I",
    "mm": "%M",
    "m": "%M",
    "ss": "%S",
    "s": "%S",
    "a": "%p",
}
_UNICODE_TOKEN = re.compile(
    "'([^']*)'|" + "|".join(sorted(_UNICODE_TOKENS, key=len, reverse=True))
)

# Excel counts days from 1899-12-30 and has a 29 February 1900 (serial 60), so
# serials 1 to 59 are one day later than that epoch gives.
_EXCEL_UNIX_EPOCH = 25569
_EXCEL_MAX = 2958465  # 9999-12-31
_UNIX_MILLISECONDS_FROM = 1e11  # larger numbers are milliseconds (after 1973-03-03)
_UNIX_MILLISECONDS_MAX = 253402300799999  # 9999-12-31T23:59:59.999


def to_strftime(date_format: str) -> str:
    """Return a strftime format for `%d/%m/%Y` or importOK's `dd/MM/yyyy` notation.

    Raises `ValueError` naming a directive or letter that the format cannot use.
    """
    if "%" in date_format:
        for directive in re.findall(r"%(.?)", date_format):
            if directive not in _DIRECTIVES:
                raise ValueError(
                    f"date format {date_format!r} uses %{directive}, which is not "
                    f"supported (use %{', %'.join(sorted(_DIRECTIVES - {'%'}))})"
                )
        return date_format

    parts = []
    position = 0
    for match in _UNICODE_TOKEN.finditer(date_format):
        literal = date_format[position : match.start()]
        if re.search("[A-Za-z]", literal):
            raise ValueError(
                f"date format {date_format!r} has letters {literal!r} that are no "
                "date part: quote them ('T') or write the format with % directives"
            )
        parts.append(literal.replace("%", "%%"))
        quoted = match.group(1)
        if quoted is not None:
            parts.append(quoted.replace("%", "%%"))
        else:
            parts.append(_UNICODE_TOKENS[match.group(0)])
        position = match.end()
    rest = date_format[position:]
    if re.search("[A-Za-z]", rest):
        raise ValueError(
            f"date format {date_format!r} has invalid letters {rest!r}, which are "
            "not date parts: quote them ('T') or write the format with % directives"
        )
    parts.append(rest.replace("%", "%%"))
    converted = "".join(parts)
    if "%" not in converted.replace("%%", ""):
        raise ValueError(f"date format {date_format!r} has no date part")
    return converted


def check_format(date_format: str) -> str:
    """Return the strftime format, or raise `ValueError` if pyarrow cannot parse it."""
    converted = to_strftime(date_format)
    example = pa.array([EXAMPLE.strftime(converted)])
    parsed = pc.strptime(example, format=converted, unit="s", error_is_null=True)
    if parsed[0].as_py() is None:
        raise ValueError(f"date format {date_format!r} cannot read its own dates")
    return converted


def example(date_format: str) -> str:
    """Return 31 December 2024, 13:45:30, written in `date_format`."""
    return EXAMPLE.strftime(date_format)


def _without_padding(values: pa.Array) -> pa.Array:
    # "01/02/2024" and "1/2/2024" are the same date in "%d/%m/%Y".
    lowered = pc.utf8_lower(values)
    return pc.replace_substring_regex(lowered, r"\b0(\d)\b", r"\1")


def _parse(values: pa.Array, date_format: str) -> pa.Array:
    """Parse dates, null where a value is no date in `date_format`.

    pyarrow's strptime rolls 30 February over into March, so each date is written
    back in the same format and must equal the value, up to zero padding and case.
    """
    parsed = pc.strptime(values, format=date_format, unit="s", error_is_null=True)
    written = pc.strftime(parsed, format=date_format)
    exact = pc.equal(written, values)
    same = pc.or_(exact, pc.equal(_without_padding(written), _without_padding(values)))
    return pc.if_else(pc.fill_null(same, False), parsed, None)


def is_date(column: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Return True where a value is a date in one of `formats` (strftime notation)."""

    def check(values: pa.Array) -> pa.Array:
        valid = pa.array([False] * len(values))
        for date_format in formats:
            valid = pc.or_(valid, pc.is_valid(_parse(values, date_format)))
        return pc.fill_null(valid, False)

    mask = on_distinct(_strings(column), check)
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=column.index)


def _serial_days(values: pa.Array) -> np.ndarray:
    """Return days since 1970-01-01 for Excel serials and Unix timestamps, else NaN."""
    is_number = pc.fill_null(
        pc.match_substring_regex(values, r"^\d+(?:\.\d+)?$"), False
    )
    numbers = pc.cast(pc.if_else(is_number, values, "nan"), pa.float64()).to_numpy()
    numbers = np.asarray(numbers, dtype="float64")
    days = np.full(len(numbers), np.nan)

    excel = (numbers >= 1) & (numbers <= _EXCEL_MAX) & (np.floor(numbers) != 60)
    serial = np.floor(numbers[excel])
    days[excel] = serial - _EXCEL_UNIX_EPOCH + np.where(serial < 60, 1, 0)

    seconds = (numbers > _EXCEL_MAX) & (numbers < _UNIX_MILLISECONDS_FROM)
    days[seconds] = np.floor(numbers[seconds] / 86400)

    milliseconds = (numbers >= _UNIX_MILLISECONDS_FROM) & (
        numbers <= _UNIX_MILLISECONDS_MAX
    )
    days[milliseconds] = np.floor(numbers[milliseconds] / 86_400_000)
    return days


def to_iso_dates(column: pd.Series, formats: tuple[str, ...] = ()) -> pd.Series:
    """Rewrite Excel serials, Unix timestamps and dates in `formats` as `YYYY-MM-DD`.

    Whole numbers up to 2,958,465 (9999-12-31) are Excel serial dates, where a
    fraction is the time of day and is dropped. Larger numbers below 10^11 are Unix
    timestamps in seconds, from 10^11 on in milliseconds. Other values stay as they
    are, ISO dates included.
    """
    return _series(
        pa.chunked_array(
            [on_distinct(_strings(column), lambda v: _to_iso(v, formats))]
        ),
        column,
    )


def _to_iso(values: pa.Array, formats: tuple[str, ...]) -> pa.Array:
    days = _serial_days(values)
    known = ~np.isnan(days)
    result = np.full(len(days), None, dtype=object)
    if known.any():
        dates = days[known].astype("int64").astype("datetime64[D]")
        result[known] = np.datetime_as_string(dates, unit="D")
    converted = pa.array(result, type=pa.large_string()).cast(values.type)

    for date_format in formats:
        parsed = _parse(values, date_format)
        written = pc.strftime(parsed, format=ISO_DATE).cast(values.type)
        converted = pc.coalesce(converted, written)
    return pc.coalesce(converted, values)
