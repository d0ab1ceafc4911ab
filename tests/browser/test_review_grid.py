"""The review step's records grid in a real JupyterLab, driven through Chromium."""

from __future__ import annotations

import pytest
import python_calamine
from playwright.sync_api import Page, expect

from .lab import LabServer, PageLog, open_notebook, run_code_cell, write_notebook
from .test_import_wizard import (
    STEP_TIMEOUT_MS,
    check_no_page_errors,
    save_screenshot,
    wait_for_step,
    wait_for_widget,
)

pytestmark = pytest.mark.browser

GRID_NOTEBOOK_CODE = """\
from importok_widget import ImportWidget

widget = ImportWidget(
    fields={
        "name": {"label": "Name", "validators": "required"},
        "email": {"label": "Email", "validators": "required|email"},
    },
    on_record_ready=lambda record, meta: None,
)
widget
"""

CONTACTS_CSV = (
    'Name,Email\nAda,ada@example.com\nBob,bob-at-example\n"Cy\nLee",cy@example.com\n'
)
"""Three contacts; the second, row_index 1, has an invalid email address, and the
third's name has a line break."""


def open_review(
    page: Page, lab_server: LabServer, name: str, code: str, csv: str
) -> None:
    """Display the widget of `code` in notebook `name`, upload `csv` and continue
    to the review step with the automatic mapping."""
    csv_path = lab_server.root_dir / f"{name}.csv"
    csv_path.write_text(csv, encoding="utf-8")
    write_notebook(lab_server.root_dir / f"{name}.ipynb", [code])
    open_notebook(page, lab_server, f"{name}.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)
    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)


