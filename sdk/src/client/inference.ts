/**
 * x/inference helpers that need no connection: input validation and conversion (temperature, fees), the
 * minimum fee from params, job status names, and the receipt of a job. The clients build on these; they are
 * pure so they can be tested (and reused by dApps) without a chain.
 */
import type { Coin } from "@cosmjs/stargate";
import { InferchainError, invalidArgument } from "../errors.js";
import { parseRef } from "../refs.js";
import { AuditOutcome, JobStatus, Verdict, type Audit, type FeeSplit, type Job, type Params, type RuntimeProfile } from "../generated/inferchain/inference/v1/types.js";

/** Chain limits that do not depend on params (chain/x/inference/types/params.go). */
export const MAX_TEMPERATURE_MILLI = 5000;
export const MAX_TOP_K = 1000;
const MAX_UINT32 = 0xffff_ffff;

export type JobStatusName = "unspecified" | "pending" | "result_submitted" | "auditing" | "settled" | "refunded";

const STATUS_NAMES: Record<number, JobStatusName> = {
  [JobStatus.JOB_STATUS_UNSPECIFIED]: "unspecified",
  [JobStatus.JOB_STATUS_PENDING]: "pending",
  [JobStatus.JOB_STATUS_RESULT_SUBMITTED]: "result_submitted",
  [JobStatus.JOB_STATUS_AUDITING]: "auditing",
  [JobStatus.JOB_STATUS_SETTLED]: "settled",
  [JobStatus.JOB_STATUS_REFUNDED]: "refunded",
};

/** "pending", "result_submitted", "auditing", "settled", "refunded" ("unspecified" for anything else). */
export function jobStatusName(status: JobStatus): JobStatusName {
  return STATUS_NAMES[status] ?? "unspecified";
}

/** Parses a status filter: pending, result_submitted (or submitted, result), auditing, settled, refunded, or the enum name. */
export function parseJobStatus(value: string, field = "status"): JobStatus {
  const v = value.trim().toLowerCase().replace(/^job_status_/, "").replace(/-/g, "_");
  const aliases: Record<string, JobStatus> = {
    pending: JobStatus.JOB_STATUS_PENDING,
    result_submitted: JobStatus.JOB_STATUS_RESULT_SUBMITTED,
    submitted: JobStatus.JOB_STATUS_RESULT_SUBMITTED,
    result: JobStatus.JOB_STATUS_RESULT_SUBMITTED,
    auditing: JobStatus.JOB_STATUS_AUDITING,
    audit: JobStatus.JOB_STATUS_AUDITING,
    settled: JobStatus.JOB_STATUS_SETTLED,
    refunded: JobStatus.JOB_STATUS_REFUNDED,
  };
  const status = aliases[v];
  if (status === undefined) throw invalidArgument(field, `"${value}" is not a job status (pending, result_submitted, auditing, settled, refunded)`);
  return status;
}

/**
 * Sampling temperature -> the chain's temperature_milli (x1000, rounded; 0 = greedy). Refuses negative,
 * non-finite and too large values, and a positive temperature so small it would silently become greedy.
 */
export function temperatureToMilli(temperature: number, field = "temperature"): number {
  if (typeof temperature !== "number" || !Number.isFinite(temperature)) throw invalidArgument(field, `must be a finite number, got ${String(temperature)}`);
  if (temperature < 0) throw invalidArgument(field, `must not be negative (0 = greedy), got ${temperature}`);
  const milli = Math.round(temperature * 1000);
  if (temperature > 0 && milli === 0) throw invalidArgument(field, `${temperature} is below the smallest non-zero temperature 0.001 (use 0 for greedy)`);
  if (milli > MAX_TEMPERATURE_MILLI) throw invalidArgument(field, `must be at most ${MAX_TEMPERATURE_MILLI / 1000}, got ${temperature}`);
  return milli;
}

export function temperatureFromMilli(milli: number): number {
  return milli / 1000;
}

