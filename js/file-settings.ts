// File settings of the mapping step: a collapsible summary of how the kernel read
// the file (file_info), controls to read it again with another encoding,
// delimiter, header row or sheet, and the kernel's notes about single rows.
import { formatCount, h, setText, uniqueId } from "./dom";
import type { Translate } from "./i18n";
import { type FileInfo, readColumns, readFileInfo, type ReadSettings } from "./model";
import type { StepContext } from "./panel";

/** Option value that sends null, so the kernel detects the setting. */
const DETECT = "";

/** Encodings offered in the select, as Python codec names, with their labels in the language of `t`. */
function encodingOptions(t: Translate): [value: string, label: string][] {
  return [
    [DETECT, t("Detect")],
    ["utf-8", "UTF-8"],
    ["utf-16", "UTF-16"],
    ["cp1252", "Windows-1252"],
    ["latin-1", "ISO-8859-1"],
    ["iso8859-15", "ISO-8859-15"],
    ["mac-roman", "Mac Roman"],
    ["cp850", "CP850"],
    ["cp1250", `Windows-1250 (${t("Central European")})`],
    ["iso8859-2", `ISO-8859-2 (${t("Central European")})`],
    ["cp1251", `Windows-1251 (${t("Cyrillic")})`],
    ["koi8-r", `KOI8-R (${t("Cyrillic")})`],
    ["cp1253", `Windows-1253 (${t("Greek")})`],
    ["cp1254", `Windows-1254 (${t("Turkish")})`],
    ["shift_jis", `Shift JIS (${t("Japanese")})`],
    ["gb18030", `GB18030 (${t("Chinese")})`],
    ["big5", `Big5 (${t("Traditional Chinese")})`],
    ["euc-kr", `EUC-KR (${t("Korean")})`],
  ];
}

function delimiterOptions(t: Translate): [value: string, label: string][] {
  return [
    [DETECT, t("Detect")],
    [",", `${t("Comma")} ( , )`],
    [";", `${t("Semicolon")} ( ; )`],
    ["\t", t("Tab")],
    ["|", `${t("Pipe")} ( | )`],
  ];
}

/** Display names of codec names, keyed by the name in lower case with "_" as "-". The name of "utf-8-sig" is translated, so encodingName returns it. */
const ENCODING_NAMES: Record<string, string> = {
  "utf-8": "UTF-8",
  utf8: "UTF-8",
  "utf-16": "UTF-16",
  "utf-16-le": "UTF-16 LE",
  "utf-16-be": "UTF-16 BE",
  "utf-32": "UTF-32",
  "utf-32-le": "UTF-32 LE",
  "utf-32-be": "UTF-32 BE",
  "latin-1": "ISO-8859-1",
  latin1: "ISO-8859-1",
  "iso8859-1": "ISO-8859-1",
  "iso-8859-1": "ISO-8859-1",
  "iso8859-15": "ISO-8859-15",
  "iso-8859-15": "ISO-8859-15",
  "mac-roman": "Mac Roman",
  macroman: "Mac Roman",
  cp850: "CP850",
  cp1250: "Windows-1250",
  "iso8859-2": "ISO-8859-2",
  cp1251: "Windows-1251",
  "koi8-r": "KOI8-R",
  cp1253: "Windows-1253",
  cp1254: "Windows-1254",
  "shift-jis": "Shift JIS",
  gb18030: "GB18030",
  big5: "Big5",
  "euc-kr": "EUC-KR",
};

function delimiterName(delimiter: string, t: Translate): string {
  switch (delimiter) {
    case ",":
      return t("comma-separated");
    case ";":
      return t("semicolon-separated");
    case "\t":
      return t("tab-separated");
    case "|":
      return t("pipe-separated");
    default:
      return t('separated by "{delimiter}"', { delimiter });
  }
}

export interface FileSettingsSection {
  element: HTMLElement;
  update(): void;
}

/**
 * Creates the File settings section. Unapplied changes live only in the
 * controls, so the caller keeps the section while the step stays "mapping".
 * The settings last applied are kept in the session for a rebuilt panel.
 */
