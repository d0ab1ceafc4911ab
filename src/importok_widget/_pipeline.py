"""The stages after reading: mapping, transforming, validating and delivering."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._checking import check_table
from ._delivery import (
    INTERRUPTED,
    Delivery,
    DeliveryOptions,
    Outcome,
    Progress,
    ProgressListener,
)
from ._rules import CompiledField
from ._schema import Field

if TYPE_CHECKING:
    from ._reading import Table

STRING = pd.StringDtype("pyarrow")
ERROR_COLUMN = "error"


@dataclass
class Prepared:
    """A file's records after mapping and transformation, with their validation."""

    table: Table
    mapping: dict[str, str | None]
    records: pd.DataFrame
    """One column per field key in schema order, indexed by `row_index`."""
    errors: pd.DataFrame
    """One row per failed rule: `row`, `field`, `value`, `message`."""
    row_errors: pd.Series
    """The joined validation messages of each invalid row, indexed by `row_index`."""

    @property
    def total(self) -> int:
        return len(self.records)

    @property
    def invalid(self) -> int:
        return len(self.row_errors)

    @property
    def valid(self) -> int:
        return self.total - self.invalid

    def valid_records(self) -> pd.DataFrame:
        return self.records[~self.records.index.isin(self.row_errors.index)]

    def review(self, max_errors: int = 20) -> dict[str, Any]:
        """Return the counts and first errors that the review step shows."""
        first = self.errors.head(max_errors)
        return {
            "total": self.total,
            "valid": self.valid,
            "invalid": self.invalid,
            "error_count": len(self.errors),
            "errors": [
                {
                    "row": int(row),
                    "field": str(key),
                    "value": str(value),
                    "message": str(message),
                }
                for row, key, value, message in first.itertuples(index=False)
            ],
        }


async def prepare(
    fields: list[CompiledField],
    table: Table,
    mapping: dict[str, str | None],
    *,
    throttle: int = 1,
    pass_through: bool = False,
) -> Prepared:
    """Transform and validate every mapped column of `table`, a whole column at once.

    The vectorised rules run in worker threads, async custom rules on the running
    loop with at most `throttle` calls in flight.
    """
    checked = await check_table(
        fields, table.frame, mapping, throttle=throttle, pass_through=pass_through
    )
    records, errors, row_errors = checked.records, checked.errors, checked.row_errors
    row_index = table.frame.index
    if not row_index.equals(pd.RangeIndex(len(row_index))):
        # check_table numbers rows by position. A table rebuilt from reviewed
        # records keeps each record's row_index instead, with gaps after deletions.
        rows = row_index.to_numpy(dtype="int64")
        records.index = pd.Index(rows, name="row_index")
        errors["row"] = rows[errors["row"].to_numpy(dtype="int64")]
        row_errors.index = pd.Index(
            rows[row_errors.index.to_numpy(dtype="int64")], name="row_index"
        )
    return Prepared(table, dict(mapping), records, errors, row_errors)


@dataclass(frozen=True)
class ImportResult:
    """The outcome of one import. `succeeded + failed == total` always holds."""

    total: int
    succeeded: int
    failed: int
    rejected: pd.DataFrame = field(repr=False)
    """Failed records: field columns, then `error`; indexed by `row_index`."""
    errors: pd.DataFrame = field(repr=False)
    """Validation errors, one row per failed rule.

    Columns: `row`, `field`, `value`, `message`.
    """
    cancelled: bool = False
    seconds: float = 0.0
    retryable: int = 0
    """Records whose delivery failed, which `retry_failed()` sends again."""
    retries: int = 0
    """Calls repeated after a transport error, a 429 or a 5xx response."""


def empty_rejected(fields: list[Field]) -> pd.DataFrame:
    """Return a rejected-records frame with no rows and the right columns."""
    columns = {spec.key: pd.Series(dtype=STRING) for spec in fields}
    columns[ERROR_COLUMN] = pd.Series(dtype=STRING)
    frame = pd.DataFrame(columns)
    frame.index = pd.Index([], dtype="int64", name="row_index")
    return frame


def _rejected_frame(
    prepared: Prepared, delivered: pd.DataFrame, outcome: Outcome
) -> pd.DataFrame:
    invalid = prepared.records.loc[prepared.row_errors.index].copy()
    invalid[ERROR_COLUMN] = prepared.row_errors

    positions = sorted(outcome.failed)
    failed = delivered.iloc[positions].copy()
    failed[ERROR_COLUMN] = pd.Series(
        [outcome.failed[p] for p in positions], index=failed.index, dtype=STRING
    )

    rejected = pd.concat([invalid, failed]).sort_index()
    rejected.index.name = "row_index"
    return rejected.astype(STRING)


async def run_import(
    prepared: Prepared,
    meta: dict[str, Any],
    *,
    on_record_ready: Callable[..., Any] | None,
    on_import_ready: Callable[..., Any] | None,
    options: DeliveryOptions,
    listeners: list[ProgressListener],
    cancelled: asyncio.Event,
    on_result: Callable[[ImportResult], None],
    retry_of: ImportResult | None = None,
    stop_now: asyncio.Event | None = None,
) -> ImportResult:
    """Deliver the valid records of `prepared` and account for every record.

    With `retry_of`, only the records whose delivery failed in that import are sent
    again, and the records it delivered count as succeeded. `on_result` receives the
    result before it is returned, and also when the task running this import is
    cancelled, so the counts are never lost.
    """
    started = time.monotonic()
    valid = prepared.valid_records()
    already_succeeded = 0
    if retry_of is not None:
        already_succeeded = retry_of.succeeded
        valid = valid[valid.index.isin(retry_of.rejected.index)]

    done_before = prepared.total - len(valid)
    progress = Progress(
        prepared.total, listeners, processed=done_before, failed=prepared.invalid
    )
    progress.emit()
    delivery = Delivery(options, meta, progress, cancelled, stop_now)
    outcome = Outcome(len(valid))
    try:
        async with contextlib.AsyncExitStack() as stack:
            callback = on_record_ready or on_import_ready
            # A callback that is an async context manager, such as post_json(), is
            # entered once per import so that its calls share one connection pool.
            if isinstance(callback, contextlib.AbstractAsyncContextManager):
                await stack.enter_async_context(callback)
            if on_record_ready is not None:
                await delivery.each(valid, on_record_ready, outcome)
            elif on_import_ready is not None:
                await delivery.batches(valid, on_import_ready, outcome)
    finally:
        pending = outcome.pending()
        for position in pending:
            outcome.fail(position, INTERRUPTED)
        rejected = _rejected_frame(prepared, valid, outcome)
        result = ImportResult(
            total=prepared.total,
            succeeded=already_succeeded + outcome.succeeded,
            failed=len(rejected),
            rejected=rejected,
            errors=prepared.errors,
            cancelled=cancelled.is_set(),
            seconds=time.monotonic() - started,
            retryable=len(outcome.failed),
            retries=delivery.retried,
        )
        on_result(result)
    return result


def rejected_csv(rejected: pd.DataFrame) -> bytes:
    """Return the failed records as UTF-8 CSV with a BOM, the error column last.

    The BOM lets Excel open the file with the right encoding. The header uses field
    keys, so the fixed file maps itself when it is uploaded again.
    """
    return rejected.to_csv(index=False).encode("utf-8-sig")
