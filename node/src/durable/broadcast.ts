/**
 * What a broadcast of ours (MsgSubmitResult, MsgRejectJob, MsgCommitVerdict, MsgRevealVerdict) can end in, shared
 * by the signer (chain/signer.ts produces these) and the durable workers that act on them (durable/worker.ts).
 */

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
