// Panels of the records grid's toolbar: find and replace, and add a record.
// Each is a form that a toolbar button shows and hides, and each sends one
// message whose reply, matched by its request id, updates the form's status line.
import { formatCount, h, setText, uniqueId } from "./dom";
import type { Field } from "./model";
import { isUnavailable, setUnavailable, type StepContext } from "./panel";
import { attachProviderOptions } from "./provider-options";
import { randomId } from "./session";

export interface ToolPanel {
  /** The button that shows and hides the panel. */
  toggle: HTMLButtonElement;
  element: HTMLElement;
  /** Enables or disables the controls that send a message. */
  update(blocked: boolean): void;
  dispose(): void;
}

/** Creates a button with aria-expanded that shows and hides `panel`, and moves focus into it. */
function createToggle(text: string, testId: string, panel: HTMLElement, first: () => HTMLElement): HTMLButtonElement {
  panel.id = uniqueId("panel");
  panel.hidden = true;
  const button = h(
    "button",
    {
      type: "button",
      class: "iok-button iok-button-secondary",
      "aria-expanded": "false",
      "aria-controls": panel.id,
      "data-testid": testId,
    },
    text,
  );
  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) {
      first().focus();
    }
  });
  return button;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return h("label", { class: "iok-tool-field" }, h("span", {}, text), control);
}

function checkbox(text: string, testId: string): { label: HTMLLabelElement; input: HTMLInputElement } {
  const input = h("input", { type: "checkbox", "data-testid": testId });
  return { label: h("label", { class: "iok-check" }, input, text), input };
}

interface RequestTracker {
  /** Sends `content` with a new request id, as the one request awaiting a reply. */
  send(content: Record<string, unknown>): void;
  /** True from sending until the reply, or an error in the kernel, arrives. */
  pending(): boolean;
  dispose(): void;
}

/**
 * Sends messages whose reply of type `replyType` carries the same request id, and
 * passes that reply to `onReply`. An error in the kernel (shown in the banner)
 * sends no reply, so a new error ends the wait as well. `onChange` runs whenever
 * `pending()` changes.
 */
function trackRequests(
  context: StepContext,
  replyType: string,
  onReply: (reply: Record<string, unknown>) => void,
  onChange: () => void,
): RequestTracker {
  const { model } = context;
  let latestRequest = "";
  const onMessage = (message: unknown): void => {
    if (typeof message !== "object" || message === null) {
      return;
    }
    const reply = message as Record<string, unknown>;
    if (reply.type !== replyType || latestRequest === "" || reply.request !== latestRequest) {
      return;
    }
    latestRequest = "";
    onReply(reply);
    onChange();
  };
  const onError = (): void => {
    latestRequest = "";
    onChange();
  };
  model.on("msg:custom", onMessage);
  model.on("change:error", onError);
  return {
    send(content) {
      latestRequest = randomId();
      model.send({ ...content, request: latestRequest });
      onChange();
    },
    pending: () => latestRequest !== "",
    dispose() {
      model.off("msg:custom", onMessage);
      model.off("change:error", onError);
    },
  };
}

/** Sends the message that `content` builds when `form` is submitted and `submit` is available. */
function sendOnSubmit(
  form: HTMLFormElement,
  submit: HTMLButtonElement,
  status: HTMLElement,
  requests: RequestTracker,
  content: () => Record<string, unknown>,
): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (isUnavailable(submit)) {
      return;
    }
    setText(status, "");
    requests.send(content());
  });
}

