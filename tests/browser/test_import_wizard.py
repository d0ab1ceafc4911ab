"""The import wizard in a real JupyterLab, driven through Chromium.

Each test opens a notebook, runs the cell that displays the widget, and uses the
widget as a person would: upload through the file input, check the mapping, import,
and read the results in the page and in the kernel.
"""

from __future__ import annotations

import csv
import io
import pathlib
import random
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .lab import (
    LabServer,
    PageLog,
    open_notebook,
    run_code_cell,
    run_new_cell,
    write_notebook,
)
from .paths import ARTIFACTS

pytestmark = pytest.mark.browser

WIDGET_TIMEOUT_MS = 60_000
"""Time for the kernel to import the package and render the widget."""
STEP_TIMEOUT_MS = 60_000
"""Time for one wizard step: reading the file, checking records."""
IMPORT_TIMEOUT_MS = 180_000
"""Time for a whole import into the local HTTP server."""

QUICKSTART_MAPPING = {
    "order_city": "City",
    "state": "State",
    "postal_code": "Postal Code",
    "category": "Category",
    "sub_category": "Sub-Category",
    "sales": "Sales",
    "profit": "Profit",
}
"""The columns that auto-mapping picks for the quickstart's fields."""

STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
"""A cell output on stderr. JupyterLab 4 renders tracebacks this way too."""

LARGE_FILE_MIN_BYTES = int(10.5 * 1024 * 1024)
"""Size above the Jupyter server's 10 MiB limit for one browser-to-kernel message."""

LARGE_NOTEBOOK_CODE = """\
import httpx

from importok_widget import ImportWidget
from importok_widget.target import LocalTarget

target = LocalTarget()
client = httpx.AsyncClient(timeout=120)


async def on_import_ready(records, meta):
    return await client.post(target.url, json=records.get_properties())


widget = ImportWidget(
    fields={
        "city": {"label": "City", "validators": "required"},
        "state": {"label": "State", "validators": "required"},
        "sales": {"label": "Sales", "validators": "required"},
        "profit": {"label": "Profit"},
    },
    on_import_ready=on_import_ready,
    title="Import a large file",
)
widget
"""

SMALL_NOTEBOOK_CODE = """\
from importok_widget import ImportWidget

widget = ImportWidget(
    fields={
        "city": {"label": "City", "validators": "required"},
        "sales": {"label": "Sales", "validators": "required"},
    },
    on_record_ready=lambda record, meta: None,
)
widget
"""


