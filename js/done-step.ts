// Done step: the outcome, result totals, retry and download of failed
// records, and Start over.
import { formatCount, h, setText } from "./dom";
import type { Translate } from "./i18n";
import { readResult, type Result } from "./model";
import { createActions, createButton, createPanelShell, createStat, type StepContext, type StepPanel } from "./panel";

type Outcome = "success" | "warning" | "error" | "cancelled";

export function renderDone(context: StepContext): StepPanel {
  const { model, session, t, locale } = context;
  const { element, heading } = createPanelShell("done", t("Import finished"));

  const summary = h("p", { class: "iok-outcome", "data-testid": "result-summary" });

  const total = h("span", { class: "iok-stat-value", "data-testid": "result-total" });
  const succeeded = h("span", { class: "iok-stat-value", "data-testid": "result-succeeded" });
  const failed = h("span", { class: "iok-stat-value", "data-testid": "result-failed" });
  const failedStat = createStat(t("Failed"), failed);
  const stats = h(
    "div",
    { class: "iok-stats" },
    createStat(t("Total"), total),
    createStat(t("Succeeded"), succeeded, "iok-stat-success"),
    failedStat,
  );

  const cancelledNote = h("p", { class: "iok-muted" }, t("The import was cancelled. Records not yet sent count as failed."));
  const retryHint = h("p", { class: "iok-muted", "data-testid": "retry-hint" });

  const retryButton = createButton(t("Retry failed records"), "retry-failed", () => context.sendAction({ type: "retry_failed" }));
  const downloadButton = createButton(t("Download failed records"), "download-rejected", () => session.requestDownload());
  const startOverButton = createButton(t("Start over"), "start-over", () => context.sendAction({ type: "reset" }), "primary");

  element.append(summary, stats, cancelledNote, retryHint, createActions(retryButton, downloadButton, startOverButton));

  const update = (): void => {
    const result = readResult(model);
    const outcome = classifyResult(result);
    setText(heading, result.cancelled ? t("Import cancelled") : t("Import finished"));
    element.dataset.outcome = outcome;
    setText(summary, describeResult(result, t, locale));
    cancelledNote.hidden = !result.cancelled;
    setText(total, formatCount(result.total, locale));
    setText(succeeded, formatCount(result.succeeded, locale));
    setText(failed, formatCount(result.failed, locale));
    failedStat.classList.toggle("iok-stat-error", result.failed > 0);

    retryButton.hidden = result.retryable === 0;
    retryButton.disabled = context.actionsBlocked();
    setText(
      retryButton,
      result.retryable === 1
        ? t("Retry 1 failed record")
        : t("Retry {count} failed records", { count: formatCount(result.retryable, locale) }),
    );
    const hint = describeRetry(result, t);
    retryHint.hidden = hint === "";
    setText(retryHint, hint);

    const downloading = session.pendingDownloads.size > 0;
    downloadButton.disabled = result.failed === 0 || downloading || context.actionsBlocked();
    setText(downloadButton, downloading ? t("Preparing download…") : t("Download failed records"));
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

function describeResult(result: Result, t: Translate, locale: string): string {
  const values = {
    total: formatCount(result.total, locale),
    succeeded: formatCount(result.succeeded, locale),
    failed: formatCount(result.failed, locale),
  };
  const oneRecord = result.total === 1;
  if (result.cancelled) {
    return oneRecord
      ? t("{succeeded} of 1 record imported before the import was cancelled.", values)
      : t("{succeeded} of {total} records imported before the import was cancelled.", values);
  }
  if (result.failed === 0) {
    return oneRecord ? t("All 1 record imported.") : t("All {total} records imported.", values);
  }
  if (result.succeeded === 0) {
    return t("No records imported. All {total} failed.", values);
  }
  // At least one record succeeded and one failed here, so the total is 2 or more.
  return t("{succeeded} of {total} records imported, {failed} failed.", values);
}

function describeRetry(result: Result, t: Translate): string {
  const notRetryable = result.failed - result.retryable;
  const parts: string[] = [];
  if (result.retryable === 1) {
    parts.push(t("Retry sends only the record whose delivery failed or never started."));
  } else if (result.retryable > 1) {
    parts.push(t("Retry sends only the records whose delivery failed or never started."));
  }
  if (notRetryable > 0) {
    parts.push(t("Records that failed validation need fixing in the file."));
  }
  return parts.join(" ");
}
