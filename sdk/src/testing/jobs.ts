// Test fixtures for x/inference jobs (used by the unit tests; not exported from the package index).
import { Audit, AuditOutcome, Job, JobStatus, Params, Verdict } from "../generated/inferchain/inference/v1/types.js";

export const ROOT = "a".repeat(64);
export const VALOPER = "infervaloper1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzm9ne3";
export const SIDECAR = "infer1sidecarxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
export const REQUESTER = "infer1requesterxxxxxxxxxxxxxxxxxxxxxxxxxxx";

export const PARAMS: Params = Params.fromPartial({
  baseFee: { denom: "uinfer", amount: "1000" },
  feePerToken: { denom: "uinfer", amount: "10" },
  deadlineBlocks: 20,
  maxAttempts: 3,
  executorShare: "0.70",
  publisherShare: "0.10",
  verifierShare: "0.10",
  communityShare: "0.10",
  maxPromptBytes: 16384,
  maxTokensLimit: 1024,
  maxOutputTextBytes: 65536,
});

export function pendingJob(extra: Partial<Job> = {}): Job {
  return Job.fromPartial({
    id: 42n,
    requester: REQUESTER,
    model: ROOT,
    prompt: "Once upon a time",
    maxTokens: 64,
    temperatureMilli: 700,
    topK: 40,
    maxFee: { denom: "uinfer", amount: "1640" },
    seed: 99n,
    status: JobStatus.JOB_STATUS_PENDING,
    executor: VALOPER,
    attempt: 1,
    createdHeight: 10n,
    assignedHeight: 10n,
    deadlineHeight: 30n,
    ...extra,
  });
}

export function submittedJob(extra: Partial<Job> = {}): Job {
  return pendingJob({
    status: JobStatus.JOB_STATUS_RESULT_SUBMITTED,
    result: {
      outputTokenIds: [5, 6, 7],
      outputText: " there was a cat",
      commitment: "c".repeat(64),
      finishReason: "eos",
      runtime: { executionProvider: "cpu", threads: 4, prefillMs: 12n, decodeMs: 34n, promptTokens: 4, engine: "onnxruntime-node" },
      submittedHeight: 12n,
      submittedBy: SIDECAR,
    },
    ...extra,
  });
}

/** Charged 1000 + 10*3 = 1030 of 1640: publisher/verifier/community 103 each, executor 721, refund 610. */
export function settledJob(extra: Partial<Job> = {}): Job {
  return submittedJob({
    status: JobStatus.JOB_STATUS_SETTLED,
    settledHeight: 13n,
    settlement: {
      executor: { denom: "uinfer", amount: "721" },
      publisher: { denom: "uinfer", amount: "103" },
      verifierPool: { denom: "uinfer", amount: "103" },
      communityPool: { denom: "uinfer", amount: "103" },
      refund: { denom: "uinfer", amount: "610" },
      royalties: [],
    },
    ...extra,
  });
}

export function refundedJob(reason = "no executor answered after 3 attempts"): Job {
  return pendingJob({ status: JobStatus.JOB_STATUS_REFUNDED, attempt: 3, tried: [VALOPER, VALOPER], statusReason: reason, settledHeight: 70n });
}

export const VERIFIER_A = "infervaloper1verifieraxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
export const VERIFIER_B = "infervaloper1verifierbxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
export const VERIFIER_C = "infervaloper1verifiercxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/** Selected for an audit at block 13: committee A, B, C (quorum 2), A committed, B committed. */
export function auditingJob(extra: Partial<Job> = {}): Job {
  return submittedJob({
    status: JobStatus.JOB_STATUS_AUDITING,
    audit: Audit.fromPartial({
      decidedHeight: 13n,
      outcome: AuditOutcome.AUDIT_OUTCOME_IN_PROGRESS,
      committee: [VERIFIER_A, VERIFIER_B, VERIFIER_C],
      quorum: 2,
      commitDeadline: 23n,
      revealDeadline: 33n,
      votes: [
        { verifier: VERIFIER_A, commitHash: "a".repeat(64), committedHeight: 15n },
        { verifier: VERIFIER_B, commitHash: "b".repeat(64), committedHeight: 16n },
      ],
    }),
    ...extra,
  });
}

