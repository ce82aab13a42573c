// Test fixtures for x/inference jobs (used by the unit tests; not exported from the package index).
import { Job, JobStatus, Params } from "../generated/inferchain/inference/v1/types.js";

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
    },
    ...extra,
  });
}

export function refundedJob(reason = "no executor answered after 3 attempts"): Job {
  return pendingJob({ status: JobStatus.JOB_STATUS_REFUNDED, attempt: 3, tried: [VALOPER, VALOPER], statusReason: reason, settledHeight: 70n });
}
