/** What the gateway routes need from the chain and the executors (the real one is backend.ts; tests fake it). */
import type { InferResult } from "../client/inference.js";

export interface ServedModel {
  /** name@version */
  id: string;
  contentRoot: string;
  publisher: string;
  /** unix seconds of the registration block time when known, else 0 */
  created: number;
}

export interface JobRequest {
  /** content root */
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  /** "12345uinfer"; default: the chain's minimum for maxTokens */
  maxFee?: string;
  /** the client's sampling seed (OpenAI `seed`); absent = derived by the chain */
  seed?: number;
}

export interface RequestedJob {
  jobId: bigint;
  executor: string;
  deadlineHeight: number;
  txHash: string;
  height: number;
  /** who the chain records as requester (the granter when signing as an agent) */
  requester: string;
  maxFee: { denom: string; amount: string };
}

/** One event of an executor's token stream. */
export type TokenEvent =
  | { kind: "token"; id: number; text: string }
  | { kind: "end"; tokens: number; promptTokens: number; commitment: string; finishReason: string };

export interface GatewayBackend {
  /** Registered, active models served by at least one active executor. */
  models(): Promise<ServedModel[]>;
  /** name@version or content root -> the model; NotFoundError (field model) when unknown or not served. */
  resolve(ref: string): Promise<ServedModel>;
  /** Signs and broadcasts MsgRequestInference (directly or through authz MsgExec); resolves at inclusion. */
  request(req: JobRequest): Promise<RequestedJob>;
  /** The assigned executor's token stream; throws when it cannot be opened (the caller falls back to the chain). */
  stream(job: RequestedJob, signal: AbortSignal): AsyncIterable<TokenEvent>;
  /** Waits until the job's result is on chain. */
  result(job: RequestedJob, timeoutMs: number): Promise<InferResult>;
  /** The prompt's token count (chat template applied) from the executor's sidecar; undefined when unavailable. */
  promptTokens(job: RequestedJob): Promise<number | undefined>;
}