def test_quickstart_end_to_end(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    csv_path = lab_server.root_dir / "data" / "sample_superstore.csv"
    rows = read_csv_rows(csv_path)
    losses = sum(1 for row in rows if row["Profit"].startswith("-"))
    assert losses > 0, "the sample file has no loss-making orders to reject"

    open_notebook(page, lab_server, "quickstart.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)
    save_screenshot(page, "quickstart-1-upload")

    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    save_screenshot(page, "quickstart-2-mapping")

    for select in required_field_selects(page):
        key = select.get_attribute("data-testid")
        assert selected_column(select) != "", f"required field {key} is not mapped"
    for key, column in QUICKSTART_MAPPING.items():
        select = page.get_by_test_id(f"map-select-{key}")
        assert selected_column(select) == column, (
            f"auto-mapping chose {selected_column(select)!r} for field {key}, "
            f"expected column {column!r}"
        )

    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
    save_screenshot(page, "quickstart-3-review")
    expect(page.get_by_test_id("review-valid")).to_have_text(count_pattern(len(rows)))

    page.get_by_test_id("start-import").click()
    if catch_import_in_progress(page):
        save_screenshot(page, "quickstart-4-import")
    wait_for_step(page, "done", IMPORT_TIMEOUT_MS)
    save_screenshot(page, "quickstart-5-done")
    expect(page.get_by_test_id("result-total")).to_have_text(count_pattern(len(rows)))
    expect(page.get_by_test_id("result-succeeded")).to_have_text(
        count_pattern(len(rows) - losses)
    )
    expect(page.get_by_test_id("result-failed")).to_have_text(count_pattern(losses))

    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("download-rejected").click()
    download = download_info.value
    downloaded = ARTIFACTS / "quickstart-failed-records.csv"
    download.save_as(downloaded)
    assert download.suggested_filename == "sample_superstore-failed.csv", (
        f"the download is named {download.suggested_filename!r}"
    )
    header, *failed_rows = list(csv.reader(io.StringIO(read_download(downloaded))))
    assert header == [*QUICKSTART_MAPPING, "error"], f"unexpected header {header}"
    assert len(failed_rows) == losses, (
        f"the download has {len(failed_rows)} rows, expected {losses}"
    )
    without_reason = [row for row in failed_rows if "loss" not in row[-1]]
    assert without_reason == [], (
        f"{len(without_reason)} failed rows do not name the loss as the reason, "
        f"first: {without_reason[:1]}"
    )

    output = run_new_cell(
        page,
        'print("CHECK", len(widget.rejected), list(widget.rejected.columns)[-1], '
        "widget.rejected.index.name, len(target.records))",
    )
    save_screenshot(page, "quickstart-6-kernel-check")
    rejected_count, last_column, index_name, stored = parse_check_line(output, 4)
    assert rejected_count == str(losses), f"widget.rejected has {rejected_count} rows"
    assert last_column == "error", f"widget.rejected's last column is {last_column!r}"
    assert index_name == "row_index", f"widget.rejected's index is {index_name!r}"
    assert stored == str(len(rows) - losses), f"the target stored {stored} records"
    check_no_page_errors(page_log)


def test_upload_over_10_mb(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    source = lab_server.root_dir / "data" / "sample_superstore.csv"
    large_path = lab_server.root_dir / "large_superstore.csv"
    row_count = write_repeated_csv(source, large_path, LARGE_FILE_MIN_BYTES)
    size = large_path.stat().st_size
    assert size > LARGE_FILE_MIN_BYTES, f"the test file has only {size} bytes"
    write_notebook(lab_server.root_dir / "large.ipynb", [LARGE_NOTEBOOK_CODE])

    open_notebook(page, lab_server, "large.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)

    page.get_by_test_id("file-input").set_input_files(large_path)
    progress = page.get_by_test_id("upload-progress")
    expect(progress, "the upload progress bar did not appear").to_be_visible(
        timeout=10_000
    )
    save_screenshot(page, "large-1-uploading")
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    save_screenshot(page, "large-2-mapping")

    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
    expect(page.get_by_test_id("review-total")).to_have_text(count_pattern(row_count))
    expect(page.get_by_test_id("review-valid")).to_have_text(count_pattern(row_count))

    page.get_by_test_id("start-import").click()
    wait_for_step(page, "done", IMPORT_TIMEOUT_MS)
    save_screenshot(page, "large-3-done")
    expect(page.get_by_test_id("result-total")).to_have_text(count_pattern(row_count))
    expect(page.get_by_test_id("result-failed")).to_have_text(count_pattern(0))

    output = run_new_cell(
        page, 'print("CHECK", len(target.records), target.requests, widget.filename)'
    )
    stored, requests, filename = parse_check_line(output, 3)
    assert stored == str(row_count), f"the target stored {stored} records"
    assert requests == "1", f"on_import_ready posted {requests} times, expected once"
    assert filename == large_path.name, f"the kernel got file name {filename!r}"
    check_no_page_errors(page_log)


def test_binary_file_keeps_widget_usable(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    broken_path = lab_server.root_dir / "broken.csv"
    broken_path.write_bytes(make_binary_bytes())
    write_notebook(lab_server.root_dir / "small.ipynb", [SMALL_NOTEBOOK_CODE])

    open_notebook(page, lab_server, "small.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)

    page.get_by_test_id("file-input").set_input_files(broken_path)
    banner = page.get_by_test_id("error-banner")
    expect(banner, "no error banner for a binary file").to_be_visible(
        timeout=STEP_TIMEOUT_MS
    )
    save_screenshot(page, "binary-1-error")
    expect(banner).to_contain_text("broken.csv")
    expect(banner).to_contain_text(re.compile("binary", re.IGNORECASE))
    expect(page.get_by_test_id("step-upload")).to_be_visible()

    csv_path = lab_server.root_dir / "data" / "sample_superstore.csv"
    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    save_screenshot(page, "binary-2-mapping")
    expect(banner, "the error banner stayed after a good upload").to_be_hidden()
    city = selected_column(page.get_by_test_id("map-select-city"))
    assert city == "City", f"auto-mapping chose {city!r} for field city"
    check_no_page_errors(page_log)


def count_pattern(count: int) -> re.Pattern[str]:
    """Match `count` as a whole text, with or without thousands separators."""
    groups = f"{count:,}".split(",")
    return re.compile("^" + "[,\u00a0\u202f ]?".join(groups) + "$")


def check_no_page_errors(log: PageLog) -> None:
    assert log.errors == [], f"the page raised uncaught exceptions: {log.errors}"


def wait_for_widget(page: Page) -> None:
    """Wait for the widget's upload step, or fail with the cell's traceback."""
    widget = page.get_by_test_id("step-upload")
    traceback = page.locator(STDERR_OUTPUT, has_text="Traceback").first
    expect(
        widget.or_(traceback), "the cell showed neither the widget nor an error"
    ).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
    if traceback.is_visible():
        pytest.fail(f"the widget's cell raised an error:\n{traceback.inner_text()}")


def wait_for_step(page: Page, step: str, timeout_ms: float) -> None:
    expect(
        page.get_by_test_id(f"step-{step}"),
        f"the widget did not reach step {step!r}",
    ).to_be_visible(timeout=timeout_ms)


def catch_import_in_progress(page: Page) -> bool:
    """Wait until a fifth of the records are delivered; False if the import
    finished first."""
    either = page.locator("[data-testid=step-import], [data-testid=step-done]")
    expect(either, "the import did not start").to_be_visible(timeout=STEP_TIMEOUT_MS)
    page.wait_for_function(
        """() => {
            const bar = document.querySelector("[data-testid=import-progress]");
            return bar === null || Number(bar.getAttribute("aria-valuenow")) >= 20;
        }""",
        timeout=IMPORT_TIMEOUT_MS,
    )
    return page.get_by_test_id("step-import").is_visible()


def save_screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".importok").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def required_field_selects(page: Page) -> list[Locator]:
    selects = page.locator("select[aria-required=true][data-testid^=map-select-]")
    found = selects.all()
    assert found, "the mapping step shows no required field"
    return found


def selected_column(select: Locator) -> str:
    """Return the text of the selected option, or "" when no column is chosen."""
    return select.evaluate("s => s.value === '' ? '' : s.selectedOptions[0].text")


def read_csv_rows(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def read_download(path: pathlib.Path) -> str:
    # The download starts with a byte order mark so that Excel reads it as UTF-8.
    return path.read_text(encoding="utf-8-sig")


def write_repeated_csv(
    source: pathlib.Path, target: pathlib.Path, min_bytes: int
) -> int:
    """Write the header and data rows of `source`, repeated until the file is over
    `min_bytes`. Return the number of data rows written."""
    header, *rows = source.read_bytes().splitlines(keepends=True)
    row_count = 0
    size = len(header)
    with target.open("wb") as file:
        file.write(header)
        while size <= min_bytes:
            file.writelines(rows)
            row_count += len(rows)
            size += sum(len(row) for row in rows)
    return row_count


def make_binary_bytes() -> bytes:
    data = bytearray(random.Random(20240611).randbytes(8192))
    data[100:116] = bytes(16)
    return bytes(data)


def parse_check_line(output: str, count: int) -> list[str]:
    """Return the `count` words after "CHECK" in a cell's output."""
    match = re.search(r"^CHECK (.*)$", output, re.MULTILINE)
    assert match is not None, f"no CHECK line in the cell output:\n{output}"
    words = match.group(1).split()
    assert len(words) == count, f"expected {count} words after CHECK, got {words}"
    return words