const COIN_RE = /^(\d+)([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/;

/** Parses "12345uinfer" (or checks a Coin): a whole non-negative amount and a valid denom. */
export function parseCoin(value: string | Coin, field = "max_fee"): Coin {
  if (typeof value === "object" && value !== null) {
    if (!/^\d+$/.test(value.amount) || !COIN_RE.test(`0${value.denom}`)) {
      throw invalidArgument(field, `${JSON.stringify(value)} is not a coin: amount must be a whole number, denom e.g. uinfer`);
    }
    return { denom: value.denom, amount: BigInt(value.amount).toString() };
  }
  const m = typeof value === "string" ? COIN_RE.exec(value.trim()) : null;
  if (!m) throw invalidArgument(field, `"${String(value)}" is not <amount><denom>, e.g. 12345uinfer`);
  return { denom: m[2]!, amount: BigInt(m[1]!).toString() };
}

export function formatCoin(c: Coin | undefined): string {
  return c ? `${c.amount}${c.denom}` : "-";
}

/** The least max_fee a request for maxTokens may escrow: base_fee + fee_per_token * max_tokens (in base_fee's denom). */
export function minimumFeeFor(params: Pick<Params, "baseFee" | "feePerToken">, maxTokens: number): Coin {
  checkMaxTokens(maxTokens);
  const base = params.baseFee;
  if (!base) throw new InferchainError("unknown", "inference params have no base_fee");
  const perToken = BigInt(params.feePerToken?.amount ?? "0");
  return { denom: base.denom, amount: (BigInt(base.amount) + perToken * BigInt(maxTokens)).toString() };
}

export function checkMaxTokens(maxTokens: number, field = "max_tokens"): void {
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_UINT32) throw invalidArgument(field, `must be a positive integer, got ${String(maxTokens)}`);
}

export interface InferenceRequestInput {
  /** Content root or name@version of a registered, active model. */
  model: string;
  prompt: string;
  maxTokens: number;
  /** Sampling temperature (0 = greedy, the default); sent as temperature_milli. */
  temperature?: number;
  /** 0 (default) = no top-k cut. */
  topK?: number;
  /** "12345uinfer" or a Coin; default: the minimum for maxTokens from the params. */
  maxFee?: string | Coin;
  /**
   * Your own sampling seed (an integer 0..2^64-1; 0 is a seed too): same model, prompt, params and seed give the
   * same tokens. Omitted: the chain derives the seed from the block hash and the job id.
   */
  seed?: number | bigint;
}

export interface ValidatedRequest {
  model: string;
  prompt: string;
  maxTokens: number;
  temperatureMilli: number;
  topK: number;
  maxFee: Coin | undefined;
  /** undefined = chain-derived. */
  seed: bigint | undefined;
}

const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/** A client seed as a uint64; a number must be a safe integer (larger seeds: pass a bigint). */
export function parseSeed(seed: number | bigint, field = "seed"): bigint {
  if (typeof seed === "number" && !Number.isSafeInteger(seed)) throw invalidArgument(field, `must be an integer from 0 to 2^64-1 (pass a bigint above 2^53), got ${String(seed)}`);
  if (typeof seed !== "number" && typeof seed !== "bigint") throw invalidArgument(field, `must be an integer, got ${typeof seed}`);
  const v = BigInt(seed);
  if (v < 0n || v > MAX_UINT64) throw invalidArgument(field, `must be an integer from 0 to 2^64-1, got ${String(seed)}`);
  return v;
}

/** Checks a request without the chain, naming the field; nothing is sent before this passes. */
export function validateInferenceRequest(input: InferenceRequestInput): ValidatedRequest {
  if (typeof input.model !== "string" || input.model.trim() === "") throw invalidArgument("model", "must be a content root or name@version");
  parseRef(input.model.trim(), "model");
  if (typeof input.prompt !== "string" || input.prompt === "") throw invalidArgument("prompt", "must not be empty");
  checkMaxTokens(input.maxTokens);
  const temperatureMilli = temperatureToMilli(input.temperature ?? 0);
  const topK = input.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0 || topK > MAX_TOP_K) throw invalidArgument("top_k", `must be an integer from 0 (no top-k) to ${MAX_TOP_K}, got ${String(topK)}`);
  const maxFee = input.maxFee === undefined ? undefined : parseCoin(input.maxFee, "max_fee");
  const seed = input.seed === undefined ? undefined : parseSeed(input.seed);
  return { model: input.model.trim(), prompt: input.prompt, maxTokens: input.maxTokens, temperatureMilli, topK, maxFee, seed };
}

