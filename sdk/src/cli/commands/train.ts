import { InvalidArgumentError, type Command } from "commander";
import {
  getTrainingJob,
  parseTrainingMethod,
  requestTraining,
  validateHyperParams,
  waitForTraining,
  type RequestTrainingInput,
} from "../../client/training.js";
import { toId } from "../../client/query-client.js";
import { TrainingJob, TrainingMethod, TrainingStatus } from "../../generated/inferchain/training/v1/types.js";
import type { Json } from "../../client/json.js";
import type { CliContext } from "../context.js";
import { collect, parsePositiveInt, withCommon, withTx, type CommonOptions, type TxOptions } from "../options.js";
import { emit, withQuery, withSigning } from "../run.js";

export interface TrainCliOptions extends TxOptions {
  dataset: string[];
  child: string;
  method: string;
  loraRank?: number;
  loraAlpha?: string;
  loraTargets?: string;
  lr: string;
  steps: number;
  batch: number;
  seqLen: number;
  seed: string;
  checkpointInterval: number;
  maxFee: string;
  license?: string;
  wait: boolean;
  timeout: number;
}

function parseChild(v: string): { name: string; version: string } {
  const at = v.lastIndexOf("@");
  if (at <= 0 || at === v.length - 1) throw new InvalidArgumentError("expected name@version, e.g. tiny-ft@1");
  return { name: v.slice(0, at), version: v.slice(at + 1) };
}

const jobJson = (j: TrainingJob): Json => TrainingJob.toJSON(j) as Json;

function renderTrainingJob(j: TrainingJob): string {
  const lines = [
    `training job ${j.id}: ${TrainingStatus[j.status] ?? j.status}${j.statusReason ? ` (${j.statusReason})` : ""}`,
    `  base        ${j.baseModel}`,
    `  datasets    ${j.datasets.join(", ")}`,
    `  executor    ${j.executor}  deadline height ${j.deadlineHeight}`,
    `  method      ${TrainingMethod[j.method] ?? j.method}${j.hyperParams?.loraRank ? ` (rank ${j.hyperParams.loraRank}, alpha ${j.hyperParams.loraAlpha}, ${j.hyperParams.loraTargets})` : ""}`,
    `  child       ${j.childName}@${j.childVersion}`,
    `  recipe      ${j.recipeHash}`,
  ];
  if (j.result) lines.push(`  child model ${j.result.childModel}`, `  checkpoints ${j.result.checkpointRoot}`, `  loss        ${j.result.initialLoss} -> ${j.result.finalLoss}`);
  return lines.join("\n");
}

export function register(program: Command, ctx: CliContext): void {
  withTx(
    program
      .command("train")
      .description("request a training job on chain (fine-tune, LoRA, or pretrain from scratch) and wait for the child model (registered with its lineage and recipe)")
      .argument("<base-model>", "base model content root or name@version (--method pretrain: the architecture template; its weights are not used)")
      .requiredOption("--dataset <ref>", "dataset content root or name@version (repeat; order is part of the recipe)", collect)
      .requiredOption("--child <name@version>", "registry name of the child model", (v) => v)
      .requiredOption("--max-fee <coin>", "escrowed and paid to the executor on success, e.g. 100000uinfer")
      .option("--method <method>", "full (every weight), lora (low-rank adapters, merged into the child) or pretrain (from scratch: weights drawn from --seed)", "full")
      .option("--lora-rank <r>", "LoRA adapter rank (--method lora)", parsePositiveInt)
      .option("--lora-alpha <decimal>", "LoRA alpha; adapters scale by alpha/rank (--method lora, default 2 x rank)")
      .option("--lora-targets <list>", "adapted attention projections from q,k,v,o (--method lora, default q,v)")
      .option("--lr <decimal>", "learning rate (AdamW)", "0.001")
      .option("--steps <n>", "optimizer steps", parsePositiveInt, 100)
      .option("--batch <n>", "sequences per step", parsePositiveInt, 4)
      .option("--seq-len <n>", "tokens per sequence", parsePositiveInt, 128)
      .option("--seed <n>", "uint64 seed of the data order (and of the weight init for --method pretrain)", "0")
      .option("--checkpoint-interval <k>", "commit a checkpoint digest every k steps (divides --steps)", parsePositiveInt, 10)
      .option("--license <spdx>", "license of the child model")
      .option("--no-wait", "return after the request is included")
      .option("--timeout <seconds>", "stop waiting after this long (the job is not lost: `inferchain training-job <id>`)", parsePositiveInt, 3600),
  ).action(async (base: string, opts: TrainCliOptions) => {
    const child = parseChild(opts.child);
    const method = parseTrainingMethod(opts.method); // a bad name fails before the key is loaded, naming the field
    const input: RequestTrainingInput = {
      baseModel: base,
      datasets: opts.dataset,
      method,
      ...(opts.loraRank !== undefined ? { loraRank: opts.loraRank } : {}),
      ...(opts.loraAlpha !== undefined ? { loraAlpha: opts.loraAlpha } : {}),
      ...(opts.loraTargets !== undefined ? { loraTargets: opts.loraTargets.split(",") } : {}),
      learningRate: opts.lr,
      steps: opts.steps,
      batchSize: opts.batch,
      seqLen: opts.seqLen,
      seed: opts.seed,
      checkpointInterval: opts.checkpointInterval,
      maxFee: opts.maxFee,
      childName: child.name,
      childVersion: child.version,
      childLicense: opts.license,
    };
    validateHyperParams(input); // bad input fails before the key is loaded or the node contacted
    await withSigning(ctx, opts, async (c) => {
      const req = await requestTraining(c, input);
      ctx.io.err(`training job ${req.jobId} assigned to ${req.executor} (deadline height ${req.deadlineHeight}, recipe ${req.recipeHash})`);
      if (!opts.wait) {
        emit(ctx, opts, { jobId: req.jobId.toString(), executor: req.executor, recipeHash: req.recipeHash, txHash: req.txHash }, `training job ${req.jobId}`);
        return;
      }
      const job = await waitForTraining(c, req.jobId, { timeoutMs: opts.timeout * 1000 });
      emit(ctx, opts, () => jobJson(job), () => renderTrainingJob(job));
    });
  });

  withCommon(program.command("training-job").description("show a training job: status, executor, recipe hash, child model").argument("<id>", "training job id")).action(
    async (id: string, opts: CommonOptions) => {
      const jobId = toId(id, "job_id");
      await withQuery(ctx, opts, async (c) => {
        const job = await getTrainingJob(c, jobId);
        emit(ctx, opts, () => jobJson(job), () => renderTrainingJob(job));
      });
    },
  );
}
