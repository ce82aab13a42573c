import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { collect, withTx, type TxOptions } from "../options.js";
import { emit, txJson, txText, withSigning } from "../run.js";
import { hashWithProgress, withHashOptions, type HashOptions } from "./digest.js";
import { parseDatasetSpec, parseParentSpec, formatRef } from "../../refs.js";
import type { RegisterModelInput } from "../../client/signing-client.js";
import type { ArtifactDigest } from "../../digest/digest.js";

export interface RegisterModelOptions extends TxOptions, HashOptions {
  name: string;
  version: string;
  format: string;
  license?: string;
  cardUri?: string;
  cardHash?: string;
  recipeHash?: string;
  parent?: string[];
  dataset?: string[];
}

/** Validates the --parent/--dataset specs up front (before hashing gigabytes) and builds the tx input. */
export function registerModelInput(opts: RegisterModelOptions, digest?: ArtifactDigest): RegisterModelInput {
  const parents = (opts.parent ?? []).map((s, i) => parseParentSpec(s, `parents[${i}]`));
  const datasets = (opts.dataset ?? []).map((s, i) => parseDatasetSpec(s, `datasets[${i}]`));
  return {
    name: opts.name,
    version: opts.version,
    format: opts.format,
    files: digest?.files ?? [],
    contentRoot: digest?.contentRoot,
    parents: parents.map((p) => ({ model: formatRef(p.ref), relation: p.relation })),
    datasets: datasets.map((d) => ({ dataset: formatRef(d.ref), role: d.role })),
    license: opts.license,
    cardUri: opts.cardUri,
    cardHash: opts.cardHash,
    recipeHash: opts.recipeHash,
  };
}

export function register(program: Command, ctx: CliContext): void {
  withHashOptions(
    withTx(
      program
        .command("register-model")
        .description("hash a model's files and register its content root, lineage and metadata")
        .argument("<path...>", "model files or directories")
        .requiredOption("--name <name>", "model name")
        .requiredOption("--version <version>", "model version (name@version must be unique)")
        .requiredOption("--format <format>", "weights format: onnx, gguf, safetensors, ...")
        .option("--license <spdx>", "SPDX license identifier or expression")
        .option("--card-uri <uri>", "model card URI")
        .option("--card-hash <hex>", "SHA-256 of the model card")
        .option("--recipe-hash <hex>", "digest of the training/conversion recipe")
        .option("--parent <ref:relation>", "parent model (content root or name@version) and relation: finetune|quantized|distilled|merge|adapter; repeatable", collect)
        .option("--dataset <ref:role>", "dataset (content root or name@version) and role: pretrain|finetune|eval|rlhf; repeatable", collect),
    ),
  ).action(async (paths: string[], opts: RegisterModelOptions) => {
    registerModelInput(opts);
    const digest = await hashWithProgress(ctx, paths, opts);
    const res = await withSigning(ctx, opts, (c) => c.registerModel(registerModelInput(opts, digest)));
    emit(ctx, opts, { contentRoot: res.contentRoot, name: opts.name, version: opts.version, ...txJson(res) }, () =>
      [`registered model ${opts.name}@${opts.version}`, `content_root ${res.contentRoot}`, txText(res)].join("\n"),
    );
  });
}
