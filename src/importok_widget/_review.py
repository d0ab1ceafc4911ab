"""The review step's editable records: edits, deletions, additions, undo and export.

`ReviewTable` owns the records of the current file as the review step shows them,
and a bounded history of the changes made to them. `ReviewSession`, a mixin of
`ImportWidget`, runs the field rules again after every change and publishes the
result in the `review` trait.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import math
import numbers
import pathlib
import re
import weakref
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xlsxwriter

from ._checking import count_errors
from ._exceptions import ImportOkError, ImportStateError
from ._pipeline import ERROR_COLUMN, STRING, Prepared, rejected_csv

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ._reading import Table
    from ._schema import Field

logger = logging.getLogger("importok_widget")

CHECKING = "Checking records"
"""The busy text while changed records are checked again."""

MAX_UNDO = 100
"""Changes that `undo` can take back; older ones are forgotten."""

MAX_ROW_INDEX = 2**53
"""Largest row_index that assigned records may have, which keeps the numbers of
added records within int64."""

MAX_GRID_ROWS = 500
"""Rows that one `grid_rows` request returns at most."""

EXPORT_FORMATS = ("csv", "xlsx")

EXPORT_MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

MAX_XLSX_RECORDS = 1_048_575
"""Records that fit on one worksheet under its header row."""


class ReviewEditError(ImportOkError, ValueError):
    """A review change names a missing row or field, or gives an invalid value."""


@dataclass
class Change:
    """Record of one change, with the old values that `undo` restores."""

    cells: dict[str, pd.Series] = field(default_factory=dict)
    """Old values of the changed cells, per column, indexed by `row_index`."""
    removed: pd.DataFrame | None = None
    """Rows that the change deleted, as they were."""
    added: pd.Index = field(default_factory=lambda: pd.Index([], dtype="int64"))
    """`row_index` of the rows that the change added."""

    def is_empty(self) -> bool:
        return not self.cells and self.removed is None and len(self.added) == 0


def _text(value: Any, row: Any, key: str) -> str:
    """Return a cell value as text: None and NaN become "", numbers their digits."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return "" if math.isnan(value) else str(float(value))
    raise ReviewEditError(
        f"Value for row {row}, field {key!r} must be text, not "
        f"{type(value).__name__} {value!r}."
    )


def _row_number(row: Any) -> int:
    if isinstance(row, bool | np.bool_) or not isinstance(row, numbers.Integral):
        raise ReviewEditError(f"Row must be a row_index (a whole number), not {row!r}.")
    return int(row)


def _row_numbers(rows: Any) -> list[int]:
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        raise ReviewEditError(
            f"Rows must be a list of row_index values, not {type(rows).__name__} "
            f"{rows!r}."
        )
    return sorted({_row_number(row) for row in rows})


