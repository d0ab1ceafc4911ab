"""The review step's editable records, driven through the browser's messages."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
import python_calamine

from importok_widget import (
    ImportStateError,
    ImportWidget,
    InvalidRecordsError,
    Record,
    _review,
)
from importok_widget._review import EXPORT_MIME, ReviewEditError

from .test_widget import Browser

pytestmark = pytest.mark.anyio

FIELDS = {
    "name": {"label": "Name", "validators": "required"},
    "email": {
        "label": "Email",
        "validators": "required|email|unique",
        "transformers": "trim|lowercase",
    },
    "city": {"label": "City"},
}

PEOPLE = (
    "name,email,city\n"
    "Ada,ada@example.org,Paris\n"
    "Bob,not-an-email,Berlin\n"
    ",cy@example.org,paris\n"
    "Dan,dan@example.org,Rome\n"
)


async def reviewed(
    tmp_path: Any, delivered: list[dict[str, str]] | None = None
) -> tuple[ImportWidget, Browser]:
    """Return a widget in the review step for PEOPLE, read from a real CSV file."""
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    sink = delivered if delivered is not None else []

    async def collect(record: Record, meta: dict[str, Any]) -> None:
        sink.append(record.get_properties())

    widget = ImportWidget(fields=FIELDS, on_record_ready=collect)
    browser = Browser(widget)
    browser.upload(path.name, path.read_bytes())
    await browser.wait_for_step("mapping")
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    return widget, browser


def fetch(browser: Browser, **request: Any) -> dict[str, Any]:
    """Send grid_rows and return the reply."""
    message = {"type": "grid_rows", "request": "g", "start": 0, "stop": 100}
    browser.send({**message, **request})
    content, _ = browser.replies[-1]
    assert content["type"] == "grid_rows"
    return content


async def reply_of(browser: Browser, kind: str) -> tuple[dict[str, Any], list[bytes]]:
    """Wait for the widget's first message of type `kind` and return it."""
    for _ in range(1000):
        for content, buffers in browser.replies:
            if content["type"] == kind:
                return content, buffers
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {kind} message within 10 s")


def rows_of(reply: dict[str, Any]) -> list[int]:
    return [row["row"] for row in reply["rows"]]


