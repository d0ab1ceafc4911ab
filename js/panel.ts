// Shared parts of the step panels: the context they receive and small builders.
import { h } from "./dom";
import type { Translate } from "./i18n";
import type { Model, Step } from "./model";
import type { Session } from "./session";

export interface StepContext {
  model: Model;
  session: Session;
  /** Translates UI text into the widget's locale. Replaced, and the panel built again, when the locale or translations change. */
  t: Translate;
  /** The widget's locale ("en", "de", ...), for formatCount and the other number formatters of dom.ts. */
  locale: string;
  /** Sends a custom message for a user action. Actions stay blocked until the kernel changes step, busy or error. */
  sendAction(content: object): void;
  /** True while the kernel is busy or a sent action has had no response yet. */
  actionsBlocked(): boolean;
}

export interface StepPanel {
  element: HTMLElement;
  /** Heading that receives focus when the step changes while focus was inside the widget. */
  heading: HTMLElement;
  /** Refreshes the panel from the model in place, keeping focus and select state. */
  update(): void;
  /** Removes listeners and timers that the panel registered, when it is replaced or the view closes. */
  dispose?(): void;
}

/** Creates the `data-testid="step-<step>"` container with its heading. */
export function createPanelShell(step: Step, title: string): { element: HTMLElement; heading: HTMLElement } {
  const heading = h("h3", { class: "iok-panel-title", tabindex: -1 }, title);
  const element = h("section", { class: `iok-panel iok-panel-${step}`, "data-testid": `step-${step}` }, heading);
  return { element, heading };
}

export function createButton(
  text: string,
  testId: string,
  onClick: () => void,
  variant: "primary" | "secondary" = "secondary",
): HTMLButtonElement {
  const button = h("button", { type: "button", class: `iok-button iok-button-${variant}`, "data-testid": testId }, text);
  button.addEventListener("click", onClick);
  return button;
}

/**
 * Marks a button as unavailable with aria-disabled, which keeps it focusable: a
 * focused button that gets the disabled attribute drops focus to the page. Its
 * click handler must check isUnavailable.
 */
export function setUnavailable(button: HTMLButtonElement, unavailable: boolean): void {
  if (unavailable) {
    button.setAttribute("aria-disabled", "true");
  } else {
    button.removeAttribute("aria-disabled");
  }
}

export function isUnavailable(button: HTMLButtonElement): boolean {
  return button.getAttribute("aria-disabled") === "true";
}

export function createActions(...buttons: HTMLElement[]): HTMLDivElement {
  return h("div", { class: "iok-actions" }, ...buttons);
}

/** Creates a labelled number. `value` contains only the number, so tests can read it. */
export function createStat(label: string, value: HTMLElement, modifier = ""): HTMLElement {
  return h("div", { class: `iok-stat ${modifier}`.trim() }, h("span", { class: "iok-stat-label" }, label), value);
}
