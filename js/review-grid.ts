// Records grid of the review step. The kernel stores the records, so the grid is
// virtualised: the scroll area is as tall as every matching record, and only the
// rows in view (plus a margin) are requested with grid_rows and rendered.
import { formatCount, h, setText } from "./dom";
import type { Translate } from "./i18n";
import { readFields, readReview, type Field, type ReviewFilter } from "./model";
import { isUnavailable, setUnavailable, type StepContext } from "./panel";
import { attachProviderOptions, type OptionsList } from "./provider-options";
import { createAddPanel, createReplacePanel } from "./review-tools";
import { randomId } from "./session";

/**
 * Height of one row in pixels. widget.css sets the same value as --iok-grid-row-height.
 * NOTE: the scroll area is ROW_HEIGHT per record, and Chromium 156 caps an element's
 * height at 33,554,428 px, so beyond about 1,118,000 matching records the last ones
 * cannot be scrolled to. A filter or search reaches them.
 */
const ROW_HEIGHT = 30;

/** Rows requested above and below the visible ones, so short scrolls need no new request. */
const ROW_MARGIN = 20;

/** Delay after the last key press in the search box before the rows are requested. */
const SEARCH_DELAY_MS = 250;

/** Select value of "All records"; the value of "Only rows with errors" is ONLY_ERRORS. */
const ALL_RECORDS = "all";
const ONLY_ERRORS = "errors";

export interface GridRow {
  /** The record's row_index, its 0-based data row. */
  row: number;
  values: Record<string, string>;
  /** Error message by field key, for the invalid cells only. */
  errors: Record<string, string>;
}

export interface ReviewGrid {
  element: HTMLElement;
  /** Refreshes the toolbar from the model, and requests the rows again when review.version changed. */
  update(): void;
  /** Removes the message listener and timers. */
  dispose(): void;
}

interface GridQuery {
  onlyErrors: boolean;
  messageFilter: { field: string; message: string } | null;
  search: string;
}

interface Editor {
  cell: HTMLElement;
  input: HTMLInputElement | HTMLTextAreaElement;
  /** Options of the field's provider, or null for a field without one. */
  options: OptionsList | null;
  row: number;
  field: string;
  original: string;
  closed: boolean;
}

