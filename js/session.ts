// Upload and download state of one view. anywidget (0.11) gives every view its
// own model proxy and removes the listeners registered through it when the view
// is disposed, so this state cannot outlive its view. dispose() cancels a running
// upload, so the kernel is not left waiting for chunks. Kernel messages reach
// every view, so each upload and download request carries a random id, and a
// view handles only the kernel messages that carry its own ids.
import { createTranslate, type Translate } from "./i18n";
import { CHUNK_SIZE, type Model, type ReadSettings } from "./model";

/** Seconds without an upload_ack before the upload is shown as waiting. */
const STALL_SECONDS = 10;

/** Delay before revoking a download's object URL, because some browsers read it after click() returns. */
const REVOKE_DELAY_MS = 10_000;

export type UploadPhase = "idle" | "uploading" | "processing";

export interface UploadStatus {
  phase: UploadPhase;
  name: string;
  size: number;
  /** Bytes the kernel reported as stored in its last upload_ack. */
  acked: number;
  /** True when no upload_ack has arrived for STALL_SECONDS, for example while the kernel runs another cell. */
  stalled: boolean;
}

type CustomHandler = (message: unknown, buffers: DataView[]) => void;

function messageType(message: unknown): string {
  if (typeof message === "object" && message !== null && "type" in message) {
    return String(message.type);
  }
  return "";
}

