/**
 * Escape-by-default HTML: every value interpolated into `html`...`` is escaped unless it is already SafeHtml
 * (the output of another `html` template, or `raw()` for markup this module's callers wrote themselves).
 * Chain strings (model names, URIs, predicates) are attacker-controlled: they only ever go in as values.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export type HtmlValue = SafeHtml | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new SafeHtml(out);
}

/** Markup written by this code, not derived from input. */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);

/** A URL for an href: only http(s) links are rendered as links (a chain string could say javascript:). */
export function safeHref(uri: string): string | undefined {
  try {
    const u = new URL(uri);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** A local explorer link to a subject. */
export const viewHref = (ref: string): string => `/view?ref=${encodeURIComponent(ref)}`;