export function createReviewGrid(context: StepContext): ReviewGrid {
  const { model, session, t, locale } = context;
  const fields = readFields(model);

  let total = readReview(model).total;
  let version = readReview(model).version;
  /** Loaded rows by position among the matching records. */
  let loaded = new Map<number, GridRow>();
  let latestRequest = "";
  /** The latest grid_rows request without its id, or "" once its reply arrived. */
  let pendingKey = "";
  /** True while the loaded rows may be out of date: after a change, filter or search. */
  let stale = true;
  let editor: Editor | null = null;
  let renderDeferred = false;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let scrollFrame = 0;
  const selected = new Set<number>();
  let filters: ReviewFilter[] = [];
  /** Data cell that Tab moves focus to, by data-row and data-field. */
  let tabStop: { row: string; field: string } | null = null;
  /** row_index of an added record to scroll to once it is loaded, or null. */
  let revealRow: number | null = null;

  const filterSelect = h("select", { class: "iok-select", "data-testid": "grid-filter", "aria-label": t("Show records") });
  const searchInput = h("input", {
    type: "search",
    class: "iok-grid-search",
    placeholder: t("Search records"),
    "aria-label": t("Search records"),
    "data-testid": "grid-search",
  });
  const deleteButton = createToolButton(t("Delete selected"), "grid-delete", deleteSelected);
  const undoButton = createToolButton(t("Undo"), "grid-undo", () => model.send({ type: "undo" }));
  const exportButton = createToolButton(t("Export CSV"), "grid-export", () =>
    session.requestDownload({ type: "export_records", format: "csv" }, "review"),
  );
  const exportXlsxButton = createToolButton(t("Export XLSX"), "grid-export-xlsx", () =>
    session.requestDownload({ type: "export_records", format: "xlsx" }, "review"),
  );
  const replacePanel = createReplacePanel(context, fields);
  const addPanel = createAddPanel(context, fields, showAddedRow);
  const countText = h("span", { class: "iok-grid-count", role: "status" });
  const toolbar = h(
    "div",
    { class: "iok-grid-toolbar", role: "toolbar", "aria-label": t("Records") },
    filterSelect,
    searchInput,
    replacePanel.toggle,
    addPanel.toggle,
    deleteButton,
    undoButton,
    exportButton,
    exportXlsxButton,
    countText,
  );

  const body = h("div", { class: "iok-grid-body", role: "rowgroup" });
  const grid = h(
    "div",
    { class: "iok-grid", role: "grid", "aria-label": t("Records"), "aria-colcount": fields.length + 2 },
    createHeaderRow(fields, t),
    body,
  );
  grid.style.setProperty("--iok-grid-columns", `2.25rem 4.5rem repeat(${fields.length}, minmax(9rem, 1fr))`);
  const scroller = h("div", { class: "iok-grid-scroll", "data-testid": "review-grid" }, grid);
  const element = h("div", { class: "iok-review-grid" }, toolbar, replacePanel.element, addPanel.element, scroller);

  function currentQuery(): GridQuery {
    const value = filterSelect.value;
    const filter = value.startsWith("f") ? filters[Number(value.slice(1))] : undefined;
    return {
      onlyErrors: value === ONLY_ERRORS,
      messageFilter: filter === undefined ? null : { field: filter.field, message: filter.message },
      search: searchInput.value.trim(),
    };
  }

  function visibleRange(): { start: number; stop: number } {
    const first = Math.floor(scroller.scrollTop / ROW_HEIGHT);
    const count = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 1;
    return { start: Math.max(0, first - ROW_MARGIN), stop: first + count + ROW_MARGIN };
  }

  function isLoaded(start: number, stop: number): boolean {
    for (let position = start; position < Math.min(stop, total); position += 1) {
      if (!loaded.has(position)) {
        return false;
      }
    }
    return true;
  }

  function requestRows(): void {
    const { start, stop } = visibleRange();
    if (!stale && isLoaded(start, stop)) {
      return;
    }
    const query = currentQuery();
    const content = {
      type: "grid_rows",
      start,
      stop,
      only_errors: query.onlyErrors,
      message_filter: query.messageFilter,
      search: query.search,
    };
    // Scroll events repeat while a reply is on its way, so send each request once.
    const key = JSON.stringify({ ...content, version });
    if (key === pendingKey) {
      return;
    }
    pendingKey = key;
    latestRequest = randomId();
    model.send({ ...content, request: latestRequest });
  }

  /** Shows the records of a new filter or search from the top. */
  function refetchFromTop(): void {
    // Rows selected under the old filter may be hidden now, and Delete selected
    // must not remove records the user cannot see.
    selected.clear();
    updateToolbar();
    stale = true;
    scroller.scrollTop = 0;
    requestRows();
  }

  const onMessage = (message: unknown): void => {
    const reply = readGridReply(message);
    // Every view receives every reply, and a slow reply may follow a newer request.
    if (reply === null || reply.request !== latestRequest) {
      return;
    }
    stale = false;
    pendingKey = "";
    total = reply.total;
    loaded = new Map(reply.rows.map((row, offset) => [reply.start + offset, row]));
    renderRows();
    revealAddedRow();
  };
  model.on("msg:custom", onMessage);

  function renderRows(): void {
    if (editor !== null) {
      renderDeferred = true;
      return;
    }
    renderDeferred = false;
    const focusedCell = grid.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset : null;
    body.style.height = `${total * ROW_HEIGHT}px`;
    grid.setAttribute("aria-rowcount", String(total + 1));
    const rows = [...loaded.entries()].map(([position, row]) => createRow(position, row));
    body.replaceChildren(...rows);
    setTabStop();
    setText(countText, total === 1 ? t("1 matching record") : t("{count} matching records", { count: formatCount(total, locale) }));
    if (focusedCell?.row !== undefined && focusedCell.field !== undefined) {
      findCell(focusedCell.row, focusedCell.field)?.focus({ preventScroll: true });
    }
  }

  function createRow(position: number, record: GridRow): HTMLElement {
    const checkbox = h("input", { type: "checkbox", "aria-label": t("Select row {row}", { row: record.row + 1 }) });
    checkbox.checked = selected.has(record.row);
    checkbox.addEventListener("change", () => {
      if (checkbox.checked) {
        selected.add(record.row);
      } else {
        selected.delete(record.row);
      }
      updateToolbar();
    });
    const invalid = Object.keys(record.errors).length > 0;
    const row = h(
      "div",
      {
        class: invalid ? "iok-grid-row iok-grid-row-invalid" : "iok-grid-row",
        role: "row",
        "aria-rowindex": position + 2,
        "data-testid": `grid-row-${record.row}`,
      },
      h("div", { class: "iok-grid-cell iok-grid-select", role: "gridcell" }, checkbox),
      h("div", { class: "iok-grid-cell iok-number", role: "rowheader" }, String(record.row + 1)),
      ...fields.map((field) => createCell(record, field)),
    );
    row.style.top = `${position * ROW_HEIGHT}px`;
    return row;
  }

  function createCell(record: GridRow, field: Field): HTMLElement {
    const value = record.values[field.key] ?? "";
    const rawError = record.errors[field.key];
    const error = rawError === undefined ? undefined : translateMessages(rawError, t);
    const cell = h(
      "div",
      {
        class: error === undefined ? "iok-grid-cell" : "iok-grid-cell iok-grid-cell-invalid",
        role: "gridcell",
        tabindex: -1,
        title: error,
        "aria-invalid": error === undefined ? undefined : "true",
        "aria-label": error === undefined ? undefined : t("{value}. Error: {error}", { value: value || t("(empty)"), error }),
        "data-testid": `grid-cell-${record.row}-${field.key}`,
        "data-row": record.row,
        "data-field": field.key,
      },
      value,
    );
    cell.addEventListener("dblclick", () => openEditor(cell, record.row, field.key, value));
    return cell;
  }

  /** Makes one data cell reachable with Tab: the last focused one if shown, else the first. */
  function setTabStop(): void {
    const cell =
      (tabStop === null ? null : findCell(tabStop.row, tabStop.field)) ??
      body.querySelector<HTMLElement>(".iok-grid-cell[data-field]");
    if (cell !== null) {
      cell.tabIndex = 0;
    }
  }

  function findCell(row: string, field: string): HTMLElement | null {
    for (const cell of body.querySelectorAll<HTMLElement>(".iok-grid-cell[data-field]")) {
      if (cell.dataset.row === row && cell.dataset.field === field) {
        return cell;
      }
    }
    return null;
  }

  function openEditor(cell: HTMLElement, row: number, field: string, value: string): void {
    if (editor !== null) {
      return;
    }
    const label = fields.find((candidate) => candidate.key === field)?.label ?? field;
    const attributes = { class: "iok-grid-editor", "aria-label": t("{field}, row {row}", { field: label, row: row + 1 }) };
    const provider = fields.find((candidate) => candidate.key === field)?.provider === true;
    let input: HTMLInputElement | HTMLTextAreaElement;
    let options: OptionsList | null = null;
    if (provider) {
      // A datalist offers options only to an input element.
      input = h("input", { ...attributes, type: "text" });
      options = attachProviderOptions(model, input, field, (message) => session.setNotice(message));
    } else {
      // A text input would drop the line breaks of a value, so edit in a textarea,
      // where Shift+Enter starts a new line.
      input = h("textarea", { ...attributes, rows: 1 });
    }
    input.value = value;
    const current: Editor = { cell, input, options, row, field, original: value, closed: false };
    editor = current;
    const editorElement: HTMLElement = input;
    editorElement.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
        event.preventDefault();
        closeEditor(current, true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeEditor(current, false);
      }
    });
    input.addEventListener("blur", () => closeEditor(current, true));
    cell.replaceChildren(input, ...(options === null ? [] : [options.element]));
    input.focus();
    input.select();
  }

  function closeEditor(current: Editor, commit: boolean): void {
    // Enter and Escape remove the input, which fires blur a second time.
    if (current.closed) {
      return;
    }
    current.closed = true;
    current.options?.detach();
    editor = null;
    const value = current.input.value;
    const changed = commit && value !== current.original;
    // Removing the input moves focus to the page, so note it first. After a blur,
    // focus is elsewhere already and stays there.
    const hadFocus = current.input === document.activeElement;
    current.cell.replaceChildren(changed ? value : current.original);
    if (changed) {
      model.send({ type: "edit_cell", row: current.row, field: current.field, value });
    }
    if (current.cell.isConnected && hadFocus) {
      current.cell.focus({ preventScroll: true });
    }
    if (renderDeferred) {
      renderRows();
    }
  }

  function onGridKeydown(event: KeyboardEvent): void {
    const cell = event.target instanceof HTMLElement ? event.target : null;
    if (cell === null || !cell.matches(".iok-grid-cell[data-field]")) {
      return;
    }
    if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      const row = Number(cell.dataset.row);
      const record = [...loaded.values()].find((candidate) => candidate.row === row);
      const field = cell.dataset.field ?? "";
      openEditor(cell, row, field, record?.values[field] ?? "");
      return;
    }
    const next = neighbourCell(cell, event.key);
    if (next !== null) {
      event.preventDefault();
      moveFocus(cell, next);
      tabStop = { row: next.dataset.row ?? "", field: next.dataset.field ?? "" };
    }
  }

  function deleteSelected(): void {
    if (selected.size === 0) {
      return;
    }
    model.send({ type: "delete_rows", rows: [...selected] });
    selected.clear();
    updateToolbar();
  }

  function updateFilters(next: ReviewFilter[]): void {
    const chosen = currentQuery().messageFilter;
    const wasOnlyErrors = filterSelect.value === ONLY_ERRORS;
    filters = next;
    // Keep a chosen message in the list after its last error is fixed, so the
    // view does not jump to other records.
    if (chosen !== null && !filters.some((filter) => sameMessage(filter, chosen))) {
      const label = fields.find((field) => field.key === chosen.field)?.label ?? chosen.field;
      filters = [...filters, { ...chosen, label, count: 0 }];
    }
    const options = [
      h("option", { value: ALL_RECORDS }, t("All records")),
      h("option", { value: ONLY_ERRORS }, t("Only rows with errors")),
      ...filters.map((filter, index) =>
        h(
          "option",
          { value: `f${index}` },
          t("{field}: {message} ({count})", {
            field: filter.label,
            message: t(filter.message),
            count: formatCount(filter.count, locale),
          }),
        ),
      ),
    ];
    filterSelect.replaceChildren(...options);
    const chosenIndex = chosen === null ? -1 : filters.findIndex((filter) => sameMessage(filter, chosen));
    if (chosenIndex >= 0) {
      filterSelect.value = `f${chosenIndex}`;
    } else {
      filterSelect.value = wasOnlyErrors ? ONLY_ERRORS : ALL_RECORDS;
    }
  }

  function updateToolbar(): void {
    const blocked = context.actionsBlocked();
    setUnavailable(deleteButton, blocked || selected.size === 0);
    setText(
      deleteButton,
      selected.size > 0 ? t("Delete selected ({count})", { count: formatCount(selected.size, locale) }) : t("Delete selected"),
    );
    setUnavailable(undoButton, blocked || !readReview(model).canUndo);
    setUnavailable(exportButton, blocked || session.pendingDownloads.size > 0);
    setUnavailable(exportXlsxButton, isUnavailable(exportButton));
    replacePanel.update(blocked);
    addPanel.update(blocked);
  }

  /** Shows every record, so that the record added as `row`, the last one, comes into view. */
  function showAddedRow(row: number): void {
    revealRow = row;
    filterSelect.value = ALL_RECORDS;
    searchInput.value = "";
    stale = true;
    requestRows();
  }

  function revealAddedRow(): void {
    if (revealRow === null) {
      return;
    }
    const row = revealRow;
    const position = [...loaded.entries()].find(([, record]) => record.row === row)?.[0];
    if (position === undefined) {
      if (scroller.scrollTop + scroller.clientHeight < total * ROW_HEIGHT) {
        scroller.scrollTop = total * ROW_HEIGHT;
        requestRows();
      } else {
        revealRow = null;
      }
      return;
    }
    revealRow = null;
    const cell = findCell(String(row), fields[0]?.key ?? "");
    cell?.scrollIntoView({ block: "nearest" });
  }

  filterSelect.addEventListener("change", refetchFromTop);
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refetchFromTop, SEARCH_DELAY_MS);
  });
  scroller.addEventListener("scroll", () => {
    cancelAnimationFrame(scrollFrame);
    scrollFrame = requestAnimationFrame(requestRows);
  });
  grid.addEventListener("keydown", onGridKeydown);

  updateFilters(readReview(model).filters);
  body.style.height = `${total * ROW_HEIGHT}px`;
  // The scroller has no height until it is in the page, so wait one frame.
  scrollFrame = requestAnimationFrame(requestRows);

  return {
    element,
    update() {
      const review = readReview(model);
      if (!sameFilters(review.filters, filters)) {
        updateFilters(review.filters);
      }
      if (review.version !== version) {
        version = review.version;
        // Deleted records keep no selection, and row_index values are never reused.
        stale = true;
        requestRows();
      }
      updateToolbar();
    },
    dispose() {
      model.off("msg:custom", onMessage);
      replacePanel.dispose();
      addPanel.dispose();
      editor?.options?.detach();
      clearTimeout(searchTimer);
      cancelAnimationFrame(scrollFrame);
    },
  };
}