async def test_grid_rows_slice(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    reply = fetch(browser, start=1, stop=3)
    assert reply["request"] == "g"
    assert reply["total"] == 4
    assert rows_of(reply) == [1, 2]
    assert reply["rows"][0]["values"] == {
        "name": "Bob",
        "email": "not-an-email",
        "city": "Berlin",
    }
    assert reply["rows"][0]["errors"] == {"email": "Must be a valid email address"}
    assert reply["rows"][1]["errors"] == {"name": "Is required"}


async def test_grid_rows_caps_request_size(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    widget.records = pd.DataFrame(
        {"name": ["x"] * 1200, "email": ["a@b.org"] * 1200, "city": [""] * 1200}
    )
    reply = fetch(browser, start=0, stop=1200)
    assert reply["total"] == 1200
    assert len(reply["rows"]) == 500


async def test_grid_rows_filters(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    only_errors = fetch(browser, only_errors=True)
    assert rows_of(only_errors) == [1, 2]
    assert only_errors["total"] == 2
    by_message = fetch(
        browser,
        message_filter={"field": "email", "message": "Must be a valid email address"},
    )
    assert rows_of(by_message) == [1]
    searched = fetch(browser, search="PARIS")
    assert rows_of(searched) == [0, 2]
    combined = fetch(browser, search="paris", only_errors=True)
    assert rows_of(combined) == [2]


async def test_grid_rows_follow_changes(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    by_message = {"field": "email", "message": "Must be a valid email address"}
    assert rows_of(fetch(browser, message_filter=by_message)) == [1]
    assert rows_of(fetch(browser, search="example.org")) == [0, 2, 3]

    widget.edit_cell(1, "email", "bob@example.org")
    # The records change at once, and the messages when the check has finished.
    assert rows_of(fetch(browser, search="example.org")) == [0, 1, 2, 3]
    assert rows_of(fetch(browser, message_filter=by_message)) == [1]
    await widget.wait_review()
    assert rows_of(fetch(browser, message_filter=by_message)) == []

    widget.undo()
    await widget.wait_review()
    assert rows_of(fetch(browser, search="example.org")) == [0, 2, 3]
    assert rows_of(fetch(browser, message_filter=by_message)) == [1]


async def test_grid_rows_rejects_partial_message_filter(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send(
        {"type": "grid_rows", "request": "g", "message_filter": {"field": "email"}}
    )
    assert "message_filter must be {field, message}" in widget.error
    assert [content["type"] for content, _ in browser.replies].count("grid_rows") == 0


async def test_review_lists_filters(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    widget.edit_cell(3, "name", "")
    await widget.wait_review()
    assert widget.review["filters"] == [
        {"field": "name", "label": "Name", "message": "Is required", "count": 2},
        {
            "field": "email",
            "label": "Email",
            "message": "Must be a valid email address",
            "count": 1,
        },
    ]
    assert widget.review["version"] == 1


async def test_edit_fixes_invalid_cell(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    assert widget.review["invalid"] == 2
    browser.send({"type": "edit_cell", "row": 1, "field": "email", "value": " B@x.org"})
    await widget.wait_review()
    assert widget.review["invalid"] == 1
    assert widget.review["valid"] == 3
    assert widget.records.loc[1, "email"] == "b@x.org"  # transformed again
    assert fetch(browser, start=1, stop=2)["rows"][0]["errors"] == {}


async def test_edit_creates_duplicate(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send(
        {"type": "edit_cell", "row": 3, "field": "email", "value": "ada@example.org"}
    )
    await widget.wait_review()
    errors = widget.errors
    unique = errors[errors["message"] == "Must be unique"]
    assert unique["row"].tolist() == [0, 3]
    assert widget.review["invalid"] == 4


async def test_edit_unknown_row_shows_error(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send({"type": "edit_cell", "row": 99, "field": "email", "value": "x"})
    assert "row_index 99" in widget.error


async def test_delete_rows_keeps_row_index(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send({"type": "delete_rows", "rows": [1]})
    await widget.wait_review()
    assert widget.review["total"] == 3
    assert widget.review["invalid"] == 1
    assert rows_of(fetch(browser)) == [0, 2, 3]
    assert widget.errors["row"].tolist() == [2]


async def test_add_record(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send({"type": "delete_rows", "rows": [3]})
    browser.send({"type": "add_record", "values": {"name": "Eve", "email": "E@x.org"}})
    await widget.wait_review()
    assert widget.review["total"] == 4
    added = fetch(browser)["rows"][-1]
    assert added["row"] == 4  # above every row_index so far, deleted ones included
    assert added["values"] == {"name": "Eve", "email": "e@x.org", "city": ""}
    assert added["errors"] == {}


async def test_find_replace_one_column(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    message = {"type": "find_replace", "request": "f1", "find": "paris"}
    browser.send({**message, "replace": "Lyon", "field": "city"})
    content, _ = browser.replies[-1]
    assert content == {"type": "find_replace_done", "request": "f1", "count": 2}
    assert widget.records["city"].tolist() == ["Lyon", "Berlin", "Lyon", "Rome"]


async def test_find_replace_all_columns(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    count = widget.find_replace("example.org", "example.com")
    assert count == 3
    assert widget.records.loc[0, "email"] == "ada@example.com"
    assert widget.find_replace("a", "\\1") == 8  # "\\1" stays literal
    assert widget.records.loc[3, "name"] == "D\\1n"


async def test_find_replace_match_case(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    count = widget.find_replace("paris", "Lyon", field="city", match_case=True)
    assert count == 1
    assert widget.records["city"].tolist() == ["Paris", "Berlin", "Lyon", "Rome"]


async def test_find_replace_whole_cell(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    assert widget.find_replace("Par", "X", whole_cell=True) == 0
    assert widget.find_replace("PARIS", "Nice", whole_cell=True) == 2
    assert widget.records["city"].tolist() == ["Nice", "Berlin", "Nice", "Rome"]


async def test_undo_each_kind(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    original = widget.records

    widget.edit_cell(0, "city", "Oslo")
    widget.delete_rows([1, 2])
    widget.add_record({"name": "Eve"})
    widget.find_replace("o", "0")
    changed = widget.records
    changed.loc[0, "name"] = "Ann"
    widget.records = changed
    assert widget.records.loc[0, "name"] == "Ann"

    browser.send({"type": "undo"})  # the records assignment
    assert widget.records.loc[0, "name"] == "Ada"
    widget.undo()  # find and replace
    assert widget.records.loc[0, "city"] == "Oslo"
    widget.undo()  # add
    assert widget.records.index.tolist() == [0, 3]
    widget.undo()  # delete
    assert widget.records.index.tolist() == [0, 1, 2, 3]
    widget.undo()  # edit
    await widget.wait_review()
    pd.testing.assert_frame_equal(widget.records, original)
    assert widget.undo() is False
    assert widget.review["invalid"] == 2
    assert widget.review["version"] == 10


async def test_export_csv(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send({"type": "delete_rows", "rows": [3]})
    browser.send({"type": "export_records", "request": "e1", "format": "csv"})
    content, buffers = await reply_of(browser, "download")
    assert content == {
        "type": "download",
        "request": "e1",
        "filename": "people-reviewed.csv",
        "mime": "text/csv",
    }
    rows = list(csv.reader(io.StringIO(buffers[0].decode("utf-8-sig"))))
    assert rows == [
        ["name", "email", "city", "error"],
        ["Ada", "ada@example.org", "Paris", ""],
        ["Bob", "not-an-email", "Berlin", "Email: Must be a valid email address"],
        ["", "cy@example.org", "paris", "Name: Is required"],
    ]


async def test_export_xlsx_reads_back_as_text(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    # Values that a spreadsheet would turn into a formula, a link or a number.
    browser.send({"type": "edit_cell", "row": 0, "field": "city", "value": "=1+1"})
    browser.send({"type": "edit_cell", "row": 3, "field": "city", "value": "007"})
    browser.send({"type": "export_records", "request": "e2", "format": "xlsx"})
    content, buffers = await reply_of(browser, "download")
    assert content["filename"] == "people-reviewed.xlsx"
    assert content["mime"] == EXPORT_MIME["xlsx"]
    path = tmp_path / "exported.xlsx"
    path.write_bytes(buffers[0])
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    assert sheet.to_python() == [
        ["name", "email", "city", "error"],
        ["Ada", "ada@example.org", "=1+1", ""],
        ["Bob", "not-an-email", "Berlin", "Email: Must be a valid email address"],
        ["", "cy@example.org", "paris", "Name: Is required"],
        ["Dan", "dan@example.org", "007", ""],
    ]


async def test_export_xlsx_too_many_records(tmp_path, monkeypatch) -> None:
    widget, browser = await reviewed(tmp_path)
    monkeypatch.setattr(_review, "MAX_XLSX_RECORDS", 3)
    with pytest.raises(ReviewEditError, match="do not fit on one XLSX worksheet"):
        widget.export_records("xlsx")


async def test_export_unknown_format_is_rejected(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    browser.send({"type": "export_records", "request": "e3", "format": "pdf"})
    assert "'pdf' is not supported" in widget.error
    assert not [c for c, _ in browser.replies if c["type"] == "download"]


async def test_add_record_answers_with_row(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    values = {"name": "Eve", "email": "eve@example.org"}
    browser.send({"type": "add_record", "request": "a1", "values": values})
    content, _ = await reply_of(browser, "add_record_done")
    assert content == {"type": "add_record_done", "request": "a1", "row": 4}
    await widget.wait_review()
    assert widget.records.loc[4, "name"] == "Eve"
    assert widget.review["total"] == 5


async def test_records_setter_round_trip(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    records = widget.records
    records.loc[1, "email"] = "bob@example.org"
    records = records.drop(index=2)
    widget.records = records
    await widget.wait_review()
    pd.testing.assert_frame_equal(widget.records, records)
    assert widget.review["invalid"] == 0
    assert rows_of(fetch(browser)) == [0, 1, 3]


async def test_records_setter_checks_columns(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    with pytest.raises(ValueError, match=r"Missing: \['city'\]"):
        widget.records = widget.records.drop(columns="city")
    duplicated = widget.records.rename(index={1: 0})
    with pytest.raises(ValueError, match="row_index \\[0\\] occurs more than once"):
        widget.records = duplicated


async def test_import_after_edits(tmp_path) -> None:
    delivered: list[dict[str, str]] = []
    widget, browser = await reviewed(tmp_path, delivered)
    browser.send({"type": "edit_cell", "row": 1, "field": "email", "value": "b@x.org"})
    browser.send({"type": "delete_rows", "rows": [3]})
    browser.send({"type": "add_record", "values": {"name": "Eve", "email": "e@x.org"}})
    browser.send({"type": "start_import"})
    await browser.wait_for_step("done")
    assert delivered == [
        {"name": "Ada", "email": "ada@example.org", "city": "Paris"},
        {"name": "Bob", "email": "b@x.org", "city": "Berlin"},
        {"name": "Eve", "email": "e@x.org", "city": ""},
    ]
    assert widget.result["total"] == 4
    assert widget.result["succeeded"] == 3
    assert widget.result["failed"] == 1
    assert widget.rejected.index.tolist() == [2]


async def test_markup_stays_text(tmp_path) -> None:
    widget, browser = await reviewed(tmp_path)
    markup = "<img src=x onerror=alert(1)>"
    browser.send({"type": "edit_cell", "row": 0, "field": "city", "value": markup})
    await widget.wait_review()
    assert fetch(browser, start=0, stop=1)["rows"][0]["values"]["city"] == markup
    assert widget.records.loc[0, "city"] == markup
    assert markup in widget.export_records().decode("utf-8-sig")


CODES = "name,code\nAda,C1\nBob,C2\n"
CODE_FIELDS = {"name": {}, "code": {"label": "Code", "validators": "check_code"}}


async def check_code(value: str) -> bool:
    """Accept codes that start with C, after a delay; "boom" raises."""
    await asyncio.sleep(0.2)
    if value == "boom":
        raise ConnectionError("code service unreachable")
    return value.startswith("C")


async def reviewed_codes(
    delivered: list[dict[str, str]],
) -> tuple[ImportWidget, Browser]:
    widget = ImportWidget(
        fields=CODE_FIELDS,
        validators={"check_code": check_code},
        on_record_ready=lambda record, meta: delivered.append(record.get_properties()),
    )
    browser = Browser(widget)
    browser.upload("codes.csv", CODES.encode())
    await browser.wait_for_step("mapping")
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    return widget, browser


async def test_failed_check_blocks_import() -> None:
    delivered: list[dict[str, str]] = []
    widget, browser = await reviewed_codes(delivered)
    widget.edit_cell(1, "code", "boom")
    assert widget.busy == "Checking records"
    await widget.wait_review()
    assert widget.busy == ""
    assert widget.error.startswith("Validator 'check_code' of field 'Code' failed")

    browser.send({"type": "start_import"})
    await asyncio.sleep(0.1)
    assert "checking them again failed" in widget.error
    assert widget.step == "review"
    assert delivered == []

    # A value that checks clears the error, and the import sends that value.
    widget.edit_cell(1, "code", "C3")
    await widget.wait_review()
    assert widget.error == ""
    browser.send({"type": "start_import"})
    await browser.wait_for_step("done")
    assert delivered == [{"name": "Ada", "code": "C1"}, {"name": "Bob", "code": "C3"}]


async def test_edit_during_failed_check_is_checked() -> None:
    widget, _ = await reviewed_codes([])
    widget.edit_cell(1, "code", "boom")
    await asyncio.sleep(0.05)  # the check of "boom" is running
    widget.edit_cell(1, "code", "D3")
    await widget.wait_review()
    assert widget.records.loc[1, "code"] == "D3"
    assert list(widget.errors["value"]) == ["D3"]
    assert widget.error == ""


async def test_edit_after_import_is_rejected(tmp_path) -> None:
    async def reject_dan(record: Record, meta: dict[str, Any]) -> None:
        if record["name"] == "Dan":
            raise RuntimeError("server unavailable")

    widget = ImportWidget(fields=FIELDS, on_record_ready=reject_dan)
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    await widget.import_file(path)
    assert widget.step == "done"
    with pytest.raises(ImportStateError, match="were imported"):
        widget.add_record({"name": "Eve", "email": "eve@example.org"})
    with pytest.raises(ImportStateError, match="were imported"):
        widget.edit_cell(2, "name", "Cy")
    result = await widget.retry_failed()
    assert result.succeeded + result.failed == result.total
    assert result.total == 4


async def test_edit_accepts_numpy_values(tmp_path) -> None:
    widget, _ = await reviewed(tmp_path)
    errors = widget.errors
    missing_name = errors[errors["field"] == "name"].iloc[0]
    widget.edit_cell(missing_name["row"], "name", "Cy")  # a numpy integer row
    widget.edit_cell(np.int64(3), "city", np.float64(1.5))
    assert widget.delete_rows(np.array([0])) == 1
    await widget.wait_review()
    assert widget.records.loc[2, "name"] == "Cy"
    assert widget.records.loc[3, "city"] == "1.5"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
async def test_edit_missing_value_is_empty(tmp_path, missing: Any) -> None:
    widget, _ = await reviewed(tmp_path)
    widget.edit_cell(0, "name", missing)
    await widget.wait_review()
    assert widget.records.loc[0, "name"] == ""


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda w: w.delete_rows(0), "Rows must be a list of row_index values"),
        (lambda w: w.delete_rows("12"), "Rows must be a list of row_index values"),
        (lambda w: w.add_record(["Eve"]), "Values must be a dict of field key"),
        (lambda w: w.edit_cell(np.True_, "name", "x"), "Row must be a row_index"),
        (lambda w: w.edit_cell(0, "name", True), "must be text, not bool"),
    ],
)
async def test_invalid_review_arguments(tmp_path, call: Any, message: str) -> None:
    widget, _ = await reviewed(tmp_path)
    with pytest.raises(ReviewEditError, match=message):
        call(widget)


@pytest.mark.parametrize(
    "index",
    [
        pd.Index(np.array([0, 1, 2, 2**64 - 1], dtype=np.uint64)),
        pd.Index([0, 1, 2, -5]),
        pd.Index([0, 1, 2, 2**63 - 1]),
    ],
)
async def test_records_setter_checks_index_range(tmp_path, index: pd.Index) -> None:
    widget, _ = await reviewed(tmp_path)
    frame = widget.records
    frame.index = index
    with pytest.raises(ValueError, match="row_index values from 0 to"):
        widget.records = frame


async def test_records_setter_names_repeated_columns(tmp_path) -> None:
    widget, _ = await reviewed(tmp_path)
    frame = widget.records
    frame.columns = ["name", "email", "email"]
    with pytest.raises(ValueError, match=r"more than once: \['email'\]"):
        widget.records = frame


async def test_review_says_when_undo_applies(tmp_path) -> None:
    widget, _ = await reviewed(tmp_path)
    assert widget.review["can_undo"] is False
    widget.edit_cell(0, "city", "Lyon")
    await widget.wait_review()
    assert widget.review["can_undo"] is True
    widget.undo()
    await widget.wait_review()
    assert widget.review["can_undo"] is False
    assert widget.review["version"] == 2


async def test_import_reviewed_after_block(tmp_path) -> None:
    delivered: list[dict[str, str]] = []

    async def collect(record: Record, meta: dict[str, Any]) -> None:
        delivered.append(record.get_properties())

    widget = ImportWidget(
        fields=FIELDS, on_record_ready=collect, invalid_records="block"
    )
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    with pytest.raises(InvalidRecordsError, match="2 of 4 records are invalid"):
        await widget.import_file(path)
    assert widget.step == "review"
    assert delivered == []

    records = widget.records
    records.loc[1, "email"] = "bob@example.org"
    records.loc[2, "name"] = "Cy"
    widget.records = records
    result = await widget.import_reviewed()

    assert (result.total, result.succeeded, result.failed) == (4, 4, 0)
    assert widget.step == "done"
    assert [record["name"] for record in delivered] == ["Ada", "Bob", "Cy", "Dan"]
    with pytest.raises(ImportStateError, match="on step 'done'"):
        await widget.import_reviewed()


async def test_import_reviewed_needs_a_file() -> None:
    widget = ImportWidget(fields=FIELDS, on_record_ready=lambda r, m: None)
    with pytest.raises(ImportStateError, match="No records to review"):
        await widget.import_reviewed()


async def test_async_validator_runs_once_per_value_per_file() -> None:
    calls: list[str] = []

    async def known_team(value: str) -> bool:
        calls.append(value)
        return value != "grey"

    widget = ImportWidget(
        fields={"name": {}, "team": {"validators": "known_team"}},
        validators={"known_team": known_team},
        on_record_ready=lambda record, meta: None,
    )
    browser = Browser(widget)
    csv_text = "name,team\nAda,red\nBob,blue\nCy,red\nDan,grey\n"
    browser.upload("teams.csv", csv_text.encode())
    await browser.wait_for_step("mapping")
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    assert sorted(calls) == ["blue", "grey", "red"]

    # A change checks every record again, but calls the rule for new values only.
    widget.edit_cell(0, "name", "Ada L.")
    widget.edit_cell(3, "team", "green")
    await widget.wait_review()
    assert sorted(calls) == ["blue", "green", "grey", "red"]
    assert widget.review["invalid"] == 0

    # A new file starts without the cached results.
    calls.clear()
    browser.upload("teams.csv", csv_text.encode())
    await browser.wait_for_step("mapping")
    assert calls == []
    browser.send({"type": "confirm_mapping", "mapping": widget.mapping})
    await browser.wait_for_step("review")
    assert sorted(calls) == ["blue", "grey", "red"]
