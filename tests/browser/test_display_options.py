"""Subtitles, the sample file, user CSS and the confirmation before leaving the
page, in a real JupyterLab driven through Chromium."""

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

DISPLAY_NOTEBOOK_CODE = """\
from importok_widget import ImportWidget, post_json
from importok_widget.target import LocalTarget

# Each request takes 0.5 s, so the import step lasts a few seconds.
target = LocalTarget(delay=0.5)
widget = ImportWidget(
    fields={
        "name": {"label": "Full name", "validators": "required"},
        "email": {"label": "Email", "validators": "required|email"},
    },
    on_record_ready=post_json(target.url),
    subtitles={"upload": "Export the contacts from your CRM first",
               "mapping": "Check the columns"},
    sample_file=True,
    style=".importok .iok-title { color: rgb(1, 2, 3); }",
)
widget
"""

LEAVE_CHECK = """() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""
"""Script that returns whether a beforeunload listener asked to confirm leaving."""


def leaving_asks(page: Page) -> bool:
    return bool(page.evaluate(LEAVE_CHECK))


def test_display_options_and_leave_confirmation(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    write_notebook(lab_server.root_dir / "display.ipynb", [DISPLAY_NOTEBOOK_CODE])
    open_notebook(page, lab_server, "display.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)

    # JupyterLab also requests confirmation while the notebook has unsaved changes,
    # so save it first. The widget's own state changes do not mark it unsaved.
    page.keyboard.press("Control+s")
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
    assert not leaving_asks(page), "leaving asked for confirmation before any work"

    widget = page.locator(".importok")
    expect(widget.get_by_test_id("subtitle")).to_have_text(
        "Export the contacts from your CRM first"
    )
    title = widget.locator(".iok-title")
    expect(title).to_have_css("color", "rgb(1, 2, 3)")

    with page.expect_download(timeout=30_000) as download_info:
        widget.get_by_test_id("download-sample").click()
    download = download_info.value
    assert download.suggested_filename == "sample.csv"
    sample = lab_server.root_dir / "downloaded-sample.csv"
    download.save_as(sample)
    assert sample.read_text(encoding="utf-8-sig").splitlines() == ["Full name,Email"]

    rows = "".join(f"Person {n},person{n}@example.com\n" for n in range(8))
    contacts = lab_server.root_dir / "contacts.csv"
    contacts.write_text("Full name,Email\n" + rows, encoding="utf-8")
    widget.get_by_test_id("file-input").set_input_files(contacts)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    expect(widget.get_by_test_id("subtitle")).to_have_text("Check the columns")
    widget.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
    expect(widget.get_by_test_id("subtitle")).to_be_hidden()

    widget.get_by_test_id("start-import").click()
    wait_for_step(page, "import", STEP_TIMEOUT_MS)
    assert leaving_asks(page), "leaving during the import did not ask to confirm"

    wait_for_step(page, "done", IMPORT_TIMEOUT_MS)
    assert not leaving_asks(page), "leaving after the import still asked to confirm"
    check_no_page_errors(page_log)
