"""The review step's records grid in a real JupyterLab, driven through Chromium."""

from __future__ import annotations

import pytest
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
    "Name,Email\nAda,ada@example.com\nBob,bob-at-example\nCy,cy@example.com\n"
)
"""Three contacts; the second, row_index 1, has an invalid email address."""


def test_grid_edit_fixes_invalid_cell(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    csv_path = lab_server.root_dir / "contacts.csv"
    csv_path.write_text(CONTACTS_CSV, encoding="utf-8")
    write_notebook(lab_server.root_dir / "grid.ipynb", [GRID_NOTEBOOK_CODE])

    open_notebook(page, lab_server, "grid.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)
    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
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
    editor = cell.locator("input")
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
    check_no_page_errors(page_log)
