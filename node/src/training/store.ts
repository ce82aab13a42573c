/**
 * Durable training-job records (sublevel `training`), on the shared RecordStore. A job moves
 *   received -> training -> trained -> submitting -> confirmed
 * and ends expired (deadline passed / job no longer ours) or failed (a definite refusal, a trainer error).
 * `training` self-loops: a restart re-runs the deterministic training from scratch (same bytes). `submitting` is
 * entered (and persisted) before every broadcast and the chain is read before any re-broadcast: at most one
 * accepted MsgSubmitTrainingResult.
 */
import type { Level } from 'level';
import { jobKey, RecordStore, type BasePatch, type RecordHistoryEntry } from '../durable/record-store.js';
import type { TrainingParams } from './train.js';

export const TRAINING_STATES = ['received', 'training', 'trained', 'submitting', 'confirmed', 'expired', 'failed'] as const;
export type TrainingState = (typeof TRAINING_STATES)[number];
export const TRAINING_TERMINAL: ReadonlySet<TrainingState> = new Set(['confirmed', 'expired', 'failed']);

export const TRAINING_TRANSITIONS: Readonly<Record<TrainingState, readonly TrainingState[]>> = {
  received: ['training', 'expired', 'failed', 'confirmed'],
  training: ['training', 'trained', 'expired', 'failed', 'confirmed'],
  trained: ['submitting', 'expired', 'failed', 'confirmed'],
  submitting: ['submitting', 'confirmed', 'expired', 'failed'],
  confirmed: [],
  expired: [],
  failed: [],
};

/** The job as assigned on chain (uint64/int64 as decimal strings). */
export interface TrainingSpec {
  id: string;
  baseModel: string;
  datasets: string[];
  params: TrainingParams;
  childName: string;
  childVersion: string;
  deadlineHeight: number;
}

export interface TrainingOutput {
  childRoot: string;
  files: { path: string; size: string; root: string }[];
  checkpointRoot: string;
  checkpoints: string[];
  lossBefore: number;
  lossAfter: number;
  wallMs: number;
  /** Where the child model was written. */
  dir: string;
}

export interface TrainingRecord extends TrainingSpec {
  state: TrainingState;
  reason?: string;
  output?: TrainingOutput;
  txHash?: string;
  submitAttempts: number;
  receivedAt: string;
  updatedAt: string;
  history: RecordHistoryEntry<TrainingState>[];
}

export interface TrainingPatch extends BasePatch {
  output?: TrainingOutput;
  txHash?: string;
}

export class TrainingTransitionError extends Error {
  override name = 'TrainingTransitionError';
}

export class TrainingStore extends RecordStore<TrainingRecord, TrainingState, TrainingPatch> {
  constructor(root: Level<string, unknown>) {
    super(root, {
      sublevel: 'training',
      states: TRAINING_STATES,
      terminal: TRAINING_TERMINAL,
      transitions: TRAINING_TRANSITIONS,
      error: TrainingTransitionError,
      label: (id) => `training job ${id}`,
      missing: 'not in the training store',
      apply(next, rec, to, patch) {
        if (patch.output !== undefined) next.output = patch.output;
        if (patch.txHash !== undefined) next.txHash = patch.txHash;
        if (patch.reason !== undefined) next.reason = patch.reason;
        if (to === 'submitting') next.submitAttempts = rec.submitAttempts + 1;
      },
    });
  }

  /** Records an assignment; the same job seen again (event replay, reconciliation) changes nothing. */
  receive(spec: TrainingSpec): Promise<{ record: TrainingRecord; isNew: boolean }> {
    return this.locked(spec.id, async () => {
      const existing = await this.get(spec.id);
      if (existing) return { record: existing, isNew: false };
      const now = new Date().toISOString();
      const record: TrainingRecord = { ...spec, state: 'received', submitAttempts: 0, receivedAt: now, updatedAt: now, history: [{ state: 'received', at: now }] };
      await this.db.put(jobKey(spec.id), record);
      this.emit(record, undefined);
      return { record, isNew: true };
    });
  }
}
