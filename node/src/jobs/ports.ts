/** What the job processor needs from the chain, the engine and the signer (fakes implement these in tests). */
import type { SubmitReceipt } from '../durable/broadcast.js';
import type { JobOutput, JobRecord, JobSpec } from './types.js';

export type ChainJobStatus = 'pending' | 'result_submitted' | 'auditing' | 'settled' | 'refunded' | 'unknown';

/** The chain's view of a job, reduced to what decides whether we may still act on it. */
export interface ChainJobView {
  id: string;
  status: ChainJobStatus;
  /** Validator operator address currently assigned. */
  executor: string;
  attempt: number;
  deadlineHeight: number;
  /** Sidecar account that posted the result, when there is one. */
  resultBy?: string;
  resultCommitment?: string;
  /** The chain's status_reason (why it was refunded), when there is one. */
  statusReason?: string;
}

/** The status_reason the chain stores when `executor` rejected a job (chain/x/inference/types RejectedStatusReason). */
export function rejectedStatusPrefix(executor: string): string {
  return `rejected by executor ${executor}: `;
}

/** True when the chain shows the job refunded because `executor` rejected it. */
export function rejectedBy(view: ChainJobView | undefined, executor: string): boolean {
  return view?.status === 'refunded' && (view.statusReason ?? '').startsWith(rejectedStatusPrefix(executor));
}

export interface ChainAccess {
  latestHeight(): Promise<number>;
  /** undefined when the chain has no such job. */
  getJob(id: string): Promise<ChainJobView | undefined>;
}

/** One generated token, as the engine produces it (step 0 = first output token). */
export interface GeneratedToken {
  step: number;
  id: number;
  /** The text this token adds to the decoded output so far (may be empty mid-way through a UTF-8 sequence). */
  text: string;
}

/** Observers of a generation in progress (e.g. token streaming to the requester). */
export interface GenerateHooks {
  onToken?: (token: GeneratedToken) => void;
}

export interface JobGenerator {
  /** False for models that are not configured or failed verification. */
  serves(model: string): boolean;
  /** Throws UnrunnableJobError when no executor could run the job; any other error fails it locally. */
  generate(spec: JobSpec, hooks?: GenerateHooks): Promise<JobOutput>;
}

/** Machine codes of MsgRejectJob reasons sent by this sidecar. */
export type UnrunnableCode = 'prompt_too_long' | 'overloaded';

/**
 * No honest executor can run this job (not a problem of this sidecar: e.g. the prompt, chat template applied,
 * does not fit the model's own context window). The processor refuses it on chain with MsgRejectJob, which
 * refunds the requester at once, instead of letting it time out on every executor in turn.
 */
export class UnrunnableJobError extends Error {
  override name = 'UnrunnableJobError';
  /** The MsgRejectJob reason: "<code>: <detail>" (the chain allows at most 512 bytes). */
  readonly reason: string;
  constructor(
    readonly code: UnrunnableCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.reason = `${code}: ${detail}`;
  }
}

// Broadcast outcomes are shared with the audit duty (durable/broadcast.ts).
export { SubmitRejectedError, type RejectionKind, type SubmitReceipt } from '../durable/broadcast.js';

export interface ResultSubmitter {
  /** The sidecar account (infer1...). */
  readonly address: string;
  /** Broadcasts MsgSubmitResult and waits for inclusion. Throws SubmitRejectedError or a transient error. */
  submit(job: JobRecord, output: JobOutput): Promise<SubmitReceipt>;
  /** Broadcasts MsgRejectJob{job, reason} and waits for inclusion. Throws like submit. */
  reject(job: JobRecord, reason: string): Promise<SubmitReceipt>;
  /**
   * One transaction of MsgRejectJob for several jobs (all or none are included): a burst's overloaded
   * rejections in one block instead of one block each. Optional: without it they go one by one.
   */
  rejectMany?(jobs: readonly { job: JobRecord; reason: string }[]): Promise<SubmitReceipt>;
}
