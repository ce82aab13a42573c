/** What the job processor needs from the chain, the engine and the signer (fakes implement these in tests). */
import type { JobOutput, JobRecord, JobSpec } from './types.js';

export type ChainJobStatus = 'pending' | 'result_submitted' | 'settled' | 'refunded' | 'unknown';

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
}

export interface ChainAccess {
  latestHeight(): Promise<number>;
  /** undefined when the chain has no such job. */
  getJob(id: string): Promise<ChainJobView | undefined>;
}

export interface JobGenerator {
  /** False for models that are not configured or failed verification. */
  serves(model: string): boolean;
  generate(spec: JobSpec): Promise<JobOutput>;
}

export interface SubmitReceipt {
  txHash: string;
  height: number;
}

export type RejectionKind = 'already_has_result' | 'deadline_passed' | 'unauthorized' | 'invalid' | 'insufficient_funds' | 'other';

/** The chain refused the transaction (as opposed to a transient failure such as a dropped connection). */
export class SubmitRejectedError extends Error {
  override name = 'SubmitRejectedError';
  constructor(
    message: string,
    readonly kind: RejectionKind,
    readonly txHash?: string,
  ) {
    super(message);
  }
}

export interface ResultSubmitter {
  /** The sidecar account (infer1...). */
  readonly address: string;
  /** Broadcasts MsgSubmitResult and waits for inclusion. Throws SubmitRejectedError or a transient error. */
  submit(job: JobRecord, output: JobOutput): Promise<SubmitReceipt>;
}
