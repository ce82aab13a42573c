/** Job records kept by the sidecar: what the chain asked for, what we did, and where we are. */
import type { RuntimeInfo } from '@inferchain/sdk';
import type { TopKEntry } from '../commitment/commitment.js';

export const JOB_STATES = ['received', 'generating', 'generated', 'submitting', 'submitted', 'confirmed', 'rejecting', 'rejected', 'expired', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['confirmed', 'rejected', 'expired', 'failed']);

/**
 * Allowed transitions. Self-loops on generating/submitting are resumptions after a restart (generation is
 * deterministic; submission re-checks the chain first). expired/failed -> received: the chain reassigned the
 * job to us again on a later attempt. generating -> rejecting -> rejected: the engine found that no executor can
 * run the job (e.g. the prompt does not fit the model's context) and we refuse it on chain (MsgRejectJob, which
 * refunds the requester); the rejecting self-loop is a retry or a resumption (the chain is checked first).
 */
export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  received: ['generating', 'rejecting', 'expired', 'failed', 'confirmed'],
  generating: ['generating', 'generated', 'rejecting', 'expired', 'failed', 'confirmed'],
  generated: ['submitting', 'confirmed', 'expired', 'failed'],
  submitting: ['submitting', 'submitted', 'confirmed', 'expired', 'failed'],
  submitted: ['confirmed', 'submitting', 'expired', 'failed'],
  confirmed: [],
  rejecting: ['rejecting', 'rejected', 'confirmed', 'expired', 'failed'],
  rejected: [],
  expired: ['received'],
  failed: ['received'],
};

/** The job as assigned on chain (uint64/int64 kept as decimal strings so JSON round-trips them exactly). */
export interface JobSpec {
  id: string;
  model: string;
  requester: string;
  prompt: string;
  maxTokens: number;
  temperatureMilli: number;
  topK: number;
  seed: string;
  attempt: number;
  deadlineHeight: number;
}

/** How a result was produced: the same shape the SDK reads back into receipts. */
export type { RuntimeInfo };

export interface JobOutput {
  promptTokenIds: number[];
  tokenIds: number[];
  text: string;
  finishReason: 'eos' | 'length';
  /** Per-step top-k records, step i chose tokenIds[i]; the commitment is their Merkle root. */
  steps: TopKEntry[][];
  commitment: string;
  runtime: RuntimeInfo;
}

export interface HistoryEntry {
  state: JobState;
  at: string;
  note?: string;
}

export interface JobRecord extends JobSpec {
  state: JobState;
  /** Why the job ended expired/failed/rejected, or the last transient problem. */
  reason?: string;
  /** The reason sent with MsgRejectJob ("<code>: <explanation>"), from the move to `rejecting` on. */
  rejection?: string;
  output?: JobOutput;
  txHash?: string;
  /** Broadcasts attempted, MsgSubmitResult or MsgRejectJob (each one only after the chain showed no answer from us). */
  submitAttempts: number;
  receivedAt: string;
  updatedAt: string;
  history: HistoryEntry[];
}
