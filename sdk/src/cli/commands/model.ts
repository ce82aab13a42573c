import type { Command } from "commander";
import { attestationToJson, modelToJson } from "../../client/json.js";
import { collectAll } from "../../client/pagination.js";
import { parseRef } from "../../refs.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withCommon, type CommonOptions } from "../options.js";
import { renderAttestation, renderModel } from "../render.js";
import { emit, withQuery } from "../run.js";

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("model")
      .description("show a registered model and its attestations")
      .argument("<ref>", "content root or name@version"),
  ).action(async (ref: string, opts: CommonOptions) => {
    parseRef(ref, "model");
    await withQuery(ctx, opts, async (c) => {
      const model = await c.getModel(ref);
      const atts = await c.getAttestations(model.contentRoot);
      emit(ctx, opts, { model: modelToJson(model), attestations: atts.map(attestationToJson) }, () =>
        [renderModel(model), "attestations:", ...(atts.length ? atts.map((a) => `  ${renderAttestation(a)}`) : ["  none"])].join("\n"),
      );
    });
  });

  withCommon(
    program
      .command("models")
      .description("list registered models")
      .option("--limit <n>", "at most this many", parsePositiveInt),
  ).action(async (opts: CommonOptions & { limit?: number }) => {
    await withQuery(ctx, opts, async (c) => {
      const models = opts.limit ? (await c.listModels({ limit: opts.limit })).items : await collectAll((p) => c.listModels(p));
      emit(ctx, opts, models.map(modelToJson), () =>
        models.length ? models.map((m) => `${m.contentRoot}  ${m.name}@${m.version}  ${m.format}`).join("\n") : "no models registered",
      );
    });
  });
}
