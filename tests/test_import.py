"""The import pipeline without a browser: real files, a real HTTP server."""

from __future__ import annotations

import asyncio
import time

import httpx
import pandas as pd
import pytest

from importok_widget import (
    ImportStateError,
    ImportWidget,
    MappingError,
    Record,
    RecordSet,
    SchemaError,
)
from importok_widget.target import LocalTarget

from .conftest import SUPERSTORE

pytestmark = pytest.mark.anyio

SUPERSTORE_FIELDS = {
    "city": {
        "label": "City",
        "transformers": "trim|capitalize",
        "validators": "required",
    },
    "state": {"label": "State", "validators": "required"},
    "postal_code": {"label": "Postal Code", "aliases": ["zip"]},
    "segment": {"label": "Segment", "transformers": "lowercase"},
    "profit": {"label": "Profit", "validators": "required"},
}


def reject_losses(record: dict[str, str]) -> str | None:
    if record["profit"].startswith("-"):
        return f"Profit {record['profit']} is negative"
    return None


def poster(url: str, client: httpx.AsyncClient):
    async def on_record_ready(record: Record, meta: dict) -> httpx.Response:
        return await client.post(url, json=record.get_properties())

    return on_record_ready


async def test_superstore_accounts_for_every_record() -> None:
    expected = pd.read_csv(SUPERSTORE, dtype=str, keep_default_na=False)
    losses = int(expected["Profit"].str.startswith("-").sum())

    with LocalTarget(reject=reject_losses) as target:
        async with httpx.AsyncClient() as client:
            widget = ImportWidget(
                fields=SUPERSTORE_FIELDS,
                throttle=10,
                on_record_ready=poster(target.url, client),
            )
            result = await widget.import_file(SUPERSTORE)

    assert result.total == len(expected) == 9994
    assert result.succeeded + result.failed == result.total
    assert result.failed == losses
    assert len(target.records) == result.succeeded
    assert len(target.rejected) == losses
    assert widget.result == {
        "total": 9994,
        "succeeded": 9994 - losses,
        "failed": losses,
        "cancelled": False,
        "retryable": losses,
    }
    assert widget.step == "done"


async def test_rejected_frame_holds_delivered_values() -> None:
    with LocalTarget(reject=reject_losses) as target:
        async with httpx.AsyncClient() as client:
            widget = ImportWidget(
                fields=SUPERSTORE_FIELDS, on_record_ready=poster(target.url, client)
            )
            head = SUPERSTORE.read_bytes().split(b"\n")[:201]
            await widget.import_file(b"\n".join(head), filename="superstore-200.csv")

    rejected = widget.rejected
    assert list(rejected.columns) == [*SUPERSTORE_FIELDS, "error"]
    assert rejected.index.name == "row_index"
    first = rejected.iloc[0]
    # Row 3 of the file is the first order with a loss: Fort Lauderdale, -383.031.
    assert rejected.index[0] == 3
    assert first["city"] == "Fort Lauderdale"
    assert first["segment"] == "consumer"
    assert first["profit"] == "-383.031"
    assert (
        first["error"] == "HTTP 422 Unprocessable Entity: Profit -383.031 is negative"
    )
    assert widget.last_result is not None
    assert widget.last_result.rejected is rejected