/** A and B revealed FRAUD, C never answered: refunded, the executor slashed 5000uinfer. */
export function fraudJob(): Job {
  const vote = (verifier: string, reason: string, h: bigint) => ({
    verifier,
    commitHash: "f".repeat(64),
    committedHeight: 15n,
    verdict: Verdict.VERDICT_FRAUD,
    reason,
    revealedHeight: h,
    reward: { denom: "uinfer", amount: "50" },
  });
  return submittedJob({
    status: JobStatus.JOB_STATUS_REFUNDED,
    statusReason: "audit: result found fraudulent",
    settledHeight: 34n,
    audit: Audit.fromPartial({
      decidedHeight: 13n,
      outcome: AuditOutcome.AUDIT_OUTCOME_FRAUD,
      committee: [VERIFIER_A, VERIFIER_B, VERIFIER_C],
      quorum: 2,
      commitDeadline: 23n,
      revealDeadline: 33n,
      votes: [vote(VERIFIER_A, "step 0: gap 5.21 > eps 0.01", 25n), vote(VERIFIER_B, "step 0: gap 5.20 > eps 0.01", 26n)],
      slashed: { denom: "uinfer", amount: "5000" },
      concludedHeight: 34n,
    }),
  });
}

/** Audited and found valid by A and B; settled. */
export function honestJob(): Job {
  const vote = (verifier: string) => ({ verifier, commitHash: "e".repeat(64), committedHeight: 15n, verdict: Verdict.VERDICT_VALID, revealedHeight: 25n, reward: { denom: "uinfer", amount: "50" } });
  return settledJob({
    settledHeight: 34n,
    audit: Audit.fromPartial({
      decidedHeight: 13n,
      outcome: AuditOutcome.AUDIT_OUTCOME_HONEST,
      committee: [VERIFIER_A, VERIFIER_B],
      quorum: 2,
      commitDeadline: 23n,
      revealDeadline: 33n,
      votes: [vote(VERIFIER_A), vote(VERIFIER_B)],
      note: "committee of 2: only 2 other executors serve the model",
      concludedHeight: 34n,
    }),
  });
}

/** Not picked by the block hash. */
export function notSelectedJob(): Job {
  return settledJob({ audit: Audit.fromPartial({ decidedHeight: 13n, outcome: AuditOutcome.AUDIT_OUTCOME_NOT_SELECTED }) });
}

/** A and B voted VALID, C voted FRAUD on the honest result: C is outvoted (no reward). */
export function outvotedJob(): Job {
  const h = honestJob();
  const votes = [
    ...h.audit!.votes,
    { verifier: VERIFIER_C, commitHash: "c".repeat(64), committedHeight: 15n, verdict: Verdict.VERDICT_FRAUD, reason: "step 1: gap 0.5 > eps 0.001", revealedHeight: 25n, reward: undefined, outvoted: true },
  ];
  return { ...h, audit: Audit.fromPartial({ ...h.audit!, committee: [VERIFIER_A, VERIFIER_B, VERIFIER_C], note: "", votes }) };
}

/** A abstained (no calibration for the executor's provider), B voted VALID: no quorum either way; settled. */
export function inconclusiveJob(): Job {
  const h = honestJob();
  const votes = [
    { verifier: VERIFIER_A, commitHash: "a".repeat(64), committedHeight: 15n, verdict: Verdict.VERDICT_ABSTAIN, reason: "no calibrated tolerance for cuda->cpu (tiny f32)", revealedHeight: 25n },
    h.audit!.votes[1]!,
  ];
  return { ...h, audit: Audit.fromPartial({ ...h.audit!, outcome: AuditOutcome.AUDIT_OUTCOME_INCONCLUSIVE, note: "", votes }) };
}

/** Picked, but only one other executor serves the model (quorum 2): settled unaudited. */
export function insufficientCommitteeJob(): Job {
  return settledJob({
    audit: Audit.fromPartial({ decidedHeight: 13n, outcome: AuditOutcome.AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE, quorum: 2, note: "only 1 other eligible executor serves the model (quorum 2)" }),
  });
}
