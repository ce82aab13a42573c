import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { collect, parseNonNegativeInt, withTx, type TxOptions } from "../options.js";
import { emit, txJson, txText, withSigning } from "../run.js";
import { hashWithProgress, withHashOptions, type HashOptions } from "./digest.js";
import { parseRef } from "../../refs.js";

export interface RegisterDatasetOptions extends TxOptions, HashOptions {
  name: string;
  version: string;
  license?: string;
  recordCount?: bigint;
  source?: string[];
  uri?: string;
}

export function register(program: Command, ctx: CliContext): void {
  withHashOptions(
    withTx(
      program
        .command("register-dataset")
        .description("hash a dataset's files and register its content root")
        .argument("<path...>", "dataset files or directories")
        .requiredOption("--name <name>", "dataset name")
        .requiredOption("--version <version>", "dataset version (name@version must be unique)")
        .option("--license <spdx>", "SPDX license identifier or expression")
        .option("--record-count <n>", "number of records", parseNonNegativeInt)
        .option("--source <ref>", "dataset this one derives from (content root or name@version); repeatable", collect)
        .option("--uri <uri>", "where the dataset can be fetched"),
    ),
  ).action(async (paths: string[], opts: RegisterDatasetOptions) => {
    (opts.source ?? []).forEach((s, i) => parseRef(s, `sources[${i}]`));
    const digest = await hashWithProgress(ctx, paths, opts);
    const res = await withSigning(ctx, opts, (c) =>
      c.registerDataset({
        name: opts.name,
        version: opts.version,
        files: digest.files,
        contentRoot: digest.contentRoot,
        recordCount: opts.recordCount,
        license: opts.license,
        sources: opts.source,
        uri: opts.uri,
      }),
    );
    emit(ctx, opts, { contentRoot: res.contentRoot, name: opts.name, version: opts.version, ...txJson(res) }, () =>
      [`registered dataset ${opts.name}@${opts.version}`, `content_root ${res.contentRoot}`, txText(res)].join("\n"),
    );
  });
}
