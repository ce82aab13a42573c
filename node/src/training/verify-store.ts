/**
 * Durable replay-audit duties (sublevel `training-audits`): one record per training audit we sit on.
 *   received -> replaying -> decided(verdict, reason, salt, commitHash) -> committing -> committed -> revealing -> revealed
 * or missed (a deadline passed / the audit concluded without our reveal) / failed (the chain refused us). The
 * verdict and its salt are written together before MsgCommitTrainingVerdict is sent, and never replaced.
 */
import type { Level } from 'level';
import { jobKey, RecordStore, type BasePatch, type RecordHistoryEntry } from '../durable/record-store.js';

export const TV_STATES = ['received', 'replaying', 'decided', 'committing', 'committed', 'revealing', 'revealed', 'missed', 'failed'] as const;
export type TrainingVerifyState = (typeof TV_STATES)[number];
export const TV_TERMINAL: ReadonlySet<TrainingVerifyState> = new Set(['revealed', 'missed', 'failed']);
const ENDS = ['missed', 'failed', 'revealed'] as const;
export const TV_TRANSITIONS: Readonly<Record<TrainingVerifyState, readonly TrainingVerifyState[]>> = {
  received: ['replaying', ...ENDS],
  replaying: ['replaying', 'decided', ...ENDS],
  decided: ['committing', 'committed', ...ENDS],
  committing: ['committing', 'committed', ...ENDS],
  committed: ['revealing', ...ENDS],
  revealing: ['revealing', ...ENDS],
  revealed: [],
  missed: [],
  failed: [],
};

export type TrainingVerdictName = 'match' | 'mismatch' | 'abstain';
/** inferchain.training.v1.TrainingVerdict codes (the commitment's u8). */
export const TRAINING_VERDICT_CODES: Readonly<Record<TrainingVerdictName, number>> = Object.freeze({ match: 1, mismatch: 2, abstain: 3 });

export interface TrainingVerifySpec {
  jobId: string;
  executor: string;
  verifier: string;
  interval: number;
  commitDeadline: number;
  revealDeadline: number;
}

export interface ReplayFigures {
  /** Wall time of the replay of one interval (ms) and of fetching the state. */
  replayMs: number;
  fetchMs: number;
  startDigest?: string;
  endDigest?: string;
}

export interface TrainingVerifyRecord extends TrainingVerifySpec {
  state: TrainingVerifyState;
  reason?: string;
  verdict?: TrainingVerdictName;
  verdictReason?: string;
  salt?: string;
  commitHash?: string;
  figures?: ReplayFigures;
  replayAttempts: number;
  commitAttempts: number;
  revealAttempts: number;
  receivedAt: string;
  updatedAt: string;
  history: RecordHistoryEntry<TrainingVerifyState>[];
}

export interface TrainingVerifyPatch extends BasePatch {
  verdict?: TrainingVerdictName;
  verdictReason?: string;
  salt?: string;
  commitHash?: string;
  figures?: ReplayFigures;
}

export class TrainingVerifyTransitionError extends Error {
  override name = 'TrainingVerifyTransitionError';
}

export class TrainingVerifyStore extends RecordStore<TrainingVerifyRecord, TrainingVerifyState, TrainingVerifyPatch> {
  constructor(root: Level<string, unknown>) {
    super(root, {
      sublevel: 'training-audits',
      states: TV_STATES,
      terminal: TV_TERMINAL,
      transitions: TV_TRANSITIONS,
      error: TrainingVerifyTransitionError,
      label: (id) => `training audit of job ${id}`,
      missing: 'not in the store',
      check(rec, _to, patch, id) {
        if (rec.salt && patch.salt !== undefined && patch.salt !== rec.salt) throw new TrainingVerifyTransitionError(`training audit of job ${id}: the salt is already decided`);
      },
      apply(next, rec, to, patch) {
        for (const k of ['verdict', 'verdictReason', 'salt', 'commitHash', 'figures', 'reason'] as const) if (patch[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = patch[k];
        if (to === 'replaying') next.replayAttempts = rec.replayAttempts + 1;
        if (to === 'committing') next.commitAttempts = rec.commitAttempts + 1;
        if (to === 'revealing') next.revealAttempts = rec.revealAttempts + 1;
      },
    });
  }

  receive(spec: TrainingVerifySpec): Promise<{ record: TrainingVerifyRecord; isNew: boolean }> {
    return this.locked(spec.jobId, async () => {
      const existing = await this.get(spec.jobId);
      if (existing) return { record: existing, isNew: false };
      const now = new Date().toISOString();
      const record: TrainingVerifyRecord = { ...spec, state: 'received', replayAttempts: 0, commitAttempts: 0, revealAttempts: 0, receivedAt: now, updatedAt: now, history: [{ state: 'received', at: now }] };
      await this.db.put(jobKey(spec.jobId), record);
      this.emit(record, undefined);
      return { record, isNew: true };
    });
  }
}