function createToolButton(text: string, testId: string, onClick: () => void): HTMLButtonElement {
  const button = h("button", { type: "button", class: "iok-button iok-button-secondary", "data-testid": testId }, text);
  button.addEventListener("click", () => {
    if (!isUnavailable(button)) {
      onClick();
    }
  });
  return button;
}

/** Translates each message of a cell whose messages the kernel joined with "; ". */
export function translateMessages(messages: string, t: Translate): string {
  return messages
    .split("; ")
    .map((message) => t(message))
    .join("; ");
}

function createHeaderRow(fields: Field[], t: Translate): HTMLElement {
  const header = (text: string, hiddenText = ""): HTMLElement =>
    h(
      "div",
      { class: "iok-grid-cell iok-grid-header", role: "columnheader" },
      hiddenText === "" ? text : h("span", { class: "iok-visually-hidden" }, hiddenText),
    );
  return h(
    "div",
    { class: "iok-grid-row iok-grid-head", role: "row", "aria-rowindex": 1 },
    header("", t("Select")),
    header(t("Row")),
    ...fields.map((field) => header(field.label)),
  );
}

/** Returns the cell that an arrow, Home or End key moves focus to, or null. */
function neighbourCell(cell: HTMLElement, key: string): HTMLElement | null {
  const row = cell.parentElement;
  switch (key) {
    case "ArrowLeft":
      return previousDataCell(cell);
    case "ArrowRight":
      return nextDataCell(cell);
    case "ArrowUp":
      return cellInRow(row?.previousElementSibling, cell);
    case "ArrowDown":
      return cellInRow(row?.nextElementSibling, cell);
    case "Home":
      return row?.querySelector<HTMLElement>(".iok-grid-cell[data-field]") ?? null;
    case "End": {
      const cells = row?.querySelectorAll<HTMLElement>(".iok-grid-cell[data-field]");
      return cells === undefined || cells.length === 0 ? null : cells[cells.length - 1];
    }
    default:
      return null;
  }
}

