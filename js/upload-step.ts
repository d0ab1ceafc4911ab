// Upload step: drop zone, file picker, header checkbox and upload progress.
import { createProgressBar, formatBytes, formatCount, formatPercent, h, percent, setText, uniqueId } from "./dom";
import type { Translate } from "./i18n";
import { readText, toText } from "./model";
import { createButton, createPanelShell, type StepContext, type StepPanel } from "./panel";
import type { UploadStatus } from "./session";

const ACCEPTED_TYPES = ".csv,.tsv,.txt,.xlsx,.xlsm,.xls,.ods";

export function renderUpload(context: StepContext): StepPanel {
  const { model, session, t, locale } = context;
  const { element, heading } = createPanelShell("upload", t("Upload a file"));

  const hintId = uniqueId("drop-hint");
  const input = h("input", {
    type: "file",
    accept: ACCEPTED_TYPES,
    class: "iok-visually-hidden",
    "data-testid": "file-input",
    "aria-label": t("Spreadsheet file"),
    // The drop zone is the keyboard control for this input, so keep the input out of the tab order.
    tabindex: -1,
  });
  const dropZone = h(
    "div",
    { class: "iok-dropzone", role: "button", tabindex: 0, "aria-describedby": hintId },
    h("span", { class: "iok-dropzone-title" }, t("Drop a file here or click to choose one")),
    h("span", { class: "iok-dropzone-hint", id: hintId }, t("CSV, TSV, TXT, XLSX, XLSM, XLS or ODS")),
  );

  const headerBox = h("input", { type: "checkbox", "data-testid": "with-header" });
  const headerLabel = h("label", { class: "iok-checkbox" }, headerBox, t("First line contains field names"));

  const currentFile = h("p", { class: "iok-muted" });

  const bar = createProgressBar(t("Upload progress"), "upload-progress");
  const statusText = h("div", { class: "iok-progress-text", "aria-live": "polite" });
  const cancelButton = createButton(t("Cancel upload"), "cancel-upload", () => session.cancelUpload());
  const status = h("div", { class: "iok-upload-status" }, bar.element, statusText, cancelButton);

  // The kernel can be busy with an upload that this view did not start: one from
  // another view of the widget, or one left running by a page that was reloaded.
  const otherUploadText = h("span");
  const otherUploadButton = createButton(t("Cancel it"), "cancel-other-upload", () => session.resetKernel());
  const otherUpload = h("p", { class: "iok-muted" }, otherUploadText, " ", otherUploadButton);

  const sampleButton = createButton(t("Download a sample file"), "download-sample", () =>
    session.requestDownload({ type: "download_sample" }, "upload"),
  );
  const sampleName = h("span", { class: "iok-muted" });
  const sample = h("p", { class: "iok-sample-file" }, sampleButton, " ", sampleName);

  element.append(dropZone, input, headerLabel, sample, currentFile, status, otherUpload);

  const isLocked = (): boolean => session.upload.phase !== "idle" || context.actionsBlocked();

  const startUpload = (files: FileList | null): void => {
    if (isLocked() || files === null || files.length === 0) {
      return;
    }
    if (files.length > 1) {
      session.setNotice(t("Drop one file at a time. You dropped {count} files.", { count: formatCount(files.length, locale) }));
      return;
    }
    session.startUpload(files[0]);
  };

  input.addEventListener("change", () => {
    startUpload(input.files);
    // Clearing the value lets the same file be chosen again after a failed upload.
    input.value = "";
  });
  headerBox.addEventListener("change", () => {
    model.set("with_header", headerBox.checked);
    model.save_changes();
  });
  dropZone.addEventListener("click", () => {
    if (!isLocked()) {
      input.click();
    }
  });
  // Like a native button, the drop zone acts on key release. In Chromium 156 inside
  // JupyterLab, a file input clicked on Enter's keydown opened no file chooser.
  dropZone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
    }
  });
  dropZone.addEventListener("keyup", (event) => {
    if ((event.key === "Enter" || event.key === " ") && !isLocked()) {
      event.preventDefault();
      input.click();
    }
  });
  addDropHandlers(dropZone, isLocked, (files) => startUpload(files));

  const update = (): void => {
    const locked = isLocked();
    input.disabled = locked;
    headerBox.disabled = locked;
    headerBox.checked = model.get("with_header") !== false;
    dropZone.setAttribute("aria-disabled", String(locked));
    dropZone.classList.toggle("iok-disabled", locked);

    const sampleFile = toText(model.get("sample_file"));
    sample.hidden = sampleFile === "";
    setText(sampleName, sampleFile);
    sampleButton.disabled = session.pendingDownloads.size > 0;

    const filename = readText(model, "filename");
    currentFile.hidden = filename === "" || session.upload.phase !== "idle";
    setText(currentFile, t("Current file: {filename}. Choose another file to replace it.", { filename }));

    const upload = session.upload;
    status.hidden = upload.phase === "idle";
    cancelButton.hidden = upload.phase !== "uploading";
    bar.set(upload.acked, upload.size, formatPercent(percent(upload.acked, upload.size), locale));
    setText(statusText, describeUpload(upload, t, locale));

    const busy = readText(model, "busy");
    otherUpload.hidden = upload.phase !== "idle" || busy === "";
    setText(otherUploadText, t("The kernel is busy ({task}). Wait for it, or cancel to upload a file here.", { task: t(busy) }));
  };

  update();
  return { element, heading, update };
}

function describeUpload(upload: UploadStatus, t: Translate, locale: string): string {
  const { name, acked, size } = upload;
  if (upload.phase === "processing") {
    return t("Uploaded {name} ({size}). Reading the file…", { name, size: formatBytes(size, t, locale) });
  }
  const values = {
    name,
    percent: formatPercent(percent(acked, size), locale),
    received: formatBytes(acked, t, locale),
    size: formatBytes(size, t, locale),
  };
  if (upload.stalled) {
    return t("Uploading {name}: {percent} ({received} of {size}). Waiting for the kernel, which may be running another cell…", values);
  }
  return t("Uploading {name}: {percent} ({received} of {size})", values);
}

/** Adds drag-and-drop handling with an `iok-dragover` class while a drag is over the zone. */
function addDropHandlers(zone: HTMLElement, isLocked: () => boolean, onDrop: (files: FileList | null) => void): void {
  // dragenter and dragleave also fire for child elements, so count nesting depth.
  let depth = 0;
  const setOver = (over: boolean): void => {
    zone.classList.toggle("iok-dragover", over);
  };
  zone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    setOver(!isLocked());
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    if (event.dataTransfer !== null) {
      event.dataTransfer.dropEffect = isLocked() ? "none" : "copy";
    }
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) {
      setOver(false);
    }
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    // The drop is handled here, so the notebook around the widget must not see it too.
    event.stopPropagation();
    depth = 0;
    setOver(false);
    onDrop(event.dataTransfer?.files ?? null);
  });
}
