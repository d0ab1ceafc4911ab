"""The widget's text in other languages, in a real JupyterLab driven by Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .lab import (
    LabServer,
    PageLog,
    open_notebook,
    run_code_cell,
    run_new_cell,
    write_notebook,
)
from .test_import_wizard import (
    STEP_TIMEOUT_MS,
    check_no_page_errors,
    parse_check_line,
    save_screenshot,
    wait_for_step,
    wait_for_widget,
)

pytestmark = pytest.mark.browser

OVERRIDE = "Kontakte als CSV hier ablegen"
"""Replacement of the drop zone's text, set through `translations`."""

KERNEL_ERROR = "The CRM rejected the import"
KERNEL_ERROR_OVERRIDE = "Das CRM hat den Import abgelehnt"

LOCALE_NOTEBOOK_CODE = f"""\
from importok_widget import ImportWidget

widget = ImportWidget(
    fields={{
        "name": {{"label": "Name", "validators": "required"}},
        "email": {{"label": "Email", "validators": "required|email"}},
    }},
    on_record_ready=lambda record, meta: None,
    locale="de",
    translations={{
        "Drop a file here or click to choose one": "{OVERRIDE}",
        "{KERNEL_ERROR}": "{KERNEL_ERROR_OVERRIDE}",
    }},
)
widget
"""

CONTACT_ROWS = 1500
"""Rows of the test file: more than 999, so counts show a thousands separator."""


def write_contacts(path) -> None:
    """Write CONTACT_ROWS contacts. The one at row_index 1 has an invalid email."""
    lines = ["Name,Email"]
    for index in range(CONTACT_ROWS):
        email = "bob-at-example" if index == 1 else f"person{index}@example.com"
        lines.append(f"Person {index},{email}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_locale_switch_on_upload_step(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    write_notebook(lab_server.root_dir / "locale.ipynb", [LOCALE_NOTEBOOK_CODE])
    open_notebook(page, lab_server, "locale.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)

    upload = page.get_by_test_id("step-upload")
    stepper = page.locator(".importok .iok-stepper")
    # The default title is translated too.
    expect(page.locator(".importok .iok-title")).to_have_text("Datensätze importieren")
    expect(upload.get_by_role("heading")).to_have_text("Datei hochladen")
    expect(upload).to_contain_text("Erste Zeile enthält Feldnamen")
    expect(upload).to_contain_text(OVERRIDE)
    expect(upload).not_to_contain_text("Drop a file here")
    expect(stepper).to_contain_text("Spalten zuordnen")
    expect(stepper).to_have_attribute("aria-label", "Importschritte")
    save_screenshot(page, "locale-1-german")

    run_new_cell(page, 'widget.locale = "el"')
    expect(upload.get_by_role("heading")).to_have_text("Μεταφόρτωση αρχείου")
    expect(upload).to_contain_text("Η πρώτη γραμμή περιέχει ονόματα πεδίων")
    expect(stepper).to_contain_text("Αντιστοίχιση στηλών")
    # An entry of translations wins in every locale.
    expect(upload).to_contain_text(OVERRIDE)
    save_screenshot(page, "locale-2-greek")

    # Kernel errors stay English, even when a catalog has the text, unless
    # translations has an entry for the exact message.
    banner = page.get_by_test_id("error-banner").locator(".iok-error-text")
    run_new_cell(page, 'widget.error = "Must be unique"')
    expect(banner).to_have_text("Must be unique")
    run_new_cell(page, f'widget.error = "{KERNEL_ERROR}"')
    expect(banner).to_have_text(KERNEL_ERROR_OVERRIDE)
    check_no_page_errors(page_log)


def test_german_review_keeps_data_english(
    page: Page, page_log: PageLog, lab_server: LabServer
) -> None:
    csv_path = lab_server.root_dir / "kontakte.csv"
    write_contacts(csv_path)
    write_notebook(lab_server.root_dir / "review_de.ipynb", [LOCALE_NOTEBOOK_CODE])
    open_notebook(page, lab_server, "review_de.ipynb")
    run_code_cell(page, 0)
    wait_for_widget(page)

    page.get_by_test_id("file-input").set_input_files(csv_path)
    wait_for_step(page, "mapping", STEP_TIMEOUT_MS)
    mapping = page.get_by_test_id("step-mapping")
    expect(mapping.get_by_role("heading")).to_have_text("Spalten den Feldern zuordnen")
    expect(mapping).to_contain_text("2 Spalten")
    expect(page.get_by_test_id("continue")).to_have_text("Weiter")

    page.get_by_test_id("continue").click()
    wait_for_step(page, "review", STEP_TIMEOUT_MS)
    expect(page.get_by_test_id("review-total")).to_have_text("1.500")
    expect(page.get_by_test_id("review-valid")).to_have_text("1.499")
    expect(page.get_by_test_id("review-invalid")).to_have_text("1")
    review = page.get_by_test_id("step-review")
    expect(review.locator(".iok-errors-table")).to_contain_text(
        "Muss eine gültige E-Mail-Adresse sein"
    )
    save_screenshot(page, "locale-3-german-review")

    output = run_new_cell(page, 'print("CHECK", widget.errors["message"].iloc[0])')
    message = " ".join(parse_check_line(output, 6))
    assert message == "Must be a valid email address", (
        f"widget.errors has the message {message!r}"
    )
    check_no_page_errors(page_log)
