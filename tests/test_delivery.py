"""Delivery limits and failure handling, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import collections
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importok_widget import (
    ImportStateError,
    ImportWidget,
    Record,
    RecordSet,
    post_batch_json,
    post_json,
)
from importok_widget.target import LocalTarget

pytestmark = pytest.mark.anyio


def ids_csv(count: int) -> bytes:
    return ("id\n" + "".join(f"{i}\n" for i in range(count))).encode()


class Flaky:
    """A responder that fails the first `failures` requests for each id."""

    def __init__(self, failures: int, status: int = 503, headers=None) -> None:
        self.failures = failures
        self.status = status
        self.headers = headers or {}
        self.attempts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def __call__(self, body: Any):
        key = str(body["id"]) if isinstance(body, dict) else f"batch-{body[0]['id']}"
        with self._lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        if attempt <= self.failures:
            return self.status, f"attempt {attempt} failed", self.headers
        return None


async def test_server_errors_are_retried_once_counted() -> None:
    flaky = Flaky(failures=2)
    with LocalTarget(respond=flaky) as target:
        widget = ImportWidget(
            fields={"id": {}},
            throttle=4,
            retries=2,
            retry_backoff=0.01,
            on_record_ready=post_json(target.url),
        )
        result = await widget.import_file(ids_csv(10), filename="ids.csv")

    assert (result.total, result.succeeded, result.failed) == (10, 10, 0)
    assert result.retries == 20
    assert len(target.records) == 10
    assert set(flaky.attempts.values()) == {3}


async def test_retries_exhausted_keep_last_message() -> None:
    flaky = Flaky(failures=5)
    with LocalTarget(respond=flaky) as target:
        widget = ImportWidget(
            fields={"id": {}},
            retries=1,
            retry_backoff=0.01,
            on_record_ready=post_json(target.url),
        )
        result = await widget.import_file(ids_csv(2), filename="ids.csv")

    assert result.failed == 2
    assert widget.rejected.loc[0, "error"] == (
        "HTTP 503 Service Unavailable: attempt 2 failed"
    )
    assert set(flaky.attempts.values()) == {2}


async def test_client_errors_are_never_retried() -> None:
    flaky = Flaky(failures=1, status=400)
    with LocalTarget(respond=flaky) as target:
        widget = ImportWidget(
            fields={"id": {}},
            retries=3,
            retry_backoff=0.01,
            on_record_ready=post_json(target.url),
        )
        result = await widget.import_file(ids_csv(3), filename="ids.csv")

    assert result.failed == 3
    assert set(flaky.attempts.values()) == {1}
    assert result.retries == 0


async def test_retry_after_header_is_honoured() -> None:
    flaky = Flaky(failures=1, status=429, headers={"Retry-After": "1"})
    with LocalTarget(respond=flaky) as target:
        widget = ImportWidget(
            fields={"id": {}},
            retries=1,
            retry_backoff=0.01,
            on_record_ready=post_json(target.url),
        )
        started = time.monotonic()
        result = await widget.import_file(ids_csv(1), filename="ids.csv")
        elapsed = time.monotonic() - started

    assert result.succeeded == 1
    assert elapsed >= 0.95


async def test_transport_errors_are_retried(tmp_path) -> None:
    attempts: collections.Counter[str] = collections.Counter()
    with LocalTarget() as target:
        async with httpx.AsyncClient() as client:

            async def shaky(record: Record, meta: dict) -> httpx.Response:
                attempts[record["id"]] += 1
                if attempts[record["id"]] == 1:
                    raise httpx.ConnectError("connection reset by peer")
                return await client.post(target.url, json=record.get_properties())

            widget = ImportWidget(
                fields={"id": {}}, retries=1, retry_backoff=0.01, on_record_ready=shaky
            )
            result = await widget.import_file(ids_csv(5), filename="ids.csv")

    assert result.succeeded == 5
    assert set(attempts.values()) == {2}


async def test_own_timeout_is_not_retried() -> None:
    calls: list[str] = []

    async def hang(record: Record, meta: dict) -> None:
        calls.append(record["id"])
        await asyncio.sleep(10)

    widget = ImportWidget(
        fields={"id": {}}, retries=3, timeout=0.05, on_record_ready=hang
    )
    result = await widget.import_file(ids_csv(2), filename="ids.csv")

    assert result.failed == 2
    assert calls == ["0", "1"]
    assert widget.rejected.loc[0, "error"] == "Timed out after 0.05 s"


async def test_rate_limit_spaces_calls() -> None:
    starts: list[float] = []

    async def note(record: Record, meta: dict) -> None:
        starts.append(time.monotonic())

    widget = ImportWidget(
        fields={"id": {}}, throttle=10, rate_limit=20, on_record_ready=note
    )
    await widget.import_file(ids_csv(11), filename="ids.csv")

    assert len(starts) == 11
    assert starts[-1] - starts[0] >= 0.45


async def test_batches_are_sent_as_lists() -> None:
    with LocalTarget() as target:
        widget = ImportWidget(
            fields={"id": {}},
            batch_size=10,
            throttle=2,
            on_import_ready=post_batch_json(target.url),
        )
        result = await widget.import_file(ids_csv(25), filename="ids.csv")

    assert result.succeeded == 25
    assert target.requests == 3
    assert sorted(int(r["id"]) for r in target.records) == list(range(25))


async def test_failed_batch_rejects_only_itself() -> None:
    def fail_second_batch(body: Any):
        if body[0]["id"] == "10":
            return 500, "database locked"
        return None

    with LocalTarget(respond=fail_second_batch) as target:
        widget = ImportWidget(
            fields={"id": {}},
            batch_size=10,
            on_import_ready=post_batch_json(target.url),
        )
        result = await widget.import_file(ids_csv(25), filename="ids.csv")

    assert (result.succeeded, result.failed) == (15, 10)
    assert list(widget.rejected.index) == list(range(10, 20))
    assert set(widget.rejected["error"]) == {
        "HTTP 500 Internal Server Error: database locked"
    }


async def test_batches_keep_window_of_throttle() -> None:
    in_flight = 0
    peak = 0

    async def slow_batch(records: RecordSet, meta: dict) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        for record in records:
            if record["id"] == "7":
                record.mark_as_rejected("Seven is reserved")

    widget = ImportWidget(
        fields={"id": {}}, batch_size=3, throttle=3, on_import_ready=slow_batch
    )
    result = await widget.import_file(ids_csv(30), filename="ids.csv")

    assert peak == 3
    assert (result.succeeded, result.failed) == (29, 1)
    assert widget.rejected["error"].to_dict() == {7: "Seven is reserved"}


async def test_retry_failed_sends_only_failures() -> None:
    flaky = Flaky(failures=1, status=503)
    with LocalTarget(
        respond=lambda body: flaky(body) if int(body["id"]) % 2 else None
    ) as target:
        widget = ImportWidget(
            fields={"id": {"validators": "required"}},
            throttle=3,
            on_record_ready=post_json(target.url),
        )
        first = await widget.import_file(
            b"id\n0\n1\n2\n3\n\n4\n,\n", filename="ids.csv"
        )
        assert (first.succeeded, first.failed, first.retryable) == (3, 2, 2)

        second = await widget.retry_failed()

    assert (second.total, second.succeeded, second.failed) == (5, 5, 0)
    assert second.retryable == 0
    assert sorted(r["id"] for r in target.records) == ["0", "1", "2", "3", "4"]
    assert flaky.attempts == {"1": 2, "3": 2}
    with pytest.raises(ImportStateError, match="nothing to retry"):
        await widget.retry_failed()


async def test_retry_keeps_validation_failures() -> None:
    with LocalTarget(respond=Flaky(failures=1, status=502)) as target:
        widget = ImportWidget(
            fields={"id": {"validators": "required|unique"}},
            on_record_ready=post_json(target.url),
        )
        await widget.import_file(b"id\n1\n1\n2\n", filename="ids.csv")
        result = await widget.retry_failed()

    assert (result.succeeded, result.failed) == (1, 2)
    assert widget.rejected["error"].tolist() == [
        "id: Must be unique",
        "id: Must be unique",
    ]


async def test_cancel_interrupts_backoff() -> None:
    widget: ImportWidget

    async def always_busy(record: Record, meta: dict) -> httpx.Response:
        asyncio.get_running_loop().call_later(0.1, widget.cancel)
        return httpx.Response(503, text="busy")

    widget = ImportWidget(
        fields={"id": {}}, retries=5, retry_backoff=30, on_record_ready=always_busy
    )
    started = time.monotonic()
    result = await asyncio.wait_for(
        widget.import_file(ids_csv(3), filename="ids.csv"), 10
    )

    assert time.monotonic() - started < 5
    assert result.cancelled
    assert result.failed == 3
    assert widget.rejected.loc[0, "error"] == (
        "HTTP 503 Service Unavailable: busy (not retried: the import was cancelled)"
    )
    assert "cancelled" in widget.rejected.loc[2, "error"]


async def test_post_json_shares_one_pool() -> None:
    poster = post_json(target_url := "http://127.0.0.1:1/records")
    assert poster.url == target_url
    with LocalTarget() as target:
        poster = post_json(target.url, headers={"Authorization": "Bearer t0ken"})
        widget = ImportWidget(fields={"id": {}}, throttle=4, on_record_ready=poster)
        result = await widget.import_file(ids_csv(200), filename="ids.csv")

    assert result.succeeded == 200
    assert target.connections <= 4
    assert poster._session is None


async def test_post_json_rejects_non_2xx() -> None:
    with LocalTarget(
        reject=lambda r: "Odd ids are taken" if int(r["id"]) % 2 else None
    ) as target:
        widget = ImportWidget(
            fields={"id": {}}, throttle=2, on_record_ready=post_json(target.url)
        )
        result = await widget.import_file(ids_csv(4), filename="ids.csv")

    assert (result.succeeded, result.failed) == (2, 2)
    assert widget.rejected.loc[1, "error"] == (
        "HTTP 422 Unprocessable Entity: Odd ids are taken"
    )


def test_post_json_requires_http_url() -> None:
    with pytest.raises(ValueError, match="http://"):
        post_json("127.0.0.1:8000/records")


def test_import_file_sync_without_loop() -> None:
    seen: list[str] = []
    widget = ImportWidget(
        fields={"id": {}},
        on_record_ready=lambda record, meta: seen.append(record["id"]),
    )

    result = widget.import_file_sync(ids_csv(3), filename="ids.csv")

    assert result.succeeded == 3
    assert seen == ["0", "1", "2"]


def test_import_file_sync_inside_running_loop() -> None:
    # nest-asyncio patches the running loop for good, so this runs in a subprocess.
    code = textwrap.dedent(
        """
        import asyncio
        from importok_widget import ImportWidget

        async def cell():
            widget = ImportWidget(fields={"id": {}}, on_record_ready=lambda r, m: None)
            result = widget.import_file_sync(b"id\\n1\\n2\\n", filename="ids.csv")
            print(result.total, result.succeeded)

        asyncio.run(cell())
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2 2"


