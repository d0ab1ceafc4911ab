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

from ._custom_rules import RuleTimeoutError
from ._exceptions import RuleError
from ._numbers import _strings
from ._rules import Check, CompiledField, Failure, Transform, is_empty
from ._schema import Field, Rule
from ._text import contiguous

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


def _one_chunk(column: pd.Series) -> pd.Series:
    """Return the column backed by one Arrow array.

    Rules on one array make far fewer calls than on many chunks, and each call
    releases and takes the GIL again. prepare() in bench_rules.py took 0.33 s with
    this copy and 0.51 s on the 75 chunks that read_table returned (best of 12 runs
    on 2 cores).
    """
    array = pa.chunked_array([contiguous(_strings(column))])
    return pd.Series(
        pd.arrays.ArrowStringArray(array), index=column.index, name=column.name
    )


def _rule_error(kind: str, field: Field, rule: Rule, error: Exception) -> RuleError:
    """Return `error` of one rule as a `RuleError` that names the field and the rule."""
    # map_distinct_async runs the calls in a TaskGroup, which wraps their errors.
    while isinstance(error, ExceptionGroup):
        error = error.exceptions[0]
    if isinstance(error, RuleError):
        return error
    if isinstance(error, RuleTimeoutError):
        detail = str(error)
    else:
        detail = f"{type(error).__name__}: {error}"
    return RuleError(
        f"{kind} {str(rule)!r} of field {field.label!r} failed: {detail}",
        field=field.key,
        rule=str(rule),
    )


async def _transform(
    field: Field,
    column: pd.Series,
    transforms: tuple[Transform, ...],
    limiter: asyncio.Semaphore,
) -> pd.Series:
    """Apply the transformers in order, batching the sync ones into one thread."""
    batch: list[Transform] = []

    def run_batch(values: pd.Series, steps: list[Transform]) -> pd.Series:
        for step in steps:
            assert step.run is not None
            try:
                values = step.run(values)
            except Exception as error:
                raise _rule_error("Transformer", field, step.rule, error) from error
        return values

    for step in transforms:
        if step.run_async is None:
            batch.append(step)
            continue
        if batch:
            column = await asyncio.to_thread(run_batch, column, batch)
            batch = []
        try:
            column = await step.run_async(column, limiter)
        except Exception as error:
            raise _rule_error("Transformer", field, step.rule, error) from error
    if batch:
        column = await asyncio.to_thread(run_batch, column, batch)
    return column


def _skip_empty(failure: Failure, empty: pd.Series | None) -> Failure:
    failed, message = failure
    mask = failed.to_numpy(dtype=bool, na_value=False)
    if empty is not None:
        if not empty.index.equals(failed.index):
            empty = empty.reindex(failed.index, fill_value=False)
        mask = mask & ~empty.to_numpy(dtype=bool)
    return pd.Series(mask, index=failed.index), message


async def _validate(
    field: Field,
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
        try:
            failure = check.run(data)
        except Exception as error:
            raise _rule_error("Validator", field, check.rule, error) from error
        return _skip_empty(failure, empty if check.skips_empty else None)

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
            try:
                failure = await check.run_async(data, limiter)
            except Exception as error:
                raise _rule_error("Validator", field, check.rule, error) from error
            failures[position] = _skip_empty(failure, skip)
    return failures


async def _check_field(
    compiled: CompiledField, column: pd.Series, limiter: asyncio.Semaphore
) -> tuple[pd.Series, pd.Series | None, dict[int, Failure]]:
    column = await asyncio.to_thread(_one_chunk, column)
    column = await _transform(compiled.field, column, compiled.transforms, limiter)
    empty = await asyncio.to_thread(is_empty, column) if compiled.checks else None
    column_checks = [
        (position, check)
        for position, check in enumerate(compiled.checks)
        if not check.dataset
    ]
    failures = await _validate(compiled.field, column, column_checks, empty, limiter)
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
    # Each part is one failed rule: its rows, field, values, messages, and the
    # "Label: message" text that the joined messages of a row are made of.
    rows, fields, values, messages, described = [], [], [], [], []
    for field_failures, item in zip(failures, compiled, strict=True):
        key, label = item.field.key, item.field.label
        column = _strings(records[key])
        for position in sorted(field_failures):
            failed, message = field_failures[position]
            failed_rows = failed.index[failed.to_numpy()]
            count = len(failed_rows)
            if count == 0:
                continue
            rows.append(failed_rows.to_numpy())
            fields.append(pa.repeat(pa.scalar(key, pa.large_string()), count))
            failed_values = column.take(records.index.get_indexer(failed_rows))
            values.append(failed_values.cast(pa.large_string()).combine_chunks())
            if isinstance(message, pd.Series):
                texts = message.loc[failed_rows].astype(str).to_numpy(dtype=object)
                text = pa.array(texts, pa.large_string())
                messages.append(text)
                prefix = pa.scalar(f"{label}: ", pa.large_string())
                empty = pa.scalar("", pa.large_string())
                described.append(pc.binary_join_element_wise(prefix, text, empty))
            else:
                messages.append(pa.repeat(pa.scalar(message, pa.large_string()), count))
                line = pa.scalar(f"{label}: {message}", pa.large_string())
                described.append(pa.repeat(line, count))
    if not rows:
        errors = pd.DataFrame(
            {"row": pd.Series(dtype="int64"), "field": [], "value": [], "message": []}
        )
        row_errors = pd.Series(
            dtype=STRING, index=pd.Index([], dtype="int64", name="row_index")
        )
        return errors, row_errors

    all_rows = np.concatenate(rows)
    order = np.argsort(all_rows, kind="stable")
    sorted_rows = all_rows[order]

    def sorted_strings(parts: list[pa.Array]) -> pa.Array:
        return pa.concat_arrays(parts).take(order)

    errors = pd.DataFrame(
        {
            "row": sorted_rows,
            "field": pd.array(sorted_strings(fields), dtype=_TEXT),
            "value": pd.array(sorted_strings(values), dtype=_TEXT),
            "message": pd.array(sorted_strings(messages), dtype=_TEXT),
        }
    )
    return errors, _join_by_row(sorted_rows, sorted_strings(described))


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default string dtype, `str`, which the columns of the errors frame have."""


def _join_by_row(rows: np.ndarray, described: pa.Array) -> pd.Series:
    """Join the "Label: message" texts of each row with "; ".

    `rows` is sorted, so each row's texts are one run of `described`.
    """
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    offsets = pa.array(np.r_[starts, len(rows)], pa.int32())
    lists = pa.ListArray.from_arrays(offsets, described)
    joined = pc.binary_join(lists, pa.scalar("; ", pa.large_string()))
    index = pd.Index(rows[starts], dtype="int64", name="row_index")
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=index)


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
                await _validate(item.field, records, dataset_checks, empty, limiter)
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
