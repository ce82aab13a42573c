/** What the verifier duty needs from the chain, the executor's API, the engine and the signer (fakes in tests). */
import { auditOutcomeName, jobStatusName, verdictName, type Job, type VerdictName } from '@inferchain/sdk';
import type { SubmitReceipt } from '../durable/broadcast.js';
import type { DutyCheck } from './types.js';

export type AuditOutcomeName = 'unspecified' | 'not_selected' | 'skipped' | 'insufficient_committee' | 'in_progress' | 'honest' | 'inconclusive' | 'fraud';

export interface AuditVoteView {
  verifier: string;
  commitHash: string;
  verdict: VerdictName | undefined;
  revealed: boolean;
}

/** The chain's view of an audited job, reduced to what the duty acts on. */
export interface AuditJobView {
  id: string;
  status: 'pending' | 'result_submitted' | 'auditing' | 'settled' | 'refunded' | 'unknown';
  model: string;
  executor: string;
  audit:
    | {
        outcome: AuditOutcomeName;
        committee: string[];
        commitDeadline: number;
        revealDeadline: number;
        votes: AuditVoteView[];
      }
    | undefined;
  /** The job and its result: what the verifier judges. */
  claim:
    | {
        prompt: string;
        maxTokens: number;
        temperatureMilli: number;
        topK: number;
        seed: bigint;
        outputTokenIds: number[];
        outputText: string;
        finishReason: string;
        commitment: string;
        /** The executor's recorded `runtime.execution_provider` ('' when none): selects the tolerances. */
        executionProvider: string;
      }
    | undefined;
}

/** The SDK's status name; "unspecified" (a status this sidecar does not know) is "unknown" here. */
function statusOf(j: Job): AuditJobView['status'] {
  const name = jobStatusName(j.status);
  return name === 'unspecified' ? 'unknown' : name;
}

export function auditJobView(j: Job): AuditJobView {
  const a = j.audit;
  const r = j.result && j.result.submittedBy ? j.result : undefined;
  return {
    id: j.id.toString(),
    status: statusOf(j),
    model: j.model,
    executor: j.executor,
    audit: a && {
      outcome: auditOutcomeName(a.outcome) ?? 'unspecified',
      committee: [...a.committee],
      commitDeadline: Number(a.commitDeadline),
      revealDeadline: Number(a.revealDeadline),
      votes: a.votes.map((v) => ({
        verifier: v.verifier,
        commitHash: v.commitHash.toLowerCase(),
        verdict: verdictName(v.verdict),
        revealed: v.revealedHeight > 0n,
      })),
    },
    claim: r && {
      prompt: j.prompt,
      maxTokens: j.maxTokens,
      temperatureMilli: j.temperatureMilli,
      topK: j.topK,
      seed: j.seed,
      outputTokenIds: [...r.outputTokenIds],
      outputText: r.outputText,
      finishReason: r.finishReason,
      commitment: r.commitment,
      executionProvider: r.runtime?.executionProvider ?? '',
    },
  };
}

export interface AuditChain {
  latestHeight(): Promise<number>;
  /** undefined when the chain has no such job. */
  getAuditJob(id: string): Promise<AuditJobView | undefined>;
  /** The executor's API base URL as registered (empty/undefined when none). */
  executorEndpoint(validator: string): Promise<string | undefined>;
}

export interface VerdictSubmitter {
  /** MsgCommitVerdict{sidecar, job_id, commit_hash}; waits for inclusion. Throws SubmitRejectedError or a transient error. */
  commit(jobId: string, commitHash: string): Promise<SubmitReceipt>;
  /** MsgRevealVerdict{sidecar, job_id, verdict, salt, reason}; waits for inclusion. */
  reveal(jobId: string, verdict: VerdictName, salt: string, reason: string): Promise<SubmitReceipt>;
}

/** The check's answer as the duty records it (structurally the verifier core's CheckResult). */
export interface DutyVerdict extends DutyCheck {
  verdict: VerdictName;
  reason?: string;
}

/** Judges the claim of an audited job (fetches the executor's steps, runs the verifier core). */
export interface AuditChecker {
  check(job: AuditJobView): Promise<DutyVerdict>;
}

/**
 * The check cannot be done by this sidecar, whatever the claim: e.g. the model is not loaded here. Not a
 * verdict: the duty fails (the chain counts a missed reveal) rather than voting blind.
 */
export class CannotCheckError extends Error {
  override name = 'CannotCheckError';
}
