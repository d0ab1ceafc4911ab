"""The review step, the import of valid records and the themes, in a real JupyterLab.

Each test opens a notebook whose first cell starts a LocalTarget on 127.0.0.1 and
displays a widget that posts each valid record to it with `post_json`. The tests
filter, delete and undo records in the review grid, import only the valid records,
show file content that looks like HTML as text, and save a screenshot of every step
in JupyterLab's light and dark themes.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import re
import shutil
import string
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, Locator, Page, ViewportSize, expect

from .lab import (
    LabServer,
    PageLog,
    open_notebook,
    run_code_cell,
    run_new_cell,
    write_notebook,
)
from .paths import REPO
from .test_import_wizard import (
    IMPORT_TIMEOUT_MS,
    STEP_TIMEOUT_MS,
    check_no_page_errors,
    wait_for_step,
    wait_for_widget,
)

pytestmark = pytest.mark.browser

NOTEBOOK_TEMPLATE = string.Template('''\
import json
import threading

from importok_widget import ImportWidget, post_json
from importok_widget.target import LocalTarget

BLOCK_AFTER = $block_after
release = threading.Event()


def block_requests(body):
    """Block every request after the first BLOCK_AFTER until release is set, for
    at most 120 s."""
    if BLOCK_AFTER is not None and target.requests > BLOCK_AFTER:
        release.wait(120)
    return None  # LocalTarget stores the body and responds with 201.


def no_markup(value):
    return "<" not in value or f"Contains markup: {value}"


target = LocalTarget(respond=block_requests)
widget = ImportWidget(
    fields=$fields,
    validators={"no_markup": no_markup},
    on_record_ready=post_json(target.url, timeout=150),
    title="Import contacts",
)


def report():
    result = widget.last_result
    rejected = widget.rejected
    print("CHECK " + json.dumps({
        "total": result.total,
        "succeeded": result.succeeded,
        "failed": result.failed,
        "requests": target.requests,
        "received": target.records,
        "rejected_index_name": rejected.index.name,
        "rejected": json.loads(rejected.to_json(orient="split")),
    }))


widget
''')
"""The widget's cell. `report()` prints the last import's outcome as JSON."""

CONTACT_FIELDS = {
    "name": {"label": "Name", "validators": "required"},
    "email": {"label": "Email", "validators": "required|email"},
    "age": {"label": "Age", "validators": "integer"},
}

CONTACT_ROWS = [
    ("Ada Lovelace", "ada@example.com", "36"),
    ("Bob Stone", "bob-at-example", "41"),
    ("Cyd Moreau", "cyd@example.com", "forty"),
    ("", "dee@example.com", "29"),
    ("Eve Park", "eve@", "33"),
    ("Flo Ricci", "flo@example.org", "25"),
    ("Gus Olsen", "gus@example.com", "50"),
    ("Hal Brandt", "hal@example.org", "61"),
    ("Ivy Chen", "ivy@example.com", "27"),
    ("Jo Wu", "jo@@example.com", "4.5"),
]
"""Ten contacts. Rows 1, 4 and 9 have an invalid email, rows 2 and 9 an age that is
not a whole number, and row 3 no name."""

CONTACT_ERRORS = {
    1: "Email: Must be a valid email address",
    2: "Age: Must be a whole number",
    3: "Name: Is required",
    4: "Email: Must be a valid email address",
    9: "Email: Must be a valid email address; Age: Must be a whole number",
}
"""The `error` column of `widget.rejected`, by row_index."""

VALID_ROWS = [0, 5, 6, 7, 8]
INVALID_ROWS = sorted(CONTACT_ERRORS)

FILTER_OPTIONS = [
    "All records",
    "Only rows with errors",
    "Email: Must be a valid email address (3)",
    "Age: Must be a whole number (2)",
    "Name: Is required (1)",
]
"""The grid's filter options for CONTACT_ROWS, the most frequent message first."""

IMG_MARKUP = "<img src=x onerror=alert(1)>"
SCRIPT_MARKUP = "<script>alert(2)</script>"

MARKUP_FIELDS = {
    "name": {"label": "Name", "validators": "required"},
    "note": {"label": "Note", "validators": "no_markup"},
    "email": {"label": "Email", "validators": "email"},
}

