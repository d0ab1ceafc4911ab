// Front end of importok-widget, an anywidget ESM module. It renders the import
// wizard: a stepper, the title, an error banner, a busy line and the panel of
// the current step (upload, mapping, review, import, done). User actions go to
// the kernel as custom messages, files are uploaded in acknowledged chunks
// (session.ts), and every synced trait change refreshes the view in place.
import type { RenderProps } from "@anywidget/types";

import { renderDone } from "./done-step";
import { h, setText } from "./dom";
import { createTranslate, normalizeLocale } from "./i18n";
import { renderImport } from "./import-step";
import { guardLeaving } from "./leave-guard";
import { renderMapping } from "./mapping-step";
import {
  type Model,
  readStep,
  readSubtitle,
  readText,
  toText,
  readTranslations,
  STEPS,
  type Step,
  stepLabels,
  TRAIT_NAMES,
  type Traits,
} from "./model";
import type { StepContext, StepPanel } from "./panel";
import { renderReview } from "./review-step";
import { Session } from "./session";
import { renderUpload } from "./upload-step";

/**
 * Time after which a sent action unblocks the buttons even without a response,
 * so a kernel that ignores a message cannot leave the widget stuck.
 */
const ACTION_TIMEOUT_MS = 5000;

/** Time after focus fell to the page within which a refresh moves it back into the widget. */
const FOCUS_RECOVERY_MS = 10_000;

/** Default of the title trait, equal to the default of ImportWidget's `title` argument. */
const DEFAULT_TITLE = "Import records";

const PANEL_RENDERERS: Record<Step, (context: StepContext) => StepPanel> = {
  upload: renderUpload,
  mapping: renderMapping,
  review: renderReview,
  import: renderImport,
  done: renderDone,
};

interface Header {
  element: HTMLElement;
  update(): void;
}

function render({ model, el }: RenderProps<Traits>): () => void {
  const session = new Session(model);

  let awaitingAnswer = false;
  let actionTimer: ReturnType<typeof setTimeout> | undefined;
  const stopAwaiting = (): void => {
    awaitingAnswer = false;
    clearTimeout(actionTimer);
  };

  const locale = normalizeLocale(readText(model, "locale"));
  const context: StepContext = {
    model,
    session,
    t: createTranslate(locale, readTranslations(model)),
    locale,
    sendAction(content) {
      awaitingAnswer = true;
      clearTimeout(actionTimer);
      actionTimer = setTimeout(() => {
        awaitingAnswer = false;
        refresh();
      }, ACTION_TIMEOUT_MS);
      model.send(content);
      refresh();
    },
    actionsBlocked: () => awaitingAnswer || readText(model, "busy") !== "",
  };
  session.t = context.t;

  const header = createHeader(model, session, context);
  const panelSlot = h("div", { class: "iok-body" });
  // Lumino skips shortcut matching for key events from inside an element with this
  // attribute, so notebook shortcuts do not act on keys meant for the widget.
  // CSS from the css trait (the style= option). A style element applies to the whole page, so its
  // rules should start with .importok to reach only the widget.
  const userStyle = h("style", { "data-testid": "user-style" });
  const root = h("div", { class: "importok", "data-lm-suppress-shortcuts": "true" }, userStyle, header.element, panelSlot);
  el.replaceChildren(root);
  root.addEventListener("keydown", stopKeydownPropagation);
  const removeLeaveGuard = guardLeaving(model, session);

  let panel: StepPanel | null = null;

  // A focused button that becomes disabled while the kernel works, or that a
  // new step removes, drops focus to the page. Keyboard users would then have to
  // find the widget again, so such focus goes back to the panel's heading.
  let focusLostAt = 0;
  const onFocusOut = (event: FocusEvent): void => {
    focusLostAt = event.relatedTarget === null ? performance.now() : 0;
  };
  const onFocusIn = (): void => {
    focusLostAt = 0;
  };
  // A click elsewhere also leaves focus on the page, and that focus must stay.
  const onPointerDown = (event: PointerEvent): void => {
    if (!(event.target instanceof Node) || !root.contains(event.target)) {
      focusLostAt = 0;
    }
  };
  root.addEventListener("focusout", onFocusOut);
  root.addEventListener("focusin", onFocusIn);
  document.addEventListener("pointerdown", onPointerDown, true);

  function recoverFocus(): void {
    const lost = focusLostAt !== 0 && performance.now() - focusLostAt < FOCUS_RECOVERY_MS;
    const onPage = document.activeElement === null || document.activeElement === document.body;
    if (lost && onPage && panel !== null && root.isConnected) {
      focusLostAt = 0;
      panel.heading.focus();
    }
  }

  function rebuildPanel(): void {
    // Focus inside the old panel would fall back to the page, so move it to the new heading.
    const hadFocus = root.contains(document.activeElement);
    panel?.dispose?.();
    panel = PANEL_RENDERERS[readStep(model)](context);
    panelSlot.replaceChildren(panel.element);
    if (hadFocus) {
      panel.heading.focus();
    }
  }

  function refresh(): void {
    setText(userStyle, toText(model.get("css")));
    header.update();
    panel?.update();
    recoverFocus();
  }

  const handlers = new Map<string, () => void>();
  for (const name of TRAIT_NAMES) {
    handlers.set(`change:${name}`, () => {
      if (name === "step" || name === "busy" || name === "error") {
        stopAwaiting();
      }
      if (name === "step") {
        session.notice = "";
        if (readStep(model) === "upload") {
          // The upload step leads on only through a new upload, so the old file's read settings no longer apply.
          session.readSettings = null;
        }
        rebuildPanel();
      }
      if (name === "locale" || name === "translations") {
        context.locale = normalizeLocale(readText(model, "locale"));
        context.t = createTranslate(context.locale, readTranslations(model));
        session.t = context.t;
        rebuildPanel();
      }
      refresh();
    });
  }
  for (const [event, handler] of handlers) {
    model.on(event, handler);
  }
  const unsubscribe = session.subscribe(refresh);

  rebuildPanel();
  refresh();

  return () => {
    for (const [event, handler] of handlers) {
      model.off(event, handler);
    }
    unsubscribe();
    panel?.dispose?.();
    session.dispose();
    stopAwaiting();
    header.destroy();
    removeLeaveGuard();
    root.removeEventListener("focusout", onFocusOut);
    root.removeEventListener("focusin", onFocusIn);
    document.removeEventListener("pointerdown", onPointerDown, true);
    root.removeEventListener("keydown", stopKeydownPropagation);
    root.remove();
  };
}

