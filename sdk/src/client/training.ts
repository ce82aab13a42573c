/**
 * x/training from the SDK: request a training job (fine-tune, LoRA, or pretrain from scratch), read it, wait for its child model. Inputs are checked
 * (naming the field) before anything is sent; refs may be content roots or name@version.
 */
import { createHash } from "node:crypto";
import type { Coin } from "@cosmjs/stargate";
import { InferchainError, invalidArgument, NotFoundError } from "../errors.js";
import { MsgRequestTraining, MsgRequestTrainingResponse } from "../generated/inferchain/training/v1/tx.js";
import { TrainingMethod, TrainingStatus, type HyperParams, type TrainingJob } from "../generated/inferchain/training/v1/types.js";
import { trainingResponseTypeUrls, trainingTypeUrls } from "../chain/training-types.js";
import { parseCoin } from "./inference.js";
import { toId, wrap, type InferchainClient } from "./query-client.js";
import type { SigningInferchainClient } from "./signing-client.js";

export interface RequestTrainingInput {
  /** Base model: content root or name@version. */
  baseModel: string;
  /** Datasets (JSONL of {"prompt","completion"} or {"text"} rows), content roots or name@version; order matters. */
  datasets: readonly string[];
  /**
   * full: every weight of the base; lora: low-rank adapters merged into the child; pretrain: from scratch, every
   * weight drawn from the seed (the base model supplies only graph and tokenizer; the child has no parent).
   */
  method?: TrainingMethodName;
  /** LoRA adapter rank r (method lora only; the chain bounds it by params.max_lora_rank). */
  loraRank?: number;
  /** LoRA alpha, a positive decimal string; adapters are scaled by alpha / rank (method lora only). */
  loraAlpha?: string;
  /** Adapted attention projections from q,k,v,o (method lora only; default q,v). Sent in canonical order. */
  loraTargets?: readonly string[];
  /** Positive decimal string, e.g. "0.001". */
  learningRate: string;
  steps: number;
  batchSize: number;
  seqLen: number;
  seed: bigint | number | string;
  /** Checkpoint every K steps; must divide steps. */
  checkpointInterval: number;
  maxFee: string | Coin;
  /** Registry name@version of the child model (publisher: the requester). */
  childName: string;
  childVersion: string;
  childLicense?: string;
}

export interface RequestTrainingResult {
  jobId: bigint;
  executor: string;
  deadlineHeight: number;
  recipeHash: string;
  txHash: string;
  height: number;
}

export type TrainingMethodName = "full" | "lora" | "pretrain";

const METHODS: Readonly<Record<TrainingMethodName, TrainingMethod>> = {
  full: TrainingMethod.TRAINING_METHOD_FULL,
  lora: TrainingMethod.TRAINING_METHOD_LORA,
  pretrain: TrainingMethod.TRAINING_METHOD_PRETRAIN,
};

/** The recipe's init= line of a pretrain job (x/training types.PretrainInitRule; the trainer's PRNG domain). */
export const PRETRAIN_INIT_RULE = "inferchain/training/pretrain-init/v1";

const DECIMAL = /^(0|[1-9][0-9]{0,8})(\.[0-9]{1,18})?$/;

function positiveInt(field: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw invalidArgument(field, `must be a whole number >= 1, got ${String(v)}`);
  return v;
}

export const LORA_TARGETS = ["q", "k", "v", "o"] as const;

