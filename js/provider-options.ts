// Typeahead for the fields that have a provider: a datalist next to the input,
// filled with the options that the kernel's provider returns for the typed text.
import { h, uniqueId } from "./dom";
import type { Model } from "./model";
import { randomId } from "./session";

/** Delay after the last key press before the options are requested. */
const QUERY_DELAY_MS = 150;

export interface ProviderOption {
  value: string;
  label: string;
}

export interface OptionsList {
  /** The datalist element, which must be in the page next to the input. */
  element: HTMLDataListElement;
  /** Removes the listeners. */
  detach(): void;
}

/**
 * Links `input` to a new datalist that offers the options of `field`'s provider.
 * The options are requested when the input gets focus and after each change of
 * its text. `onError` receives the kernel's reason when the provider gives none.
 */
export function attachProviderOptions(
  model: Model,
  input: HTMLInputElement,
  field: string,
  onError: (message: string) => void,
): OptionsList {
  const element = h("datalist", { id: uniqueId("options") });
  input.setAttribute("list", element.id);
  input.setAttribute("autocomplete", "off");
  let latestRequest = "";
  let lastQuery: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const request = (): void => {
    const query = input.value;
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    latestRequest = randomId();
    model.send({ type: "provider_options", request: latestRequest, field, query });
  };
  const onInput = (): void => {
    clearTimeout(timer);
    timer = setTimeout(request, QUERY_DELAY_MS);
  };
  const onMessage = (message: unknown): void => {
    const reply = readOptionsReply(message);
    if (reply === null || reply.request !== latestRequest) {
      return;
    }
    element.replaceChildren(...reply.options.map((option) => h("option", { value: option.value }, option.label)));
    if (reply.error !== "") {
      onError(reply.error);
    }
  };

  input.addEventListener("focus", request);
  input.addEventListener("input", onInput);
  model.on("msg:custom", onMessage);
  return {
    element,
    detach() {
      clearTimeout(timer);
      input.removeEventListener("focus", request);
      input.removeEventListener("input", onInput);
      model.off("msg:custom", onMessage);
    },
  };
}

function readOptionsReply(message: unknown): { request: string; options: ProviderOption[]; error: string } | null {
  if (typeof message !== "object" || message === null) {
    return null;
  }
  const content = message as Record<string, unknown>;
  if (content.type !== "provider_options" || typeof content.request !== "string") {
    return null;
  }
  const options = Array.isArray(content.options) ? content.options : [];
  return {
    request: content.request,
    options: options
      .filter((option): option is Record<string, unknown> => typeof option === "object" && option !== null)
      .map((option) => ({ value: String(option.value ?? ""), label: String(option.label ?? option.value ?? "") })),
    error: typeof content.error === "string" ? content.error : "",
  };
}
