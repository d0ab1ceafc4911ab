// Review step: valid and invalid counts, the first validation errors, the
// records grid, and the buttons to go back or start the import.
import { h, setText } from "./dom";
import { readFields, readReview, type ReviewError } from "./model";
import { createReviewGrid } from "./review-grid";
import { createActions, createButton, createPanelShell, createStat, type StepContext, type StepPanel } from "./panel";

/** Maximum number of error rows shown, in case the kernel sends more. */
const MAX_ERRORS_SHOWN = 50;

export function renderReview(context: StepContext): StepPanel {
  const { model } = context;
  const { element, heading } = createPanelShell("review", "Review records");

  const valid = h("span", { class: "iok-stat-value", "data-testid": "review-valid" });
  const invalid = h("span", { class: "iok-stat-value", "data-testid": "review-invalid" });
  const total = h("span", { class: "iok-stat-value", "data-testid": "review-total" });
  const stats = h(
    "div",
    { class: "iok-stats" },
    createStat("Valid", valid, "iok-stat-success"),
    createStat("Invalid", invalid, "iok-stat-error"),
    createStat("Total", total),
  );

  const errorsCount = h("span");
  const errorsCaption = h("caption", {}, errorsCount, h("span", { class: "iok-caption-note" }, "Row 1 is the first data row."));
  const errorsBody = h("tbody");
  const errorsTable = h(
    "table",
    { class: "iok-table iok-errors-table" },
    errorsCaption,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Row"),
        h("th", { scope: "col" }, "Field"),
        h("th", { scope: "col" }, "Value"),
        h("th", { scope: "col" }, "Problem"),
      ),
    ),
    errorsBody,
  );
  const errorsWrapper = h("div", { class: "iok-table-scroll" }, errorsTable);

  const backButton = createButton("Back", "back", () => context.sendAction({ type: "back", to: "mapping" }));
  const startButton = createButton("Start import", "start-import", () => context.sendAction({ type: "start_import" }), "primary");

  const grid = createReviewGrid(context);

  element.append(stats, errorsWrapper, grid.element, createActions(backButton, startButton));

  const update = (): void => {
    const review = readReview(model);
    setText(valid, review.valid.toLocaleString("en-US"));
    setText(invalid, review.invalid.toLocaleString("en-US"));
    setText(total, review.total.toLocaleString("en-US"));

    errorsWrapper.hidden = review.errors.length === 0;
    const shown = review.errors.slice(0, MAX_ERRORS_SHOWN);
    const count =
      review.errorCount > shown.length
        ? `First ${shown.length} of ${review.errorCount.toLocaleString("en-US")} problems`
        : `Problems found (${review.errorCount})`;
    setText(errorsCount, count);
    const labels = new Map(readFields(model).map((field) => [field.key, field.label]));
    errorsBody.replaceChildren(...shown.map((error) => createErrorRow(error, labels)));

    backButton.disabled = context.actionsBlocked();
    const nothingToImport = review.valid === 0;
    // With invalid_records="block", the kernel rejects an import while any record
    // is invalid, so the button shows the reason instead of failing on click.
    const blocked = model.get("invalid_records") === "block" && review.invalid > 0;
    startButton.disabled = context.actionsBlocked() || nothingToImport || blocked;
    let label = `Start import (${review.valid} ${review.valid === 1 ? "record" : "records"})`;
    if (blocked) {
      label = `Fix ${review.invalid} invalid ${review.invalid === 1 ? "record" : "records"} to import`;
    } else if (nothingToImport) {
      label = "No valid records to import";
    } else if (review.invalid > 0) {
      label = `Import ${review.valid} valid ${review.valid === 1 ? "record" : "records"}`;
    }
    setText(startButton, label);
    grid.update();
  };

  update();
  return { element, heading, update, dispose: grid.dispose };
}

function createErrorRow(error: ReviewError, labels: Map<string, string>): HTMLTableRowElement {
  const value = error.value === "" ? h("span", { class: "iok-muted" }, "(empty)") : error.value;
  return h(
    "tr",
    {},
    h("td", { class: "iok-number" }, error.row),
    h("td", {}, labels.get(error.field) ?? error.field),
    h("td", { class: "iok-value" }, value),
    h("td", {}, error.message),
  );
}
