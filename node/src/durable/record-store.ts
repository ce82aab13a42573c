/**
 * A durable state machine in level: one sublevel of JSON records keyed by `jobKey(id)`. Every write is awaited
 * before the caller acts on it, so a crash at any point leaves a record that says what was about to happen; on
 * restart `unfinished()` lists what to resume. Writes to one key are serialized (read-modify-write never
 * interleaves), transitions are checked against a table, and each one is appended to a bounded history.
 * The job queue and the audit duty store are thin subclasses.
 */
import type { Level } from 'level';

/** Keys sort like the numeric ids, so iteration is oldest first. */
export function jobKey(id: string | bigint): string {
  return BigInt(id).toString().padStart(20, '0');
}

export const MAX_HISTORY = 50;

export interface RecordHistoryEntry<S extends string> {
  state: S;
  at: string;
  note?: string;
}

/** What the store needs of a record. */
export interface StoredRecord<S extends string> {
  state: S;
  reason?: string;
  updatedAt: string;
  history: RecordHistoryEntry<S>[];
}

/** What the store needs of a transition patch: its note (or else its reason) goes into the history. */
export interface BasePatch {
  reason?: string;
  note?: string;
}

export type RecordListener<Rec, S extends string> = (rec: Rec, from: S | undefined) => void;

export interface RecordStoreOptions<Rec extends StoredRecord<S>, S extends string, Patch extends BasePatch> {
  /** Name of the sublevel under the root database. */
  sublevel: string;
  /** Every state, in display order (countByState keys). */
  states: readonly S[];
  /** States with no further work (skipped by `unfinished()`). */
  terminal: ReadonlySet<S>;
  /** Allowed transitions, from -> to. */
  transitions: Readonly<Record<S, readonly S[]>>;
  /** Error thrown for an unknown record or a refused transition. */
  error: new (message: string) => Error;
  /** How errors name a record, e.g. `job 7`. */
  label: (id: string) => string;
  /** Error text for an unknown record, after the label (e.g. `not in the queue`). */
  missing: string;
  /** Extra checks before anything is written; throw to refuse the transition. */
  check?: (rec: Rec, to: S, patch: Patch, id: string) => void;
  /** Applies the patch to `next` (already carrying the new state, updatedAt and history); `prev` is the stored record. */
  apply: (next: Rec, prev: Rec, to: S, patch: Patch) => void;
}

/** The part of a level sublevel the store uses (keeps abstract-level's generics out of our types). */
interface RecordsDb<Rec> {
  get(key: string): Promise<Rec | undefined>;
  put(key: string, value: Rec): Promise<void>;
  values(): AsyncIterable<Rec>;
}

export class RecordStore<Rec extends StoredRecord<S>, S extends string, Patch extends BasePatch> {
  protected readonly db: RecordsDb<Rec>;
  private readonly listeners: RecordListener<Rec, S>[] = [];
  // Serializes writes per key so two callers never interleave read-modify-write.
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    root: Level<string, unknown>,
    private readonly opts: RecordStoreOptions<Rec, S, Patch>,
  ) {
    this.db = root.sublevel<string, Rec>(opts.sublevel, { valueEncoding: 'json' });
  }

  onChange(fn: RecordListener<Rec, S>): void {
    this.listeners.push(fn);
  }

  get(id: string | bigint): Promise<Rec | undefined> {
    return this.db.get(jobKey(id));
  }

  async list(filter: { state?: S; limit?: number } = {}): Promise<Rec[]> {
    const out: Rec[] = [];
    for await (const rec of this.db.values()) {
      if (filter.state && rec.state !== filter.state) continue;
      out.push(rec);
      if (filter.limit && out.length >= filter.limit) break;
    }
    return out;
  }

  /** Records that still need work, oldest first. */
  async unfinished(): Promise<Rec[]> {
    const out: Rec[] = [];
    for await (const rec of this.db.values()) if (!this.opts.terminal.has(rec.state)) out.push(rec);
    return out;
  }

  async countByState(): Promise<Record<S, number>> {
    const counts = Object.fromEntries(this.opts.states.map((s) => [s, 0])) as Record<S, number>;
    for await (const rec of this.db.values()) counts[rec.state]++;
    return counts;
  }

  /** Persists `to` (checked against the transition table) and returns the stored record. */
  transition(id: string, to: S, patch: Patch = {} as Patch): Promise<Rec> {
    return this.locked(id, async () => {
      const o = this.opts;
      const rec = await this.get(id);
      if (!rec) throw new o.error(`${o.label(id)}: ${o.missing}`);
      if (!o.transitions[rec.state].includes(to)) throw new o.error(`${o.label(id)}: ${rec.state} -> ${to} is not allowed`);
      o.check?.(rec, to, patch, id);
      const now = new Date().toISOString();
      const note = patch.note ?? patch.reason;
      const next: Rec = { ...rec, state: to, updatedAt: now, history: trimHistory([...rec.history, { state: to, at: now, ...(note ? { note } : {}) }]) };
      o.apply(next, rec, to, patch);
      await this.db.put(jobKey(id), next);
      this.emit(next, rec.state);
      return next;
    });
  }

  /** Records a transient problem (shown by the API) without changing state. */
  annotate(id: string, reason: string): Promise<Rec | undefined> {
    return this.locked(id, async () => {
      const rec = await this.get(id);
      if (!rec) return undefined;
      const next = { ...rec, reason, updatedAt: new Date().toISOString() };
      await this.db.put(jobKey(id), next);
      return next;
    });
  }

  protected emit(rec: Rec, from: S | undefined): void {
    for (const fn of this.listeners) fn(rec, from);
  }

  /** Runs `fn` after every earlier write to `id` has settled. */
  protected async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }
}

/** Keeps the last MAX_HISTORY entries. */
export function trimHistory<T>(xs: T[]): T[] {
  return xs.length > MAX_HISTORY ? xs.slice(xs.length - MAX_HISTORY) : xs;
}