export function createFileSettings(context: StepContext): FileSettingsSection {
  const { model, session, t, locale } = context;
  const applied = session.readSettings;

  const summaryText = h("span", { class: "iok-file-summary" });
  // The space keeps the two parts apart in the accessible name, not only visually.
  const summary = h("summary", {}, h("span", { class: "iok-file-settings-title" }, t("File settings")), " ", summaryText);

  const encoding = createSelect("setting-encoding", encodingOptions(t), applied?.encoding ?? DETECT);
  const delimiter = createSelect("setting-delimiter", delimiterOptions(t), applied?.delimiter ?? DETECT);
  const sheet = createSelect("setting-sheet", [], "");
  // An untouched sheet select follows the sheet the kernel read and sends null.
  let sheetChosen = applied !== null && applied.sheet !== null;
  sheet.addEventListener("change", () => {
    sheetChosen = true;
  });

  const withHeader = h("input", { type: "checkbox", "data-testid": "setting-with-header" });
  withHeader.checked = applied?.withHeader ?? model.get("with_header") !== false;
  const headerHelpId = uniqueId("header-row-help");
  const headerRow = h("input", {
    type: "number",
    min: 1,
    step: 1,
    inputmode: "numeric",
    placeholder: t("Detect"),
    class: "iok-number-input",
    "data-testid": "setting-header-row",
    "aria-describedby": headerHelpId,
  });
  headerRow.value = applied === null || applied.headerRow === null ? "" : String(applied.headerRow + 1);
  const headerHelp = h("span", { class: "iok-field-help", id: headerHelpId });
  const headerError = h("p", { class: "iok-hint", role: "alert" });
  headerError.hidden = true;

  const encodingSetting = createSettingRow(t("Encoding"), encoding);
  const delimiterSetting = createSettingRow(t("Delimiter"), delimiter);
  const sheetSetting = createSettingRow(t("Sheet"), sheet);
  const headerRowSetting = createSettingRow(t("Header row"), headerRow, headerHelp);
  const withHeaderLabel = h("label", { class: "iok-checkbox" }, withHeader, t("The file has a header row"));

  const singleColumnNote = h(
    "p",
    { class: "iok-muted" },
    t("Only one column was found. If the file uses another delimiter, choose it and apply."),
  );

  const applyButton = h(
    "button",
    { type: "submit", class: "iok-button iok-button-primary", "data-testid": "apply-settings" },
    t("Apply"),
  );
  const form = h(
    "form",
    { class: "iok-settings-form", novalidate: true },
    singleColumnNote,
    h("div", { class: "iok-settings-grid" }, encodingSetting, delimiterSetting, sheetSetting, headerRowSetting),
    headerError,
    h("div", { class: "iok-settings-actions" }, withHeaderLabel, applyButton),
  );

  const details = h("details", { class: "iok-file-settings", "data-testid": "file-settings" }, summary, form);
  const warnings = createWarningList(t, locale);
  const element = h("div", { class: "iok-file" }, details, warnings.element);

  const info = readFileInfo(model);
  // A text file read as one column most likely has the wrong delimiter, so show the controls.
  details.open = info !== null && info.encoding !== null && readColumns(model).length === 1;

  withHeader.addEventListener("change", update);
  headerRow.addEventListener("input", () => {
    headerError.hidden = true;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });

  function apply(): void {
    if (context.actionsBlocked()) {
      return;
    }
    const current = readFileInfo(model);
    // A number input reports text it cannot parse, such as "e", as an empty value with badInput set.
    const row = headerRow.validity.badInput ? undefined : parseHeaderRow(headerRow.value);
    if (withHeader.checked && row === undefined) {
      const message =
        headerRow.value === ""
          ? t("Header row is invalid. Enter a whole number of 1 or more, or leave it empty to detect it.")
          : t('Header row "{value}" is invalid. Enter a whole number of 1 or more, or leave it empty to detect it.', {
              value: headerRow.value,
            });
      setText(headerError, message);
      headerError.hidden = false;
      headerRow.focus();
      return;
    }
    const isText = current === null || current.encoding !== null;
    const settings: ReadSettings = {
      encoding: isText ? valueOrNull(encoding.value) : null,
      delimiter: isText ? valueOrNull(delimiter.value) : null,
      headerRow: withHeader.checked ? (row ?? null) : null,
      sheet: sheetChosen && !isText ? valueOrNull(sheet.value) : null,
      withHeader: withHeader.checked,
    };
    session.readSettings = settings;
    // with_header is also the setting for the next upload, so keep it in step.
    model.set("with_header", settings.withHeader);
    model.save_changes();
    context.sendAction({
      type: "reread",
      encoding: settings.encoding,
      delimiter: settings.delimiter,
      header_row: settings.headerRow,
      sheet: settings.sheet,
      with_header: settings.withHeader,
    });
  }

  function update(): void {
    const current = readFileInfo(model);
    element.hidden = current === null;
    if (current === null) {
      return;
    }
    const isText = current.encoding !== null;
    const columnCount = readColumns(model).length;
    setText(summaryText, describeFile(current, model.get("with_header") !== false, t, locale));

    encodingSetting.hidden = !isText;
    delimiterSetting.hidden = !isText;
    sheetSetting.hidden = isText && current.sheets.length <= 1;
    updateSheetOptions(sheet, current, sheetChosen);
    singleColumnNote.hidden = !isText || columnCount !== 1;

    headerRow.disabled = !withHeader.checked;
    setText(
      headerHelp,
      withHeader.checked
        ? t("Leave empty to detect it (now row {row}). Blank rows are not counted.", { row: current.headerRow + 1 })
        : t("The file is read without a header row."),
    );

    const blocked = context.actionsBlocked();
    for (const control of [encoding, delimiter, sheet, withHeader]) {
      control.disabled = blocked;
    }
    headerRow.readOnly = blocked;
    // aria-disabled keeps the button focusable, so keyboard focus stays here while the file is read again.
    applyButton.setAttribute("aria-disabled", String(blocked));
    warnings.update(current.warnings);
  }

  update();
  return { element, update };
}

