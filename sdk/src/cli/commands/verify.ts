import type { Command } from "commander";
import { compareArtifact } from "../../digest/verify.js";
import { InferchainError } from "../../errors.js";
import { parseRef } from "../../refs.js";
import type { CliContext } from "../context.js";
import { withCommon, type CommonOptions } from "../options.js";
import { emit, withQuery } from "../run.js";
import { hashWithProgress, withHashOptions, type HashOptions } from "./digest.js";

export function register(program: Command, ctx: CliContext): void {
  withHashOptions(
    withCommon(
      program
        .command("verify")
        .description("hash local files and check them against a registered model (exit 1 on any difference)")
        .argument("<model>", "content root or name@version")
        .argument("<path...>", "the model's files or directory"),
    ),
  ).action(async (ref: string, paths: string[], opts: CommonOptions & HashOptions) => {
    parseRef(ref, "model");
    const model = await withQuery(ctx, opts, (c) => c.getModel(ref));
    const v = compareArtifact(await hashWithProgress(ctx, paths, opts), model);
    emit(
      ctx,
      opts,
      {
        ok: v.ok,
        expectedContentRoot: v.expectedContentRoot,
        actualContentRoot: v.actualContentRoot,
        mismatches: v.mismatches.map((m) => ({ path: m.path, problem: m.problem, expectedRoot: m.expected?.root ?? null, actualRoot: m.actual?.root ?? null })),
      },
      () =>
        v.ok
          ? `OK: local files match ${model.name}@${model.version} (${v.expectedContentRoot})`
          : [`MISMATCH against ${model.name}@${model.version}`, ...v.mismatches.map((m) => `  ${m.problem.padEnd(7)} ${m.path}`), `  content_root expected ${v.expectedContentRoot}`, `  content_root actual   ${v.actualContentRoot}`].join("\n"),
    );
    if (!v.ok) throw new InferchainError("invalid_state", `local files do not match model ${ref}`);
  });
}
