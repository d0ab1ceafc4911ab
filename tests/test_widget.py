"""The widget's message protocol, driven as the browser drives it, without a browser.

With no kernel, ipywidgets gives the widget a dummy comm, so the messages the widget
sends are captured by replacing its `send` method: the one stand-in in these tests.
"""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from typing import Any

import pytest

from importok_widget import ImportWidget, Record
from importok_widget._protocol import CHUNK_SIZE

from .conftest import SUPERSTORE

pytestmark = pytest.mark.anyio

FIELDS = {
    "city": {"label": "City", "validators": "required"},
    "postal_code": {"label": "Postal code"},
    "profit": {"label": "Profit", "validators": "required"},
}


class Browser:
    """Send messages to a widget as the front end does, and keep its replies."""

    def __init__(self, widget: ImportWidget) -> None:
        self.widget = widget
        self.replies: list[tuple[dict[str, Any], list[bytes]]] = []
        widget.send = self._receive  # type: ignore[method-assign]

    def _receive(self, content: dict[str, Any], buffers: Any = None) -> None:
        self.replies.append((content, [bytes(b) for b in buffers or ()]))

    def send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.widget._handle_custom_msg(content, buffers or [])

    def upload(
        self,
        name: str,
        data: bytes,
        chunk_size: int = CHUNK_SIZE,
        upload_id: str = "upload-1",
    ) -> None:
        start = {"name": name, "size": len(data), "mime": ""}
        self.send({"type": "upload_start", "upload_id": upload_id, **start})
        for offset in range(0, len(data), chunk_size):
            chunk = memoryview(data)[offset : offset + chunk_size]
            self.send(
                {"type": "upload_chunk", "upload_id": upload_id, "offset": offset},
                [chunk],
            )
        self.send({"type": "upload_end", "upload_id": upload_id})

    async def wait_for_step(
        self, step: str, seconds: float = 30, *, allow_error: bool = False
    ) -> None:
        async def poll() -> None:
            while self.widget.step != step:
                if self.widget.error and not allow_error:
                    raise AssertionError(f"widget error: {self.widget.error}")
                await asyncio.sleep(0.01)

        await asyncio.wait_for(poll(), seconds)

    async def wait_for_error(self, seconds: float = 10) -> str:
        async def poll() -> None:
            while not self.widget.error:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(poll(), seconds)
        return self.widget.error


def losses() -> int:
    with SUPERSTORE.open(newline="") as file:
        return sum(row["Profit"].startswith("-") for row in csv.DictReader(file))


async def test_browser_flow_from_upload_to_download() -> None:
    delivered: list[dict[str, str]] = []

    async def collect(record: Record, meta: dict) -> None:
        if record["profit"].startswith("-"):
            record.mark_as_rejected("Sold at a loss")
        delivered.append(record.get_properties())

    widget = ImportWidget(fields=FIELDS, throttle=8, on_record_ready=collect)
    browser = Browser(widget)
    data = SUPERSTORE.read_bytes()

    browser.upload("superstore.csv", data, chunk_size=256 * 1024)
    acks = [c["received"] for c, _ in browser.replies if c["type"] == "upload_ack"]
    assert acks[0] == 0
    assert acks[-1] == len(data)
    assert len(acks) == 1 + -(-len(data) // (256 * 1024))

    await browser.wait_for_step("mapping")
    assert widget.filename == "superstore.csv"
    assert widget.columns[:3] == ["Ship Mode", "Segment", "Country"]
    assert widget.mapping == {
        "city": "City",
        "postal_code": "Postal Code",
        "profit": "Profit",
    }
    assert widget.samples["City"] == ["Henderson", "Los Angeles", "Fort Lauderdale"]

    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    assert widget.review["valid"] == 9994
    assert widget.review["invalid"] == 0

    browser.send({"type": "start_import"})
    await browser.wait_for_step("done", seconds=60)
    expected_failed = losses()
    assert widget.result["total"] == 9994
    assert widget.result["failed"] == expected_failed
    assert widget.result["succeeded"] == 9994 - expected_failed
    assert widget.progress["processed"] == 9994
    assert widget.progress["failed"] == expected_failed
    assert widget.progress["total"] == 9994
    assert len(delivered) == 9994

    browser.send({"type": "download_rejected", "request": "r1"})
    content, buffers = browser.replies[-1]
    assert content == {
        "type": "download",
        "request": "r1",
        "filename": "superstore-failed.csv",
        "mime": "text/csv",
    }
    rows = list(csv.reader(io.StringIO(buffers[0].decode("utf-8-sig"))))
    assert rows[0] == ["city", "postal_code", "profit", "error"]
    assert len(rows) == 1 + expected_failed
    assert {row[-1] for row in rows[1:]} == {"Sold at a loss"}


async def test_unreadable_upload_keeps_widget_usable() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)

    browser.upload("orders.csv", bytes(range(256)) * 40)
    message = await browser.wait_for_error()
    assert "orders.csv" in message
    assert widget.step == "upload"
    assert widget.busy == ""

    browser.send({"type": "reset"})
    assert widget.error == ""
    browser.upload("orders.csv", SUPERSTORE.read_bytes())
    await browser.wait_for_step("mapping")


