"""Delivery of records to the user's callbacks, with every record accounted for.

Deliveries run as a sliding window: a fixed pool of `throttle` worker coroutines pulls
records (or batches) from one shared iterator. A slow call holds back only its own
worker, and no task is created per record. When a delivery returns or raises, including
on cancellation, every record has an outcome in `Outcome`: delivered, or failed with a
message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._records import Record, RecordSet
from ._responses import Verdict, judge_error, judge_result

logger = logging.getLogger("importok_widget")

ProgressListener = Callable[[int, int, int], Any]

CANCELLED = "Not delivered: the import was cancelled"
INTERRUPTED = "Not delivered: the import stopped before this record was sent"
STOPPED_IN_FLIGHT = (
    "Cancelled while its call was in flight: the target may or may not have "
    "received this record"
)
MAX_THREADS = 64
"""Threads at most for plain (not async) callbacks, whatever the throttle."""
SPARE_THREADS = 4
"""Threads beyond the throttle, so calls that timed out but still run in their
thread do not hold back the next ones."""


@dataclass(frozen=True)
class DeliveryOptions:
    """Limits of one import's deliveries."""

    throttle: int = 1
    """Calls in flight at most."""
    timeout: float | None = None
    """Seconds one call may take before its record is rejected, or None."""
    retries: int = 0
    """Extra attempts after a transport error, a 429 or a 5xx response."""
    rate_limit: float | None = None
    """Calls started per second at most, or None."""
    batch_size: int | None = None
    """Records per `on_import_ready` call, or None for all of them in one call."""
    backoff: float = 0.5
    """Seconds before the first retry; each later retry waits twice as long."""
    max_backoff: float = 30.0
    """Maximum wait in seconds between attempts, unless `Retry-After` requests more."""

    def retry_delay(self, attempt: int) -> float:
        """Return the wait before retry number `attempt + 1`, with jitter."""
        delay = min(self.max_backoff, self.backoff * 2**attempt)
        # Half fixed, half random, so that records that failed together spread out.
        return delay / 2 + random.uniform(0, delay / 2)


class Progress:
    """Count finished records and call the listeners.

    Calls come at most once per `interval` while records finish, once more after a
    stall, and once at the end of a delivery.
    """

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
        self._flush: asyncio.TimerHandle | None = None

    def add(self, count: int = 1, *, failed: int = 0) -> None:
        self.processed += count
        self.failed += failed
        now = time.monotonic()
        if now - self._last >= self._interval:
            self.emit()
        elif self._flush is None:
            # Report this count later even if no record finishes in the meantime,
            # so a stalled import never shows a stale count.
            delay = self._interval - (now - self._last)
            loop = asyncio.get_running_loop()
            self._flush = loop.call_later(delay, self.emit)

    def emit(self) -> None:
        self._last = time.monotonic()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        for listener in self._listeners:
            try:
                listener(self.processed, self.failed, self.total)
            except Exception as error:
                message = f"Progress callback failed: {describe_exception(error)}"
                if message not in self.listener_errors:
                    logger.warning(message)
                    self.listener_errors.append(message)


class Outcome:
    """The outcome of each record of one delivery, by position in its frame."""

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

    def pending(self) -> list[int]:
        """Return the positions that have no outcome yet."""
        positions = []
        start = 0
        while (position := self._done.find(0, start)) != -1:
            positions.append(position)
            start = position + 1
        return positions


class RateLimiter:
    """Space calls evenly so that at most `rate` start per second."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0

    async def acquire(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


def describe_exception(error: BaseException) -> str:
    """Return the exception's text, or its class name when the text is empty."""
    text = str(error).strip()
    return text or type(error).__name__


class CallTimedOut(Exception):
    """A callback ran longer than the import's timeout."""


async def call_with_timeout(call: Awaitable[Any], timeout: float | None) -> Any:
    """Await a call; raise `CallTimedOut` after `timeout` seconds.

    A `TimeoutError` raised by the callback itself propagates unchanged.
    """
    if timeout is None:
        return await call
    try:
        async with asyncio.timeout(timeout) as scope:
            return await call
    except TimeoutError:
        if scope.expired():
            raise CallTimedOut(f"Timed out after {timeout:g} s") from None
        raise


