// Import step: delivery progress and the Cancel button.
import { createProgressBar, h, setText } from "./dom";
import { readProgress } from "./model";
import { createActions, createButton, createPanelShell, type StepContext, type StepPanel } from "./panel";

export function renderImport(context: StepContext): StepPanel {
  const { model } = context;
  const { element, heading } = createPanelShell("import", "Importing records");

  const bar = createProgressBar("Import progress", "import-progress");
  const text = h("div", { class: "iok-progress-text", "data-testid": "import-progress-text" });
  // Cancelling is local to this view until the kernel moves on to step done.
  let cancelling = false;
  const cancelButton = createButton("Cancel", "cancel", () => {
    cancelling = true;
    model.send({ type: "cancel" });
    update();
  });

  element.append(bar.element, text, createActions(cancelButton));

  function update(): void {
    const progress = readProgress(model);
    const summary = `${progress.processed} / ${progress.total}, ${progress.failed} failed`;
    bar.set(progress.processed, progress.total, summary);
    setText(text, cancelling ? `${summary}. Cancelling…` : summary);
    // Cancel does not check actionsBlocked(), so a busy kernel cannot block it.
    cancelButton.disabled = cancelling;
    setText(cancelButton, cancelling ? "Cancelling…" : "Cancel");
  }

  update();
  return { element, heading, update };
}