function messageField(message: unknown, name: string): unknown {
  if (typeof message === "object" && message !== null && name in message) {
    return (message as Record<string, unknown>)[name];
  }
  return undefined;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Returns 128 random bits as hex. crypto.getRandomValues works on plain-HTTP
 * pages too, unlike crypto.randomUUID, which needs a secure context.
 */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Session {
  readonly model: Model;
  upload: UploadStatus = { phase: "idle", name: "", size: 0, acked: 0, stalled: false };
  /** Request ids of this view's download_rejected messages still waiting for a download message. */
  readonly pendingDownloads = new Set<string>();
  /** Browser-side error, shown in the error banner next to the kernel's `error`. */
  notice = "";
  /**
   * File settings last sent in a reread message, so the mapping step shows them
   * again after the panel is rebuilt. Null until the user applies settings for
   * the current file.
   */
  readSettings: ReadSettings | null = null;
  /** Translates the notices. The view replaces it when the widget's locale or translations change. */
  t: Translate = createTranslate("en", {});

  private readonly listeners = new Set<() => void>();
  private file: File | null = null;
  /** Id of the running upload, sent with every upload message; "" when idle. */
  private uploadId = "";
  /** Incremented on every start and stop, so a chunk read that finishes late is dropped. */
  private generation = 0;
  /** True from sending a message that the kernel acknowledges with upload_ack until that ack arrives. */
  private awaitingAck = false;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private uploadListening = false;
  private downloadListening = false;
  /** Step in which the pending downloads were requested. */
  private downloadStep = "done";

  constructor(model: Model) {
    this.model = model;
  }

  /** Registers a callback for any change of upload, download or notice state, and returns a function that removes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  setNotice(message: string): void {
    this.notice = message;
    this.notify();
  }

  /** Starts sending `file` to the kernel in chunks of CHUNK_SIZE bytes, one per upload_ack. */
  startUpload(file: File): void {
    if (this.upload.phase === "uploading") {
      return;
    }
    this.generation += 1;
    this.file = file;
    this.uploadId = randomId();
    this.notice = "";
    this.readSettings = null;
    this.upload = { phase: "uploading", name: file.name, size: file.size, acked: 0, stalled: false };
    this.listenForUpload(true);
    this.sendAwaitingAck({
      type: "upload_start",
      upload_id: this.uploadId,
      name: file.name,
      size: file.size,
      mime: file.type,
    });
    this.notify();
  }

  /** Stops the upload and sends upload_cancel, so the kernel drops the bytes it has stored. */
  cancelUpload(): void {
    if (this.upload.phase !== "uploading") {
      return;
    }
    this.abortUpload();
    this.notify();
  }

  /** Aborts a running upload and removes every listener and timer of this session. */
  dispose(): void {
    if (this.upload.phase === "uploading") {
      this.abortUpload();
    }
    this.finishUpload();
    this.pendingDownloads.clear();
    this.listenForDownload(false);
    this.listeners.clear();
  }

  /**
   * Sends reset. It ends an upload that another view or an earlier page left
   * running in the kernel, whose upload_id this view cannot know.
   */
  resetKernel(): void {
    this.model.send({ type: "reset" });
  }

  /**
   * Sends a message to which the kernel replies with a download message, such as
   * download_rejected or export_records, with a new request id. The download
   * message with that id is saved as a file. Pending downloads are dropped when
   * the step leaves `step` or the kernel sets an error.
   */
  requestDownload(content: { type: string } & Record<string, unknown> = { type: "download_rejected" }, step = "done"): void {
    const request = randomId();
    this.pendingDownloads.add(request);
    this.downloadStep = step;
    this.listenForDownload(true);
    this.model.send({ ...content, request });
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }

  private sendAwaitingAck(content: object, buffers?: ArrayBuffer[]): void {
    this.awaitingAck = true;
    this.restartStallTimer();
    this.model.send(content, undefined, buffers);
  }

  private restartStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      if (this.awaitingAck && this.upload.phase === "uploading") {
        this.upload = { ...this.upload, stalled: true };
        this.notify();
      }
    }, STALL_SECONDS * 1000);
  }

  private readonly onUploadMessage: CustomHandler = (message) => {
    // Every view receives every upload message, so drop those of other uploads.
    if (this.uploadId === "" || messageField(message, "upload_id") !== this.uploadId) {
      return;
    }
    const type = messageType(message);
    if (type === "upload_ack") {
      this.handleAck(messageField(message, "received"));
    } else if (type === "upload_error") {
      // The kernel has already dropped the upload, so no upload_cancel is sent.
      const reason = String(messageField(message, "message") ?? "");
      this.finishUpload();
      this.notice = reason
        ? this.t("Upload failed: {reason}", { reason })
        : this.t("Upload failed: the kernel rejected the file.");
      this.notify();
    }
  };

  /** Ends the processing phase when the kernel responds to upload_end with a new step, an error or an empty `busy`. */
  private readonly onKernelAnswer = (): void => {
    if (this.upload.phase === "processing") {
      this.finishUpload();
      this.notify();
    }
  };

  private readonly onErrorOrBusyChange = (): void => {
    if (this.model.get("error") || !this.model.get("busy")) {
      this.onKernelAnswer();
    }
  };

  private handleAck(rawReceived: unknown): void {
    // A repeated or late ack for this upload can arrive while no message awaits one.
    if (!this.awaitingAck || this.upload.phase !== "uploading" || this.file === null) {
      return;
    }
    const received = Number(rawReceived);
    const size = this.file.size;
    if (!Number.isInteger(received) || received < 0 || received > size) {
      this.failUpload(
        this.t("Upload failed: the kernel reported {received} bytes stored for a {size}-byte file. Choose the file again.", {
          received: String(rawReceived),
          size,
        }),
      );
      return;
    }
    this.awaitingAck = false;
    clearTimeout(this.stallTimer);
    this.upload = { ...this.upload, acked: received, stalled: false };
    if (received === size) {
      this.model.send({ type: "upload_end", upload_id: this.uploadId });
      this.upload = { ...this.upload, phase: "processing" };
    } else {
      // The kernel's count is authoritative, so the next chunk starts at `received`.
      void this.sendChunk(this.file, received, this.generation);
    }
    this.notify();
  }

  private async sendChunk(file: File, offset: number, generation: number): Promise<void> {
    let chunk: ArrayBuffer;
    try {
      chunk = await file.slice(offset, offset + CHUNK_SIZE).arrayBuffer();
    } catch (error) {
      if (generation === this.generation) {
        this.failUpload(
          this.t("Upload failed: could not read {name} ({reason}). Choose the file again.", {
            name: file.name,
            reason: describeError(error),
          }),
        );
      }
      return;
    }
    if (generation !== this.generation) {
      return;
    }
    this.sendAwaitingAck({ type: "upload_chunk", upload_id: this.uploadId, offset }, [chunk]);
  }

  /** Stops the upload after a browser-side failure and shows `message`. */
  private failUpload(message: string): void {
    this.abortUpload();
    this.notice = message;
    this.notify();
  }

  private abortUpload(): void {
    const uploadId = this.uploadId;
    this.finishUpload();
    this.model.send({ type: "upload_cancel", upload_id: uploadId });
  }

  private finishUpload(): void {
    this.generation += 1;
    this.file = null;
    this.uploadId = "";
    this.awaitingAck = false;
    clearTimeout(this.stallTimer);
    this.upload = { phase: "idle", name: "", size: 0, acked: 0, stalled: false };
    this.listenForUpload(false);
  }

  private listenForUpload(on: boolean): void {
    if (on === this.uploadListening) {
      return;
    }
    this.uploadListening = on;
    if (on) {
      this.model.on("msg:custom", this.onUploadMessage);
      this.model.on("change:step", this.onKernelAnswer);
      this.model.on("change:error", this.onErrorOrBusyChange);
      this.model.on("change:busy", this.onErrorOrBusyChange);
    } else {
      this.model.off("msg:custom", this.onUploadMessage);
      this.model.off("change:step", this.onKernelAnswer);
      this.model.off("change:error", this.onErrorOrBusyChange);
      this.model.off("change:busy", this.onErrorOrBusyChange);
    }
  }

  private readonly onDownloadMessage: CustomHandler = (message, buffers) => {
    const request = messageField(message, "request");
    if (messageType(message) !== "download" || typeof request !== "string" || !this.pendingDownloads.has(request)) {
      return;
    }
    this.pendingDownloads.delete(request);
    if (this.pendingDownloads.size === 0) {
      this.listenForDownload(false);
    }
    const buffer = buffers[0];
    if (buffer === undefined) {
      this.notice = this.t("Download failed: the kernel sent no file data. Try again.");
    } else {
      const filename = String(messageField(message, "filename") ?? "") || "rejected-records.csv";
      const mime = String(messageField(message, "mime") ?? "") || "application/octet-stream";
      saveBuffer(buffer, filename, mime);
    }
    this.notify();
  };

  /** Drops pending downloads when the kernel responds with an error or a new step instead. */
  private readonly onDownloadAbandoned = (): void => {
    if (this.pendingDownloads.size > 0 && (this.model.get("error") || this.model.get("step") !== this.downloadStep)) {
      this.pendingDownloads.clear();
      this.listenForDownload(false);
      this.notify();
    }
  };

  private listenForDownload(on: boolean): void {
    if (on === this.downloadListening) {
      return;
    }
    this.downloadListening = on;
    if (on) {
      this.model.on("msg:custom", this.onDownloadMessage);
      this.model.on("change:error", this.onDownloadAbandoned);
      this.model.on("change:step", this.onDownloadAbandoned);
    } else {
      this.model.off("msg:custom", this.onDownloadMessage);
      this.model.off("change:error", this.onDownloadAbandoned);
      this.model.off("change:step", this.onDownloadAbandoned);
    }
  }
}

/** Saves bytes through a temporary object URL and `<a download>` click. */
function saveBuffer(buffer: DataView, filename: string, mime: string): void {
  // Blob rejects views of a SharedArrayBuffer, so copy into a plain ArrayBuffer.
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).slice();
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS);
}