/** The lora_* hyper-parameters (chain types.ValidateLoraParams): required for lora, absent (zero) for full and pretrain. */
function loraHyperParams(input: Pick<RequestTrainingInput, "method" | "loraRank" | "loraAlpha" | "loraTargets">): Pick<HyperParams, "loraRank" | "loraAlpha" | "loraTargets"> {
  if ((input.method ?? "full") !== "lora") {
    if (input.loraRank !== undefined || input.loraAlpha !== undefined || input.loraTargets !== undefined) {
      throw invalidArgument("lora_rank", `lora rank, alpha and targets are for method lora only (method ${input.method ?? "full"} trains every weight)`);
    }
    return { loraRank: 0, loraAlpha: "", loraTargets: "" };
  }
  if (input.loraRank === undefined) throw invalidArgument("lora_rank", "method lora needs a rank (e.g. 8)");
  const loraRank = positiveInt("lora_rank", input.loraRank);
  const loraAlpha = input.loraAlpha ?? String(2 * loraRank);
  if (!DECIMAL.test(loraAlpha) || /^0(\.0*)?$/.test(loraAlpha)) throw invalidArgument("lora_alpha", `'${loraAlpha}' is not a positive decimal like 16`);
  const targets = input.loraTargets ?? ["q", "v"];
  for (const t of targets) if (!(LORA_TARGETS as readonly string[]).includes(t)) throw invalidArgument("lora_targets", `'${t}' is not one of ${LORA_TARGETS.join(",")}`);
  if (new Set(targets).size !== targets.length || targets.length === 0) throw invalidArgument("lora_targets", "list each projection once, at least one");
  return { loraRank, loraAlpha, loraTargets: LORA_TARGETS.filter((t) => targets.includes(t)).join(",") };
}

/** The hyper-parameters of a request, checked (same rules as the chain's stateless checks). */
export function validateHyperParams(
  input: Pick<RequestTrainingInput, "learningRate" | "steps" | "batchSize" | "seqLen" | "seed" | "checkpointInterval" | "method" | "loraRank" | "loraAlpha" | "loraTargets">,
): HyperParams {
  if (!DECIMAL.test(input.learningRate) || /^0(\.0*)?$/.test(input.learningRate)) {
    throw invalidArgument("learning_rate", `'${input.learningRate}' is not a positive decimal like 0.001`);
  }
  const steps = positiveInt("steps", input.steps);
  const k = positiveInt("checkpoint_interval", input.checkpointInterval);
  if (steps % k !== 0) throw invalidArgument("checkpoint_interval", `${k} must divide steps ${steps}`);
  const seqLen = positiveInt("seq_len", input.seqLen);
  if (seqLen < 2) throw invalidArgument("seq_len", "must be >= 2");
  const seed = toId(input.seed, "seed");
  if (seed >= 2n ** 64n) throw invalidArgument("seed", "must fit in 64 bits");
  return { learningRate: input.learningRate, steps: BigInt(steps), batchSize: positiveInt("batch_size", input.batchSize), seqLen, seed, checkpointInterval: BigInt(k), ...loraHyperParams(input) };
}

export function methodName(m: TrainingMethod): TrainingMethodName | "unspecified" {
  return (Object.keys(METHODS) as TrainingMethodName[]).find((k) => METHODS[k] === m) ?? "unspecified";
}

/** A method name as typed (CLI, JSON); InvalidArgument (field method) for anything but full, lora, pretrain. */
export function parseTrainingMethod(name: string): TrainingMethodName {
  const m = (Object.keys(METHODS) as TrainingMethodName[]).find((k) => k === name);
  if (!m) throw invalidArgument("method", `must be full, lora or pretrain, got '${name}'`);
  return m;
}

/** The canonical recipe text whose SHA-256 is the child's recipe_hash (x/training types.CanonicalRecipe). */
export function canonicalRecipe(base: string, datasets: readonly string[], method: TrainingMethod, h: HyperParams): string {
  return [
    "inferchain/training/recipe/v1",
    // pretrain: the base lent only its graph and tokenizer
    method === TrainingMethod.TRAINING_METHOD_PRETRAIN ? `architecture=${base}` : `base_model=${base}`,
    `datasets=${datasets.join(",")}`,
    `method=${methodName(method)}`,
    `learning_rate=${h.learningRate}`,
    `steps=${h.steps}`,
    `batch_size=${h.batchSize}`,
    `seq_len=${h.seqLen}`,
    `seed=${h.seed}`,
    `checkpoint_interval=${h.checkpointInterval}`,
    // LoRA recipes append the adapter's hyper-parameters (full recipes are unchanged)
    ...(method === TrainingMethod.TRAINING_METHOD_LORA ? [`lora_rank=${h.loraRank}`, `lora_alpha=${h.loraAlpha}`, `lora_targets=${h.loraTargets}`] : []),
    // pretrain recipes append the init rule: how the weights were drawn from the seed is part of the run
    ...(method === TrainingMethod.TRAINING_METHOD_PRETRAIN ? [`init=${PRETRAIN_INIT_RULE}`] : []),
    "",
  ].join("\n");
}