MARKUP_CSV = (
    f"{IMG_MARKUP},{SCRIPT_MARKUP},Email\n"
    f"{IMG_MARKUP},{SCRIPT_MARKUP},{IMG_MARKUP}\n"
    "Ada Lovelace,Met at the conference,ada@example.com\n"
    f"{SCRIPT_MARKUP},Prefers email,grace@example.com\n"
    f"Alan Turing,{IMG_MARKUP},alan@example.com\n"
)
"""Column names and values that a browser would run if the widget inserted them as
HTML. Rows 0 and 3 fail the no_markup rule, row 0 also the email rule."""

MARKUP_FILENAME = f"{IMG_MARKUP}.csv"

LAB_THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
THEME_SETTINGS_URL = "/lab/api/settings/@jupyterlab/apputils-extension:themes"

SCREENSHOT_VIEWPORT: ViewportSize = {"width": 1400, "height": 1800}
SCREENSHOTS_DIR = "screenshots"
"""Folder under test-artifacts/ for the screenshots of each step."""
DOCS_REVIEW_IMAGE = REPO / "docs" / "images" / "review-step.png"

WIDGET_COLOURS_SCRIPT = """root => {
    // A probe element resolves the theme's variables to computed rgb() colours.
    const probe = document.createElement("div");
    probe.style.color = "var(--jp-ui-font-color1)";
    probe.style.backgroundColor = "var(--jp-layout-color1)";
    document.body.append(probe);
    const theme = getComputedStyle(probe);
    const widget = getComputedStyle(root);
    const colours = {
        widgetBackground: widget.backgroundColor,
        widgetText: widget.color,
        themeBackground: theme.backgroundColor,
        themeText: theme.color,
    };
    probe.remove();
    return colours;
}"""


