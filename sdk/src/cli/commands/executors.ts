import type { Command } from "commander";
import { executorToJson } from "../../client/json.js";
import { collectAll } from "../../client/pagination.js";
import { parseRef } from "../../refs.js";
import type { CliContext } from "../context.js";
import { withCommon, type CommonOptions } from "../options.js";
import { renderExecutor } from "../render-inference.js";
import { emit, withQuery } from "../run.js";

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("executors")
      .description("list executors (validators' sidecars), or the active ones serving a model")
      .option("--model <ref>", "only the active executors serving this model (content root or name@version)"),
  ).action(async (opts: CommonOptions & { model?: string }) => {
    if (opts.model !== undefined) parseRef(opts.model, "model");
    await withQuery(ctx, opts, async (c) => {
      const execs = opts.model !== undefined ? await c.getExecutorsOfModel(opts.model) : await collectAll((p) => c.listExecutors(p));
      emit(ctx, opts, () => execs.map(executorToJson), () =>
        execs.length ? execs.map(renderExecutor).join("\n") : opts.model ? `no active executor serves ${opts.model}` : "no executors registered",
      );
    });
  });
}
