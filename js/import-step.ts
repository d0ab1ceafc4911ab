// Import step: delivery progress, speed, time left and the Cancel button.
import { createProgressBar, formatCount, formatDecimal, formatDuration, h, setText } from "./dom";
import type { Translate } from "./i18n";
import { type Progress, readProgress } from "./model";
import { createActions, createButton, createPanelShell, type StepContext, type StepPanel } from "./panel";

export function renderImport(context: StepContext): StepPanel {
  const { model, t, locale } = context;
  const { element, heading } = createPanelShell("import", t("Importing records"));

  const bar = createProgressBar(t("Import progress"), "import-progress");
  const counts = h("span");
  const failed = h("span", { class: "iok-progress-failed-text" });
  const rate = h("span", { "data-testid": "import-rate" });
  const timeLeft = h("span");
  const status = h("span");
  const text = h("div", { class: "iok-progress-text", "data-testid": "import-progress-text" }, counts, failed, rate, timeLeft, status);
  // Cancelling is local to this view until the kernel moves on to step done.
  let cancelling = false;
  const cancelButton = createButton(t("Cancel"), "cancel", () => {
    cancelling = true;
    model.send({ type: "cancel" });
    update();
  });

  element.append(bar.element, text, createActions(cancelButton));

  function update(): void {
    const progress = readProgress(model);
    const summary = `${formatCount(progress.processed, locale)} / ${formatCount(progress.total, locale)}`;
    const failedText = t("{count} failed", { count: formatCount(progress.failed, locale) });
    bar.set(progress.processed, progress.total, `${summary}, ${failedText}`, progress.failed);

    setText(counts, summary);
    setText(failed, ` · ${failedText}`);
    failed.classList.toggle("iok-has-failed", progress.failed > 0);
    setText(rate, progress.rate === null ? "" : ` · ${formatRate(progress.rate, t, locale)}`);
    rate.hidden = progress.rate === null;
    const left = describeTimeLeft(progress, t);
    setText(timeLeft, left === "" ? "" : ` · ${left}`);
    setText(status, cancelling ? `. ${t("Cancelling…")}` : "");

    // Cancel does not check actionsBlocked(), so a busy kernel cannot block it.
    cancelButton.disabled = cancelling;
    setText(cancelButton, cancelling ? t("Cancelling…") : t("Cancel"));
  }

  update();
  return { element, heading, update };
}

function formatRate(rate: number, t: Translate, locale: string): string {
  const shown = rate < 10 ? formatDecimal(rate, locale) : formatCount(rate, locale);
  return t("{rate} records/s", { rate: shown });
}

function describeTimeLeft(progress: Progress, t: Translate): string {
  if (progress.eta === null || progress.processed >= progress.total) {
    return "";
  }
  return t("about {time} left", { time: formatDuration(progress.eta) });
}
