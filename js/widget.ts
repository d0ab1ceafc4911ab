// Front end of importok-widget, an anywidget ESM module. It renders the import
// wizard: a stepper, the title, an error banner, a busy line and the panel of
// the current step (upload, mapping, review, import, done). User actions go to
// the kernel as custom messages, files are uploaded in acknowledged chunks
// (session.ts), and every synced trait change refreshes the view in place.
import type { RenderProps } from "@anywidget/types";

import { renderDone } from "./done-step";
import { h, setText } from "./dom";
import { renderImport } from "./import-step";
import { renderMapping } from "./mapping-step";
import { type Model, readStep, readText, STEP_LABELS, STEPS, type Step, TRAIT_NAMES, type Traits } from "./model";
import type { StepContext, StepPanel } from "./panel";
import { renderReview } from "./review-step";
import { Session } from "./session";
import { renderUpload } from "./upload-step";

/**
 * Time after which a sent action unblocks the buttons even without a response,
 * so a kernel that ignores a message cannot leave the widget stuck.
 */
const ACTION_TIMEOUT_MS = 5000;

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

  const context: StepContext = {
    model,
    session,
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

  const header = createHeader(model, session);
  const panelSlot = h("div", { class: "iok-body" });
  // Lumino skips shortcut matching for key events from inside an element with this
  // attribute, so notebook shortcuts do not act on keys meant for the widget.
  const root = h("div", { class: "importok", "data-lm-suppress-shortcuts": "true" }, header.element, panelSlot);
  el.replaceChildren(root);
  root.addEventListener("keydown", stopKeydownPropagation);

  let panel: StepPanel | null = null;

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
    header.update();
    panel?.update();
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

function createHeader(model: Model, session: Session): Header & { destroy(): void } {
  const title = h("h2", { class: "iok-title" });

  const stepItems = STEPS.map((step, index) =>
    h(
      "li",
      { class: "iok-step" },
      h("span", { class: "iok-step-number", "aria-hidden": "true" }, String(index + 1)),
      h("span", { class: "iok-step-label" }, STEP_LABELS[step]),
    ),
  );
  const stepper = h("ol", { class: "iok-stepper", "aria-label": "Import steps" }, ...stepItems);

  const bannerText = h("div", { class: "iok-error-text" });
  const dismissButton = h("button", { type: "button", class: "iok-dismiss", "aria-label": "Dismiss error" }, "×");
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

  const element = h("header", { class: "iok-header" }, title, stepper, banner, busy);

  function update(): void {
    const titleText = readText(model, "title");
    title.hidden = titleText === "";
    setText(title, titleText);

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
    const messages = [kernelError === dismissedError ? "" : kernelError, session.notice].filter(
      (message, index, all) => message !== "" && all.indexOf(message) === index,
    );
    banner.hidden = messages.length === 0;
    bannerText.replaceChildren(...messages.map((message) => h("p", {}, message)));

    const busyMessage = readText(model, "busy");
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
