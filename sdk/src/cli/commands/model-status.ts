import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { withTx, type TxOptions } from "../options.js";
import { emit, txJson, txText, withSigning } from "../run.js";
import { parseModelStatus, parseRef } from "../../refs.js";

export interface ModelStatusOptions extends TxOptions {
  supersededBy?: string;
  reason?: string;
}

export function register(program: Command, ctx: CliContext): void {
  withTx(
    program
      .command("model-status")
      .description("deprecate or revoke one of your models (optionally naming its replacement)")
      .argument("<model>", "content root or name@version")
      .argument("<status>", "deprecated | revoked")
      .option("--superseded-by <ref>", "the replacement model (content root or name@version)")
      .option("--reason <text>", "why"),
  ).action(async (model: string, statusName: string, opts: ModelStatusOptions) => {
    parseRef(model, "content_root");
    const status = parseModelStatus(statusName);
    if (opts.supersededBy) parseRef(opts.supersededBy, "superseded_by");
    const res = await withSigning(ctx, opts, (c) => c.updateModelStatus({ model, status, supersededBy: opts.supersededBy, reason: opts.reason }));
    emit(ctx, opts, { model, status: statusName, ...txJson(res) }, () => [`model ${model} is now ${statusName}`, txText(res)].join("\n"));
  });
}
