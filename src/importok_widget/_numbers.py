"""Numbers written with thousands separators and a decimal point or comma."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._text import contiguous

DEFAULT_LOCALE = "en"

# Languages that write a decimal comma, from the CLDR number symbols of the Latin
# digits as shipped in Babel 2.19. Every other language writes a decimal point.
_DECIMAL_COMMA_LANGUAGES = frozenset(
    """
    ady af agq ast az ba bas be bg blo br bs bua ca cs cv da de dsb dua dyo el eo es
    et eu ewo fi fo fr ff fy gl hr hsb ht hu hy ia id ie is it jgo jv ka kab kbd kea
    kgp kk kkj kl ksf ku ky lb lij lld ln lo lt lu lv mgh mk mua nb nl nmg nn nnh no
    nr pl pms ps pt rm rn ro ru rw sah sc scn se seh sg shi sk sl smn sq sr ss su sv
    tg tk tok tr ts tt tzm uk uz ve vec vi wo yav yrl zgh
    """.split()
)

# Regions whose decimal separator differs from their language's (same source).
_REGION_DECIMAL = {
    "de-ch": ".",
    "de-li": ".",
    "it-ch": ".",
    "es-mx": ".",
    "es-us": ".",
    "es-419": ".",
    "en-za": ",",
    "en-de": ",",
    "en-at": ",",
    "en-nl": ",",
    "en-be": ",",
    "en-dk": ",",
    "en-fi": ",",
    "en-se": ",",
    "en-si": ",",
    "en-ch": ".",
}

_LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")

# Thousands separators accepted in every locale besides the opposite of the decimal
# separator: space, no-break space, narrow no-break space and apostrophes.
_SPACE_GROUPS = " \u00a0\u202f'\u2019"

NUMBER_PATTERN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
"""A number as Python's `float()` reads it, without white space or `_`."""
INTEGER_PATTERN = r"[+-]?\d+"


def decimal_separator(locale: str) -> str:
    """Return `,` or `.`, the decimal separator of a language tag such as `de-CH`.

    Raises `ValueError` for a value that is not a language tag.
    """
    if not isinstance(locale, str) or not _LOCALE_TAG.fullmatch(locale.strip()):
        raise ValueError(
            f"{locale!r} is not a language tag: use one like 'en', 'de' or 'de-CH'"
        )
    tag = locale.strip().lower().replace("_", "-")
    for length in range(len(tag), 0, -1):
        if tag[:length] in _REGION_DECIMAL:
            return _REGION_DECIMAL[tag[:length]]
    language = tag.split("-")[0]
    return "," if language in _DECIMAL_COMMA_LANGUAGES else "."


STRING = pd.StringDtype("pyarrow")


def _strings(column: pd.Series) -> pa.ChunkedArray:
    """Return the Arrow strings behind a column, converting other dtypes first."""
    if column.dtype != STRING:
        column = column.astype(STRING)
    return pa.chunked_array(column.array.__arrow_array__())


def _series(values: pa.ChunkedArray | pa.Array, like: pd.Series) -> pd.Series:
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    return pd.Series(
        pd.arrays.ArrowStringArray(values), index=like.index, name=like.name
    )


def on_distinct(
    values: pa.ChunkedArray | pa.Array,
    function: Callable[[pa.Array], pa.Array],
) -> pa.Array:
    """Apply a vectorised `function` to the distinct values only, then spread back.

    Columns such as dates and country codes repeat a few values many times, so this
    saves most of the work of slow kernels like strptime and strftime.
    """
    encoded = pc.dictionary_encode(contiguous(values))
    return function(encoded.dictionary).take(encoded.indices)


def normalize_numbers(column: pd.Series, decimal: str) -> pd.Series:
    """Rewrite numbers like `1,234.50` (or `1.234,50` with `decimal=","`) as `1234.50`.

    Digits stay as written, so no precision is lost. A value that is not a number in
    that notation stays as it was.
    """
    group = "." if decimal == "," else ","
    groups = re.escape(group + _SPACE_GROUPS)
    pattern = (
        rf"^\s*[+\-\x{{2212}}]?(?:\d{{1,3}}(?:[{groups}]\d{{3}})+|\d+)"
        rf"(?:{re.escape(decimal)}\d+)?\s*$"
    )
    values = _strings(column)
    matched = pc.match_substring_regex(values, pattern)
    cleaned = pc.utf8_trim_whitespace(values)
    cleaned = pc.replace_substring_regex(cleaned, rf"^\+|[{groups}]", "")
    cleaned = pc.replace_substring(cleaned, "\u2212", "-")
    if decimal == ",":
        cleaned = pc.replace_substring(cleaned, ",", ".")
    return _series(pc.if_else(matched, cleaned, values), column)


def normalize_integers(column: pd.Series, decimal: str) -> pd.Series:
    """Rewrite whole numbers like `1,234` or `12.00` as `1234` and `12`.

    A value with a non-zero fraction, or that is no number, stays as it was.
    """
    numbers = _strings(normalize_numbers(column, decimal))
    whole = pc.match_substring_regex(numbers, r"^-?\d+(?:\.0*)?$")
    integers = pc.replace_substring_regex(numbers, r"\.0*$", "")
    return _series(pc.if_else(whole, integers, _strings(column)), column)


def to_float(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the column as float64 (NaN where it is not a number) and a number mask."""
    values = _strings(column)
    is_number = pc.fill_null(
        pc.match_substring_regex(values, f"^{NUMBER_PATTERN}$"), False
    )
    numbers = pc.cast(pc.if_else(is_number, values, "nan"), pa.float64())
    return (
        pd.Series(numbers.to_numpy(), index=column.index),
        pd.Series(is_number.to_numpy(zero_copy_only=False), index=column.index),
    )
