// Upload step: drop zone, file picker, header checkbox and upload progress.
import { createProgressBar, formatBytes, h, percent, setText, uniqueId } from "./dom";
import { readText } from "./model";
import { createButton, createPanelShell, type StepContext, type StepPanel } from "./panel";

const ACCEPTED_TYPES = ".csv,.tsv,.txt,.xlsx,.xlsm,.xls,.ods";

export function renderUpload(context: StepContext): StepPanel {
  const { model, session } = context;
  const { element, heading } = createPanelShell("upload", "Upload a file");

  const hintId = uniqueId("drop-hint");
  const input = h("input", {
    type: "file",
    accept: ACCEPTED_TYPES,
    class: "iok-visually-hidden",
    "data-testid": "file-input",
    "aria-label": "Spreadsheet file",
    // The drop zone is the keyboard control for this input, so keep the input out of the tab order.
    tabindex: -1,
  });
  const dropZone = h(
    "div",
    { class: "iok-dropzone", role: "button", tabindex: 0, "aria-describedby": hintId },
    h("span", { class: "iok-dropzone-title" }, "Drop a file here or click to choose one"),
    h("span", { class: "iok-dropzone-hint", id: hintId }, "CSV, TSV, TXT, XLSX, XLSM, XLS or ODS"),
  );

  const headerBox = h("input", { type: "checkbox", "data-testid": "with-header" });
  const headerLabel = h("label", { class: "iok-checkbox" }, headerBox, "First line contains field names");

  const currentFile = h("p", { class: "iok-muted" });

  const bar = createProgressBar("Upload progress", "upload-progress");
  const statusText = h("div", { class: "iok-progress-text", "aria-live": "polite" });
  const cancelButton = createButton("Cancel upload", "cancel-upload", () => session.cancelUpload());
  const status = h("div", { class: "iok-upload-status" }, bar.element, statusText, cancelButton);

  // The kernel can be busy with an upload that this view did not start: one from
  // another view of the widget, or one left running by a page that was reloaded.
  const otherUploadText = h("span");
  const otherUploadButton = createButton("Cancel it", "cancel-other-upload", () => session.resetKernel());
  const otherUpload = h("p", { class: "iok-muted" }, otherUploadText, " ", otherUploadButton);

  element.append(dropZone, input, headerLabel, currentFile, status, otherUpload);

  const isLocked = (): boolean => session.upload.phase !== "idle" || context.actionsBlocked();

  const startUpload = (files: FileList | null): void => {
    if (isLocked() || files === null || files.length === 0) {
      return;
    }
    if (files.length > 1) {
      session.setNotice(`Drop one file at a time. You dropped ${files.length} files.`);
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
  dropZone.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") {
      return;
    }
    event.preventDefault();
    if (!isLocked()) {
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

    const filename = readText(model, "filename");
    currentFile.hidden = filename === "" || session.upload.phase !== "idle";
    setText(currentFile, `Current file: ${filename}. Choose another file to replace it.`);

    const upload = session.upload;
    status.hidden = upload.phase === "idle";
    cancelButton.hidden = upload.phase !== "uploading";
    bar.set(upload.acked, upload.size, `${percent(upload.acked, upload.size)}%`);
    setText(statusText, describeUpload(upload.phase, upload.name, upload.acked, upload.size, upload.stalled));

    const busy = readText(model, "busy");
    otherUpload.hidden = upload.phase !== "idle" || busy === "";
    setText(otherUploadText, `The kernel is busy (${busy}). Wait for it, or cancel to upload a file here.`);
  };

  update();
  return { element, heading, update };
}

function describeUpload(phase: string, name: string, acked: number, size: number, stalled: boolean): string {
  if (phase === "processing") {
    return `Uploaded ${name} (${formatBytes(size)}). Reading the file…`;
  }
  const amount = `${percent(acked, size)}% (${formatBytes(acked)} of ${formatBytes(size)})`;
  if (stalled) {
    return `Uploading ${name}: ${amount}. Waiting for the kernel, which may be running another cell…`;
  }
  return `Uploading ${name}: ${amount}`;
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