function previousDataCell(cell: HTMLElement): HTMLElement | null {
  const previous = cell.previousElementSibling;
  return previous instanceof HTMLElement && previous.dataset.field !== undefined ? previous : null;
}

function nextDataCell(cell: HTMLElement): HTMLElement | null {
  const next = cell.nextElementSibling;
  return next instanceof HTMLElement && next.dataset.field !== undefined ? next : null;
}

function cellInRow(row: Element | null | undefined, cell: HTMLElement): HTMLElement | null {
  if (!(row instanceof HTMLElement)) {
    return null;
  }
  const column = [...(cell.parentElement?.children ?? [])].indexOf(cell);
  const target = row.children[column];
  return target instanceof HTMLElement && target.dataset.field !== undefined ? target : null;
}

function moveFocus(from: HTMLElement, to: HTMLElement): void {
  from.tabIndex = -1;
  to.tabIndex = 0;
  to.focus();
}

function sameMessage(filter: ReviewFilter, chosen: { field: string; message: string }): boolean {
  return filter.field === chosen.field && filter.message === chosen.message;
}

function sameFilters(a: ReviewFilter[], b: ReviewFilter[]): boolean {
  return a.length === b.length && a.every((filter, index) => {
    const other = b[index];
    return other !== undefined && sameMessage(filter, other) && filter.count === other.count;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readTextMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (isRecord(value)) {
    for (const [key, text] of Object.entries(value)) {
      map[key] = text === null || text === undefined ? "" : String(text);
    }
  }
  return map;
}

/** Reads a grid_rows message from the kernel, or returns null for any other message. */
function readGridReply(message: unknown): { request: string; start: number; total: number; rows: GridRow[] } | null {
  if (!isRecord(message) || message.type !== "grid_rows" || typeof message.request !== "string") {
    return null;
  }
  const rows = Array.isArray(message.rows) ? message.rows.filter(isRecord) : [];
  return {
    request: message.request,
    start: Math.max(0, Number(message.start) || 0),
    total: Math.max(0, Number(message.total) || 0),
    rows: rows
      .filter((row) => Number.isInteger(row.row))
      .map((row) => ({ row: Number(row.row), values: readTextMap(row.values), errors: readTextMap(row.errors) })),
  };
}
