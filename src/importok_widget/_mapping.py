"""Automatic mapping of file columns to fields by fuzzy name matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ._exceptions import MappingError
from ._schema import Field

MIN_SCORE = 0.75
"""Lowest similarity, from 0 to 1, at which a column is mapped to a field."""

_NON_ALNUM = re.compile(r"[\W_]+")


def normalize_name(name: str) -> str:
    """Casefold a name, drop accents, and turn punctuation runs into single spaces.

    Letters of every script stay, so `名前` and `Имя` still match themselves.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", unaccented.casefold()).strip()


def _similarity(name: str, column: str) -> float:
    if not name or not column:
        return 0.0
    compact_name = name.replace(" ", "")
    compact_column = column.replace(" ", "")
    if compact_name == compact_column:
        return 1.0
    by_edits = Levenshtein.normalized_similarity(compact_name, compact_column)
    # Word overlap catches "Email" against "E-mail address", but ranks below a close
    # spelling so that "email" prefers "e-mail" over "email address" when both exist.
    by_words = fuzz.token_set_ratio(name, column) / 100 * 0.85
    return max(by_edits, by_words)


def auto_map(fields: list[Field], columns: list[str]) -> dict[str, str | None]:
    """Map each field to its most similar column, never two fields to one column.

    A field's key, label and aliases are compared with each column name. Pairs are
    taken from the most similar down, and pairs under `MIN_SCORE` stay unmapped.
    """
    normalized_columns = [normalize_name(column) for column in columns]
    pairs = []
    for field_index, spec in enumerate(fields):
        names = {normalize_name(n) for n in (spec.key, spec.label, *spec.aliases)}
        for column_index, column in enumerate(normalized_columns):
            score = max(_similarity(name, column) for name in names)
            if score >= MIN_SCORE:
                pairs.append((-score, field_index, column_index))
    pairs.sort()

    mapping: dict[str, str | None] = {spec.key: None for spec in fields}
    used_columns: set[int] = set()
    for _, field_index, column_index in pairs:
        key = fields[field_index].key
        if mapping[key] is not None or column_index in used_columns:
            continue
        mapping[key] = columns[column_index]
        used_columns.add(column_index)
    return mapping


def check_mapping(
    fields: list[Field], columns: list[str], mapping: dict[str, str | None]
) -> dict[str, str | None]:
    """Return a complete mapping, or raise `MappingError` naming what is wrong.

    Fields missing from `mapping` stay unmapped. A column that is not in the file, a
    key that is not a field, or a required field without a column is an error.
    """
    keys = {spec.key for spec in fields}
    unknown_keys = [key for key in mapping if key not in keys]
    if unknown_keys:
        raise MappingError(
            f"Mapping names unknown fields: {', '.join(map(repr, unknown_keys))}. "
            f"Fields are: {', '.join(map(repr, keys))}"
        )

    known_columns = set(columns)
    complete: dict[str, str | None] = {}
    for spec in fields:
        column = mapping.get(spec.key)
        if column in ("", None):
            column = None
        elif column not in known_columns:
            raise MappingError(
                f"Field {spec.key!r} is mapped to column {column!r}, which the file "
                f"does not have. Columns are: {', '.join(map(repr, columns))}"
            )
        complete[spec.key] = column

    missing = [
        spec.label for spec in fields if spec.required and not complete[spec.key]
    ]
    if missing:
        raise MappingError(
            f"Required fields have no column: {', '.join(missing)}. Map them to a "
            f"column of the file (columns: {', '.join(map(repr, columns))})."
        )
    if fields and not any(complete.values()):
        raise MappingError(
            f"No field is mapped to a column, so every record would be empty. Map "
            f"at least one field (columns: {', '.join(map(repr, columns))}), or "
            f"check whether the file has a header row."
        )
    return complete


Mapper = Callable[[list[Field], list[str]], Mapping[str, str | None]]


def _checked_mapper_result(
    result: Any, fields: list[Field], columns: list[str]
) -> dict[str, str | None]:
    if not isinstance(result, Mapping):
        raise MappingError(
            f"mapper returned {type(result).__name__}: return a dict of field key "
            "to column name or None"
        )
    keys = {spec.key for spec in fields}
    known_columns = set(columns)
    for key, column in result.items():
        if key not in keys:
            raise MappingError(
                f"mapper returned unknown field {key!r}. Fields are: "
                f"{', '.join(map(repr, keys))}"
            )
        if column not in (None, "") and column not in known_columns:
            raise MappingError(
                f"mapper mapped field {key!r} to column {column!r}, which the file "
                f"does not have. Columns are: {', '.join(map(repr, columns))}"
            )
    return {spec.key: result.get(spec.key) or None for spec in fields}


def map_columns(
    fields: list[Field],
    columns: list[str],
    *,
    preferred: Mapping[str, str | None] | None = None,
    mapper: Mapper | None = None,
) -> dict[str, str | None]:
    """Map fields to columns with `mapper`, or with `preferred` and then `auto_map`.

    `mapper(fields, columns)` replaces the automatic strategy. Otherwise each field
    takes its `preferred` column when the file has it, and the other fields are
    mapped automatically to the columns left over.
    """
    if mapper is not None:
        return _checked_mapper_result(
            mapper(list(fields), list(columns)), fields, columns
        )

    mapping: dict[str, str | None] = {spec.key: None for spec in fields}
    used: set[str] = set()
    for spec in fields:
        column = (preferred or {}).get(spec.key)
        if column and column in columns and column not in used:
            mapping[spec.key] = column
            used.add(column)
    rest = [spec for spec in fields if mapping[spec.key] is None]
    free = [column for column in columns if column not in used]
    if rest and free:
        mapping.update(auto_map(rest, free))
    return mapping
