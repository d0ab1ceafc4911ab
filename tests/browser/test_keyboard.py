"""The whole wizard with the keyboard alone, and an accessible name on every
control, in a real JupyterLab driven through Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .lab import LabServer, PageLog, open_notebook, run_code_cell, write_notebook
from .test_import_wizard import (
    IMPORT_TIMEOUT_MS,
    STEP_TIMEOUT_MS,
    check_no_page_errors,
    wait_for_step,
    wait_for_widget,
)

pytestmark = pytest.mark.browser

KEYBOARD_NOTEBOOK_CODE = """\
from importok_widget import ImportWidget

received = []
widget = ImportWidget(
    fields={
        "name": {"label": "Name", "validators": "required"},
        "email": {"label": "Email", "validators": "required|email"},
    },
    on_record_ready=lambda record, meta: received.append(record.get_properties()),
    sample_file=True,
)
widget
"""

RECORD_FILE_INPUT_CLICKS = """() => {
  window.importokFileClicks = [];
  const input = document.querySelector('.importok input[type=file]');
  input.addEventListener('click', (event) => {
    window.importokFileClicks.push(navigator.userActivation.isActive);
    event.preventDefault();
  });
}"""
"""Script that records, for each click on the file input, whether the page had a
user activation, and keeps the file chooser closed."""

MAX_TABS = 60
"""Tab presses allowed to reach one control; a control further away fails the test."""

UNNAMED_CONTROLS = """(root) => {
  const controls = root.querySelectorAll(
    'button, input, select, textarea, [role="button"], [role="gridcell"][tabindex="0"]'
  );
  const unnamed = [];
  for (const control of controls) {
    if (control.closest('[hidden]') || control.type === 'hidden') continue;
    const labelledBy = (control.getAttribute('aria-labelledby') || '')
      .split(' ').filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '').join('');
    const name = [
      control.getAttribute('aria-label') ?? '',
      labelledBy,
      [...(control.labels ?? [])].map((label) => label.textContent).join(''),
      control.tagName === 'INPUT' ? '' : control.textContent,
    ].join('').trim();
    if (name === '') unnamed.push(control.outerHTML.slice(0, 120));
  }
  return unnamed;
}"""
"""Script that returns the visible controls without an accessible name: no
aria-label, aria-labelledby, label element or text."""


def check_controls_named(page: Page, step: str) -> None:
    unnamed = page.locator(".importok").evaluate(UNNAMED_CONTROLS)
    assert unnamed == [], f"controls without an accessible name on {step}: {unnamed}"


def tab_to(page: Page, test_id: str, *, backwards: bool = False) -> None:
    """Press Tab, or Shift+Tab, until the element with `test_id` has focus."""
    target = page.get_by_test_id(test_id)
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if target.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{test_id} was not reached with {MAX_TABS} {key} presses")


def test_wizard_with_keyboard_alone(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    csv_path = lab_server.root_dir / "people.csv"
    csv_path.write_text(
        "Name,Email\nAda,ada@example.com\nBob,bob-at-example\n", encoding="utf-8"
    )
    write_notebook(lab_server.root_dir / "keyboard.ipynb", [KEYBOARD_NOTEBOOK_CODE])
    open_notebook(page, lab_server, "keyboard.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)
    check_controls_named(page, "upload")

    # Enter on the drop zone clicks the file input while the key press counts as a
    # user activation, which browsers require to open the file chooser. The chooser
    # itself is not opened here: headless Chromium opened none for a second test in
    # the same browser, even for such a click, so the test records the click and
    # then sets the file as the chooser would.
    page.evaluate(RECORD_FILE_INPUT_CLICKS)
    drop_zone = page.locator(".importok .iok-dropzone")
    drop_zone.focus()
    expect(drop_zone).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.importokFileClicks.length > 0")
    assert page.evaluate("window.importokFileClicks") == [True]
    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    check_controls_named(page, "mapping")

    tab_to(page, "continue")
    page.keyboard.press("Enter")
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
    # The Continue button is gone, and focus moved to the new step's heading.
    expect(page.locator(".importok .iok-panel-title")).to_be_focused()
    grid = page.get_by_test_id("review-grid")
    expect(grid.get_by_test_id("grid-cell-1-email")).to_be_visible(
        timeout=STEP_TIMEOUT_MS
    )
    check_controls_named(page, "review")

    # Tab reaches the grid at its first data cell; arrows move to Bob's email.
    tab_to(page, "grid-cell-0-name")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    bob_email = grid.get_by_test_id("grid-cell-1-email")
    expect(bob_email).to_be_focused()
    page.keyboard.press("Enter")
    editor = bob_email.locator("textarea")
    expect(editor).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("bob@example.com")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("review-invalid")).to_have_text(
        "0", timeout=STEP_TIMEOUT_MS
    )
    expect(bob_email).to_be_focused()

    # Find and replace opens from the keyboard and takes focus.
    tab_to(page, "grid-find-replace", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("grid-find")).to_be_focused()
    check_controls_named(page, "review with find and replace open")
    page.keyboard.type("example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("grid-replace-status")).to_have_text(
        "Replaced 2 cells", timeout=STEP_TIMEOUT_MS
    )

    # Buttons that wait for the kernel keep focus while they wait.
    tab_to(page, "grid-replace-all")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("grid-replace-status")).to_have_text(
        "No cells matched", timeout=STEP_TIMEOUT_MS
    )
    expect(page.get_by_test_id("grid-replace-all")).to_be_focused()

    # Add record: Enter in the form adds it, and focus returns to its first field.
    tab_to(page, "grid-add")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("grid-new-name")).to_be_focused()
    page.keyboard.type("Cy")
    page.keyboard.press("Tab")
    page.keyboard.type("cy@example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("grid-add-status")).to_have_text(
        "Added as row 3", timeout=STEP_TIMEOUT_MS
    )
    expect(page.get_by_test_id("grid-new-name")).to_be_focused()
    expect(page.get_by_test_id("review-total")).to_have_text("3")

    tab_to(page, "start-import")
    page.keyboard.press("Enter")
    wait_for_step(page, "done", IMPORT_TIMEOUT_MS)
    expect(page.locator(".importok .iok-panel-title")).to_be_focused()
    expect(page.get_by_test_id("result-succeeded")).to_have_text("3")
    check_controls_named(page, "done")
    check_no_page_errors(page_log)
