/**
 * Durable audit duties in level (sublevel `audits`), like the job queue (both are RecordStores): every transition
 * is written (and awaited) before the work it announces, so a restart resumes from what was about to happen. The
 * verdict and its salt are written together, before the commit is broadcast.
 */
import type { Level } from 'level';
import { jobKey, RecordStore, type RecordListener } from '../durable/record-store.js';
import { DUTY_STATES, DUTY_TERMINAL, DUTY_TRANSITIONS, type AuditDutyRecord, type AuditDutySpec, type DutyCheck, type DutyState } from './types.js';
import type { VerdictName } from '@inferchain/sdk';

export class DutyTransitionError extends Error {
  override name = 'DutyTransitionError';
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

export type DutyListener = RecordListener<AuditDutyRecord, DutyState>;

const PATCHED = ['verdict', 'verdictReason', 'salt', 'commitHash', 'check', 'commitTx', 'revealTx', 'reason'] as const;

/** Transitions (checked against DUTY_TRANSITIONS) persist the patch; a verdict's salt, once stored, is never replaced. */
export class DutyStore extends RecordStore<AuditDutyRecord, DutyState, DutyPatch> {
  constructor(root: Level<string, unknown>) {
    super(root, {
      sublevel: 'audits',
      states: DUTY_STATES,
      terminal: DUTY_TERMINAL,
      transitions: DUTY_TRANSITIONS,
      error: DutyTransitionError,
      label: (jobId) => `audit of job ${jobId}`,
      missing: 'not in the store',
      check(rec, _to, patch, jobId) {
        if (rec.salt && patch.salt !== undefined && patch.salt !== rec.salt) throw new DutyTransitionError(`audit of job ${jobId}: the salt is already decided`);
      },
      apply(next, rec, to, patch) {
        for (const k of PATCHED) if (patch[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = patch[k];
        if (patch.reason === undefined && (to === 'committed' || to === 'revealed' || to === 'decided')) delete next.reason;
        if (to === 'checking') next.checkAttempts = rec.checkAttempts + 1;
        if (to === 'committing') next.commitAttempts = rec.commitAttempts + 1;
        if (to === 'revealing') next.revealAttempts = rec.revealAttempts + 1;
      },
    });
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
}
