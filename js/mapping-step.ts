// Mapping step: the file settings, one select per field, sample values of the
// chosen column, a hint for unmapped required fields and a warning for shared
// columns.
import { formatCount, h, setText, uniqueId } from "./dom";
import { createFileSettings } from "./file-settings";
import type { Translate } from "./i18n";
import { type Field, type Mapping, readColumns, readFields, readMapping, readSamples, readText } from "./model";
import { createActions, createButton, createPanelShell, type StepContext, type StepPanel } from "./panel";

interface FieldRow {
  field: Field;
  select: HTMLSelectElement;
  samples: HTMLElement;
  element: HTMLTableRowElement;
}

/**
 * Builds the mapping panel. When `fields` or `columns` change, as after the file
 * is read again with other settings, only the table rows are built again, so
 * focus and the file settings section stay as they are.
 */
export function renderMapping(context: StepContext): StepPanel {
  const { model, t, locale } = context;
  const { element, heading } = createPanelShell("mapping", t("Map columns to fields"));
  let fields: Field[] = [];
  let columns: string[] = [];
  let rows: FieldRow[] = [];
  let tableKey = "";

  // Option values are column indexes, so a column named "" cannot clash with "not mapped".
  const columnOf = (value: string): string | null => (value === "" ? null : (columns[Number(value)] ?? null));
  const effectiveColumn = (mapping: Mapping, key: string): string | null => {
    const column = mapping[key] ?? null;
    return column !== null && columns.includes(column) ? column : null;
  };

  const intro = h("p", { class: "iok-muted" });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "iok-table iok-mapping-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("Field")),
        h("th", { scope: "col" }, t("Column")),
        h("th", { scope: "col" }, t("Sample values")),
      ),
    ),
    tbody,
  );

  function rebuildRowsIfChanged(): void {
    const nextFields = readFields(model);
    const nextColumns = readColumns(model);
    const key = JSON.stringify([nextFields, nextColumns]);
    if (key === tableKey) {
      return;
    }
    tableKey = key;
    fields = nextFields;
    columns = nextColumns;
    rows = fields.map((field) => {
      const row = createFieldRow(field, columns, t);
      row.select.addEventListener("change", () => {
        const mapping = { ...readMapping(model), [field.key]: columnOf(row.select.value) };
        model.set("mapping", mapping);
        model.save_changes();
        update();
      });
      return row;
    });
    tbody.replaceChildren(...rows.map((row) => row.element));
  }

  const fileSettings = createFileSettings(context);

  const warnings = h("div", { class: "iok-warning", role: "status" });
  const hintId = uniqueId("mapping-hint");
  const hint = h("p", { class: "iok-hint", id: hintId });

  const backButton = createButton(t("Back"), "back", () => context.sendAction({ type: "back", to: "upload" }));
  const continueButton = createButton(
    t("Continue"),
    "continue",
    () => {
      const mapping = readMapping(model);
      const confirmed: Mapping = {};
      for (const field of fields) {
        confirmed[field.key] = effectiveColumn(mapping, field.key);
      }
      context.sendAction({ type: "confirm_mapping", mapping: confirmed });
    },
    "primary",
  );
  continueButton.setAttribute("aria-describedby", hintId);

  // In a narrow notebook the table scrolls sideways inside the widget.
  const tableScroll = h("div", { class: "iok-table-wide" }, table);
  element.append(intro, fileSettings.element, tableScroll, warnings, hint, createActions(backButton, continueButton));

  function update(): void {
    rebuildRowsIfChanged();
    fileSettings.update();
    const mapping = readMapping(model);
    const filename = readText(model, "filename");
    const columnCount =
      columns.length === 1 ? t("1 column") : t("{count} columns", { count: formatCount(columns.length, locale) });
    setText(
      intro,
      filename
        ? t("{filename}: {columns}. Choose the column for each field.", { filename, columns: columnCount })
        : t("{columns}. Choose the column for each field.", { columns: columnCount }),
    );

    for (const row of rows) {
      const column = effectiveColumn(mapping, row.field.key);
      const value = column === null ? "" : String(columns.indexOf(column));
      if (row.select.value !== value) {
        row.select.value = value;
      }
      row.select.disabled = context.actionsBlocked();
      renderSamples(row.samples, column === null ? null : readSamples(model, column), t);
    }

    const unmapped = fields.filter((field) => field.required && effectiveColumn(mapping, field.key) === null);
    hint.hidden = unmapped.length === 0;
    setText(hint, t("Map every required field to continue: {fields}", { fields: unmapped.map((field) => field.label).join(", ") }));

    renderDuplicateWarnings(warnings, fields, (key) => effectiveColumn(mapping, key), t);

    backButton.disabled = context.actionsBlocked();
    continueButton.disabled = context.actionsBlocked() || unmapped.length > 0;
  }

  update();
  return { element, heading, update };
}

function createFieldRow(field: Field, columns: string[], t: Translate): FieldRow {
  const selectId = uniqueId("map");
  const descriptionId = uniqueId("map-help");
  const label = h("label", { for: selectId, class: "iok-field-label" }, field.label);
  const header = h("th", { scope: "row" }, label);
  if (field.required) {
    header.append(" ", h("span", { class: "iok-required" }, t("required")));
  }
  if (field.description) {
    header.append(h("div", { class: "iok-field-help", id: descriptionId }, field.description));
  }

  const select = h("select", {
    id: selectId,
    class: "iok-select",
    "data-testid": `map-select-${field.key}`,
    "aria-describedby": field.description ? descriptionId : undefined,
    "aria-required": field.required ? "true" : undefined,
  });
  select.append(new Option(t("— not mapped —"), ""));
  columns.forEach((column, index) => select.append(new Option(column, String(index))));

  const samples = h("td", { class: "iok-samples" });
  const element = h("tr", {}, header, h("td", {}, select), samples);
  return { field, select, samples, element };
}

function renderSamples(cell: HTMLElement, values: string[] | null, t: Translate): void {
  cell.replaceChildren();
  if (values === null) {
    return;
  }
  if (values.length === 0) {
    cell.append(h("span", { class: "iok-muted" }, t("No sample values")));
    return;
  }
  for (const value of values) {
    // Long values are cut off with an ellipsis, so the title shows them in full.
    cell.append(h("span", { class: "iok-sample", title: value }, value));
  }
}

function renderDuplicateWarnings(
  container: HTMLElement,
  fields: Field[],
  columnOf: (key: string) => string | null,
  t: Translate,
): void {
  const fieldsByColumn = new Map<string, string[]>();
  for (const field of fields) {
    const column = columnOf(field.key);
    if (column !== null) {
      fieldsByColumn.set(column, [...(fieldsByColumn.get(column) ?? []), field.label]);
    }
  }
  const messages = [...fieldsByColumn]
    .filter(([, labels]) => labels.length > 1)
    .map(([column, labels]) =>
      t('Column "{column}" is mapped to more than one field: {fields}.', { column, fields: labels.join(", ") }),
    );
  container.replaceChildren(...messages.map((message) => h("p", {}, message)));
  container.hidden = messages.length === 0;
}