/**
 * Keeps key presses inside the widget from reaching the notebook. Without it,
 * ArrowDown on a focused select moved focus to the next cell in JupyterLab
 * 4.6.6, even with data-lm-suppress-shortcuts set.
 */
function stopKeydownPropagation(event: KeyboardEvent): void {
  event.stopPropagation();
}

/** Creates the title, stepper, error banner and busy line. Their text follows `context.t` on every update. */
function createHeader(model: Model, session: Session, context: StepContext): Header & { destroy(): void } {
  const title = h("h2", { class: "iok-title" });

  const stepLabelElements = STEPS.map(() => h("span", { class: "iok-step-label" }));
  const stepItems = stepLabelElements.map((label, index) =>
    h("li", { class: "iok-step" }, h("span", { class: "iok-step-number", "aria-hidden": "true" }, String(index + 1)), label),
  );
  const stepper = h("ol", { class: "iok-stepper" }, ...stepItems);

  const bannerText = h("div", { class: "iok-error-text" });
  const dismissButton = h("button", { type: "button", class: "iok-dismiss" }, "×");
  const banner = h("div", { class: "iok-error", role: "alert", "data-testid": "error-banner" }, bannerText, dismissButton);

  const busyText = h("span");
  const busy = h("div", { class: "iok-busy", role: "status" }, h("span", { class: "iok-spinner", "aria-hidden": "true" }), busyText);

  // The kernel's error stays hidden after Dismiss until the error trait changes.
  let dismissedError: string | null = null;
  const onErrorChange = (): void => {
    dismissedError = null;
  };
  model.on("change:error", onErrorChange);
  dismissButton.addEventListener("click", () => {
    dismissedError = readText(model, "error");
    session.setNotice("");
    update();
  });

  const subtitle = h("p", { class: "iok-subtitle", "data-testid": "subtitle" });
  const element = h("header", { class: "iok-header" }, title, stepper, subtitle, banner, busy);

  function update(): void {
    const { t } = context;
    const titleText = readText(model, "title");
    title.hidden = titleText === "";
    // The kernel's default title is English, so it is translated. A title that the user set is shown as it is.
    setText(title, titleText === DEFAULT_TITLE ? t("Import records") : titleText);
    const subtitleText = readSubtitle(model, readStep(model));
    subtitle.hidden = subtitleText === "";
    setText(subtitle, subtitleText);

    stepper.setAttribute("aria-label", t("Import steps"));
    dismissButton.setAttribute("aria-label", t("Dismiss error"));
    const labels = stepLabels(t);
    STEPS.forEach((step, index) => setText(stepLabelElements[index], labels[step]));
    const current = STEPS.indexOf(readStep(model));
    stepItems.forEach((item, index) => {
      item.classList.toggle("iok-step-current", index === current);
      item.classList.toggle("iok-step-complete", index < current);
      if (index === current) {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
    });

    const kernelError = readText(model, "error");
    // Kernel errors are long and specific, so only an exact entry of the translations trait replaces one.
    const overrides = readTranslations(model);
    const shownError = Object.prototype.hasOwnProperty.call(overrides, kernelError) ? overrides[kernelError] : kernelError;
    const messages = [kernelError === dismissedError ? "" : shownError, session.notice].filter(
      (message, index, all) => message !== "" && all.indexOf(message) === index,
    );
    banner.hidden = messages.length === 0;
    bannerText.replaceChildren(...messages.map((message) => h("p", {}, message)));

    const busyMessage = t(readText(model, "busy"));
    busy.hidden = busyMessage === "";
    setText(busyText, busyMessage === "" || /(…|\.)$/.test(busyMessage) ? busyMessage : `${busyMessage}…`);
  }

  return {
    element,
    update,
    destroy() {
      model.off("change:error", onErrorChange);
    },
  };
}

export default { render };