function createSelect(testId: string, options: readonly [string, string][], value: string): HTMLSelectElement {
  const select = h("select", { class: "iok-select", "data-testid": testId });
  for (const [optionValue, label] of options) {
    select.append(new Option(label, optionValue));
  }
  select.value = value;
  return select;
}

function createSettingRow(label: string, control: HTMLElement, help?: HTMLElement): HTMLElement {
  const id = uniqueId("setting");
  control.id = id;
  const row = h("div", { class: "iok-setting" }, h("label", { for: id, class: "iok-setting-label" }, label), control);
  if (help !== undefined) {
    row.append(help);
  }
  return row;
}

/** Lists the workbook's sheets and selects the one read, unless the user chose one. */
function updateSheetOptions(select: HTMLSelectElement, info: FileInfo, chosen: boolean): void {
  let names = info.sheets;
  if (names.length === 0 && info.sheet !== null) {
    names = [info.sheet];
  }
  const listed = Array.from(select.options, (option) => option.value);
  if (listed.length !== names.length || listed.some((name, index) => name !== names[index])) {
    const previous = select.value;
    select.replaceChildren(...names.map((name) => new Option(name, name)));
    select.value = names.includes(previous) ? previous : (info.sheet ?? "");
  }
  if (!chosen && info.sheet !== null) {
    select.value = info.sheet;
  }
}

function createWarningList(t: Translate, locale: string): { element: HTMLDetailsElement; update(warnings: string[]): void } {
  const title = h("summary");
  const list = h("ul", { class: "iok-file-warning-list" });
  const element = h("details", { class: "iok-file-warnings", "data-testid": "file-warnings" }, title, list);
  let listedWarnings: string[] = [];
  return {
    element,
    update(warnings) {
      element.hidden = warnings.length === 0;
      const unchanged =
        warnings.length === listedWarnings.length && warnings.every((warning, index) => warning === listedWarnings[index]);
      if (unchanged) {
        return;
      }
      listedWarnings = warnings;
      setText(
        title,
        warnings.length === 1
          ? t("1 note about rows")
          : t("{count} notes about rows", { count: formatCount(warnings.length, locale) }),
      );
      list.replaceChildren(...warnings.map((warning) => h("li", {}, warning)));
    },
  };
}

/** Returns the 0-based header row for a 1-based input, null for an empty input, or undefined when invalid. */
function parseHeaderRow(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === "") {
    return null;
  }
  const row = Number(trimmed);
  return Number.isInteger(row) && row >= 1 ? row - 1 : undefined;
}

function valueOrNull(value: string): string | null {
  return value === DETECT ? null : value;
}

/** Summarises how the file was read: "UTF-8 · comma-separated · header on row 1 · 9,994 rows". */
function describeFile(info: FileInfo, withHeader: boolean, t: Translate, locale: string): string {
  const parts: string[] = [];
  if (info.encoding !== null) {
    parts.push(encodingName(info.encoding, t));
  }
  if (info.delimiter !== null) {
    parts.push(delimiterName(info.delimiter, t));
  }
  if (info.sheet !== null) {
    const position = info.sheets.indexOf(info.sheet);
    parts.push(
      info.sheets.length > 1 && position >= 0
        ? t('sheet "{sheet}" ({position} of {count})', { sheet: info.sheet, position: position + 1, count: info.sheets.length })
        : t('sheet "{sheet}"', { sheet: info.sheet }),
    );
  }
  parts.push(withHeader ? t("header on row {row}", { row: info.headerRow + 1 }) : t("no header row"));
  parts.push(info.rows === 1 ? t("1 row") : t("{count} rows", { count: formatCount(info.rows, locale) }));
  return parts.join(" · ");
}

function encodingName(codec: string, t: Translate): string {
  const key = codec.toLowerCase().replace(/_/g, "-");
  if (key === "utf-8-sig") {
    return t("UTF-8 with BOM");
  }
  const known = ENCODING_NAMES[key];
  if (known !== undefined) {
    return known;
  }
  // Python names the Windows code pages cp1250 to cp1258.
  const windows = /^cp(125[0-8])$/.exec(key);
  return windows === null ? codec.toUpperCase() : `Windows-${windows[1]}`;
}