def is_async_callable(callback: Callable[..., Any]) -> bool:
    """Return whether `callback` is defined with `async def`, or is such an object."""
    if inspect.iscoroutinefunction(callback):
        return True
    return inspect.iscoroutinefunction(type(callback).__call__)


def _cancelled_by_callback(error: asyncio.CancelledError) -> bool:
    """Return whether a CancelledError came from the callback, not from our task."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() == 0


class Delivery:
    """Deliver the valid records of one import under its options."""

    def __init__(
        self,
        options: DeliveryOptions,
        meta: dict[str, Any],
        progress: Progress,
        cancelled: asyncio.Event,
        stop_now: asyncio.Event | None = None,
    ) -> None:
        self.options = options
        self.meta = meta
        self.progress = progress
        self.cancelled = cancelled
        self.stop_now = stop_now or asyncio.Event()
        self.retried = 0
        self._limiter = RateLimiter(options.rate_limit) if options.rate_limit else None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._in_flight: set[int] = set()

    def _use_threads_for(self, callback: Callable[..., Any]) -> None:
        # A plain function would block the event loop, and with it progress, Cancel
        # and timeouts, so it runs in a thread. Async callbacks run on the loop.
        if not is_async_callable(callback):
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=min(self.options.throttle + SPARE_THREADS, MAX_THREADS),
                thread_name_prefix="importok-callback",
            )

    async def _invoke(self, call: Callable[[], Any]) -> Any:
        if self._executor is None:
            result = call()
        else:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self._executor, call)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _wait_unless_cancelled(self, seconds: float) -> bool:
        """Sleep for `seconds`; return True when the import was cancelled meanwhile."""
        try:
            await asyncio.wait_for(self.cancelled.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _attempt(
        self, call: Callable[[], Any], judge: Callable[[Any], Awaitable[Verdict]]
    ) -> str | None:
        """Make one call, retrying when allowed; return the failure message or None."""
        attempt = 0
        while True:
            if self._limiter is not None:
                await self._limiter.acquire()
            try:
                result = await call_with_timeout(
                    self._invoke(call), self.options.timeout
                )
            except CallTimedOut as error:
                verdict = Verdict(str(error))
            except Exception as error:
                verdict = judge_error(error)
            except asyncio.CancelledError as error:
                if not _cancelled_by_callback(error):
                    raise
                verdict = Verdict("The callback raised CancelledError")
            else:
                verdict = await judge(result)

            if verdict.message is None:
                return None
            if not verdict.retryable or attempt >= self.options.retries:
                return verdict.message
            if self.cancelled.is_set():
                return f"{verdict.message} (not retried: the import was cancelled)"

            delay = verdict.retry_after
            if delay is None:
                delay = self.options.retry_delay(attempt)
            attempt += 1
            self.retried += 1
            logger.info(
                "Retry %d of %d in %.2f s after: %s",
                attempt,
                self.options.retries,
                delay,
                verdict.message,
            )
            if await self._wait_unless_cancelled(delay):
                return f"{verdict.message} (not retried: the import was cancelled)"

    async def _call_once(
        self, callback: Callable[..., Any], record: Record
    ) -> str | None:
        """Make one call with no retry, rate limit or timeout: the common fast path."""
        try:
            if self._executor is None:
                result = callback(record, self.meta)
                if inspect.isawaitable(result):
                    result = await result
            else:
                result = await self._invoke(
                    functools.partial(callback, record, self.meta)
                )
        except Exception as error:
            return judge_error(error).message
        except asyncio.CancelledError as error:
            if not _cancelled_by_callback(error):
                raise
            return "The callback raised CancelledError"
        if record.rejection is not None:
            return record.rejection
        if result is None:
            return None
        return (await judge_result(result)).message

    async def _run_workers(
        self, work: Callable[[], Awaitable[None]], count: int
    ) -> None:
        """Run the workers until they finish or `stop_now` is set."""
        workers = max(1, min(self.options.throttle, count))
        tasks = [asyncio.ensure_future(work()) for _ in range(workers)]

        async def cancel_on_stop() -> None:
            await self.stop_now.wait()
            for task in tasks:
                task.cancel()

        watcher = asyncio.ensure_future(cancel_on_stop())
        try:
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            watcher.cancel()
            if self._executor is not None:
                # Threads still running a call cannot be stopped; they end alone.
                self._executor.shutdown(wait=False, cancel_futures=True)
        for result in results:
            if isinstance(result, Exception):
                raise result

    def _close(self, outcome: Outcome) -> None:
        reason = CANCELLED if self.cancelled.is_set() else INTERRUPTED
        pending = outcome.pending()
        for position in pending:
            if position in self._in_flight:
                outcome.fail(position, STOPPED_IN_FLIGHT)
            else:
                outcome.fail(position, reason)
        self.progress.add(len(pending), failed=len(pending))
        self.progress.emit()

    async def each(
        self, frame: pd.DataFrame, callback: Callable[..., Any], outcome: Outcome
    ) -> None:
        """Call `callback(record, meta)` once per row of `frame`.

        Every row has an outcome when this returns or raises, cancellation included.
        """
        records = _iter_records(frame)
        self._use_threads_for(callback)

        async def judge_record(record: Record, result: Any) -> Verdict:
            if record.rejection is not None:
                return Verdict(record.rejection)
            return await judge_result(result)

        simple = (
            self.options.retries == 0
            and self._limiter is None
            and self.options.timeout is None
        )

        async def work() -> None:
            for position, record in records:
                if self.cancelled.is_set():
                    return
                self._in_flight.add(position)
                if simple:
                    message = await self._call_once(callback, record)
                else:
                    message = await self._attempt(
                        functools.partial(callback, record, self.meta),
                        functools.partial(judge_record, record),
                    )
                self._in_flight.discard(position)
                if message is None:
                    outcome.succeed(position)
                else:
                    logger.debug("Record %d rejected: %s", record.row_index, message)
                    outcome.fail(position, message)
                self.progress.add(failed=message is not None)

        try:
            await self._run_workers(work, len(frame))
        finally:
            self._close(outcome)

    async def batches(
        self, frame: pd.DataFrame, callback: Callable[..., Any], outcome: Outcome
    ) -> None:
        """Call `callback(records, meta)` once per batch of rows of `frame`.

        A failed call rejects its whole batch. Records rejected one by one inside the
        callback fail alone.
        """
        size = self.options.batch_size or max(1, len(frame))
        starts = iter(range(0, len(frame), size))
        self._use_threads_for(callback)

        async def work() -> None:
            for start in starts:
                if self.cancelled.is_set():
                    return
                stop = min(start + size, len(frame))
                self._in_flight.update(range(start, stop))
                await self._deliver_batch(frame, start, stop, callback, outcome)
                self._in_flight.difference_update(range(start, stop))

        try:
            await self._run_workers(work, -(-len(frame) // size))
        finally:
            self._close(outcome)

    async def _deliver_batch(
        self,
        frame: pd.DataFrame,
        start: int,
        stop: int,
        callback: Callable[..., Any],
        outcome: Outcome,
    ) -> None:
        attempts: list[RecordSet] = []

        def call() -> Any:
            # Each attempt gets fresh records, so marks from a failed attempt do not
            # leak into the next one.
            attempts.append(RecordSet(frame.iloc[start:stop]))
            return callback(attempts[-1], self.meta)

        async def judge_set(result: Any) -> Verdict:
            if attempts[-1].rejection is not None:
                return Verdict(attempts[-1].rejection)
            return await judge_result(result)

        message = await self._attempt(call, judge_set)
        if message is not None:
            logger.info("Records %d to %d rejected: %s", start, stop - 1, message)
            for position in range(start, stop):
                outcome.fail(position, message)
            self.progress.add(stop - start, failed=stop - start)
            return

        records = attempts[-1].created_records()
        rejected = 0
        for position in range(start, stop):
            offset = position - start
            reason = records[offset].rejection if offset < len(records) else None
            if reason is None:
                outcome.succeed(position)
            else:
                outcome.fail(position, reason)
                rejected += 1
        self.progress.add(stop - start, failed=rejected)


def _iter_records(frame: pd.DataFrame) -> Iterator[tuple[int, Record]]:
    keys = list(frame.columns)
    columns = [frame[key].tolist() for key in keys]
    rows = zip(frame.index.tolist(), *columns, strict=True)
    for position, (row_index, *values) in enumerate(rows):
        yield position, Record(dict(zip(keys, values, strict=True)), row_index)
