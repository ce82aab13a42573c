/**
 * Durable job queue in level (sublevel `jobs`). Every transition is written (and awaited) before the caller acts
 * on it, so a crash at any point leaves a record that says what was about to happen; on restart `unfinished()`
 * lists what to resume. The storage, locking and transition checks live in RecordStore.
 */
import type { Level } from 'level';
import { jobKey, RecordStore, trimHistory, type RecordListener } from '../durable/record-store.js';
import { JOB_STATES, TERMINAL_STATES, TRANSITIONS, type JobOutput, type JobRecord, type JobSpec, type JobState } from './types.js';

export { jobKey };

export class TransitionError extends Error {
  override name = 'TransitionError';
}

export interface TransitionPatch {
  reason?: string;
  output?: JobOutput;
  txHash?: string;
  note?: string;
  /** Stored as JobRecord.rejection (the MsgRejectJob reason). */
  rejection?: string;
}

export type QueueListener = RecordListener<JobRecord, JobState>;

export class JobQueue extends RecordStore<JobRecord, JobState, TransitionPatch> {
  constructor(root: Level<string, unknown>) {
    super(root, {
      sublevel: 'jobs',
      states: JOB_STATES,
      terminal: TERMINAL_STATES,
      transitions: TRANSITIONS,
      error: TransitionError,
      label: (id) => `job ${id}`,
      missing: 'not in the queue',
      apply(next, rec, to, patch) {
        if (patch.output !== undefined) next.output = patch.output;
        if (patch.txHash !== undefined) next.txHash = patch.txHash;
        if (patch.rejection !== undefined) next.rejection = patch.rejection;
        if (patch.reason !== undefined) next.reason = patch.reason;
        else if (to === 'confirmed') delete next.reason;
        if (to === 'submitting' || to === 'rejecting') next.submitAttempts = rec.submitAttempts + 1;
      },
    });
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
          history: trimHistory([...existing.history, { state: 'received', at: now, note: `reassigned to us (attempt ${spec.attempt})` }]),
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
}
