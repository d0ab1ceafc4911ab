// UI text in English, German, French, Spanish, Italian and Greek. The English
// text is the key: each catalog in locales/ maps it to a translation, the
// widget's `translations` trait overrides single entries, and a text without an
// entry stays English.
import de from "./locales/de.json";
import el from "./locales/el.json";
import es from "./locales/es.json";
import fr from "./locales/fr.json";
import it from "./locales/it.json";

/**
 * Returns the translation of the English `text`, with each `{name}` placeholder
 * replaced by `values[name]`. Numbers are inserted with String(), so format
 * counts with formatCount first. Without `values`, a text that has no entry of
 * its own is matched against the keys with placeholders, so a kernel message
 * such as "Must be at least 2 characters long" finds the key
 * "Must be at least {min} characters long".
 */
export type Translate = (text: string, values?: Record<string, string | number>) => string;

/** Languages of the UI text, equal to LOCALES in _locale.py. */
export const LOCALES = ["en", "de", "fr", "es", "it", "el"] as const;
export type Locale = (typeof LOCALES)[number];

const CATALOGS: Record<Exclude<Locale, "en">, Record<string, string>> = { de, fr, es, it, el };

/** Maximum number of kernel messages whose translation one Translate caches, so each is matched against the keys once. */
const MAX_CACHED_MESSAGES = 1000;

interface Template {
  pattern: RegExp;
  names: string[];
  translation: string;
  /** Characters outside the placeholders. A longer literal text is the more specific key. */
  literalLength: number;
}

/** Returns the supported language of a tag such as "de-DE" or "de_DE", or "en" for any other. */
export function normalizeLocale(locale: unknown): Locale {
  const language = typeof locale === "string" ? locale.split(/[-_]/, 1)[0].toLowerCase() : "";
  return (LOCALES as readonly string[]).includes(language) ? (language as Locale) : "en";
}

/** Returns the tag for Number.toLocaleString: "en-US" for English, so counts read "9,994". */
export function numberLocale(locale: string): string {
  const language = normalizeLocale(locale);
  return language === "en" ? "en-US" : language;
}

/** Creates the Translate of `locale`, where the entries of `overrides` win over the catalog, also for "en". */
export function createTranslate(locale: string, overrides: Record<string, string>): Translate {
  const language = normalizeLocale(locale);
  const entries = new Map<string, string>(language === "en" ? [] : Object.entries(CATALOGS[language]));
  for (const [key, value] of Object.entries(overrides)) {
    // An empty replacement would leave a control without an accessible name.
    if (typeof value === "string" && value !== "") {
      entries.set(key, value);
    }
  }
  let templates: Template[] | null = null;
  const matched = new Map<string, string>();

  function matchTemplate(text: string): string {
    const cached = matched.get(text);
    if (cached !== undefined) {
      return cached;
    }
    templates ??= buildTemplates(entries);
    let result = text;
    for (const template of templates) {
      const match = template.pattern.exec(text);
      if (match !== null) {
        const values: Record<string, string> = {};
        template.names.forEach((name, index) => {
          values[name] ??= match[index + 1];
        });
        result = fill(template.translation, values);
        break;
      }
    }
    if (matched.size >= MAX_CACHED_MESSAGES) {
      matched.clear();
    }
    matched.set(text, result);
    return result;
  }

  return (text, values) => {
    const entry = entries.get(text);
    if (values !== undefined) {
      return fill(entry ?? text, values);
    }
    if (entry !== undefined) {
      return entry;
    }
    return entries.size === 0 ? text : matchTemplate(text);
  };
}

/** Replaces each `{name}` in `text` whose name is a key of `values`, and keeps the others as they are. */
function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : placeholder,
  );
}

/**
 * Builds a whole-text pattern for each key with placeholders, most specific
 * first, so "Must be between {min} and {max} characters long" is tried before
 * "Must be between {min} and {max}". A key whose literal text has no word, such
 * as "{count} / {total}", would match almost any message, so it is left out.
 */
function buildTemplates(entries: Map<string, string>): Template[] {
  const templates: Template[] = [];
  for (const [key, translation] of entries) {
    const parts = key.split(/\{(\w+)\}/);
    if (parts.length === 1) {
      continue;
    }
    const literals = parts.filter((_, index) => index % 2 === 0);
    const names = parts.filter((_, index) => index % 2 === 1);
    if (!/\p{L}{2}/u.test(literals.join(" "))) {
      continue;
    }
    const source = literals.map(escapeRegExp).join("([\\s\\S]+?)");
    templates.push({
      pattern: new RegExp(`^${source}$`),
      names,
      translation,
      literalLength: literals.join("").length,
    });
  }
  return templates.sort((a, b) => b.literalLength - a.literalLength);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
