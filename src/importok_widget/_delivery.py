"""Delivery of records to the user's callbacks, with every record accounted for.

`deliver_each` keeps up to `throttle` callbacks in flight as a sliding window. A fixed
pool of worker coroutines pulls records from one shared iterator. A slow call holds
back only its own worker, and no task is created per record.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from ._records import Record, RecordSet

logger = logging.getLogger("importok_widget")

ProgressListener = Callable[[int, int, int], Any]

CANCELLED = "Not delivered: the import was cancelled"
INTERRUPTED = "Not delivered: the import stopped before this record was sent"
BODY_PREVIEW = 200
"""Characters of a rejected response's body kept in the error message."""


def rejection_from_result(result: Any) -> str | None:
    """Return the reason a callback's return value rejects its record, or None.

    A value with an integer `status_code` (httpx, requests) or `status` (aiohttp)
    outside 200-299 rejects the record. The message names the status, the reason
    phrase and the start of the body.
    """
    status = getattr(result, "status_code", None)
    if not isinstance(status, int):
        status = getattr(result, "status", None)
        if not isinstance(status, int) or not hasattr(result, "reason"):
            return None
    if 200 <= status < 300:
        return None

    reason = getattr(result, "reason_phrase", None) or getattr(result, "reason", "")
    message = f"HTTP {status} {reason}".rstrip()
    try:
        body = result.text
    except Exception:  # an unread streaming response raises; the status is enough
        body = None
    if isinstance(body, str) and body.strip():
        body = " ".join(body.split())
        if len(body) > BODY_PREVIEW:
            body = body[:BODY_PREVIEW] + "…"
        message = f"{message}: {body}"
    return message


def describe_exception(error: BaseException) -> str:
    """Return the exception's text, or its class name when the text is empty."""
    text = str(error).strip()
    return text or type(error).__name__


async def call_with_timeout(
    callback: Callable[..., Any], args: tuple[Any, ...], timeout: float | None
) -> Any:
    """Call a sync or async callback; raise `TimeoutError` after `timeout` seconds."""
    result = callback(*args)
    if inspect.isawaitable(result):
        if timeout is None:
            result = await result
        else:
            result = await asyncio.wait_for(result, timeout)
    return result


class Progress:
    """Count delivered records and call the listeners at most once per `interval`."""

    def __init__(
        self,
        total: int,
        listeners: list[ProgressListener],
        *,
        processed: int = 0,
        failed: int = 0,
        interval: float = 0.1,
    ) -> None:
        self.total = total
        self.processed = processed
        self.failed = failed
        self.listener_errors: list[str] = []
        self._listeners = listeners
        self._interval = interval
        self._last = 0.0

    def add(self, *, failed: bool) -> None:
        self.processed += 1
        if failed:
            self.failed += 1
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self.emit()

    def emit(self) -> None:
        for listener in self._listeners:
            try:
                listener(self.processed, self.failed, self.total)
            except Exception as error:
                message = f"Progress callback failed: {describe_exception(error)}"
                if message not in self.listener_errors:
                    logger.warning(message)
                    self.listener_errors.append(message)


class Outcome:
    """The result of delivering one frame of valid records, by position."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.succeeded = 0
        self.failed: dict[int, str] = {}
        self._done = bytearray(size)

    def succeed(self, position: int) -> None:
        self._done[position] = 1
        self.succeeded += 1

    def fail(self, position: int, message: str) -> None:
        self._done[position] = 1
        self.failed[position] = message

    def _pending(self) -> Iterator[int]:
        start = 0
        while (position := self._done.find(0, start)) != -1:
            yield position
            start = position + 1

    def fail_remaining(self, message: str) -> int:
        """Reject every record that has no outcome yet; return how many."""
        pending = list(self._pending())
        for position in pending:
            self.fail(position, message)
        return len(pending)

    def succeed_remaining(self) -> None:
        """Count every record that has no outcome yet as delivered."""
        for position in list(self._pending()):
            self.succeed(position)


def _iter_records(frame: pd.DataFrame) -> Iterator[tuple[int, Record]]:
    keys = list(frame.columns)
    columns = [frame[key].tolist() for key in keys]
    rows = zip(frame.index.tolist(), *columns, strict=True)
    for position, (row_index, *values) in enumerate(rows):
        yield position, Record(dict(zip(keys, values, strict=True)), row_index)


async def deliver_each(
    frame: pd.DataFrame,
    callback: Callable[..., Any],
    meta: dict[str, Any],
    *,
    throttle: int,
    timeout: float | None,
    progress: Progress,
    cancelled: asyncio.Event,
    outcome: Outcome,
) -> None:
    """Call `callback(record, meta)` once per row of `frame`, `throttle` at a time.

    Every row has an outcome when this returns or raises, cancellation included.
    """
    records = _iter_records(frame)

    async def work() -> None:
        for position, record in records:
            if cancelled.is_set():
                outcome.fail(position, CANCELLED)
                progress.add(failed=True)
                return
            try:
                result = await call_with_timeout(callback, (record, meta), timeout)
            except TimeoutError:
                message: str | None = f"Timed out after {timeout:g} s"
            except Exception as error:
                message = describe_exception(error)
            else:
                message = record.rejection or rejection_from_result(result)

            if message is None:
                outcome.succeed(position)
            else:
                logger.debug("Record %d rejected: %s", record.row_index, message)
                outcome.fail(position, message)
            progress.add(failed=message is not None)

    workers = max(1, min(throttle, len(frame)))
    try:
        await asyncio.gather(*(work() for _ in range(workers)))
    finally:
        reason = CANCELLED if cancelled.is_set() else INTERRUPTED
        for _ in range(outcome.fail_remaining(reason)):
            progress.add(failed=True)
        progress.emit()


async def deliver_all(
    frame: pd.DataFrame,
    callback: Callable[..., Any],
    meta: dict[str, Any],
    *,
    timeout: float | None,
    progress: Progress,
    cancelled: asyncio.Event,
    outcome: Outcome,
) -> None:
    """Call `callback(records, meta)` once with every row of `frame`.

    An exception, a non-2xx response or `records.mark_as_rejected` rejects the whole
    set. Records rejected one by one inside the callback fail alone.
    """
    records = RecordSet(frame)
    message: str | None = None
    returned = False
    try:
        if cancelled.is_set():
            message = CANCELLED
        else:
            result = await call_with_timeout(callback, (records, meta), timeout)
            message = records.rejection or rejection_from_result(result)
            returned = True
    except TimeoutError:
        message = f"Timed out after {timeout:g} s"
    except Exception as error:
        message = describe_exception(error)
    finally:
        if returned and message is None:
            for position, record in enumerate(records._records or ()):
                if record.rejection is not None:
                    outcome.fail(position, record.rejection)
            outcome.succeed_remaining()
        else:
            if message is not None:
                logger.info("Record set of %d rejected: %s", len(frame), message)
            outcome.fail_remaining(message or INTERRUPTED)
        progress.processed += outcome.size
        progress.failed += len(outcome.failed)
        progress.emit()