def test_grid_edit_fixes_invalid_cell(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    open_review(page, lab_server, "contacts", GRID_NOTEBOOK_CODE, CONTACTS_CSV)
    expect(page.get_by_test_id("review-invalid")).to_have_text("1")

    grid = page.get_by_test_id("review-grid")
    expect(grid.get_by_test_id("grid-row-0")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    cell = grid.get_by_test_id("grid-cell-1-email")
    expect(cell).to_have_text("bob-at-example")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(cell).to_have_attribute("title", "Must be a valid email address")
    expect(page.get_by_test_id("start-import")).to_have_text("Import 2 valid records")
    save_screenshot(page, "grid-1-invalid")

    cell.dblclick()
    editor = cell.locator("textarea")
    expect(editor, "double-click did not open an editor").to_be_visible()
    editor.fill("bob@example.com")
    editor.press("Enter")

    expect(page.get_by_test_id("review-invalid")).to_have_text(
        "0", timeout=STEP_TIMEOUT_MS
    )
    expect(page.get_by_test_id("review-valid")).to_have_text("3")
    expect(cell).to_have_text("bob@example.com")
    expect(cell).not_to_have_attribute("aria-invalid", "true")
    save_screenshot(page, "grid-2-fixed")

    # A value with a line break survives opening and closing the editor, and
    # Shift+Enter adds a line break in the editor.
    undo = page.get_by_test_id("grid-undo")
    expect(undo).to_be_enabled()
    undo.click()
    expect(page.get_by_test_id("review-invalid")).to_have_text(
        "1", timeout=STEP_TIMEOUT_MS
    )
    expect(undo).to_be_disabled()
    multiline = grid.get_by_test_id("grid-cell-2-name")
    multiline.dblclick()
    multiline.locator("textarea").press("Enter")
    expect(multiline.locator("textarea")).to_have_count(0)
    expect(undo).to_be_disabled()
    multiline.dblclick()
    editor = multiline.locator("textarea")
    editor.press("End")
    editor.press("Shift+Enter")
    editor.type("Jr")
    expect(editor).to_have_value("Cy\nLee\nJr")
    editor.press("Enter")
    expect(undo).to_be_enabled(timeout=STEP_TIMEOUT_MS)
    check_no_page_errors(page_log)


TOOLS_NOTEBOOK_CODE = """\
from importok_widget import ImportWidget

widget = ImportWidget(
    fields={
        "name": {"label": "Name", "validators": "required"},
        "email": {"label": "Email", "validators": "required|email"},
        "country": {
            "label": "Country",
            "validators": "in:countries",
            "provider": "countries",
        },
    },
    on_record_ready=lambda record, meta: None,
)
widget
"""

TEAM_CSV = (
    "Name,Email,Country\n"
    'Ada,"ada@example,com",GB\n'
    'Bob,"bob@example,com",DE\n'
    "Cy,cy@example.com,FR\n"
)
"""Three people; rows 0 and 1 have a comma for a dot in their email address."""


def test_grid_find_replace_add_record_and_export(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    open_review(page, lab_server, "team", TOOLS_NOTEBOOK_CODE, TEAM_CSV)
    expect(page.get_by_test_id("review-invalid")).to_have_text("2")

    # Find and replace, limited to the Email field.
    toggle = page.get_by_test_id("grid-find-replace")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    find = page.get_by_test_id("grid-find")
    expect(find).to_be_focused()
    expect(page.get_by_test_id("grid-replace-all")).to_be_disabled()
    find.fill("example,com")
    page.get_by_label("Replace with").fill("example.com")
    page.get_by_test_id("grid-replace-field").select_option(label="Email")
    page.get_by_test_id("grid-replace-all").click()
    expect(page.get_by_test_id("grid-replace-status")).to_have_text(
        "Replaced 2 cells", timeout=STEP_TIMEOUT_MS
    )
    expect(page.get_by_test_id("review-invalid")).to_have_text("0")
    grid = page.get_by_test_id("review-grid")
    expect(grid.get_by_test_id("grid-cell-1-email")).to_have_text("bob@example.com")
    save_screenshot(page, "grid-3-replaced")

    # Add a record; the country input offers the provider's options.
    page.get_by_test_id("grid-add").click()
    page.get_by_test_id("grid-new-name").fill("Dee")
    page.get_by_test_id("grid-new-email").fill("dee@example.com")
    country = page.get_by_test_id("grid-new-country")
    country.fill("Germ")
    options = page.locator(f"datalist#{country.get_attribute('list')} option")
    expect(options.first).to_have_attribute("value", "DE", timeout=STEP_TIMEOUT_MS)
    expect(options.first).to_have_text("Germany")
    country.fill("DE")
    page.get_by_test_id("grid-add-submit").click()
    expect(page.get_by_test_id("grid-add-status")).to_have_text(
        "Added as row 4", timeout=STEP_TIMEOUT_MS
    )
    expect(page.get_by_test_id("review-total")).to_have_text("4")
    expect(page.get_by_test_id("review-invalid")).to_have_text("0")
    expect(grid.get_by_test_id("grid-cell-3-country")).to_have_text("DE")

    # The grid editor of a provider field offers the options too.
    cell = grid.get_by_test_id("grid-cell-2-country")
    cell.dblclick()
    editor = cell.locator("input")
    editor.fill("ital")
    cell_options = cell.locator("datalist option")
    expect(cell_options.first).to_have_attribute("value", "IT", timeout=STEP_TIMEOUT_MS)
    editor.fill("XX")
    editor.press("Enter")
    expect(page.get_by_test_id("review-invalid")).to_have_text(
        "1", timeout=STEP_TIMEOUT_MS
    )

    # Export the reviewed records as XLSX, with the error column last.
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_test_id("grid-export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename == "team-reviewed.xlsx"
    saved = lab_server.root_dir / "team-reviewed.xlsx"
    download.save_as(saved)
    sheet = python_calamine.CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0] == ["name", "email", "country", "error"]
    assert rows[2] == ["Bob", "bob@example.com", "DE", ""]
    assert rows[3][2:] == ["XX", "Country: Must be an ISO 3166 country code like DE"]
    assert rows[4] == ["Dee", "dee@example.com", "DE", ""]
    check_no_page_errors(page_log)