/** The params-dependent checks (the chain's MsgRequestInference.Validate); returns the fee to escrow. */
export function checkAgainstParams(req: ValidatedRequest, params: Params): Coin {
  const promptBytes = Buffer.byteLength(req.prompt, "utf8");
  if (params.maxPromptBytes > 0 && promptBytes > params.maxPromptBytes) throw invalidArgument("prompt", `is ${promptBytes} bytes, the maximum is ${params.maxPromptBytes}`);
  if (params.maxTokensLimit > 0 && req.maxTokens > params.maxTokensLimit) throw invalidArgument("max_tokens", `must be between 1 and ${params.maxTokensLimit}, got ${req.maxTokens}`);
  const min = minimumFeeFor(params, req.maxTokens);
  if (req.maxFee === undefined) return min;
  if (req.maxFee.denom !== min.denom) throw invalidArgument("max_fee", `denom must be ${min.denom}, got ${req.maxFee.denom}`);
  if (BigInt(req.maxFee.amount) < BigInt(min.amount)) {
    throw invalidArgument("max_fee", `${formatCoin(req.maxFee)} is below the minimum ${formatCoin(min)} for max_tokens=${req.maxTokens}`);
  }
  return req.maxFee;
}

export interface FeeSplitCoins {
  executor: Coin;
  publisher: Coin;
  verifierPool: Coin;
  communityPool: Coin;
  /** The part of max_fee not charged, returned to the requester. */
  refund: Coin;
  /**
   * Who received the publisher royalty when it was shared up the model's lineage (x/inference
   * lineage_royalty_share): the job model's publisher first, then ancestor and dataset publishers; the amounts
   * sum to `publisher`. Absent when the job model's publisher received all of it.
   */
  royalties?: { recipient: string; amount: Coin }[];
}

export interface RuntimeInfo {
  executionProvider: string;
  threads: number;
  prefillMs: number;
  decodeMs: number;
  promptTokens: number;
  engine: string;
}

/** What a job cost, who ran it with which weights, and when: enough to audit the answer. */
export interface InferenceReceipt {
  /** Content root of the model (the exact weights). */
  model: string;
  /** Validator operator address (infervaloper...) of the executor that answered (or is assigned). */
  executor: string;
  /** The sidecar account that posted the result (submitted_by); undefined before a result. */
  sidecar: string | undefined;
  requester: string;
  heights: { requested: number; assigned: number; result: number | undefined; settled: number | undefined };
  /** 1 = the first executor answered; more means reassignments after missed deadlines. */
  attempt: number;
  maxFee: Coin;
  /** How the fee was paid out; undefined until settled. */
  feeSplit: FeeSplitCoins | undefined;
  /** max_fee - refund; undefined until settled. */
  charged: Coin | undefined;
  /** Hex Merkle root of the per-step top-k the executor keeps for verifiers. */
  commitment: string | undefined;
  runtime: RuntimeInfo | undefined;
  /** The request's transaction, when known. */
  txHash: string | undefined;
  /** Whether and how the result was audited; undefined until a block after the result decided it. */
  audit: AuditReceipt | undefined;
}