async def test_out_of_order_chunk_is_rejected() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)

    browser.send({"type": "upload_start", "name": "a.csv", "size": 10, "mime": ""})
    browser.send({"type": "upload_chunk", "offset": 5}, [b"12345"])

    content, _ = browser.replies[-1]
    assert content["type"] == "upload_error"
    assert "out of order" in content["message"]
    assert "out of order" in widget.error


async def test_oversized_chunk_is_rejected() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)
    size = CHUNK_SIZE + 1

    browser.send({"type": "upload_start", "name": "a.csv", "size": size, "mime": ""})
    browser.send({"type": "upload_chunk", "offset": 0}, [b"x" * size])

    assert browser.replies[-1][0]["type"] == "upload_error"
    assert "over the limit" in widget.error


async def test_truncated_upload_is_reported() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)

    browser.send({"type": "upload_start", "name": "a.csv", "size": 10, "mime": ""})
    browser.send({"type": "upload_chunk", "offset": 0}, [b"12345"])
    browser.send({"type": "upload_end"})

    assert "stopped at 5 of 10 bytes" in widget.error
    assert widget.step == "upload"


async def test_unmapped_required_field_is_shown() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)
    browser.upload("orders.csv", SUPERSTORE.read_bytes())
    await browser.wait_for_step("mapping")

    mapping = dict(widget.mapping, city=None)
    browser.send({"type": "confirm_mapping", "mapping": mapping})

    assert "Required fields have no column: City" in widget.error
    assert widget.step == "mapping"


async def test_unknown_message_is_shown() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)

    browser.send({"type": "launch_rockets"})

    assert "launch_rockets" in widget.error


async def test_callback_error_path_stays_in_widget() -> None:
    async def broken(record: Record, meta: dict) -> None:
        raise ValueError(f"API refused row {record.row_index}")

    widget = ImportWidget(fields={"city": {}}, throttle=4, on_record_ready=broken)
    browser = Browser(widget)
    browser.upload("orders.csv", b"City\nParis\nOslo\n")
    await browser.wait_for_step("mapping")
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    browser.send({"type": "start_import"})
    await browser.wait_for_step("done")

    assert widget.result["failed"] == 2
    assert widget.rejected["error"].tolist() == [
        "API refused row 0",
        "API refused row 1",
    ]
    browser.send({"type": "reset"})
    assert widget.step == "upload"


async def test_messages_from_another_thread_run_on_main_loop() -> None:
    # JupyterLab may deliver comm messages on a subshell thread. The widget must hand
    # them to the loop it was created on, where the user's callbacks run.
    main_thread = threading.get_ident()
    callback_threads: set[int] = set()

    async def collect(record: Record, meta: dict) -> None:
        callback_threads.add(threading.get_ident())

    widget = ImportWidget(fields={"city": {}}, on_record_ready=collect)
    browser = Browser(widget)

    def send_from_thread(content: dict[str, Any], buffers: list[bytes]) -> None:
        worker = threading.Thread(
            target=widget._on_custom_msg, args=(widget, content, buffers)
        )
        worker.start()
        worker.join()

    data = b"City\nParis\nOslo\n"
    send_from_thread(
        {"type": "upload_start", "name": "c.csv", "size": len(data), "mime": ""}, []
    )
    send_from_thread({"type": "upload_chunk", "offset": 0}, [data])
    send_from_thread({"type": "upload_end"}, [])
    await browser.wait_for_step("mapping")
    send_from_thread({"type": "confirm_mapping", "mapping": widget.mapping}, [])
    await browser.wait_for_step("review")
    send_from_thread({"type": "start_import"}, [])
    await browser.wait_for_step("done")

    assert callback_threads == {main_thread}
    assert widget.result["succeeded"] == 2


