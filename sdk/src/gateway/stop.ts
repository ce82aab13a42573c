/**
 * `stop` sequences, applied by the gateway to the generated text (the chain and the executor know nothing of
 * them: the executor still generates up to max_tokens or EOS and the job is charged for what it generated).
 * The streaming filter holds back the tail that could be the start of a stop sequence, so no chunk ever shows
 * text the final answer cuts off.
 */
import { badRequest } from "./errors.js";

export function parseStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length > 4) throw badRequest("stop", "must be a string or an array of at most 4 strings");
  return list.map((s, i) => {
    if (typeof s !== "string" || s === "") throw badRequest(`stop[${i}]`, "must be a non-empty string");
    return s;
  });
}

/** The text up to the earliest stop sequence, and whether one was found. */
export function applyStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let cut = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) cut = i;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}

export class StopFilter {
  private seen = "";
  private emitted = 0;
  stopped = false;
  private readonly hold: number;

  constructor(private readonly stops: readonly string[]) {
    this.hold = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  /** Appends generated text, returns what may be shown now ("" once stopped). */
  push(piece: string): string {
    if (this.stopped) return "";
    this.seen += piece;
    const r = applyStop(this.seen, this.stops);
    if (r.stopped) {
      this.stopped = true;
      return this.take(r.text.length);
    }
    return this.take(Math.max(this.emitted, this.seen.length - this.hold));
  }

  /** At the end: whatever was held back (when no stop sequence completed). */
  flush(): string {
    return this.stopped ? "" : this.take(this.seen.length);
  }

  private take(upTo: number): string {
    const out = this.seen.slice(this.emitted, upTo);
    this.emitted = Math.max(this.emitted, upTo);
    return out;
  }
}
