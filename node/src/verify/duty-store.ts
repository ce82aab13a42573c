/**
 * Durable audit duties in level (sublevel `audits`), like the job queue: every transition is written (and
 * awaited) before the work it announces, so a restart resumes from what was about to happen. The verdict and
 * its salt are written together, before the commit is broadcast.
 */
import type { Level } from 'level';
import { jobKey } from '../jobs/queue.js';
import { DUTY_STATES, DUTY_TERMINAL, DUTY_TRANSITIONS, type AuditDutyRecord, type AuditDutySpec, type DutyCheck, type DutyState } from './duty-types.js';
import type { VerdictName } from './salt.js';

export class DutyTransitionError extends Error {
  override name = 'DutyTransitionError';
}

interface DutiesDb {
  get(key: string): Promise<AuditDutyRecord | undefined>;
  put(key: string, value: AuditDutyRecord): Promise<void>;
  values(): AsyncIterable<AuditDutyRecord>;
}

export interface DutyPatch {
  verdict?: VerdictName;
  verdictReason?: string;
  salt?: string;
  commitHash?: string;
  check?: DutyCheck;
  commitTx?: string;
  revealTx?: string;
  reason?: string;
  note?: string;
}

export type DutyListener = (rec: AuditDutyRecord, from: DutyState | undefined) => void;

const MAX_HISTORY = 50;

export class DutyStore {
  private readonly db: DutiesDb;
  private readonly listeners: DutyListener[] = [];
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(root: Level<string, unknown>) {
    this.db = root.sublevel<string, AuditDutyRecord>('audits', { valueEncoding: 'json' });
  }

  onChange(fn: DutyListener): void {
    this.listeners.push(fn);
  }

  get(jobId: string | bigint): Promise<AuditDutyRecord | undefined> {
    return this.db.get(jobKey(jobId));
  }

  async list(filter: { state?: DutyState; limit?: number } = {}): Promise<AuditDutyRecord[]> {
    const out: AuditDutyRecord[] = [];
    for await (const rec of this.db.values()) {
      if (filter.state && rec.state !== filter.state) continue;
      out.push(rec);
      if (filter.limit && out.length >= filter.limit) break;
    }
    return out;
  }

  async unfinished(): Promise<AuditDutyRecord[]> {
    const out: AuditDutyRecord[] = [];
    for await (const rec of this.db.values()) if (!DUTY_TERMINAL.has(rec.state)) out.push(rec);
    return out;
  }

  async countByState(): Promise<Record<DutyState, number>> {
    const counts = Object.fromEntries(DUTY_STATES.map((s) => [s, 0])) as Record<DutyState, number>;
    for await (const rec of this.db.values()) counts[rec.state]++;
    return counts;
  }

  /** Records a seat; idempotent (event replay and reconciliation see the same audit again). */
  receive(spec: AuditDutySpec): Promise<{ record: AuditDutyRecord; isNew: boolean }> {
    return this.locked(spec.jobId, async () => {
      const existing = await this.get(spec.jobId);
      if (existing) return { record: existing, isNew: false };
      const now = new Date().toISOString();
      const record: AuditDutyRecord = { ...spec, state: 'received', checkAttempts: 0, commitAttempts: 0, revealAttempts: 0, receivedAt: now, updatedAt: now, history: [{ state: 'received', at: now }] };
      await this.db.put(jobKey(spec.jobId), record);
      this.emit(record, undefined);
      return { record, isNew: true };
    });
  }

  /** Persists `to` (checked against DUTY_TRANSITIONS). A verdict, once stored, is never replaced. */
  transition(jobId: string, to: DutyState, patch: DutyPatch = {}): Promise<AuditDutyRecord> {
    return this.locked(jobId, async () => {
      const rec = await this.get(jobId);
      if (!rec) throw new DutyTransitionError(`audit of job ${jobId}: not in the store`);
      if (!DUTY_TRANSITIONS[rec.state].includes(to)) throw new DutyTransitionError(`audit of job ${jobId}: ${rec.state} -> ${to} is not allowed`);
      if (rec.salt && patch.salt !== undefined && patch.salt !== rec.salt) throw new DutyTransitionError(`audit of job ${jobId}: the salt is already decided`);
      const now = new Date().toISOString();
      const note = patch.note ?? patch.reason;
      const next: AuditDutyRecord = { ...rec, state: to, updatedAt: now, history: trim([...rec.history, { state: to, at: now, ...(note ? { note } : {}) }]) };
      for (const k of ['verdict', 'verdictReason', 'salt', 'commitHash', 'check', 'commitTx', 'revealTx', 'reason'] as const) {
        if (patch[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = patch[k];
      }
      if (patch.reason === undefined && (to === 'committed' || to === 'revealed' || to === 'decided')) delete next.reason;
      if (to === 'checking') next.checkAttempts = rec.checkAttempts + 1;
      if (to === 'committing') next.commitAttempts = rec.commitAttempts + 1;
      if (to === 'revealing') next.revealAttempts = rec.revealAttempts + 1;
      await this.db.put(jobKey(jobId), next);
      this.emit(next, rec.state);
      return next;
    });
  }

  /** Records a transient problem without changing state. */
  annotate(jobId: string, reason: string): Promise<AuditDutyRecord | undefined> {
    return this.locked(jobId, async () => {
      const rec = await this.get(jobId);
      if (!rec) return undefined;
      const next = { ...rec, reason, updatedAt: new Date().toISOString() };
      await this.db.put(jobKey(jobId), next);
      return next;
    });
  }

  private emit(rec: AuditDutyRecord, from: DutyState | undefined): void {
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
