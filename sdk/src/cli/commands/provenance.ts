import type { Command } from "commander";
import { provenanceToJson } from "../../client/json.js";
import { parseRef } from "../../refs.js";
import type { CliContext } from "../context.js";
import { withCommon, type CommonOptions } from "../options.js";
import { renderProvenance } from "../render.js";
import { emit, withQuery } from "../run.js";

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("provenance")
      .description("a model's lineage tree (parents, datasets, sources) with the attestations of every node")
      .argument("<model>", "content root or name@version")
      .option("--include-revoked", "also list revoked attestations", false),
  ).action(async (model: string, opts: CommonOptions & { includeRevoked: boolean }) => {
    parseRef(model, "model");
    await withQuery(ctx, opts, async (c) => {
      const p = await c.getProvenance(model, { includeRevoked: opts.includeRevoked });
      emit(ctx, opts, () => provenanceToJson(p), () => renderProvenance(p));
    });
  });
}