/** Creates the find and replace panel: one field or all, with match case and whole cell. */
export function createReplacePanel(context: StepContext, fields: Field[]): ToolPanel {
  const { t, locale } = context;
  const findInput = h("input", { type: "text", class: "iok-input", "data-testid": "grid-find" });
  const replaceInput = h("input", { type: "text", class: "iok-input", "data-testid": "grid-replace" });
  const fieldSelect = h(
    "select",
    { class: "iok-select", "data-testid": "grid-replace-field" },
    h("option", { value: "" }, t("All fields")),
    ...fields.map((field) => h("option", { value: field.key }, field.label)),
  );
  const matchCase = checkbox(t("Match case"), "grid-match-case");
  const wholeCell = checkbox(t("Whole cell"), "grid-whole-cell");
  const submit = h(
    "button",
    { type: "submit", class: "iok-button iok-button-primary", "data-testid": "grid-replace-all" },
    t("Replace all"),
  );
  const status = h("span", { class: "iok-tool-status", role: "status", "data-testid": "grid-replace-status" });
  const form = h(
    "form",
    { class: "iok-tool-panel", "aria-label": t("Find and replace") },
    labelled(t("Find"), findInput),
    labelled(t("Replace with"), replaceInput),
    labelled(t("In"), fieldSelect),
    matchCase.label,
    wholeCell.label,
    submit,
    status,
  );
  const toggle = createToggle(t("Find and replace"), "grid-find-replace", form, () => findInput);

  let blocked = false;
  const updateSubmit = (): void => {
    setUnavailable(submit, blocked || requests.pending() || findInput.value === "");
  };
  const requests = trackRequests(
    context,
    "find_replace_done",
    (reply) => {
      const count = Number(reply.count) || 0;
      let text = t("No cells matched");
      if (count === 1) {
        text = t("Replaced 1 cell");
      } else if (count > 1) {
        text = t("Replaced {count} cells", { count: formatCount(count, locale) });
      }
      setText(status, text);
    },
    () => updateSubmit(),
  );
  sendOnSubmit(form, submit, status, requests, () => ({
    type: "find_replace",
    find: findInput.value,
    replace: replaceInput.value,
    field: fieldSelect.value === "" ? null : fieldSelect.value,
    match_case: matchCase.input.checked,
    whole_cell: wholeCell.input.checked,
  }));
  findInput.addEventListener("input", updateSubmit);

  return {
    toggle,
    element: form,
    update(isBlocked) {
      blocked = isBlocked;
      updateSubmit();
    },
    dispose: requests.dispose,
  };
}

/** Creates a form with one input per field that adds a record, and passes its row_index to `onAdded`. */
export function createAddPanel(context: StepContext, fields: Field[], onAdded: (row: number) => void): ToolPanel {
  const { model, t } = context;
  const status = h("span", { class: "iok-tool-status", role: "status", "data-testid": "grid-add-status" });
  const detachers: (() => void)[] = [];
  const inputs = fields.map((field) => {
    const input = h("input", { type: "text", class: "iok-input", "data-testid": `grid-new-${field.key}` });
    const parts: HTMLElement[] = [input];
    if (field.provider) {
      const options = attachProviderOptions(model, input, field.key, (message) => setText(status, message));
      parts.push(options.element);
      detachers.push(options.detach);
    }
    const label = h("label", { class: "iok-tool-field" }, h("span", {}, field.label), ...parts);
    return { field, input, label };
  });
  const submit = h(
    "button",
    { type: "submit", class: "iok-button iok-button-primary", "data-testid": "grid-add-submit" },
    t("Add record"),
  );
  const form = h(
    "form",
    { class: "iok-tool-panel", "aria-label": t("New record") },
    ...inputs.map((item) => item.label),
    submit,
    status,
  );
  const toggle = createToggle(t("Add record"), "grid-add", form, () => inputs[0]?.input ?? submit);

  let blocked = false;
  const updateSubmit = (): void => {
    setUnavailable(submit, blocked || requests.pending());
  };
  const requests = trackRequests(
    context,
    "add_record_done",
    (reply) => {
      const row = Number(reply.row);
      for (const item of inputs) {
        item.input.value = "";
      }
      setText(status, t("Added as row {row}", { row: row + 1 }));
      onAdded(row);
      // Ready for the next record.
      if (form.contains(document.activeElement)) {
        inputs[0]?.input.focus();
      }
    },
    () => updateSubmit(),
  );
  sendOnSubmit(form, submit, status, requests, () => ({
    type: "add_record",
    values: Object.fromEntries(inputs.map((item) => [item.field.key, item.input.value])),
  }));

  return {
    toggle,
    element: form,
    update(isBlocked) {
      blocked = isBlocked;
      updateSubmit();
    },
    dispose() {
      requests.dispose();
      for (const detach of detachers) {
        detach();
      }
    },
  };
}