class ReviewTable:
    """The editable records of one file, with the history that `undo` takes back.

    `records` has one string column per field key (then any pass-through columns)
    and is indexed by `row_index`, sorted. A record's `row_index` is its 0-based
    data row in the file and stays with it through deletions. Added records get
    numbers above every `row_index` used so far, so they never take a deleted
    record's number.
    """

    def __init__(self, prepared: Prepared) -> None:
        self.records = prepared.records.copy()
        self.table = prepared.table
        self.mapping = dict(prepared.mapping)
        self.history: deque[Change] = deque(maxlen=MAX_UNDO)
        self.version = 0
        """Count of changes applied, undo included."""
        self._next_row = int(self.records.index.max()) + 1 if len(self.records) else 0

    @property
    def columns(self) -> list[str]:
        return [str(name) for name in self.records.columns]

    def _column(self, key: Any) -> str:
        if key not in self.records.columns:
            raise ReviewEditError(f"No field {key!r}. Fields are: {self.columns}.")
        return str(key)

    def _commit(self, change: Change) -> None:
        self.history.append(change)
        self.version += 1

    def _assign(self, key: str, values: pd.Series) -> None:
        column = self.records[key].copy()
        column.loc[values.index] = values.to_numpy(dtype=object)
        self.records[key] = column

    def edit(self, row: Any, key: Any, value: Any) -> None:
        """Set the value of one cell."""
        row = _row_number(row)
        key = self._column(key)
        if row not in self.records.index:
            raise ReviewEditError(
                f"No record with row_index {row}: it was deleted or never existed."
            )
        text = _text(value, row, key)
        old = self.records.loc[[row], key]
        if old.iloc[0] == text:
            return
        self._assign(key, pd.Series([text], index=old.index, dtype=STRING))
        self._commit(Change(cells={key: old}))

    def delete(self, rows: Iterable[Any]) -> int:
        """Delete the records with these `row_index` values; return how many."""
        chosen = _row_numbers(rows)
        missing = [row for row in chosen if row not in self.records.index]
        if missing:
            raise ReviewEditError(
                f"No records with row_index {missing[:10]}: they were deleted or "
                f"never existed. Nothing was deleted."
            )
        if not chosen:
            return 0
        removed = self.records.loc[chosen]
        self.records = self.records.drop(index=chosen)
        self._commit(Change(removed=removed))
        return len(chosen)

    def add(self, values: Mapping[str, Any] | None = None) -> int:
        """Append a record and return its new `row_index`.

        Fields missing from `values` are empty.
        """
        if values is not None and not isinstance(values, Mapping):
            raise ReviewEditError(
                f"Values must be a dict of field key to value, not "
                f"{type(values).__name__}."
            )
        values = dict(values or {})
        unknown = [key for key in values if key not in self.records.columns]
        if unknown:
            raise ReviewEditError(
                f"No fields {unknown} in the new record. Fields are: {self.columns}."
            )
        row = self._next_row
        cells = {key: _text(values.get(key), row, key) for key in self.columns}
        index = pd.Index([row], dtype="int64", name="row_index")
        added = pd.DataFrame(
            {
                key: pd.Series([text], index=index, dtype=STRING)
                for key, text in cells.items()
            }
        )
        self.records = pd.concat([self.records, added])
        self._next_row = row + 1
        self._commit(Change(added=added.index))
        return row

    def find_replace(
        self,
        find: str,
        replace: str,
        key: str | None = None,
        *,
        match_case: bool = False,
        whole_cell: bool = False,
    ) -> int:
        """Replace `find` with `replace` in one column or in all; return cells changed.

        With `whole_cell`, only cells whose whole value is `find` change. Otherwise
        every occurrence inside a cell is replaced.
        """
        if not isinstance(find, str) or not find:
            raise ReviewEditError(f"Text to find must be non-empty text, not {find!r}.")
        if not isinstance(replace, str):
            raise ReviewEditError(f"Replacement must be text, not {replace!r}.")
        keys = self.columns if key is None else [self._column(key)]
        flags = 0 if match_case else re.IGNORECASE
        pattern = re.compile(
            f"^{re.escape(find)}$" if whole_cell else re.escape(find), flags
        )
        change = Change()
        count = 0
        for name in keys:
            column = self.records[name].fillna("")
            # A function as the replacement keeps backslashes in `replace` literal.
            replaced = column.str.replace(pattern, lambda _: replace, regex=True)
            changed = (replaced != column).to_numpy(dtype=bool)
            if not changed.any():
                continue
            change.cells[name] = self.records.loc[changed, name]
            self._assign(name, replaced[changed].astype(STRING))
            count += int(changed.sum())
        if count:
            self._commit(change)
        return count

    def replace_records(self, frame: Any) -> None:
        """Replace every record with the rows of `frame`, which has the same columns.

        The index of `frame` is the `row_index` of its records.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"records must be a DataFrame, not {type(frame).__name__}.")
        names = [str(name) for name in frame.columns]
        missing = [key for key in self.columns if key not in names]
        unexpected = [name for name in names if name not in self.columns]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if missing or unexpected or repeated:
            raise ValueError(
                f"records must have exactly the columns {self.columns}. "
                f"Missing: {missing}, unexpected: {unexpected}, more than once: "
                f"{repeated}."
            )
        index = frame.index
        if not pd.api.types.is_integer_dtype(index.dtype):
            raise ValueError(
                f"The index of records must be row_index, whole numbers, not "
                f"{index.dtype} values such as {list(index[:3])}."
            )
        if len(index) and (index.min() < 0 or index.max() > MAX_ROW_INDEX):
            raise ValueError(
                f"The index of records must be row_index values from 0 to "
                f"{MAX_ROW_INDEX:,}, not {index.min()} to {index.max()}."
            )
        if not index.is_unique:
            duplicated = sorted(set(index[index.duplicated()].tolist()))
            raise ValueError(
                f"The index of records must be unique, but row_index "
                f"{duplicated[:10]} occurs more than once."
            )
        new = frame.copy()
        new.columns = names
        new = new[self.columns].astype(STRING).sort_index()
        new.index = pd.Index(new.index.to_numpy(dtype="int64"), name="row_index")

        old = self.records
        common = old.index.intersection(new.index)
        change = Change(added=new.index.difference(old.index))
        removed_rows = old.index.difference(new.index)
        if len(removed_rows):
            change.removed = old.loc[removed_rows]
        for name in self.columns:
            before = old.loc[common, name].fillna("")
            after = new.loc[common, name].fillna("")
            changed = (before != after).to_numpy(dtype=bool)
            if changed.any():
                change.cells[name] = old.loc[common[changed], name]
        self.records = new
        if len(new):
            self._next_row = max(self._next_row, int(new.index.max()) + 1)
        if not change.is_empty():
            self._commit(change)

    def undo(self) -> bool:
        """Take back the last change; return False when there is none."""
        if not self.history:
            return False
        change = self.history.pop()
        if len(change.added):
            self.records = self.records.drop(index=change.added)
        if change.removed is not None:
            self.records = pd.concat([self.records, change.removed]).sort_index()
        for key, old in change.cells.items():
            self._assign(key, old)
        self.version += 1
        return True

    def accept(self, prepared: Prepared) -> None:
        """Take the transformed records of a check of the current records."""
        self.records = prepared.records.copy()

    def checked_table(self) -> tuple[Table, dict[str, str | None]]:
        """Return the records as a table of strings to check, and its mapping.

        The table keeps the file's name and settings for the callbacks' `meta`, and
        its frame keeps each record's `row_index`.
        """
        frame = self.records.fillna("")
        table = dataclasses.replace(self.table, frame=frame, columns=self.columns)
        mapping: dict[str, str | None] = {
            key: key for key in self.mapping if key in frame.columns
        }
        return table, mapping

    MATCHING_CACHE_SIZE = 4
    """Filter combinations whose `matching_rows` result is kept."""

    _matching: tuple[tuple[Any, ...], dict[tuple[Any, ...], pd.Index]] | None = None
    """Results of `matching_rows` by filters, with the version, and weak references
    to the records and the check that they were computed from."""

    def matching_rows(
        self,
        prepared: Prepared,
        *,
        only_errors: bool = False,
        message_filter: Mapping[str, Any] | None = None,
        search: str = "",
    ) -> pd.Index:
        """Return the `row_index` of the records that pass every filter, in order.

        The grid sends the same filters again with every scroll, so the results of
        the last `MATCHING_CACHE_SIZE` filter combinations are kept until a change
        of the records or a new `prepared`. The field and message of
        `message_filter` are part of the key, so they must be text.
        """
        chosen = None
        if message_filter:
            chosen = (message_filter.get("field"), message_filter.get("message"))
        key = (bool(only_errors), chosen, search)
        results = self._matching_results(prepared)
        found = results.get(key)
        if found is None:
            found = self._find_matching(prepared, bool(only_errors), chosen, search)
            if len(results) >= self.MATCHING_CACHE_SIZE:
                del results[next(iter(results))]  # the oldest
            results[key] = found
        return found

    def _matching_results(self, prepared: Prepared) -> dict[tuple[Any, ...], pd.Index]:
        """Return the kept `matching_rows` results of these records and `prepared`.

        Every change of the records raises `version`, and a finished check replaces
        both the records and `prepared`.
        """
        if self._matching is not None:
            (version, records, checked), results = self._matching
            if (
                version == self.version
                and records() is self.records
                and checked() is prepared
            ):
                return results
        results = {}
        source = (self.version, weakref.ref(self.records), weakref.ref(prepared))
        self._matching = (source, results)
        return results

    def _find_matching(
        self,
        prepared: Prepared,
        only_errors: bool,
        chosen: tuple[Any, Any] | None,
        search: str,
    ) -> pd.Index:
        records = self.records
        if not only_errors and chosen is None and not search:
            return records.index
        keep = np.ones(len(records), dtype=bool)
        if only_errors:
            keep &= self._has_row(prepared.row_errors.index)
        if chosen is not None:
            errors = prepared.errors
            field, message = chosen
            picked = (errors["field"] == field) & (errors["message"] == message)
            picked_rows = errors.loc[picked.to_numpy(dtype=bool, na_value=False), "row"]
            keep &= self._has_row(picked_rows)
        positions = np.flatnonzero(keep)
        if search:
            # Search only the records that the other filters kept.
            candidates = records
            if len(positions) < len(records):
                candidates = records.iloc[positions]
            found = np.zeros(len(positions), dtype=bool)
            for name in candidates.columns:
                column = candidates[name]
                contains = column.str.contains(search, case=False, regex=False)
                found |= contains.to_numpy(dtype=bool, na_value=False)
            positions = positions[found]
        return records.index[positions]

    def _has_row(self, rows: Iterable[Any]) -> np.ndarray:
        """Return, per record, whether its `row_index` is among `rows`."""
        positions = self.records.index.get_indexer(pd.Index(rows))
        mask = np.zeros(len(self.records), dtype=bool)
        mask[positions[positions >= 0]] = True
        return mask

    def rows(self, prepared: Prepared, row_index: pd.Index) -> list[dict[str, Any]]:
        """Return the values and the error messages of these records, for the grid."""
        part = self.records.loc[row_index].fillna("")
        errors = prepared.errors
        errors = errors[errors["row"].isin(row_index)]
        messages: dict[int, dict[str, str]] = {}
        for row, key, message in zip(
            errors["row"].tolist(),
            errors["field"].tolist(),
            errors["message"].tolist(),
            strict=True,
        ):
            cell = messages.setdefault(int(row), {})
            cell[key] = f"{cell[key]}; {message}" if key in cell else str(message)
        names = self.columns
        return [
            {
                "row": int(row),
                "values": dict(zip(names, map(str, values), strict=True)),
                "errors": messages.get(int(row), {}),
            }
            for row, *values in part.itertuples(name=None)
        ]

    def export_frame(self, prepared: Prepared) -> pd.DataFrame:
        """Return the records with an `error` column last, "" for valid records."""
        frame = self.records.copy()
        reasons = prepared.row_errors.reindex(frame.index)
        frame[ERROR_COLUMN] = reasons.astype(STRING).fillna("")
        return frame


def check_export_format(format: str) -> None:
    """Raise `ReviewEditError` unless `export_records` supports `format`."""
    if format not in EXPORT_FORMATS:
        raise ReviewEditError(
            f"Export format {format!r} is not supported. Use one of "
            f"{list(EXPORT_FORMATS)}."
        )


def records_xlsx(frame: pd.DataFrame) -> bytes:
    """Return the records as an XLSX workbook with one sheet, every cell as text.

    Values such as "=1+1" or "http://..." stay text: nothing becomes a formula, a
    link or a number. Raises `ReviewEditError` when the records do not fit on one
    worksheet.
    """
    if len(frame) > MAX_XLSX_RECORDS:
        raise ReviewEditError(
            f"{len(frame):,} records do not fit on one XLSX worksheet, which has "
            f"room for {MAX_XLSX_RECORDS:,}. Export CSV instead."
        )
    buffer = io.BytesIO()
    # constant_memory writes each row to a temporary file as it goes, so a million
    # rows do not stay in memory as cell objects.
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = workbook.add_worksheet("Records")
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    names = [str(name) for name in frame.columns]
    for column, name in enumerate(names):
        sheet.write_string(0, column, name, bold)
        sheet.set_column(column, column, max(10, min(len(name) + 2, 40)), text)
    sheet.freeze_panes(1, 0)
    values = frame.fillna("").astype(str).to_numpy(dtype=object)
    for row, cells in enumerate(values.tolist(), start=1):
        for column, value in enumerate(cells):
            if value:
                sheet.write_string(row, column, value)
    workbook.close()
    return buffer.getvalue()


def review_filters(errors: pd.DataFrame, fields: list[Field]) -> list[dict[str, Any]]:
    """Count the errors by field and message, the most frequent first."""
    counts = count_errors(errors, [spec.key for spec in fields])
    counts = counts.sort_values("count", ascending=False, kind="stable")
    labels = {spec.key: spec.label for spec in fields}
    return [
        {
            "field": str(key),
            "label": str(labels.get(key, key)),
            "message": str(message),
            "count": int(count),
        }
        for key, message, count in counts.itertuples(index=False)
    ]


class ReviewSession:
    """Edit the records of the current file in the review step, from Python or the
    browser, and check them again after every change.

    Changes apply at once. The check that follows runs on the kernel's event loop
    (or to completion, when no loop runs) and then updates `review`, `errors` and
    the records that an import delivers. `await widget.wait_review()` waits for it.
    """

    _edits: ReviewTable | None = None
    _review_check: asyncio.Task[None] | None = None
    _review_failure: str = ""
    """Message of the failed check of the current records, or "" after a check that
    finished. While it is set, the records cannot be imported."""

    if TYPE_CHECKING:
        # Provided by ImportWidget, the only class this is mixed into.
        review: dict[str, Any]
        filename: str
        step: str
        error: str
        busy: str
        _prepared: Prepared | None
        _schema: list[Field]

        def _check_idle(self) -> None: ...
        def hold_sync(self) -> AbstractContextManager[None]: ...
        def _show_error(self, error: BaseException) -> None: ...
        async def _check(
            self, table: Table, mapping: dict[str, str | None]
        ) -> Prepared: ...

    # Public API

    @property
    def records(self) -> pd.DataFrame:
        """A copy of the current records, one string column per field key.

        The index is `row_index`, the record's 0-based data row in the file, and
        records added in review continue after the largest one. Assign a DataFrame
        with the same columns to replace the records: the widget checks them again
        and shows them, and `undo()` takes the assignment back. Raises
        `ImportStateError` when no file is loaded.
        """
        return self._review_table().records.copy()

    @records.setter
    def records(self, frame: pd.DataFrame) -> None:
        self._editable().replace_records(frame)
        self._after_review_change()

    def grid_rows(
        self,
        start: int,
        stop: int,
        *,
        only_errors: bool = False,
        message_filter: Mapping[str, Any] | None = None,
        search: str = "",
    ) -> dict[str, Any]:
        """Return the records at positions `start` to `stop` among those that match.

        Filters: `only_errors` keeps invalid records, `message_filter={"field",
        "message"}` keeps records with that error, and `search` keeps records with
        that text in any cell, ignoring case. Returns `{"start", "total", "rows"}`,
        where total counts the matching records and each row is `{"row",
        "values": {key: value}, "errors": {key: message}}`. At most
        `MAX_GRID_ROWS` rows are returned.
        """
        edits = self._review_table()
        prepared = self._prepared
        assert prepared is not None
        if message_filter is not None and not (
            isinstance(message_filter, Mapping)
            and all(
                isinstance(message_filter.get(key), str) for key in ("field", "message")
            )
        ):
            raise ReviewEditError(
                f"message_filter must be {{field, message}} with text values, or "
                f"None, not {message_filter!r}."
            )
        matching = edits.matching_rows(
            prepared,
            only_errors=only_errors,
            message_filter=message_filter,
            search=search,
        )
        start = max(0, int(start))
        stop = min(int(stop), start + MAX_GRID_ROWS, len(matching))
        rows = edits.rows(prepared, matching[start:stop]) if stop > start else []
        return {"start": start, "total": len(matching), "rows": rows}

    def edit_cell(self, row: int, field: str, value: Any) -> None:
        """Set field `field` of the record with `row_index` `row` to `value`."""
        self._editable().edit(row, field, value)
        self._after_review_change()

    def delete_rows(self, rows: Iterable[int]) -> int:
        """Delete the records with these `row_index` values; return how many."""
        count = self._editable().delete(rows)
        if count:
            self._after_review_change()
        return count

    def add_record(self, values: Mapping[str, Any] | None = None) -> int:
        """Add a record with `values` by field key; return its `row_index`."""
        row = self._editable().add(values)
        self._after_review_change()
        return row

    def find_replace(
        self,
        find: str,
        replace: str,
        *,
        field: str | None = None,
        match_case: bool = False,
        whole_cell: bool = False,
    ) -> int:
        """Replace `find` with `replace` in field `field`, or in all; return cells
        changed.

        Case is ignored unless `match_case`. With `whole_cell`, only cells whose
        whole value is `find` change.
        """
        count = self._editable().find_replace(
            find, replace, field, match_case=match_case, whole_cell=whole_cell
        )
        if count:
            self._after_review_change()
        return count

    def undo(self) -> bool:
        """Take back the last review change; return False when there is none.

        The last `MAX_UNDO` changes can be taken back.
        """
        undone = self._editable().undo()
        if undone:
            self._after_review_change()
        return undone

    def export_records(self, format: str = "csv") -> bytes:
        """Return the current records with the `error` column last, as a file.

        `format` is "csv" (UTF-8 with a BOM) or "xlsx" (one worksheet, every cell
        as text). The messages are those of the last finished check, so
        `await widget.wait_review()` first after a change.
        """
        check_export_format(format)
        edits = self._review_table()
        assert self._prepared is not None
        frame = edits.export_frame(self._prepared)
        if format == "xlsx":
            return records_xlsx(frame)
        return rejected_csv(frame)

    def export_filename(self, format: str = "csv") -> str:
        """Return the download name of `export_records(format)`."""
        stem = pathlib.Path(self.filename or "records").stem
        return f"{stem}-reviewed.{format}"

    async def wait_review(self) -> None:
        """Wait until the records have been checked since the last review change."""
        while (task := self._review_check) is not None and not task.done():
            await asyncio.shield(task)

    # Internals

    def _review_table(self) -> ReviewTable:
        if self._prepared is None or self._edits is None:
            raise ImportStateError("No records to review. Upload and map a file first.")
        return self._edits

    def _editable(self) -> ReviewTable:
        edits = self._review_table()
        self._check_idle()
        if self.step in ("import", "done"):
            raise ImportStateError(
                "These records were imported, so they can no longer change. Upload "
                "the file again, or use retry_failed() for the failed deliveries."
            )
        return edits

    def _check_reviewed(self) -> None:
        """Raise `ImportStateError` when the last check of the records failed."""
        if self._review_failure:
            raise ImportStateError(
                f"The records changed, and checking them again failed, so they "
                f"cannot be imported: {self._review_failure.rstrip('.')}. Change or "
                f"undo the value first."
            )

    def _review_pending(self) -> bool:
        """Return whether a check of changed records is running."""
        task = self._review_check
        return task is not None and not task.done()

    def _start_review(self, prepared: Prepared) -> None:
        """Make the records of a newly checked file the ones that review edits."""
        self._edits = ReviewTable(prepared)
        self._review_failure = ""
        self.review = self._review_state(prepared, 0)

    def _review_state(self, prepared: Prepared, version: int) -> dict[str, Any]:
        state = prepared.review()
        state["version"] = version
        state["can_undo"] = self._edits is not None and bool(self._edits.history)
        state["filters"] = review_filters(prepared.errors, self._schema)
        return state

    def _after_review_change(self) -> None:
        if self._review_pending():
            return  # the running check finds the new version and checks again
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._check_review())
            return
        self.busy = CHECKING  # at once, so the browser blocks the import button
        self._review_check = loop.create_task(self._check_review())

    async def _check_review(self) -> None:
        """Check the records until no change arrived during the check, then show
        the result."""
        edits = self._edits
        self.busy = CHECKING
        try:
            await self._check_until_current(edits)
        finally:
            if self.busy == CHECKING:
                self.busy = ""

    async def _check_until_current(self, edits: ReviewTable | None) -> None:
        while edits is not None and edits is self._edits:
            version = edits.version
            table, mapping = edits.checked_table()
            try:
                prepared = await self._check(table, mapping)
            except Exception as error:
                if edits is self._edits and version != edits.version:
                    continue  # a newer change may not fail, so check that one
                if edits is self._edits:
                    self._review_failure = str(error)
                self._show_error(error)
                return
            if edits is not self._edits or version != edits.version:
                continue  # a newer change or another file arrived meanwhile
            prepared = dataclasses.replace(
                prepared, table=edits.table, mapping=dict(edits.mapping)
            )
            edits.accept(prepared)
            with self.hold_sync():
                if self._review_failure and self._review_failure in self.error:
                    self.error = ""
                self._review_failure = ""
                self._prepared = prepared
                self.review = self._review_state(prepared, version)
            return
