// Done step: result totals, download of failed records, and Start over.
import { h, setText } from "./dom";
import { readResult } from "./model";
import { createActions, createButton, createPanelShell, createStat, type StepContext, type StepPanel } from "./panel";

export function renderDone(context: StepContext): StepPanel {
  const { model, session } = context;
  const { element, heading } = createPanelShell("done", "Import finished");

  const total = h("span", { class: "iok-stat-value", "data-testid": "result-total" });
  const succeeded = h("span", { class: "iok-stat-value", "data-testid": "result-succeeded" });
  const failed = h("span", { class: "iok-stat-value", "data-testid": "result-failed" });
  const stats = h(
    "div",
    { class: "iok-stats" },
    createStat("Total", total),
    createStat("Succeeded", succeeded, "iok-stat-success"),
    createStat("Failed", failed, "iok-stat-error"),
  );

  const downloadButton = createButton("Download failed records", "download-rejected", () => session.requestDownload());
  const startOverButton = createButton("Start over", "start-over", () => context.sendAction({ type: "reset" }), "primary");

  const cancelledNote = h("p", { class: "iok-muted" }, "The import was cancelled. Records not yet sent count as failed.");

  element.append(stats, cancelledNote, createActions(downloadButton, startOverButton));

  const update = (): void => {
    const result = readResult(model);
    setText(heading, result.cancelled ? "Import cancelled" : "Import finished");
    cancelledNote.hidden = !result.cancelled;
    setText(total, String(result.total));
    setText(succeeded, String(result.succeeded));
    setText(failed, String(result.failed));

    const downloading = session.pendingDownloads > 0;
    downloadButton.disabled = result.failed === 0 || downloading || context.actionsBlocked();
    setText(downloadButton, downloading ? "Preparing download…" : "Download failed records");
    startOverButton.disabled = context.actionsBlocked();
  };

  update();
  return { element, heading, update };
}
