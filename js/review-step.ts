// Review step: valid and invalid counts, the first validation errors, the
// records grid, and the buttons to go back or start the import.
import { formatCount, h, setText } from "./dom";
import type { Translate } from "./i18n";
import { readFields, readReview, type ReviewError } from "./model";
import { createReviewGrid, translateMessages } from "./review-grid";
import { createActions, createButton, createPanelShell, createStat, type StepContext, type StepPanel } from "./panel";

/** Maximum number of error rows shown, in case the kernel sends more. */
const MAX_ERRORS_SHOWN = 50;

export function renderReview(context: StepContext): StepPanel {
  const { model, t, locale } = context;
  const { element, heading } = createPanelShell("review", t("Review records"));

  const valid = h("span", { class: "iok-stat-value", "data-testid": "review-valid" });
  const invalid = h("span", { class: "iok-stat-value", "data-testid": "review-invalid" });
  const total = h("span", { class: "iok-stat-value", "data-testid": "review-total" });
  const stats = h(
    "div",
    { class: "iok-stats" },
    createStat(t("Valid"), valid, "iok-stat-success"),
    createStat(t("Invalid"), invalid, "iok-stat-error"),
    createStat(t("Total"), total),
  );

  const errorsCount = h("span");
  const errorsCaption = h("caption", {}, errorsCount, h("span", { class: "iok-caption-note" }, t("Row 1 is the first data row.")));
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
        h("th", { scope: "col" }, t("Row")),
        h("th", { scope: "col" }, t("Field")),
        h("th", { scope: "col" }, t("Value")),
        h("th", { scope: "col" }, t("Problem")),
      ),
    ),
    errorsBody,
  );
  const errorsWrapper = h("div", { class: "iok-table-scroll" }, errorsTable);

  const backButton = createButton(t("Back"), "back", () => context.sendAction({ type: "back", to: "mapping" }));
  const startButton = createButton(t("Start import"), "start-import", () => context.sendAction({ type: "start_import" }), "primary");

  const grid = createReviewGrid(context);

  element.append(stats, errorsWrapper, grid.element, createActions(backButton, startButton));

  const update = (): void => {
    const review = readReview(model);
    setText(valid, formatCount(review.valid, locale));
    setText(invalid, formatCount(review.invalid, locale));
    setText(total, formatCount(review.total, locale));

    errorsWrapper.hidden = review.errors.length === 0;
    const shown = review.errors.slice(0, MAX_ERRORS_SHOWN);
    const count =
      review.errorCount > shown.length
        ? t("First {shown} of {count} problems", { shown: shown.length, count: formatCount(review.errorCount, locale) })
        : t("Problems found ({count})", { count: formatCount(review.errorCount, locale) });
    setText(errorsCount, count);
    const labels = new Map(readFields(model).map((field) => [field.key, field.label]));
    errorsBody.replaceChildren(...shown.map((error) => createErrorRow(error, labels, t)));

    backButton.disabled = context.actionsBlocked();
    const nothingToImport = review.valid === 0;
    // With invalid_records="block", the kernel rejects an import while any record
    // is invalid, so the button shows the reason instead of failing on click.
    const blocked = model.get("invalid_records") === "block" && review.invalid > 0;
    startButton.disabled = context.actionsBlocked() || nothingToImport || blocked;
    const validCount = formatCount(review.valid, locale);
    const invalidCount = formatCount(review.invalid, locale);
    let label = review.valid === 1 ? t("Start import (1 record)") : t("Start import ({count} records)", { count: validCount });
    if (blocked) {
      label =
        review.invalid === 1
          ? t("Fix 1 invalid record to import")
          : t("Fix {count} invalid records to import", { count: invalidCount });
    } else if (nothingToImport) {
      label = t("No valid records to import");
    } else if (review.invalid > 0) {
      label = review.valid === 1 ? t("Import 1 valid record") : t("Import {count} valid records", { count: validCount });
    }
    setText(startButton, label);
    grid.update();
  };

  update();
  return { element, heading, update, dispose: grid.dispose };
}

function createErrorRow(error: ReviewError, labels: Map<string, string>, t: Translate): HTMLTableRowElement {
  const value = error.value === "" ? h("span", { class: "iok-muted" }, t("(empty)")) : error.value;
  return h(
    "tr",
    {},
    h("td", { class: "iok-number" }, error.row),
    h("td", {}, labels.get(error.field) ?? error.field),
    h("td", { class: "iok-value" }, value),
    h("td", {}, translateMessages(error.message, t)),
  );
}
