import type { Json } from "../../client/json.js";
import type { SafeHtml } from "../html.js";
import type { ExplorerSource, Subject } from "../source.js";

/**
 * One section of a subject's page, and the same data in the JSON API. A new panel (say, funding rounds) is one
 * module exporting `definePanel({...})`, listed in panels/index.ts; the page and /api/subject pick it up.
 */
export interface ExplorerPanel<T> {
  /** Stable id: the section's HTML id and its key under `panels` in /api/subject. */
  id: string;
  title: string;
  appliesTo(subject: Subject): boolean;
  /** Anything beyond the subject the panel needs from the chain. */
  load(subject: Subject, source: ExplorerSource): Promise<T>;
  toJson(data: T, subject: Subject): Json;
  /** The section body; chain strings only as escaped values (see html.ts). */
  render(data: T, subject: Subject): SafeHtml;
}

export interface PanelOutput {
  json: Json;
  html: SafeHtml;
}

/** A panel with its data type sealed inside: what the page and the API iterate over. */
export interface Panel {
  id: string;
  title: string;
  appliesTo(subject: Subject): boolean;
  run(subject: Subject, source: ExplorerSource): Promise<PanelOutput>;
}

export function definePanel<T>(p: ExplorerPanel<T>): Panel {
  return {
    id: p.id,
    title: p.title,
    appliesTo: (s) => p.appliesTo(s),
    run: async (s, source) => {
      const data = await p.load(s, source);
      return { json: p.toJson(data, s), html: p.render(data, s) };
    },
  };
}

export const always = (): boolean => true;
export const modelsOnly = (s: Subject): boolean => s.kind === "model";