async def test_values_stay_strings_as_written(tmp_path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("zip,country,phone\n01234,NA,0612345678\n02116,,007\n")
    received: list[dict[str, str]] = []

    async def collect(record: Record, meta: dict) -> None:
        received.append(record.get_properties())

    widget = ImportWidget(
        fields={"zip": {}, "country": {}, "phone": {}}, on_record_ready=collect
    )
    await widget.import_file(path)

    assert received == [
        {"zip": "01234", "country": "NA", "phone": "0612345678"},
        {"zip": "02116", "country": "", "phone": "007"},
    ]


async def test_record_row_index_and_meta(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(
        b"\xef\xbb\xbfName,Email\nAda, ADA@Example.org \nBob,bob@example.org\n"
    )
    seen: list[tuple[int, dict, dict]] = []

    async def collect(record: Record, meta: dict) -> None:
        seen.append((record.row_index, record.get_properties(), meta))

    widget = ImportWidget(
        fields={
            "name": {"label": "Name"},
            "email": {"validators": "required|email", "transformers": "trim|lowercase"},
        },
        meta={"user_id": 1},
        on_record_ready=collect,
    )
    await widget.import_file(path)

    assert [index for index, _, _ in seen] == [0, 1]
    assert seen[0][1] == {"name": "Ada", "email": "ada@example.org"}
    meta = seen[0][2]
    assert meta["user_id"] == 1
    assert meta["importok"] == {
        "filename": "people.csv",
        "filesize": path.stat().st_size,
        "filetype": "text/csv",
        "with_header": True,
    }


async def test_without_header_columns_are_letters(tmp_path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("Ada,ada@example.org\nBob,bob@example.org\n")
    received: list[dict[str, str]] = []

    async def collect(record: Record, meta: dict) -> None:
        received.append(record.get_properties())

    widget = ImportWidget(fields={"name": {}, "email": {}}, on_record_ready=collect)
    await widget.import_file(
        path, with_header=False, mapping={"name": "A", "email": "B"}
    )

    assert received[0] == {"name": "Ada", "email": "ada@example.org"}
    assert len(received) == 2
    assert widget.columns == ["A", "B"]


async def test_validation_failures_reach_rejected(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email\nAda,ada@example.org\n,not-an-email\nCy,ada@example.org\nDee,\n"
    )
    delivered: list[int] = []

    async def collect(record: Record, meta: dict) -> None:
        delivered.append(record.row_index)

    widget = ImportWidget(
        fields={
            "name": {"label": "Name", "validators": "required"},
            "email": {"label": "Email", "validators": "email|unique"},
        },
        on_record_ready=collect,
    )
    result = await widget.import_file(path)

    assert delivered == [3]
    assert result.succeeded == 1
    assert result.failed == 3
    errors = widget.rejected["error"].to_dict()
    assert errors == {
        0: "Email: Must be unique",
        1: "Name: Is required; Email: Must be a valid email address",
        2: "Email: Must be unique",
    }
    assert list(widget.errors.columns) == ["row", "field", "value", "message"]
    assert len(widget.errors) == 4


async def test_throttle_keeps_window_full() -> None:
    with LocalTarget(delay=0.05) as target:
        async with httpx.AsyncClient() as client:
            widget = ImportWidget(
                fields=SUPERSTORE_FIELDS,
                throttle=5,
                on_record_ready=poster(target.url, client),
            )
            head = SUPERSTORE.read_bytes().split(b"\n")[:41]
            result = await widget.import_file(
                b"\n".join(head), filename="superstore-40.csv"
            )

    assert result.total == 40
    assert target.requests == 40
    assert target.max_in_flight == 5


async def test_throttle_one_is_sequential() -> None:
    with LocalTarget(delay=0.01) as target:
        async with httpx.AsyncClient() as client:
            widget = ImportWidget(
                fields=SUPERSTORE_FIELDS, on_record_ready=poster(target.url, client)
            )
            head = SUPERSTORE.read_bytes().split(b"\n")[:21]
            await widget.import_file(b"\n".join(head), filename="superstore-20.csv")

    assert target.requests == 20
    assert target.max_in_flight == 1


async def test_throttle_is_sliding_window_not_barrier(tmp_path) -> None:
    # One slow record must not hold back the others: with a barrier per group of
    # two, record 2 could only start after the slow record 0 had finished.
    path = tmp_path / "ids.csv"
    path.write_text("id\n" + "\n".join(str(i) for i in range(8)) + "\n")
    started: dict[int, float] = {}
    finished: dict[int, float] = {}

    async def uneven(record: Record, meta: dict) -> None:
        started[record.row_index] = time.monotonic()
        await asyncio.sleep(0.4 if record.row_index == 0 else 0.02)
        finished[record.row_index] = time.monotonic()

    widget = ImportWidget(fields={"id": {}}, throttle=2, on_record_ready=uneven)
    result = await widget.import_file(path)

    assert result.succeeded == 8
    assert all(started[i] < finished[0] for i in range(1, 8))


async def test_record_pool_is_not_one_task_per_record(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n" + "\n".join(str(i) for i in range(500)) + "\n")
    task_counts: list[int] = []

    async def count_tasks(record: Record, meta: dict) -> None:
        task_counts.append(len(asyncio.all_tasks()))

    widget = ImportWidget(fields={"id": {}}, throttle=4, on_record_ready=count_tasks)
    await widget.import_file(path)

    assert max(task_counts) < 20


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("raise", "Duplicate customer 7"),
        ("status", "HTTP 409 Conflict: customer exists"),
        ("mark", "Looks like a test record"),
        ("empty-raise", "KeyError"),
    ],
)
async def test_each_rejection_path(tmp_path, outcome: str, message: str) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n7\n9\n")

    async def callback(record: Record, meta: dict):
        if record["id"] != "7":
            return httpx.Response(201)
        if outcome == "raise":
            raise RuntimeError("Duplicate customer 7")
        if outcome == "status":
            return httpx.Response(409, text="customer exists")
        if outcome == "mark":
            record.mark_as_rejected("Looks like a test record")
            return None
        raise KeyError()

    widget = ImportWidget(fields={"id": {}}, throttle=3, on_record_ready=callback)
    result = await widget.import_file(path)

    assert (result.total, result.succeeded, result.failed) == (3, 2, 1)
    assert widget.rejected.loc[1, "error"] == message
    assert widget.rejected.loc[1, "id"] == "7"


async def test_sync_callback_works(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n2\n")
    seen: list[str] = []

    def collect(record: Record, meta: dict) -> None:
        seen.append(record["id"])

    widget = ImportWidget(fields={"id": {}}, on_record_ready=collect)
    result = await widget.import_file(path)

    assert seen == ["1", "2"]
    assert result.succeeded == 2


async def test_hanging_callback_times_out(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n2\n3\n")

    async def hang_on_two(record: Record, meta: dict) -> None:
        if record["id"] == "2":
            await asyncio.Event().wait()

    widget = ImportWidget(
        fields={"id": {}}, throttle=2, timeout=0.2, on_record_ready=hang_on_two
    )
    result = await asyncio.wait_for(widget.import_file(path), 10)

    assert (result.succeeded, result.failed) == (2, 1)
    assert widget.rejected.loc[1, "error"] == "Timed out after 0.2 s"


async def test_real_connection_error_rejects(tmp_path) -> None:
    # A port that was just released has no server, so the POST fails to connect.
    with LocalTarget() as target:
        url = target.url
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n2\n")

    async with httpx.AsyncClient() as client:
        widget = ImportWidget(fields={"id": {}}, on_record_ready=poster(url, client))
        result = await widget.import_file(path)

    assert result.failed == 2
    assert result.succeeded == 0
    assert "connect" in widget.rejected.loc[0, "error"].lower()


async def test_cancel_rejects_records_not_sent(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n" + "\n".join(str(i) for i in range(100)) + "\n")
    widget: ImportWidget

    async def slow(record: Record, meta: dict) -> None:
        if record.row_index == 10:
            widget.cancel()
        await asyncio.sleep(0.001)

    widget = ImportWidget(fields={"id": {}}, throttle=2, on_record_ready=slow)
    result = await widget.import_file(path)

    assert result.cancelled
    assert result.succeeded + result.failed == 100
    assert 10 <= result.succeeded <= 13
    cancelled = widget.rejected["error"].str.contains("cancelled")
    assert cancelled.all()
    assert widget.rejected.index[-1] == 99


async def test_whole_set_callback_receives_every_valid_record() -> None:
    with LocalTarget() as target:
        async with httpx.AsyncClient() as client:

            async def post_all(records: RecordSet, meta: dict) -> httpx.Response:
                assert len(records) == len(records.to_dataframe())
                return await client.post(target.url, json=records.get_properties())

            widget = ImportWidget(fields=SUPERSTORE_FIELDS, on_import_ready=post_all)
            result = await widget.import_file(SUPERSTORE)

    assert result.succeeded == 9994
    assert target.requests == 1
    assert len(target.records) == 9994
    assert target.records[0]["city"] == "Henderson"


@pytest.mark.parametrize("outcome", ["raise", "status", "mark-set"])
async def test_whole_set_rejection_rejects_all(tmp_path, outcome: str) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n2\n3\n")

    async def callback(records: RecordSet, meta: dict):
        if outcome == "raise":
            raise ConnectionError("API is down")
        if outcome == "status":
            return httpx.Response(503, text="maintenance")
        records.mark_as_rejected("Batch refused")
        return None

    widget = ImportWidget(fields={"id": {}}, on_import_ready=callback)
    result = await widget.import_file(path)

    assert result.succeeded == 0
    assert result.failed == 3
    expected = {
        "raise": "API is down",
        "status": "HTTP 503 Service Unavailable: maintenance",
        "mark-set": "Batch refused",
    }[outcome]
    assert set(widget.rejected["error"]) == {expected}


async def test_whole_set_can_reject_single_records(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n2\n3\n")

    async def callback(records: RecordSet, meta: dict) -> None:
        for record in records:
            if record["id"] == "2":
                record.mark_as_rejected("Two is not allowed")

    widget = ImportWidget(fields={"id": {}}, on_import_ready=callback)
    result = await widget.import_file(path)

    assert (result.succeeded, result.failed) == (2, 1)
    assert widget.rejected["error"].to_dict() == {1: "Two is not allowed"}


async def test_progress_reports_at_most_ten_per_second(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n" + "\n".join(str(i) for i in range(3000)) + "\n")
    reports: list[tuple[int, int, int]] = []

    async def tick(record: Record, meta: dict) -> None:
        await asyncio.sleep(0)

    widget = ImportWidget(
        fields={"id": {}},
        throttle=5,
        on_record_ready=tick,
        on_import_progress=lambda *args: reports.append(args),
    )
    started = time.monotonic()
    await widget.import_file(path)
    seconds = time.monotonic() - started

    assert reports[-1] == (3000, 0, 3000)
    assert len(reports) <= seconds * 10 + 3


async def test_required_field_without_column_raises(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,phone\nAda,123\n")
    widget = ImportWidget(
        fields={"email": {"label": "Email", "validators": "required"}},
        on_record_ready=lambda record, meta: None,
    )

    with pytest.raises(MappingError, match="Required fields have no column: Email"):
        await widget.import_file(path)


async def test_mapping_to_unknown_column_raises(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name\nAda\n")
    widget = ImportWidget(fields={"name": {}}, on_record_ready=lambda r, m: None)

    with pytest.raises(MappingError, match="'Full name'"):
        await widget.import_file(path, mapping={"name": "Full name"})


async def test_second_import_while_running_raises(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id\n1\n2\n")
    release = asyncio.Event()

    async def wait(record: Record, meta: dict) -> None:
        await release.wait()

    widget = ImportWidget(fields={"id": {}}, on_record_ready=wait)
    first = asyncio.create_task(widget.import_file(path))
    await asyncio.sleep(0.05)

    with pytest.raises(ImportStateError):
        await widget.import_file(path)
    release.set()
    result = await first
    assert result.succeeded == 2
    assert await widget.wait() is result


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": {"validators": "required|emial"}}, "unknown validator 'emial'"),
        ({"email": {"transformers": "trim|lower"}}, "unknown transformer 'lower'"),
        ({"email": {"validators": "required:yes"}}, "takes no arguments"),
        ({"email": {"colour": "red"}}, "unknown setting colour"),
        ({}, "fields is empty"),
        ([{"label": "Email"}], "has no 'key'"),
    ],
)
def test_invalid_schema_raises_at_creation(fields, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        ImportWidget(fields=fields, on_record_ready=lambda r, m: None)


def test_field_list_with_keys_is_accepted() -> None:
    widget = ImportWidget(
        fields=[{"key": "email", "label": "Email", "validators": ["required"]}],
        on_record_ready=lambda r, m: None,
    )
    assert widget.fields == [
        {
            "key": "email",
            "label": "Email",
            "description": "",
            "required": True,
            "provider": False,
        }
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "Pass on_record_ready"),
        (
            {"on_record_ready": print, "on_import_ready": print},
            "not both",
        ),
        ({"on_record_ready": print, "throttle": 0}, "throttle"),
        ({"on_record_ready": print, "timeout": -1}, "timeout"),
        ({"on_record_ready": "https://example.invalid"}, "must be a function"),
    ],
)
def test_invalid_options_raise(options: dict, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        ImportWidget(fields={"id": {}}, **options)


def test_error_key_is_reserved() -> None:
    with pytest.raises(SchemaError, match="reserved"):
        ImportWidget(fields={"name": {}, "error": {}}, on_record_ready=print)


async def test_no_mapped_field_raises(tmp_path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("Ada,ada@example.org\n")
    widget = ImportWidget(fields={"name": {}, "email": {}}, on_record_ready=print)

    with pytest.raises(MappingError, match="No field is mapped"):
        await widget.import_file(path, with_header=False)


async def test_import_uses_widget_header_setting(tmp_path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("Ada,ada@example.org\nBob,bob@example.org\n")
    received: list[dict[str, str]] = []
    widget = ImportWidget(
        fields={"name": {}, "email": {}},
        on_record_ready=lambda record, meta: received.append(record.get_properties()),
    )
    widget.with_header = False

    result = await widget.import_file(path, mapping={"name": "A", "email": "B"})

    assert result.succeeded == 2
    assert received[0] == {"name": "Ada", "email": "ada@example.org"}


async def test_non_latin_names_map_automatically(tmp_path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("名前,Имя\n太郎,Иван\n", encoding="utf-8")
    widget = ImportWidget(
        fields={"jp": {"label": "名前"}, "ru": {"label": "имя"}},
        on_record_ready=lambda r, m: None,
    )

    await widget.import_file(path)

    assert widget.mapping == {"jp": "名前", "ru": "Имя"}