export function recipeHash(base: string, datasets: readonly string[], method: TrainingMethod, h: HyperParams): string {
  return createHash("sha256").update(canonicalRecipe(base, datasets, method, h)).digest("hex");
}

/** The client surface requestTraining needs (SigningInferchainClient has it). */
export type TrainingTxClient = Pick<SigningInferchainClient, "senderAddress" | "resolveModel" | "resolveDataset" | "signAndBroadcast">;

/** Escrows max_fee and assigns an executor serving the base model; returns the job id and its recipe hash. */
export async function requestTraining(client: TrainingTxClient, input: RequestTrainingInput): Promise<RequestTrainingResult> {
  const method = METHODS[parseTrainingMethod(input.method ?? "full")];
  const hyperParams = validateHyperParams(input);
  if (input.datasets.length === 0) throw invalidArgument("datasets", "at least one dataset is required");
  if (!input.childName || !input.childVersion) throw invalidArgument("child_name", "child name and version are required");
  const maxFee = parseCoin(input.maxFee, "max_fee");
  const baseModel = await client.resolveModel(input.baseModel);
  const datasets = await Promise.all(input.datasets.map((d) => client.resolveDataset(d)));
  const value = MsgRequestTraining.fromPartial({
    requester: client.senderAddress,
    baseModel,
    datasets,
    method,
    hyperParams,
    maxFee,
    childName: input.childName,
    childVersion: input.childVersion,
    childLicense: input.childLicense ?? "",
  });
  const res = await client.signAndBroadcast([{ typeUrl: trainingTypeUrls.MsgRequestTraining, value }]);
  const reply = res.msgResponses.find((r) => r.typeUrl === trainingResponseTypeUrls.MsgRequestTrainingResponse);
  if (!reply) throw new InferchainError("unknown", "the chain returned no MsgRequestTrainingResponse", { txHash: res.transactionHash });
  const out = MsgRequestTrainingResponse.decode(reply.value);
  return { jobId: out.jobId, executor: out.executor, deadlineHeight: Number(out.deadlineHeight), recipeHash: out.recipeHash, txHash: res.transactionHash, height: res.height };
}

/** A training job by id; NotFoundError (field job_id) when there is none. */
export async function getTrainingJob(client: Pick<InferchainClient, "training">, id: bigint | number | string): Promise<TrainingJob> {
  const jobId = toId(id, "job_id");
  try {
    const res = await wrap(() => client.training.TrainingJob({ id: jobId }));
    if (!res.job || res.job.id !== jobId) throw new NotFoundError(`training job ${jobId} not found`, { field: "job_id" });
    return res.job;
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`training job ${jobId} not found`, { field: "job_id", cause: err });
    throw err;
  }
}

export interface WaitForTrainingOptions {
  /** Default: 30 minutes (training takes a while). */
  timeoutMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls until the job is COMPLETED: its result settled, after its replay audit when one was drawn (returns it:
 * result.childModel is the registered child), or REFUNDED / FRAUD (InferchainError "refunded" with the chain's
 * reason; FRAUD: the audit caught a forged checkpoint, the child is revoked). SUBMITTED and AUDITING are waited
 * through. Times out with "timeout"; the job is not lost.
 */
export async function waitForTraining(client: Pick<InferchainClient, "training">, id: bigint | number | string, opts: WaitForTrainingOptions = {}): Promise<TrainingJob> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  const poll = opts.pollIntervalMs ?? 1000;
  for (;;) {
    const job = await getTrainingJob(client, id);
    if (job.status === TrainingStatus.TRAINING_STATUS_COMPLETED) return job;
    if (job.status === TrainingStatus.TRAINING_STATUS_REFUNDED || job.status === TrainingStatus.TRAINING_STATUS_FRAUD) {
      throw new InferchainError("refunded", `training job ${job.id} was refunded: ${job.statusReason}`, { field: "job_id" });
    }
    if (Date.now() + poll > deadline) throw new InferchainError("timeout", `training job ${job.id} is still ${TrainingStatus[job.status]}; query it later with its id`, { field: "job_id" });
    if (opts.signal?.aborted) throw new InferchainError("timeout", "aborted", { field: "job_id" });
    await new Promise((r) => setTimeout(r, poll));
  }
}