def test_grid_filters_by_message_and_search(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    open_widget(page, lab_server, "review-filter.ipynb", CONTACT_FIELDS)
    upload_to_review(page, write_contacts_csv(lab_server))
    grid = page.get_by_test_id("review-grid")
    count = page.locator(".iok-grid-count")
    expect_grid_rows(page, list(range(len(CONTACT_ROWS))))
    expect(count).to_have_text("10 matching records")

    filter_select = page.get_by_test_id("grid-filter")
    expect(filter_select.locator("option")).to_have_text(FILTER_OPTIONS)

    filter_select.select_option(label="Email: Must be a valid email address (3)")
    expect(count).to_have_text("3 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, [1, 4, 9])
    for row in (1, 4, 9):
        email = grid.get_by_test_id(f"grid-cell-{row}-email")
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(email).to_have_text(CONTACT_ROWS[row][1])

    filter_select.select_option(label="Age: Must be a whole number (2)")
    expect(count).to_have_text("2 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, [2, 9])

    filter_select.select_option(label="Only rows with errors")
    expect(count).to_have_text("5 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, INVALID_ROWS)

    search = page.get_by_test_id("grid-search")
    search.fill("example.com")
    expect(count).to_have_text("3 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, [2, 3, 9])

    filter_select.select_option(label="All records")
    search.fill("Example.ORG")
    expect(count).to_have_text("2 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, [5, 7])

    search.fill("eve")
    expect(count).to_have_text("1 matching record", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, [4])

    search.fill("")
    expect(count).to_have_text("10 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, list(range(len(CONTACT_ROWS))))
    check_no_page_errors(page_log)


def test_grid_deletes_rows_and_undoes(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    open_widget(page, lab_server, "review-delete.ipynb", CONTACT_FIELDS)
    upload_to_review(page, write_contacts_csv(lab_server))
    grid = page.get_by_test_id("review-grid")
    count = page.locator(".iok-grid-count")
    delete_button = page.get_by_test_id("grid-delete")
    undo_button = page.get_by_test_id("grid-undo")
    expect_review_counts(page, valid=5, invalid=5, total=10)
    expect_grid_rows(page, list(range(len(CONTACT_ROWS))))
    expect(delete_button).to_be_disabled()
    expect(undo_button).to_be_disabled()

    # A new filter clears the selection, so no hidden row can be deleted.
    grid.get_by_test_id("grid-row-0").get_by_role("checkbox").check()
    expect(delete_button).to_have_text("Delete selected (1)")
    page.get_by_test_id("grid-filter").select_option(label="Only rows with errors")
    expect(delete_button).to_have_text("Delete selected")
    expect(delete_button).to_be_disabled()
    page.get_by_test_id("grid-filter").select_option(label="All records")
    expect(count).to_have_text("10 matching records", timeout=STEP_TIMEOUT_MS)
    expect(
        grid.get_by_test_id("grid-row-0").get_by_role("checkbox")
    ).not_to_be_checked()

    # Row 1 is invalid and row 6 valid.
    grid.get_by_test_id("grid-row-1").get_by_role("checkbox").check()
    grid.get_by_test_id("grid-row-6").get_by_role("checkbox").check()
    expect(delete_button).to_have_text("Delete selected (2)")
    delete_button.click()

    expect_review_counts(page, valid=4, invalid=4, total=8)
    expect(count).to_have_text("8 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, [0, 2, 3, 4, 5, 7, 8, 9])
    expect(page.get_by_test_id("grid-filter").locator("option")).to_contain_text(
        ["Email: Must be a valid email address (2)"]
    )
    expect(delete_button).to_be_disabled()
    expect(delete_button).to_have_text("Delete selected")
    expect(page.get_by_test_id("start-import")).to_have_text("Import 4 valid records")

    expect(undo_button).to_be_enabled()
    undo_button.click()

    expect_review_counts(page, valid=5, invalid=5, total=10)
    expect(count).to_have_text("10 matching records", timeout=STEP_TIMEOUT_MS)
    expect_grid_rows(page, list(range(len(CONTACT_ROWS))))
    for row in (1, 6):
        expect(grid.get_by_test_id(f"grid-cell-{row}-name")).to_have_text(
            CONTACT_ROWS[row][0]
        )
        expect(
            grid.get_by_test_id(f"grid-row-{row}").get_by_role("checkbox")
        ).not_to_be_checked()
    expect(grid.get_by_test_id("grid-cell-1-email")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_test_id("grid-filter").locator("option")).to_have_text(
        FILTER_OPTIONS
    )
    check_no_page_errors(page_log)


def test_import_sends_only_valid_records(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    open_widget(page, lab_server, "review-import.ipynb", CONTACT_FIELDS)
    upload_to_review(page, write_contacts_csv(lab_server))
    expect_review_counts(page, valid=5, invalid=5, total=10)

    start = page.get_by_test_id("start-import")
    expect(start).to_have_text("Import 5 valid records")
    expect(start).to_be_enabled()
    start.click()
    wait_for_step(page, "done", IMPORT_TIMEOUT_MS)

    report = read_report(page)
    expected_records = [contact_record(row) for row in VALID_ROWS]
    received = sorted(report["received"], key=lambda record: record["email"])
    assert received == expected_records, (
        f"the target received {received}, expected the valid records {expected_records}"
    )
    assert report["requests"] == len(VALID_ROWS), (
        f"post_json sent {report['requests']} requests, expected one per valid record"
    )

    rejected = report["rejected"]
    assert report["rejected_index_name"] == "row_index", (
        f"widget.rejected's index is named {report['rejected_index_name']!r}"
    )
    assert rejected["columns"] == [*CONTACT_FIELDS, "error"], (
        f"widget.rejected has columns {rejected['columns']}"
    )
    assert rejected["index"] == INVALID_ROWS, (
        f"widget.rejected has rows {rejected['index']}, expected {INVALID_ROWS}"
    )
    for row, values in zip(rejected["index"], rejected["data"], strict=True):
        *fields, error = values
        assert fields == list(CONTACT_ROWS[row]), (
            f"widget.rejected row {row} has values {fields}"
        )
        assert error == CONTACT_ERRORS[row], (
            f"widget.rejected row {row} has error {error!r}, "
            f"expected {CONTACT_ERRORS[row]!r}"
        )

    assert report["total"] == 10, f"last_result.total is {report['total']}"
    assert report["succeeded"] == 5, f"last_result.succeeded is {report['succeeded']}"
    assert report["failed"] == 5, f"last_result.failed is {report['failed']}"
    assert report["succeeded"] + report["failed"] == report["total"], (
        f"succeeded + failed != total in {report}"
    )
    expect(page.get_by_test_id("result-total")).to_have_text("10")
    expect(page.get_by_test_id("result-succeeded")).to_have_text("5")
    expect(page.get_by_test_id("result-failed")).to_have_text("5")
    check_no_page_errors(page_log)


def test_markup_in_file_shows_as_text(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    dialogs: list[str] = []

    def record_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record_dialog)
    csv_path = lab_server.root_dir / MARKUP_FILENAME
    csv_path.write_text(MARKUP_CSV, encoding="utf-8")
    open_widget(page, lab_server, "review-markup.ipynb", MARKUP_FIELDS)
    widget = page.locator(".importok")

    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    mapping = page.get_by_test_id("step-mapping")
    expect(mapping.locator("p", has_text="Choose the column")).to_have_text(
        f"{MARKUP_FILENAME}: 3 columns. Choose the column for each field."
    )
    name_select = page.get_by_test_id("map-select-name")
    expect(name_select.locator("option")).to_have_text(
        ["— not mapped —", IMG_MARKUP, SCRIPT_MARKUP, "Email"]
    )
    name_select.select_option(label=IMG_MARKUP)
    page.get_by_test_id("map-select-note").select_option(label=SCRIPT_MARKUP)
    expect(mapping_samples(page, "name")).to_have_text(
        [IMG_MARKUP, "Ada Lovelace", SCRIPT_MARKUP]
    )
    expect(mapping_samples(page, "note")).to_have_text(
        [SCRIPT_MARKUP, "Met at the conference", "Prefers email"]
    )
    expect_no_markup_elements(widget)

    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
    expect_review_counts(page, valid=2, invalid=2, total=4)
    grid = page.get_by_test_id("review-grid")
    expect_grid_rows(page, [0, 1, 2, 3])
    expected_cells = {
        "grid-cell-0-name": IMG_MARKUP,
        "grid-cell-0-note": SCRIPT_MARKUP,
        "grid-cell-0-email": IMG_MARKUP,
        "grid-cell-2-name": SCRIPT_MARKUP,
        "grid-cell-3-note": IMG_MARKUP,
    }
    for test_id, text in expected_cells.items():
        expect(grid.get_by_test_id(test_id)).to_have_text(text)
    expect(grid.get_by_test_id("grid-cell-0-note")).to_have_attribute(
        "title", f"Contains markup: {SCRIPT_MARKUP}"
    )

    error_rows = page.locator(".iok-errors-table tbody tr")
    expect(error_rows).to_have_count(3)
    expected_error_rows = [
        ["1", "Note", SCRIPT_MARKUP, f"Contains markup: {SCRIPT_MARKUP}"],
        ["1", "Email", IMG_MARKUP, "Must be a valid email address"],
        ["4", "Note", IMG_MARKUP, f"Contains markup: {IMG_MARKUP}"],
    ]
    for index, cells in enumerate(expected_error_rows):
        expect(error_rows.nth(index).locator("td")).to_have_text(cells)

    filter_select = page.get_by_test_id("grid-filter")
    img_option = f"Note: Contains markup: {IMG_MARKUP} (1)"
    script_option = f"Note: Contains markup: {SCRIPT_MARKUP} (1)"
    expect(filter_select.locator("option")).to_have_count(5)
    option_texts = filter_select.locator("option").all_text_contents()
    assert img_option in option_texts, f"no option {img_option!r} in {option_texts}"
    assert script_option in option_texts, (
        f"no option {script_option!r} in {option_texts}"
    )
    filter_select.select_option(label=img_option)
    expect(page.locator(".iok-grid-count")).to_have_text(
        "1 matching record", timeout=STEP_TIMEOUT_MS
    )
    expect_grid_rows(page, [3])
    expect_no_markup_elements(widget)

    page.get_by_test_id("start-import").click()
    wait_for_step(page, "done", IMPORT_TIMEOUT_MS)
    expect(page.get_by_test_id("result-succeeded")).to_have_text("2")
    expect(page.get_by_test_id("result-failed")).to_have_text("2")
    expect_no_markup_elements(widget)

    report = read_report(page)
    received_names = sorted(record["name"] for record in report["received"])
    assert received_names == [SCRIPT_MARKUP, "Ada Lovelace"], (
        f"the target received names {received_names}"
    )
    rejected = report["rejected"]
    assert rejected["index"] == [0, 3], f"widget.rejected has rows {rejected['index']}"
    assert rejected["data"][0][:3] == [IMG_MARKUP, SCRIPT_MARKUP, IMG_MARKUP], (
        f"widget.rejected row 0 is {rejected['data'][0]}"
    )
    expect_no_markup_elements(widget)
    assert dialogs == [], f"the page opened dialogs: {dialogs}"
    check_no_page_errors(page_log)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_steps_in_lab_theme(
    theme: str,
    page: Page,
    page_log: PageLog,
    lab_server: LabServer,
    artifacts_dir: pathlib.Path,
) -> None:
    screenshots = artifacts_dir / SCREENSHOTS_DIR
    screenshots.mkdir(exist_ok=True)
    widget = page.locator(".importok")

    def save_step(number: int, step: str) -> pathlib.Path:
        path = screenshots / f"{theme}-{number}-{step}.png"
        # Centre the widget in the notebook, so that all of it is in view.
        # scroll_into_view_if_needed stops scrolling once a part of it is.
        widget.evaluate("element => element.scrollIntoView({block: 'center'})")
        check_fully_shown(
            widget, page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer")
        )
        widget.screenshot(path=path)
        return path

    # The review step is taller than the default viewport's notebook area, where
    # the status bar would cover its lower part.
    page.set_viewport_size(SCREENSHOT_VIEWPORT)
    with lab_theme(lab_server, LAB_THEMES[theme]):
        # The first two records go through, then the target blocks the others.
        open_widget(
            page, lab_server, f"theme-{theme}.ipynb", CONTACT_FIELDS, block_after=2
        )
        body = page.locator("body")
        expect(body).to_have_attribute("data-jp-theme-name", LAB_THEMES[theme])
        expect(body).to_have_attribute(
            "data-jp-theme-light", "true" if theme == "light" else "false"
        )
        save_step(1, "upload")

        page.get_by_test_id("file-input").set_input_files(
            write_contacts_csv(lab_server)
        )
        wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
        save_step(2, "mapping")

        page.get_by_test_id("continue").click()
        wait_for_step(page, "review", STEP_TIMEOUT_MS)
        expect_review_counts(page, valid=5, invalid=5, total=10)
        expect_grid_rows(page, list(range(len(CONTACT_ROWS))))
        invalid_cells = page.locator(".iok-grid-cell-invalid")
        expect(invalid_cells).to_have_count(6)
        review_path = save_step(3, "review")
        if theme == "light":
            DOCS_REVIEW_IMAGE.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(review_path, DOCS_REVIEW_IMAGE)
        check_theme_colours(widget, theme)

        page.get_by_test_id("start-import").click()
        wait_for_step(page, "import", STEP_TIMEOUT_MS)
        progress = page.get_by_test_id("import-progress")
        expect(progress).not_to_have_attribute("aria-valuenow", "0")
        # Processed counts the 5 invalid records, which fail at once, and the 2
        # delivered before the target blocks.
        expect(page.get_by_test_id("import-progress-text")).to_contain_text(
            re.compile(r"^7 / 10 · 5 failed")
        )
        save_step(4, "import")
        expect(page.get_by_test_id("step-import")).to_be_visible()

        run_new_cell(page, "release.set()")
        wait_for_step(page, "done", IMPORT_TIMEOUT_MS)
        expect(page.get_by_test_id("result-succeeded")).to_have_text("5")
        expect(page.get_by_test_id("result-failed")).to_have_text("5")
        save_step(5, "done")
        check_theme_colours(widget, theme)
    check_no_page_errors(page_log)


def open_widget(
    page: Page,
    server: LabServer,
    notebook: str,
    fields: dict[str, dict[str, str]],
    block_after: int | None = None,
) -> None:
    """Write a notebook with the widget's cell, open it, run the cell and wait for
    the upload step. With `block_after`, the target blocks every request after
    that many until the notebook runs `release.set()`."""
    code = NOTEBOOK_TEMPLATE.substitute(fields=repr(fields), block_after=block_after)
    write_notebook(server.root_dir / notebook, [code])
    open_notebook(page, server, notebook)
    run_code_cell(page, 0)
    wait_for_widget(page)


def write_contacts_csv(server: LabServer) -> pathlib.Path:
    path = server.root_dir / "contacts-review.csv"
    lines = ["Name,Email,Age", *(",".join(row) for row in CONTACT_ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def contact_record(row: int) -> dict[str, str]:
    return dict(zip(CONTACT_FIELDS, CONTACT_ROWS[row], strict=True))


def upload_to_review(page: Page, csv_path: pathlib.Path) -> None:
    """Upload `csv_path`, keep the automatic mapping and wait for the review step."""
    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)


def expect_review_counts(page: Page, *, valid: int, invalid: int, total: int) -> None:
    for test_id, count in (
        ("review-valid", valid),
        ("review-invalid", invalid),
        ("review-total", total),
    ):
        expect(page.get_by_test_id(test_id)).to_have_text(
            str(count), timeout=STEP_TIMEOUT_MS
        )


def expect_grid_rows(page: Page, rows: list[int]) -> None:
    """Wait until the grid shows exactly the records with these row_index values."""
    grid = page.get_by_test_id("review-grid")
    rendered_rows = grid.locator("[role=row][data-testid^=grid-row-]")
    expect(rendered_rows, f"the grid does not show {len(rows)} rows").to_have_count(
        len(rows), timeout=STEP_TIMEOUT_MS
    )
    for row in rows:
        expect(grid.get_by_test_id(f"grid-row-{row}")).to_be_visible()


def mapping_samples(page: Page, key: str) -> Locator:
    row = page.locator("tr", has=page.get_by_test_id(f"map-select-{key}"))
    return row.locator(".iok-sample")


def expect_no_markup_elements(widget: Locator) -> None:
    """Check that no value of the file became an element inside the widget."""
    expect(widget.locator("img")).to_have_count(0)
    expect(widget.locator("script")).to_have_count(0)
    expect(widget.page.locator('img[src="x"]')).to_have_count(0)


def read_report(page: Page) -> dict[str, Any]:
    """Run `report()` in a new cell and return the JSON it printed."""
    output = run_new_cell(page, "report()")
    match = re.search(r"^CHECK (.*)$", output, re.MULTILINE)
    assert match is not None, f"no CHECK line in the cell output:\n{output}"
    report: dict[str, Any] = json.loads(match.group(1))
    return report


@contextlib.contextmanager
def lab_theme(server: LabServer, theme: str) -> Iterator[None]:
    """Set JupyterLab's theme in the user settings, and remove it afterwards.

    JupyterLab applies the setting when it loads a page, so open the page inside
    the block.
    """
    put_theme_settings(server, {"theme": theme})
    try:
        yield
    finally:
        put_theme_settings(server, {})


def put_theme_settings(server: LabServer, settings: dict[str, str]) -> None:
    response = httpx.put(
        f"{server.url}{THEME_SETTINGS_URL}",
        json={"raw": json.dumps(settings)},
        timeout=10.0,
    )
    response.raise_for_status()


def check_fully_shown(element: Locator, scroller: Locator) -> None:
    """Check that `element` lies inside the visible area of `scroller`, so that a
    screenshot shows all of it."""
    inner = element.bounding_box()
    outer = scroller.bounding_box()
    assert inner is not None, "the element to capture is not shown"
    assert outer is not None, "the scroll area around the element is not shown"
    # Layout positions are fractional, so allow one pixel of rounding.
    assert inner["y"] >= outer["y"] - 1, f"the top of {inner} is above {outer}"
    assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1, (
        f"the bottom of {inner} is below {outer}"
    )


def check_theme_colours(widget: Locator, theme: str) -> None:
    """Check that the widget takes its background and text colours from the theme."""
    colours = widget.evaluate(WIDGET_COLOURS_SCRIPT)
    assert colours["widgetBackground"] == colours["themeBackground"], (
        f"the widget's background does not follow the {theme} theme: {colours}"
    )
    assert colours["widgetText"] == colours["themeText"], (
        f"the widget's text colour does not follow the {theme} theme: {colours}"
    )
    background = relative_luminance(colours["widgetBackground"])
    text = relative_luminance(colours["widgetText"])
    if theme == "dark":
        assert background < 0.2, f"the widget's background is light: {colours}"
        assert text > 0.6, f"the widget's text is dark: {colours}"
    else:
        assert background > 0.8, f"the widget's background is dark: {colours}"
        assert text < 0.2, f"the widget's text is light: {colours}"


def relative_luminance(colour: str) -> float:
    """Return the WCAG 2 relative luminance, 0 to 1, of a CSS `rgb()` or `rgba()`
    colour, ignoring its alpha."""
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", colour)
    assert match is not None, f"not an rgb() colour: {colour!r}"

    def linear(channel: str) -> float:
        value = int(channel) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in match.groups())
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
