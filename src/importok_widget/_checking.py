"""Run the compiled rules on a table: transform, validate, and collect the errors.

Fields run concurrently: the vectorised rules of each field in a worker thread
(pyarrow's kernels release the GIL), async custom rules on the event loop with at
most `throttle` calls in flight across all fields.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._rules import Check, CompiledField, Failure, Transform, is_empty

logger = logging.getLogger("importok_widget")

STRING = pd.StringDtype("pyarrow")
RESERVED_COLUMNS = frozenset({"error"})
"""Column names that pass-through columns may not take: the rejected frame's own."""


@dataclass
class Checked:
    """Transformed records with their validation errors."""

    records: pd.DataFrame
    """Field columns in schema order, then pass-through columns; indexed by row."""
    errors: pd.DataFrame
    """One row per failed rule: `row`, `field`, `value`, `message`."""
    row_errors: pd.Series
    """The joined messages of each invalid row, indexed by `row_index`."""


def _initial_column(
    frame: pd.DataFrame, column_name: str | None, index: pd.Index, key: str
) -> pd.Series:
    if column_name:
        column = frame[column_name].astype(STRING)
        return pd.Series(column.array, index=index, name=key)
    return pd.Series([""] * len(index), index=index, dtype=STRING, name=key)


async def _transform(
    column: pd.Series, transforms: tuple[Transform, ...], limiter: asyncio.Semaphore
) -> pd.Series:
    """Apply the transformers in order, batching the sync ones into one thread."""
    batch: list[Transform] = []

    def run_batch(values: pd.Series, steps: list[Transform]) -> pd.Series:
        for step in steps:
            assert step.run is not None
            values = step.run(values)
        return values

    for step in transforms:
        if step.run_async is None:
            batch.append(step)
            continue
        if batch:
            column = await asyncio.to_thread(run_batch, column, batch)
            batch = []
        column = await step.run_async(column, limiter)
    if batch:
        column = await asyncio.to_thread(run_batch, column, batch)
    return column


def _skip_empty(failure: Failure, empty: pd.Series | None) -> Failure:
    failed, message = failure
    failed = failed.fillna(False).astype(bool)
    if empty is not None:
        failed = failed & ~empty
    return failed, message


async def _validate(
    data: pd.Series | pd.DataFrame,
    checks: list[tuple[int, Check]],
    empty: pd.Series | None,
    limiter: asyncio.Semaphore,
) -> dict[int, Failure]:
    """Run the checks on `data`: sync ones in worker threads, async ones on the loop."""

    def run_sync(check: Check) -> Failure:
        if check.fails_empty and empty is not None:
            return empty, "Is required"
        assert check.run is not None
        return _skip_empty(check.run(data), empty if check.skips_empty else None)

    # Each check in its own thread: checks of one column are independent, and
    # pyarrow's kernels release the GIL, so a slow check runs beside the others.
    sync = [(position, check) for position, check in checks if check.run_async is None]
    results = await asyncio.gather(
        *(asyncio.to_thread(run_sync, check) for _, check in sync)
    )
    failures = {
        position: result for (position, _), result in zip(sync, results, strict=True)
    }
    for position, check in checks:
        if check.run_async is not None:
            skip = empty if check.skips_empty else None
            failure = await check.run_async(data, limiter)
            failures[position] = _skip_empty(failure, skip)
    return failures


async def _check_field(
    compiled: CompiledField, column: pd.Series, limiter: asyncio.Semaphore
) -> tuple[pd.Series, pd.Series | None, dict[int, Failure]]:
    column = await _transform(column, compiled.transforms, limiter)
    empty = await asyncio.to_thread(is_empty, column) if compiled.checks else None
    column_checks = [
        (position, check)
        for position, check in enumerate(compiled.checks)
        if not check.dataset
    ]
    failures = await _validate(column, column_checks, empty, limiter)
    return column, empty, failures


def _pass_through_columns(
    frame: pd.DataFrame,
    mapping: Mapping[str, str | None],
    keys: list[str],
    index: pd.Index,
) -> dict[str, pd.Series]:
    mapped = {column for column in mapping.values() if column}
    columns = {}
    for name in frame.columns:
        if name in mapped:
            continue
        if name in keys or name in RESERVED_COLUMNS:
            logger.warning(
                "Column %r is not passed through: a field or the error column "
                "has that name. Rename the column or map it to a field.",
                name,
            )
            continue
        columns[name] = pd.Series(frame[name].array, index=index, name=name)
    return columns