BEHAVIOURS = st.sampled_from(["ok", "raise", "400", "503", "hang", "mark", "flaky"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    behaviours=st.lists(BEHAVIOURS, min_size=1, max_size=40),
    throttle=st.integers(1, 8),
    retries=st.integers(0, 2),
    batch_size=st.one_of(st.none(), st.integers(1, 7)),
    cancel_after=st.one_of(st.none(), st.integers(0, 40)),
)
def test_every_record_is_accounted_for(
    behaviours: list[str],
    throttle: int,
    retries: int,
    batch_size: int | None,
    cancel_after: int | None,
) -> None:
    async def run() -> None:
        calls = collections.Counter[str]()
        finished = 0
        widget: ImportWidget

        async def behave(row: int) -> httpx.Response | None:
            nonlocal finished
            kind = behaviours[row]
            calls[str(row)] += 1
            finished += 1
            if cancel_after is not None and finished > cancel_after:
                widget.cancel()
            if kind == "raise":
                raise RuntimeError(f"row {row} failed")
            if kind == "hang":
                await asyncio.sleep(1)
            await asyncio.sleep(0)
            if kind == "400":
                return httpx.Response(400, text="bad")
            if kind == "503" or (kind == "flaky" and calls[str(row)] == 1):
                return httpx.Response(503, text="busy")
            return httpx.Response(201)

        async def each(record: Record, meta: dict) -> Any:
            if behaviours[record.row_index] == "mark":
                record.mark_as_rejected("marked")
            return await behave(record.row_index)

        async def batch(records: RecordSet, meta: dict) -> Any:
            result = None
            for record in records:
                if behaviours[record.row_index] == "mark":
                    record.mark_as_rejected("marked")
                result = await behave(record.row_index)
                if result is not None and result.status_code >= 400:
                    return result
            return result

        options: dict[str, Any] = {"on_record_ready": each}
        if batch_size is not None:
            options = {"on_import_ready": batch, "batch_size": batch_size}
        widget = ImportWidget(
            fields={"id": {}},
            throttle=throttle,
            retries=retries,
            retry_backoff=0.001,
            timeout=0.05,
            **options,
        )
        result = await asyncio.wait_for(
            widget.import_file(ids_csv(len(behaviours)), filename="ids.csv"), 60
        )

        assert result.succeeded + result.failed == result.total == len(behaviours)
        assert list(widget.rejected.index) == sorted(set(widget.rejected.index))
        if result.failed:
            assert widget.rejected["error"].str.len().min() > 0
        assert result.failed == len(widget.rejected)
        if batch_size is None and cancel_after is None:
            expected_ok = sum(
                kind == "ok" or (kind == "flaky" and retries > 0) for kind in behaviours
            )
            assert result.succeeded == expected_ok

    asyncio.run(run())


async def test_second_cancel_stops_hung_calls() -> None:
    widget: ImportWidget

    async def hang(record: Record, meta: dict) -> None:
        if record.row_index == 0:
            asyncio.get_running_loop().call_later(0.05, widget.cancel)
            asyncio.get_running_loop().call_later(0.1, widget.cancel)
        await asyncio.sleep(3600)

    widget = ImportWidget(fields={"id": {}}, throttle=2, on_record_ready=hang)
    result = await asyncio.wait_for(
        widget.import_file(ids_csv(5), filename="ids.csv"), 10
    )

    assert result.cancelled
    assert (result.succeeded, result.failed) == (0, 5)
    errors = widget.rejected["error"]
    assert errors[0].startswith("Cancelled while its call was in flight")
    assert errors[1].startswith("Cancelled while its call was in flight")
    assert errors[4] == "Not delivered: the import was cancelled"
    assert not widget.running


async def test_sync_callback_runs_off_the_loop() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    def slow(record: Record, meta: dict) -> None:
        time.sleep(0.05)

    widget = ImportWidget(
        fields={"id": {}}, throttle=2, timeout=1, on_record_ready=slow
    )
    ticker = asyncio.create_task(tick())
    result = await widget.import_file(ids_csv(10), filename="ids.csv")
    ticker.cancel()

    assert result.succeeded == 10
    assert ticks >= 10


async def test_sync_callback_times_out() -> None:
    def stuck(record: Record, meta: dict) -> None:
        time.sleep(0.5 if record.row_index == 1 else 0)

    widget = ImportWidget(fields={"id": {}}, timeout=0.1, on_record_ready=stuck)
    result = await widget.import_file(ids_csv(3), filename="ids.csv")

    assert (result.succeeded, result.failed) == (2, 1)
    assert widget.rejected.loc[1, "error"] == "Timed out after 0.1 s"


async def test_callback_cancelled_error_fails_one_record() -> None:
    async def odd(record: Record, meta: dict) -> None:
        if record.row_index == 1:
            raise asyncio.CancelledError()

    widget = ImportWidget(fields={"id": {}}, throttle=2, on_record_ready=odd)
    result = await widget.import_file(ids_csv(4), filename="ids.csv")

    assert (result.succeeded, result.failed) == (3, 1)
    assert widget.rejected.loc[1, "error"] == "The callback raised CancelledError"


async def test_cancel_while_reading_sends_nothing() -> None:
    sent: list[str] = []

    async def collect(record: Record, meta: dict) -> None:
        sent.append(record["id"])

    widget = ImportWidget(fields={"id": {}}, on_record_ready=collect)
    task = asyncio.create_task(widget.import_file(ids_csv(200_000), filename="i.csv"))
    await asyncio.sleep(0)
    assert widget.running
    widget.cancel()
    result = await task

    assert sent == []
    assert result.cancelled
    assert result.failed == 200_000


async def test_second_import_while_reading_raises() -> None:
    widget = ImportWidget(fields={"id": {}}, on_record_ready=lambda r, m: None)
    first = asyncio.create_task(widget.import_file(ids_csv(1000), filename="a.csv"))
    await asyncio.sleep(0)

    with pytest.raises(ImportStateError, match="An import is running"):
        await widget.import_file(ids_csv(10), filename="b.csv")
    result = await first
    assert result.total == 1000


async def test_progress_reports_stalled_count() -> None:
    reports: list[tuple[int, int, int]] = []
    release = asyncio.Event()

    async def stall_at_three(record: Record, meta: dict) -> None:
        if record.row_index == 3:
            await release.wait()

    widget = ImportWidget(
        fields={"id": {}},
        on_record_ready=stall_at_three,
        on_import_progress=lambda *args: reports.append(args),
    )
    task = asyncio.create_task(widget.import_file(ids_csv(5), filename="ids.csv"))
    await asyncio.sleep(0.4)
    stalled = reports[-1]
    release.set()
    await task

    assert stalled == (3, 0, 5)
    assert reports[-1] == (5, 0, 5)


def test_async_progress_callback_is_rejected() -> None:
    async def progress(processed: int, failed: int, total: int) -> None:
        return None

    with pytest.raises(TypeError, match="plain function"):
        ImportWidget(
            fields={"id": {}},
            on_record_ready=lambda r, m: None,
            on_import_progress=progress,
        )