async def test_second_start_while_running_is_ignored() -> None:
    release = asyncio.Event()

    async def wait(record: Record, meta: dict) -> None:
        await release.wait()

    widget = ImportWidget(fields={"city": {}}, on_record_ready=wait)
    browser = Browser(widget)
    browser.upload("c.csv", b"City\nParis\n")
    await browser.wait_for_step("mapping")
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    browser.send({"type": "start_import"})
    await browser.wait_for_step("import")
    await asyncio.sleep(0.05)

    # A second click, as from another view, leaves the running import alone.
    browser.send({"type": "start_import"})
    assert widget.error == ""
    assert widget.step == "import"
    browser.send({"type": "cancel"})
    release.set()
    await browser.wait_for_step("done", allow_error=True)
    assert widget.result["total"] == 1


async def test_failed_read_shows_no_file() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)

    browser.upload("broken.csv", bytes(range(256)) * 40)
    await browser.wait_for_error()

    assert widget.filename == ""


async def test_cancelled_upload_shows_no_file() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    browser = Browser(widget)

    start = {"name": "big.csv", "size": 100, "mime": ""}
    browser.send({"type": "upload_start", "upload_id": "u9", **start})
    browser.send({"type": "upload_cancel", "upload_id": "u9"})

    assert widget.filename == ""
    assert widget.busy == ""
    browser.send({"type": "upload_chunk", "upload_id": "u9", "offset": 0}, [b"x"])
    assert browser.replies[-1][0] == {
        "type": "upload_error",
        "upload_id": "u9",
        "message": "This upload was replaced or cancelled.",
    }


async def test_reread_applies_encoding_and_delimiter() -> None:
    widget = ImportWidget(
        fields={"name": {}, "city": {}}, on_record_ready=lambda r, m: None
    )
    browser = Browser(widget)
    data = "Name;City\nZoë Ferrand;Montréal\n".encode("cp1252")
    browser.upload("people.csv", data)
    await browser.wait_for_step("mapping")

    browser.send(
        {
            "type": "reread",
            "encoding": "latin-1",
            "delimiter": ",",
            "header_row": None,
            "sheet": None,
            "with_header": True,
        }
    )
    for _ in range(200):
        if widget.file_info.get("delimiter") == ",":
            break
        await asyncio.sleep(0.01)

    assert widget.file_info["encoding"] == "latin-1"
    assert widget.columns == ["Name;City"]
    assert widget.step == "mapping"


async def test_reread_after_import_file(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name|City\nAda|Paris\n")
    widget = ImportWidget(
        fields={"name": {}, "city": {}}, on_record_ready=lambda r, m: None
    )
    browser = Browser(widget)
    await widget.import_file(path)
    assert widget.columns == ["Name", "City"]

    browser.send({"type": "reread", "delimiter": ";", "with_header": True})
    for _ in range(200):
        if widget.file_info.get("delimiter") == ";":
            break
        await asyncio.sleep(0.01)

    assert widget.columns == ["Name|City"]
    assert widget.error == ""


async def test_block_policy_delivers_nothing(tmp_path) -> None:
    from importok_widget import InvalidRecordsError

    path = tmp_path / "people.csv"
    path.write_text("email\nada@example.org\nnot-an-email\n")
    sent: list[str] = []
    widget = ImportWidget(
        fields={"email": {"validators": "email"}},
        invalid_records="block",
        on_record_ready=lambda record, meta: sent.append(record["email"]),
    )

    with pytest.raises(InvalidRecordsError, match="1 of 2 records are invalid") as info:
        await widget.import_file(path)

    assert info.value.count == 1
    assert sent == []
    assert not widget.running
    browser = Browser(widget)
    browser.send({"type": "start_import"})
    assert "invalid_records" in widget.error


async def test_step_callbacks_see_each_change() -> None:
    seen: list[tuple[str, str, str | None]] = []
    widget = ImportWidget(
        fields={"city": {}},
        on_record_ready=lambda r, m: None,
        on_step_enter=lambda step, previous: seen.append(("enter", step, previous)),
        on_step_exit=lambda step, following: seen.append(("exit", step, following)),
    )
    browser = Browser(widget)
    browser.upload("c.csv", b"City\nParis\n")
    await browser.wait_for_step("mapping")

    assert seen == [("exit", "upload", "mapping"), ("enter", "mapping", "upload")]


def test_invalid_policy_name_raises() -> None:
    with pytest.raises(TypeError, match="invalid_records"):
        ImportWidget(fields={"id": {}}, on_record_ready=print, invalid_records="drop")
