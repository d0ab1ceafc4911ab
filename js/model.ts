// Synced traits and custom messages shared with the kernel (see _protocol.py),
// with readers that turn missing or malformed values into safe defaults.
import type { AnyModel } from "@anywidget/types";

import type { Translate } from "./i18n";

export const STEPS = ["upload", "mapping", "review", "import", "done"] as const;
export type Step = (typeof STEPS)[number];

/** Labels of the steps in the stepper, in the language of `t`. */
export function stepLabels(t: Translate): Record<Step, string> {
  return {
    upload: t("Upload"),
    mapping: t("Map columns"),
    review: t("Review"),
    import: t("Import"),
    done: t("Done"),
  };
}

/** Largest upload chunk in bytes, equal to CHUNK_SIZE on the kernel side. */
export const CHUNK_SIZE = 1024 * 1024;

export interface Field {
  key: string;
  label: string;
  description: string;
  required: boolean;
  /** True when the field's provider offers options in the editor. */
  provider: boolean;
}

export interface ReviewError {
  /** 1-based data row for display, or the kernel's text when it is not a row index. */
  row: string;
  field: string;
  value: string;
  message: string;
}

/** Count of one error message in one field, offered as a grid filter. */
export interface ReviewFilter {
  field: string;
  /** Label of the field. */
  label: string;
  message: string;
  count: number;
}

export interface Review {
  total: number;
  valid: number;
  invalid: number;
  /** Failed rules in all records; `errors` holds only the first few. */
  errorCount: number;
  errors: ReviewError[];
  /** Count of review changes, which grows with each edit, deletion or undo. */
  version: number;
  /** True when undo has a change to take back. */
  canUndo: boolean;
  /** Error messages by field, the most frequent first. */
  filters: ReviewFilter[];
}

export interface Progress {
  processed: number;
  failed: number;
  total: number;
  /** Records per second, or null when unknown. */
  rate: number | null;
  /** Estimated seconds left, or null until the kernel has an estimate. */
  eta: number | null;
}

export interface Result {
  total: number;
  succeeded: number;
  failed: number;
  /** True when the user cancelled the import. */
  cancelled: boolean;
  /** Failed records whose delivery failed, which retry_failed sends again. */
  retryable: number;
}

/** Settings the kernel used to read the uploaded file, from the file_info trait. */
export interface FileInfo {
  /** MIME type of the file, such as "text/csv". */
  filetype: string;
  /** Python codec name used to decode a text file, or null for a workbook. */
  encoding: string | null;
  /** Field delimiter of a text file, or null for a workbook. */
  delimiter: string | null;
  /** 0-based index of the header among the non-blank rows. */
  headerRow: number;
  /** Sheet read from a workbook, or null for a text file. */
  sheet: string | null;
  /** Every sheet of a workbook, empty for a text file. */
  sheets: string[];
  /** Number of data rows. */
  rows: number;
  /** Notes about single rows, such as rows with more values than the header. */
  warnings: string[];
}

/** Settings for the reread message. A null value lets the kernel detect that setting. */
export interface ReadSettings {
  encoding: string | null;
  delimiter: string | null;
  /** 0-based, like FileInfo.headerRow. */
  headerRow: number | null;
  sheet: string | null;
  withHeader: boolean;
}

export type Mapping = Record<string, string | null>;

export interface Traits {
  step: string;
  fields: unknown;
  title: string;
  with_header: boolean;
  filename: string;
  file_info: unknown;
  columns: unknown;
  samples: unknown;
  mapping: unknown;
  review: unknown;
  progress: unknown;
  result: unknown;
  error: string;
  busy: string;
  invalid_records: string;
  subtitles: unknown;
  css: string;
  sample_file: string;
  locale: string;
  translations: unknown;
}

export type Model = AnyModel<Traits>;

