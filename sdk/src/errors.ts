import { parseRejection, type JobRejection } from "./rejection.js";

/**
 * Typed SDK errors. `code` is a stable symbolic name; `field` names the offending input or message field
 * when known (the chain's registry errors name it too, see abci-errors.ts).
 */
export type ErrorCode =
  | "invalid_argument" // malformed input (digest, ref, path, option)
  | "not_found" // the referenced model, dataset, attestation, key or file does not exist
  | "already_exists" // duplicate registration, key name taken
  | "unauthorized" // signer may not do this (not the publisher/attester)
  | "insufficient_funds"
  | "out_of_gas"
  | "invalid_state" // e.g. a revoked model, an already revoked attestation, a job in the wrong state
  | "unavailable" // no executor serves the model (nothing to assign the job to)
  | "refunded" // an inference job ended REFUNDED (JobRefundedError carries the reason)
  | "tx_failed" // any other failed transaction
  | "io" // local file system problems while hashing or reading keys
  | "connection" // the node could not be reached
  | "timeout"
  | "unknown";

export interface InferchainErrorOptions {
  field?: string;
  codespace?: string;
  abciCode?: number;
  txHash?: string;
  cause?: unknown;
}

export class InferchainError extends Error {
  override readonly name: string = "InferchainError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  /** ABCI codespace and code when the error came from the chain. */
  readonly codespace: string | undefined;
  readonly abciCode: number | undefined;
  readonly txHash: string | undefined;

  constructor(code: ErrorCode, message: string, options: InferchainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.codespace = options.codespace;
    this.abciCode = options.abciCode;
    this.txHash = options.txHash;
  }
}

export class NotFoundError extends InferchainError {
  override readonly name: string = "NotFoundError";
  constructor(message: string, options: InferchainErrorOptions = {}) {
    super("not_found", message, options);
  }
}

/** Shorthand for argument validation failures that name the field. */
export function invalidArgument(field: string, message: string): InferchainError {
  return new InferchainError("invalid_argument", `${field}: ${message}`, { field });
}

/** The same error, re-labelled with the field it concerns (e.g. a parent ref that did not resolve). */
export function withField(err: InferchainError, field: string): InferchainError {
  const message = `${field}: ${err.message}`;
  const options = { field, codespace: err.codespace, abciCode: err.abciCode, txHash: err.txHash, cause: err };
  return err instanceof NotFoundError ? new NotFoundError(message, options) : new InferchainError(err.code, message, options);
}

/**
 * waitForResult gave up waiting. The job is not lost: its fee stays escrowed until the chain settles or
 * refunds it; query it later (`inferchain job <id>`).
 */
export class JobTimeoutError extends InferchainError {
  override readonly name: string = "JobTimeoutError";
  readonly jobId: bigint;
  /** The last status seen, e.g. "pending" (undefined when the job could not be read at all). */
  readonly lastStatus: string | undefined;
  constructor(jobId: bigint, waitedMs: number, lastStatus: string | undefined, options: InferchainErrorOptions = {}) {
    super(
      "timeout",
      `job ${jobId}: no ${lastStatus === "result_submitted" || lastStatus === "auditing" ? "settlement" : "result"} after ${Math.round(waitedMs / 1000)}s` +
        `${lastStatus ? ` (last status ${lastStatus})` : ""}; the job is not lost (the chain settles or refunds every job), ` +
        `query it later with \`inferchain job ${jobId}\``,
      { field: "job_id", ...options },
    );
    this.jobId = jobId;
    this.lastStatus = lastStatus;
  }
}

/** Why a job was refunded when its audit proved fraud (JobRefundedError.fraud). */
export interface AuditFraud {
  /** The executor (infervaloper...) whose result was found fraudulent. */
  executor: string;
  /** The committee members (infervaloper...) that revealed a FRAUD verdict. */
  verifiers: string[];
  /** Their reasons, same order (e.g. "step 3: gap 5.21 > eps 0.01"). */
  reasons: string[];
  /** What was slashed from the executor's validator, e.g. "5000uinfer" (undefined when nothing was). */
  slashed: string | undefined;
}

export interface JobRefundedOptions extends InferchainErrorOptions {
  /** Set when the refund is the outcome of an audit that found the result fraudulent. */
  fraud?: AuditFraud;
}

/**
 * The job ended REFUNDED: no executor answered in time (attempts exhausted), its result was found fraudulent by
 * an audit committee (then `fraud` names the executor, the verifiers and their reasons), or its executor refused
 * it (MsgRejectJob, e.g. prompt_too_long): then `rejection` holds the executor, the machine code and the
 * explanation, and the message says what to change.
 */
export class JobRefundedError extends InferchainError {
  override readonly name: string = "JobRefundedError";
  readonly jobId: bigint;
  /** The chain's status_reason. */
  readonly statusReason: string;
  /** Set when the assigned executor rejected the job (the whole max_fee was refunded). */
  readonly rejection: JobRejection | undefined;
  /** Set when an audit found the result fraudulent (the requester was refunded, the executor slashed). */
  readonly fraud: AuditFraud | undefined;
  constructor(jobId: bigint, statusReason: string, options: JobRefundedOptions = {}) {
    const { fraud, ...rest } = options;
    const rejection = parseRejection(statusReason);
    const what = rejection ? "was refunded in full" : "was refunded";
    const hint = rejection?.hint ? `; ${rejection.hint}` : "";
    const message = fraud
      ? `job ${jobId} was refunded: its result was found fraudulent by ${fraud.verifiers.length ? fraud.verifiers.join(", ") : "the audit committee"}` +
        `${fraud.reasons.filter(Boolean).length ? ` (${fraud.reasons.filter(Boolean).join("; ")})` : ""}` +
        `; executor ${fraud.executor || "?"}${fraud.slashed ? ` was slashed ${fraud.slashed}` : " was penalised"}` +
        `${statusReason ? ` [${statusReason}]` : ""}`
      : `job ${jobId} ${what}: ${statusReason || "no reason recorded"}${hint}`;
    super("refunded", message, { field: "job_id", ...rest });
    this.jobId = jobId;
    this.statusReason = statusReason;
    this.rejection = rejection;
    this.fraud = fraud;
  }
}