def _error_frame(
    compiled: list[CompiledField],
    records: pd.DataFrame,
    failures: list[dict[int, Failure]],
) -> tuple[pd.DataFrame, pd.Series]:
    parts = []
    for field_failures, item in zip(failures, compiled, strict=True):
        key = item.field.key
        for position in sorted(field_failures):
            failed, message = field_failures[position]
            rows = failed.index[failed.to_numpy()]
            if len(rows) == 0:
                continue
            messages = (
                message.loc[rows].to_numpy()
                if isinstance(message, pd.Series)
                else message
            )
            parts.append(
                pd.DataFrame(
                    {
                        "row": rows,
                        "field": key,
                        "value": records[key].loc[rows].to_numpy(),
                        "message": messages,
                    }
                )
            )
    if not parts:
        errors = pd.DataFrame(
            {"row": pd.Series(dtype="int64"), "field": [], "value": [], "message": []}
        )
        row_errors = pd.Series(
            dtype=STRING, index=pd.Index([], dtype="int64", name="row_index")
        )
        return errors, row_errors

    errors = pd.concat(parts, ignore_index=True)
    errors = errors.sort_values("row", kind="stable", ignore_index=True)
    label_of = {item.field.key: item.field.label for item in compiled}
    return errors, _join_by_row(errors, label_of)


def _join_by_row(errors: pd.DataFrame, label_of: Mapping[str, str]) -> pd.Series:
    """Join "Label: message" of each row with "; ", vectorised with Arrow lists."""
    labels = pa.array(errors["field"].map(label_of).to_numpy(dtype=object), pa.string())
    messages = pa.array(
        errors["message"].astype(str).to_numpy(dtype=object), pa.string()
    )
    described = pc.binary_join_element_wise(labels, messages, ": ")

    # errors is sorted by row, so each row's messages are one run of the array.
    rows = errors["row"].to_numpy()
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    offsets = pa.array(np.r_[starts, len(rows)], pa.int32())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, described), "; ")
    index = pd.Index(rows[starts], dtype="int64", name="row_index")
    return pd.Series(
        pd.arrays.ArrowStringArray(joined.cast(pa.large_string())), index=index
    )


async def check_table(
    compiled: list[CompiledField],
    frame: pd.DataFrame,
    mapping: Mapping[str, str | None],
    *,
    throttle: int = 1,
    pass_through: bool = False,
) -> Checked:
    """Transform and validate every field of `frame` under `mapping`.

    Unmapped fields get empty strings. With `pass_through`, columns that no field
    takes follow the field columns in the records, unchanged and unvalidated.
    """
    index = pd.RangeIndex(len(frame), name="row_index")
    limiter = asyncio.Semaphore(throttle)
    keys = [item.field.key for item in compiled]
    results = await asyncio.gather(
        *(
            _check_field(
                item, _initial_column(frame, mapping.get(key), index, key), limiter
            )
            for item, key in zip(compiled, keys, strict=True)
        )
    )
    columns = {key: column for key, (column, _, _) in zip(keys, results, strict=True)}
    if pass_through:
        columns.update(_pass_through_columns(frame, mapping, keys, index))
    records = pd.DataFrame(columns, index=index)

    failures = []
    for item, (_, empty, field_failures) in zip(compiled, results, strict=True):
        dataset_checks = [
            (position, check)
            for position, check in enumerate(item.checks)
            if check.dataset
        ]
        if dataset_checks:
            field_failures.update(
                await _validate(records, dataset_checks, empty, limiter)
            )
        failures.append(field_failures)

    errors, row_errors = _error_frame(compiled, records, failures)
    return Checked(records, errors, row_errors)


def count_errors(errors: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Count validation errors by field and message, fields in schema order."""
    if errors.empty:
        return pd.DataFrame(
            {
                "field": pd.Series(dtype=object),
                "message": pd.Series(dtype=object),
                "count": pd.Series(dtype="int64"),
            }
        )
    counts = errors.groupby(["field", "message"], sort=False).size()
    counts = counts.rename("count").reset_index()
    order = {key: position for position, key in enumerate(keys)}
    counts["_order"] = counts["field"].map(order)
    counts = counts.sort_values(["_order", "count"], ascending=[True, False])
    return counts.drop(columns="_order").reset_index(drop=True)