/** Names of every synced trait, for registering change listeners. */
export const TRAIT_NAMES: readonly (keyof Traits)[] = [
  "step",
  "fields",
  "title",
  "with_header",
  "filename",
  "file_info",
  "columns",
  "samples",
  "mapping",
  "review",
  "progress",
  "result",
  "error",
  "busy",
  "invalid_records",
  "subtitles",
  "css",
  "sample_file",
  "locale",
  "translations",
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Converts a data value to display text, with "" for null and undefined. */
export function toText(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  return typeof value === "string" ? value : String(value);
}

/** Converts a number to a non-negative finite number, or null. */
function toOptionalNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === "") {
    return null;
  }
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function toOptionalText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Converts a count to a non-negative finite number, or 0. */
export function toCount(value: unknown): number {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function readStep(model: Model): Step {
  const step = model.get("step");
  return (STEPS as readonly string[]).includes(step) ? (step as Step) : "upload";
}

export function readFields(model: Model): Field[] {
  const raw = model.get("fields");
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.filter(isRecord).map((field) => {
    const key = toText(field.key);
    return {
      key,
      label: toText(field.label) || key,
      description: toText(field.description),
      required: field.required === true,
      provider: field.provider === true,
    };
  });
}

export function readColumns(model: Model): string[] {
  const raw = model.get("columns");
  return Array.isArray(raw) ? raw.map(toText) : [];
}

export function readSamples(model: Model, column: string): string[] {
  const raw = model.get("samples");
  if (!isRecord(raw) || !Object.prototype.hasOwnProperty.call(raw, column)) {
    return [];
  }
  const values = raw[column];
  return Array.isArray(values) ? values.map(toText) : [];
}

export function readMapping(model: Model): Mapping {
  const raw = model.get("mapping");
  const mapping: Mapping = {};
  if (!isRecord(raw)) {
    return mapping;
  }
  for (const [key, column] of Object.entries(raw)) {
    mapping[key] = typeof column === "string" ? column : null;
  }
  return mapping;
}

export function readReview(model: Model): Review {
  const raw = model.get("review");
  const review = isRecord(raw) ? raw : {};
  const errors = Array.isArray(review.errors) ? review.errors.filter(isRecord) : [];
  return {
    total: toCount(review.total),
    valid: toCount(review.valid),
    invalid: toCount(review.invalid),
    errorCount: Math.max(toCount(review.error_count), errors.length),
    errors: errors.map((error) => ({
      row: displayRow(error.row),
      field: toText(error.field),
      value: toText(error.value),
      message: toText(error.message),
    })),
    version: toCount(review.version),
    canUndo: review.can_undo === true,
    filters: (Array.isArray(review.filters) ? review.filters.filter(isRecord) : []).map((filter) => {
      const field = toText(filter.field);
      return {
        field,
        label: toText(filter.label) || field,
        message: toText(filter.message),
        count: toCount(filter.count),
      };
    }),
  };
}

export function readProgress(model: Model): Progress {
  const raw = model.get("progress");
  const progress = isRecord(raw) ? raw : {};
  return {
    processed: toCount(progress.processed),
    failed: toCount(progress.failed),
    total: toCount(progress.total),
    rate: toOptionalNumber(progress.rate),
    eta: toOptionalNumber(progress.eta),
  };
}

export function readResult(model: Model): Result {
  const raw = model.get("result");
  const result = isRecord(raw) ? raw : {};
  return {
    total: toCount(result.total),
    succeeded: toCount(result.succeeded),
    failed: toCount(result.failed),
    cancelled: result.cancelled === true,
    retryable: toCount(result.retryable),
  };
}

/** Reads file_info, or returns null before a file has been read. */
export function readFileInfo(model: Model): FileInfo | null {
  const raw = model.get("file_info");
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    return null;
  }
  const headerRow = toOptionalNumber(raw.header_row);
  return {
    filetype: toText(raw.filetype),
    encoding: toOptionalText(raw.encoding),
    delimiter: toOptionalText(raw.delimiter),
    headerRow: headerRow === null ? 0 : Math.floor(headerRow),
    sheet: toOptionalText(raw.sheet),
    sheets: Array.isArray(raw.sheets) ? raw.sheets.map(toText) : [],
    rows: toCount(raw.rows),
    warnings: Array.isArray(raw.warnings) ? raw.warnings.map(toText) : [],
  };
}

/** Reads the subtitle of `step` from the subtitles trait, or "". */
export function readSubtitle(model: Model, step: Step): string {
  const raw = model.get("subtitles");
  return isRecord(raw) ? toText(raw[step]) : "";
}

/** Turns a 0-based data row index into the 1-based row number shown to people. */
function displayRow(value: unknown): string {
  const index = typeof value === "number" ? value : Number(value);
  if (value !== null && value !== "" && Number.isInteger(index) && index >= 0) {
    return String(index + 1);
  }
  return toText(value);
}

/** Reads the translations trait: English text to replacement, keeping only text values. */
export function readTranslations(model: Model): Record<string, string> {
  const raw = model.get("translations");
  const translations: Record<string, string> = {};
  if (isRecord(raw)) {
    for (const [text, replacement] of Object.entries(raw)) {
      if (typeof replacement === "string") {
        translations[text] = replacement;
      }
    }
  }
  return translations;
}

export function readText(model: Model, name: "title" | "filename" | "error" | "busy" | "locale"): string {
  return toText(model.get(name));
}
