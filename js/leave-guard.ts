// Confirmation before the page unloads while records are being sent or a file
// is being uploaded, because leaving stops the upload and hides the import's
// progress and result.
import { readStep, type Model } from "./model";
import type { Session } from "./session";

/** Returns whether leaving the page now would interrupt work the user started. */
export function isWorking(model: Model, session: Session): boolean {
  return readStep(model) === "import" || session.upload.phase === "uploading";
}

/**
 * Asks the browser to confirm leaving the page while `isWorking` is true, and
 * returns a function that removes the listener. Browsers show their own text in
 * the dialog, not one that the page sets.
 */
export function guardLeaving(model: Model, session: Session): () => void {
  const onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (isWorking(model, session)) {
      event.preventDefault();
      // Older Chromium versions show the dialog only when returnValue is set.
      event.returnValue = true;
    }
  };
  window.addEventListener("beforeunload", onBeforeUnload);
  return () => window.removeEventListener("beforeunload", onBeforeUnload);
}