/**
 * x/inference AuditOutcome as a receipt name. "insufficient_committee": picked, but fewer eligible verifiers than
 * quorum (settled unaudited, no slash possible); "inconclusive": the committee reached no quorum either way
 * (abstentions, missing reveals; settled like an honest job, nobody slashed). Neither is a pass.
 */
export type AuditOutcomeName = "not_selected" | "skipped" | "insufficient_committee" | "in_progress" | "honest" | "inconclusive" | "fraud";
export type VerdictName = "valid" | "fraud" | "abstain";

/** One committee member's vote: undefined verdict until it revealed (commit-reveal). */
export interface AuditVoteReceipt {
  /** The committee member's validator operator address. */
  verifier: string;
  /** Whether it committed in time (its verdict stays hidden until revealed). */
  committed: boolean;
  verdict: VerdictName | undefined;
  /** For a fraud verdict: the first failing check, e.g. "step 3: gap 5.21 > eps 0.01". */
  reason: string;
  /** Paid from the verifier pool when the audit concluded: only a verdict that agrees with the outcome (undefined otherwise). */
  reward: Coin | undefined;
  /** Revealed a verdict against the decided outcome: no reward, a missed audit for the verifier. */
  outvoted: boolean;
}

/** The audit part of a receipt (DESIGN.md "Verification"). */
export interface AuditReceipt {
  outcome: AuditOutcomeName;
  /** Validator operator addresses of the verifiers, in selection order (empty when not audited). */
  committee: string[];
  quorum: number;
  votes: AuditVoteReceipt[];
  /** Tokens slashed from the executor's validator on fraud; undefined otherwise. */
  slashed: Coin | undefined;
  /** Why the committee is smaller or the audit was skipped. */
  note: string;
  decidedHeight: number | undefined;
  concludedHeight: number | undefined;
  /** Commit and reveal deadlines (blocks), while the audit is in progress or after. */
  commitDeadline: number | undefined;
  revealDeadline: number | undefined;
}

const OUTCOME_NAMES: Partial<Record<AuditOutcome, AuditOutcomeName>> = {
  [AuditOutcome.AUDIT_OUTCOME_NOT_SELECTED]: "not_selected",
  [AuditOutcome.AUDIT_OUTCOME_SKIPPED]: "skipped",
  [AuditOutcome.AUDIT_OUTCOME_IN_PROGRESS]: "in_progress",
  [AuditOutcome.AUDIT_OUTCOME_HONEST]: "honest",
  [AuditOutcome.AUDIT_OUTCOME_FRAUD]: "fraud",
  [AuditOutcome.AUDIT_OUTCOME_INSUFFICIENT_COMMITTEE]: "insufficient_committee",
  [AuditOutcome.AUDIT_OUTCOME_INCONCLUSIVE]: "inconclusive",
};

/** The outcome's name; undefined for UNSPECIFIED (or a value this SDK does not know). */
export function auditOutcomeName(o: AuditOutcome): AuditOutcomeName | undefined {
  return OUTCOME_NAMES[o];
}

export function verdictName(v: Verdict): VerdictName | undefined {
  return v === Verdict.VERDICT_VALID ? "valid" : v === Verdict.VERDICT_FRAUD ? "fraud" : v === Verdict.VERDICT_ABSTAIN ? "abstain" : undefined;
}

const nonZeroCoin = (c: Coin | undefined): Coin | undefined => (c && c.denom && /^\d+$/.test(c.amount) && BigInt(c.amount) > 0n ? { denom: c.denom, amount: c.amount } : undefined);

