// DOM helpers. Text always goes in through text nodes, never as HTML, so values
// from a file (column names, cells, error messages) cannot inject markup.
import { numberLocale, type Translate } from "./i18n";

type AttributeValue = string | number | boolean | null | undefined;

/**
 * Creates an element with attributes and children. A `true` attribute is set
 * as an empty boolean attribute, and `false`, null and undefined are skipped.
 * String children become text nodes.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) {
      element.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  element.append(...children);
  return element;
}

/** Sets an element's text and returns it. */
export function setText<T extends HTMLElement>(element: T, text: string): T {
  if (element.textContent !== text) {
    element.textContent = text;
  }
  return element;
}

let idCounter = 0;

/** Returns an id that is unique in the page, for label and aria-describedby links. */
export function uniqueId(prefix: string): string {
  idCounter += 1;
  return `importok-${prefix}-${idCounter}`;
}

/** Formats a whole number with the thousands separators of `locale`: "9,994" in English, "9.994" in German. */
export function formatCount(value: number, locale = "en"): string {
  return Math.round(value).toLocaleString(numberLocale(locale));
}

/** Formats a number with one decimal: "2.5" in English, "2,5" in German. */
export function formatDecimal(value: number, locale = "en"): string {
  return value.toLocaleString(numberLocale(locale), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** Formats a whole percentage in 0..100: "42%" in English, "42 %" in German. */
export function formatPercent(value: number, locale = "en"): string {
  return (value / 100).toLocaleString(numberLocale(locale), { style: "percent", maximumFractionDigits: 0 });
}

/** Formats a duration in seconds as M:SS, or H:MM:SS from one hour. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** Formats a byte count with decimal units: "1.5 MB" in English, "1,5 Mo" in French. */
export function formatBytes(bytes: number, t: Translate, locale = "en"): string {
  const units = [t("bytes"), t("kB"), t("MB"), t("GB"), t("TB")];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = value.toLocaleString(numberLocale(locale), { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${number} ${units[unit]}`;
}

/** Returns `part / whole` as a whole percentage in 0..100, or 0 when `whole` is 0. */
export function percent(part: number, whole: number): number {
  if (whole <= 0) {
    return 0;
  }
  return Math.min(100, Math.max(0, Math.floor((part / whole) * 100)));
}

export interface ProgressBar {
  element: HTMLDivElement;
  /**
   * Shows `value` of `max` as done. The last `failed` of those are drawn in the
   * error colour, and the bar gets the `iok-progress-has-failed` class.
   */
  set(value: number, max: number, text: string, failed?: number): void;
}

/** Returns `part / whole` as a CSS width in percent, exact rather than rounded. */
function widthPercent(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) {
    return "0%";
  }
  return `${Math.min(100, (part / whole) * 100)}%`;
}

/** Creates a `role="progressbar"` element whose aria-valuenow is a percentage. */
export function createProgressBar(label: string, testId: string): ProgressBar {
  const fill = h("div", { class: "iok-progress-fill" });
  const failedFill = h("div", { class: "iok-progress-fill iok-progress-failed" });
  const element = h(
    "div",
    {
      class: "iok-progress",
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-valuenow": 0,
      "data-testid": testId,
    },
    fill,
    failedFill,
  );
  return {
    element,
    set(value, max, text, failed = 0) {
      const shownFailed = Math.min(Math.max(failed, 0), value);
      element.setAttribute("aria-valuenow", String(percent(value, max)));
      element.setAttribute("aria-valuetext", text);
      element.classList.toggle("iok-progress-has-failed", shownFailed > 0);
      fill.style.width = widthPercent(value - shownFailed, max);
      failedFill.style.width = widthPercent(shownFailed, max);
    },
  };
}
