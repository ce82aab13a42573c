import type { Command } from "commander";
import { attestationToJson, datasetToJson } from "../../client/json.js";
import { collectAll } from "../../client/pagination.js";
import { parseRef } from "../../refs.js";
import type { CliContext } from "../context.js";
import { parsePositiveInt, withCommon, type CommonOptions } from "../options.js";
import { renderAttestation, renderDataset } from "../render.js";
import { emit, withQuery } from "../run.js";

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("dataset")
      .description("show a registered dataset and its attestations")
      .argument("<ref>", "content root or name@version"),
  ).action(async (ref: string, opts: CommonOptions) => {
    parseRef(ref, "dataset");
    await withQuery(ctx, opts, async (c) => {
      const dataset = await c.getDataset(ref);
      const atts = await c.getAttestations(dataset.contentRoot);
      emit(ctx, opts, { dataset: datasetToJson(dataset), attestations: atts.map(attestationToJson) }, () =>
        [renderDataset(dataset), "attestations:", ...(atts.length ? atts.map((a) => `  ${renderAttestation(a)}`) : ["  none"])].join("\n"),
      );
    });
  });

  withCommon(
    program
      .command("datasets")
      .description("list registered datasets")
      .option("--limit <n>", "at most this many", parsePositiveInt),
  ).action(async (opts: CommonOptions & { limit?: number }) => {
    await withQuery(ctx, opts, async (c) => {
      const datasets = opts.limit ? (await c.listDatasets({ limit: opts.limit })).items : await collectAll((p) => c.listDatasets(p));
      emit(ctx, opts, datasets.map(datasetToJson), () =>
        datasets.length ? datasets.map((d) => `${d.contentRoot}  ${d.name}@${d.version}`).join("\n") : "no datasets registered",
      );
    });
  });
}
