/** MsgCommitVerdict / MsgRevealVerdict through the sidecar's ChainSubmitter (same key, same sequence handling). */
import type { EncodeObject } from '@cosmjs/proto-signing';
import { MsgCommitVerdict, MsgRevealVerdict, Verdict, inferenceTypeUrls } from '@inferchain/sdk';
import type { SubmitReceipt } from '../durable/broadcast.js';
import type { VerdictSubmitter } from './ports.js';
import type { VerdictName } from '@inferchain/sdk';

/** The chain bounds free-text reasons; ours name the first failing step and stay far below this. */
export const MAX_REASON_BYTES = 512;

export interface Broadcaster {
  readonly address: string;
  broadcast(job: { id: string }, msg: EncodeObject): Promise<SubmitReceipt>;
}

export function commitMessage(sidecar: string, jobId: string, commitHash: string): MsgCommitVerdict {
  return MsgCommitVerdict.fromPartial({ sidecar, jobId: BigInt(jobId), commitHash });
}

export function revealMessage(sidecar: string, jobId: string, verdict: VerdictName, salt: string, reason: string): MsgRevealVerdict {
  return MsgRevealVerdict.fromPartial({
    sidecar,
    jobId: BigInt(jobId),
    verdict: verdict === 'valid' ? Verdict.VERDICT_VALID : Verdict.VERDICT_FRAUD,
    salt,
    reason: truncateUtf8(reason, MAX_REASON_BYTES),
  });
}

export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch + '…', 'utf8') > maxBytes) break;
    out += ch;
  }
  return out + '…';
}

export class ChainVerdictSubmitter implements VerdictSubmitter {
  constructor(private readonly b: Broadcaster) {}

  commit(jobId: string, commitHash: string): Promise<SubmitReceipt> {
    return this.b.broadcast({ id: jobId }, { typeUrl: inferenceTypeUrls.MsgCommitVerdict, value: commitMessage(this.b.address, jobId, commitHash) });
  }

  reveal(jobId: string, verdict: VerdictName, salt: string, reason: string): Promise<SubmitReceipt> {
    return this.b.broadcast({ id: jobId }, { typeUrl: inferenceTypeUrls.MsgRevealVerdict, value: revealMessage(this.b.address, jobId, verdict, salt, reason) });
  }
}