/** The audit of a job as a receipt part; undefined while no block decided it (or with an unknown outcome). */
export function buildAuditReceipt(audit: Audit | undefined): AuditReceipt | undefined {
  if (!audit) return undefined;
  const outcome = auditOutcomeName(audit.outcome);
  if (!outcome) return undefined;
  return {
    outcome,
    committee: [...audit.committee],
    quorum: audit.quorum,
    votes: audit.votes.map((v) => ({
      verifier: v.verifier,
      committed: v.commitHash !== "",
      verdict: verdictName(v.verdict),
      reason: v.reason,
      reward: nonZeroCoin(v.reward),
      outvoted: v.outvoted,
    })),
    slashed: nonZeroCoin(audit.slashed),
    note: audit.note,
    decidedHeight: height(audit.decidedHeight),
    concludedHeight: height(audit.concludedHeight),
    commitDeadline: height(audit.commitDeadline),
    revealDeadline: height(audit.revealDeadline),
  };
}

/** The verifiers that revealed a FRAUD verdict (for messages). */
export function fraudVerifiers(audit: Audit | undefined): string[] {
  return (audit?.votes ?? []).filter((v) => v.verdict === Verdict.VERDICT_FRAUD).map((v) => v.verifier);
}

export interface InferResult {
  text: string;
  tokenIds: number[];
  jobId: bigint;
  /** "eos" or "length". */
  finishReason: string;
  receipt: InferenceReceipt;
}

const coin = (c: Coin | undefined, denom: string): Coin => ({ denom: c?.denom || denom, amount: c?.amount || "0" });
const height = (h: bigint): number | undefined => (h > 0n ? Number(h) : undefined);

function splitCoins(s: FeeSplit, denom: string): FeeSplitCoins {
  return {
    executor: coin(s.executor, denom),
    publisher: coin(s.publisher, denom),
    verifierPool: coin(s.verifierPool, denom),
    communityPool: coin(s.communityPool, denom),
    refund: coin(s.refund, denom),
    // (a hand-built FeeSplit may lack the field added with lineage royalties)
    ...((s.royalties ?? []).length > 0 ? { royalties: s.royalties.map((r) => ({ recipient: r.recipient, amount: coin(r.amount, denom) })) } : {}),
  };
}

function runtimeInfo(r: RuntimeProfile): RuntimeInfo {
  return {
    executionProvider: r.executionProvider,
    threads: r.threads,
    prefillMs: Number(r.prefillMs),
    decodeMs: Number(r.decodeMs),
    promptTokens: r.promptTokens,
    engine: r.engine,
  };
}

/** The receipt of a job as far as it went (result and settlement fields stay undefined until then). */
export function buildReceipt(job: Job, txHash?: string): InferenceReceipt {
  const maxFee = coin(job.maxFee, "");
  const settled = job.status === JobStatus.JOB_STATUS_SETTLED && job.settlement !== undefined;
  const feeSplit = settled ? splitCoins(job.settlement!, maxFee.denom) : undefined;
  const result = job.result && job.result.submittedHeight > 0n ? job.result : undefined;
  return {
    model: job.model,
    executor: job.executor,
    sidecar: result?.submittedBy || undefined,
    requester: job.requester,
    heights: {
      requested: Number(job.createdHeight),
      assigned: Number(job.assignedHeight),
      result: result ? height(result.submittedHeight) : undefined,
      settled: settled ? height(job.settledHeight) : undefined,
    },
    attempt: job.attempt,
    maxFee,
    feeSplit,
    charged: feeSplit ? { denom: maxFee.denom, amount: (BigInt(maxFee.amount) - BigInt(feeSplit.refund.amount)).toString() } : undefined,
    commitment: result?.commitment || undefined,
    runtime: result?.runtime ? runtimeInfo(result.runtime) : undefined,
    txHash,
    audit: buildAuditReceipt(job.audit),
  };
}

/** infer()'s answer from a job with a result. */
export function inferResultFromJob(job: Job, txHash?: string): InferResult {
  if (!job.result) throw new InferchainError("invalid_state", `job ${job.id} has no result yet (status ${jobStatusName(job.status)})`, { field: "job_id" });
  return {
    text: job.result.outputText,
    tokenIds: [...job.result.outputTokenIds],
    jobId: job.id,
    finishReason: job.result.finishReason,
    receipt: buildReceipt(job, txHash),
  };
}
