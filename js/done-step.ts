// Done step: the outcome, result totals, retry and download of failed
// records, and Start over.
import { formatCount, h, setText } from "./dom";
import { readResult, type Result } from "./model";
import { createActions, createButton, createPanelShell, createStat, type StepContext, type StepPanel } from "./panel";

type Outcome = "success" | "warning" | "error" | "cancelled";

export function renderDone(context: StepContext): StepPanel {
  const { model, session } = context;
  const { element, heading } = createPanelShell("done", "Import finished");

  const summary = h("p", { class: "iok-outcome", "data-testid": "result-summary" });

  const total = h("span", { class: "iok-stat-value", "data-testid": "result-total" });
  const succeeded = h("span", { class: "iok-stat-value", "data-testid": "result-succeeded" });
  const failed = h("span", { class: "iok-stat-value", "data-testid": "result-failed" });
  const failedStat = createStat("Failed", failed);
  const stats = h("div", { class: "iok-stats" }, createStat("Total", total), createStat("Succeeded", succeeded, "iok-stat-success"), failedStat);

  const cancelledNote = h("p", { class: "iok-muted" }, "The import was cancelled. Records not yet sent count as failed.");
  const retryHint = h("p", { class: "iok-muted", "data-testid": "retry-hint" });

  const retryButton = createButton("Retry failed records", "retry-failed", () => context.sendAction({ type: "retry_failed" }));
  const downloadButton = createButton("Download failed records", "download-rejected", () => session.requestDownload());
  const startOverButton = createButton("Start over", "start-over", () => context.sendAction({ type: "reset" }), "primary");

  element.append(summary, stats, cancelledNote, retryHint, createActions(retryButton, downloadButton, startOverButton));

  const update = (): void => {
    const result = readResult(model);
    const outcome = classifyResult(result);
    setText(heading, result.cancelled ? "Import cancelled" : "Import finished");
    element.dataset.outcome = outcome;
    setText(summary, describeResult(result));
    cancelledNote.hidden = !result.cancelled;
    setText(total, result.total.toLocaleString("en-US"));
    setText(succeeded, result.succeeded.toLocaleString("en-US"));
    setText(failed, result.failed.toLocaleString("en-US"));
    failedStat.classList.toggle("iok-stat-error", result.failed > 0);

    retryButton.hidden = result.retryable === 0;
    retryButton.disabled = context.actionsBlocked();
    setText(retryButton, `Retry ${formatCount(result.retryable)} failed ${plural(result.retryable, "record")}`);
    const hint = describeRetry(result);
    retryHint.hidden = hint === "";
    setText(retryHint, hint);

    const downloading = session.pendingDownloads.size > 0;
    downloadButton.disabled = result.failed === 0 || downloading || context.actionsBlocked();
    setText(downloadButton, downloading ? "Preparing download…" : "Download failed records");
    startOverButton.disabled = context.actionsBlocked();
  };

  update();
  return { element, heading, update };
}

function classifyResult(result: Result): Outcome {
  if (result.cancelled) {
    return "cancelled";
  }
  if (result.failed === 0) {
    return "success";
  }
  return result.succeeded === 0 && result.total > 0 ? "error" : "warning";
}

function describeResult(result: Result): string {
  const total = formatCount(result.total);
  const succeeded = formatCount(result.succeeded);
  const failed = formatCount(result.failed);
  if (result.cancelled) {
    return `${succeeded} of ${total} ${plural(result.total, "record")} imported before the import was cancelled.`;
  }
  if (result.failed === 0) {
    return `All ${total} ${plural(result.total, "record")} imported.`;
  }
  if (result.succeeded === 0) {
    return `No records imported. All ${total} failed.`;
  }
  return `${succeeded} of ${total} ${plural(result.total, "record")} imported, ${failed} failed.`;
}

function describeRetry(result: Result): string {
  const notRetryable = result.failed - result.retryable;
  const parts: string[] = [];
  if (result.retryable > 0) {
    parts.push(`Retry sends only the ${plural(result.retryable, "record")} whose delivery failed or never started.`);
  }
  if (notRetryable > 0) {
    parts.push("Records that failed validation need fixing in the file.");
  }
  return parts.join(" ");
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
