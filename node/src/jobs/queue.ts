/**
 * Durable job queue in level. Every transition is written (and awaited) before the caller acts on it, so a
 * crash at any point leaves a record that says what was about to happen; on restart `unfinished()` lists
 * what to resume.
 */
import type { Level } from 'level';
import { TERMINAL_STATES, TRANSITIONS, type JobOutput, type JobRecord, type JobSpec, type JobState } from './types.js';

export class TransitionError extends Error {
  override name = 'TransitionError';
}

/** The part of a level sublevel the queue uses (keeps abstract-level's generics out of our types). */
interface JobsDb {
  get(key: string): Promise<JobRecord | undefined>;
  put(key: string, value: JobRecord): Promise<void>;
  values(): AsyncIterable<JobRecord>;
}

/** Keys sort like the numeric ids, so iteration is oldest job first. */
export function jobKey(id: string | bigint): string {
  return BigInt(id).toString().padStart(20, '0');
}

export interface TransitionPatch {
  reason?: string;
  output?: JobOutput;
  txHash?: string;
  note?: string;
  /** Stored as JobRecord.rejection (the MsgRejectJob reason). */
  rejection?: string;
}

export type QueueListener = (rec: JobRecord, from: JobState | undefined) => void;

const MAX_HISTORY = 50;

export class JobQueue {
  private readonly db: JobsDb;
  private readonly listeners: QueueListener[] = [];
  // Serializes writes per job so two callers (follower, processor) never interleave read-modify-write.
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(root: Level<string, unknown>) {
    this.db = root.sublevel<string, JobRecord>('jobs', { valueEncoding: 'json' });
  }

  onChange(fn: QueueListener): void {
    this.listeners.push(fn);
  }

  get(id: string | bigint): Promise<JobRecord | undefined> {
    return this.db.get(jobKey(id));
  }

  async list(filter: { state?: JobState; limit?: number } = {}): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for await (const rec of this.db.values()) {
      if (filter.state && rec.state !== filter.state) continue;
      out.push(rec);
      if (filter.limit && out.length >= filter.limit) break;
    }
    return out;
  }

  /** Jobs that still need work, oldest first. */
  async unfinished(): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for await (const rec of this.db.values()) if (!TERMINAL_STATES.has(rec.state)) out.push(rec);
    return out;
  }

  async countByState(): Promise<Record<JobState, number>> {
    const counts = { received: 0, generating: 0, generated: 0, submitting: 0, submitted: 0, confirmed: 0, rejecting: 0, rejected: 0, expired: 0, failed: 0 };
    for await (const rec of this.db.values()) counts[rec.state]++;
    return counts;
  }

  /**
   * Records an assignment. Idempotent: the same (id, attempt) seen again (event replay, reconciliation)
   * changes nothing. A later attempt of a job we had given up on (expired/failed) starts it afresh.
   * Returns the record and whether it is new work.
   */
  receive(spec: JobSpec): Promise<{ record: JobRecord; isNew: boolean }> {
    return this.locked(spec.id, async () => {
      const now = new Date().toISOString();
      const existing = await this.get(spec.id);
      if (existing) {
        const restart = spec.attempt > existing.attempt && (existing.state === 'expired' || existing.state === 'failed');
        if (!restart) return { record: existing, isNew: false };
        const { output: _o, txHash: _t, reason: _r, rejection: _j, ...rest } = existing;
        const record: JobRecord = {
          ...rest,
          ...spec,
          state: 'received',
          submitAttempts: 0,
          updatedAt: now,
          history: trim([...existing.history, { state: 'received', at: now, note: `reassigned to us (attempt ${spec.attempt})` }]),
        };
        await this.db.put(jobKey(spec.id), record);
        this.emit(record, existing.state);
        return { record, isNew: true };
      }
      const record: JobRecord = { ...spec, state: 'received', submitAttempts: 0, receivedAt: now, updatedAt: now, history: [{ state: 'received', at: now }] };
      await this.db.put(jobKey(spec.id), record);
      this.emit(record, undefined);
      return { record, isNew: true };
    });
  }

  /** Persists `to` (checked against TRANSITIONS) and returns the stored record. */
  transition(id: string, to: JobState, patch: TransitionPatch = {}): Promise<JobRecord> {
    return this.locked(id, async () => {
      const rec = await this.get(id);
      if (!rec) throw new TransitionError(`job ${id}: not in the queue`);
      if (!TRANSITIONS[rec.state].includes(to)) throw new TransitionError(`job ${id}: ${rec.state} -> ${to} is not allowed`);
      const now = new Date().toISOString();
      const next: JobRecord = {
        ...rec,
        state: to,
        updatedAt: now,
        history: trim([...rec.history, { state: to, at: now, ...(patch.note ?? patch.reason ? { note: patch.note ?? patch.reason } : {}) }]),
      };
      if (patch.output !== undefined) next.output = patch.output;
      if (patch.txHash !== undefined) next.txHash = patch.txHash;
      if (patch.rejection !== undefined) next.rejection = patch.rejection;
      if (patch.reason !== undefined) next.reason = patch.reason;
      else if (to === 'confirmed') delete next.reason;
      if (to === 'submitting' || to === 'rejecting') next.submitAttempts = rec.submitAttempts + 1;
      await this.db.put(jobKey(id), next);
      this.emit(next, rec.state);
      return next;
    });
  }

  /** Records a transient problem (shown by the API) without changing state. */
  annotate(id: string, reason: string): Promise<JobRecord | undefined> {
    return this.locked(id, async () => {
      const rec = await this.get(id);
      if (!rec) return undefined;
      const next = { ...rec, reason, updatedAt: new Date().toISOString() };
      await this.db.put(jobKey(id), next);
      return next;
    });
  }

  private emit(rec: JobRecord, from: JobState | undefined): void {
    for (const fn of this.listeners) fn(rec, from);
  }

  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
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

function trim<T>(xs: T[]): T[] {
  return xs.length > MAX_HISTORY ? xs.slice(xs.length - MAX_HISTORY) : xs;
}
