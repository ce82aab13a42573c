import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { BOM_FORMATS, buildModelBom, parseBomFormat, type BomFormat, type ModelBom } from "../../bom/index.js";
import type { Provenance } from "../../client/provenance.js";
import { InferchainError } from "../../errors.js";
import { parseRef } from "../../refs.js";
import type { CliContext, QueryApi } from "../context.js";
import { withCommon, type CommonOptions } from "../options.js";
import { emit, withQuery } from "../run.js";

/**
 * Reads a model's provenance (revoked attestations included: a BOM shows them, marked revoked) and the
 * height and chain id it was read at, and builds its ML-BOM.
 */
export async function fetchModelBom(client: Pick<QueryApi, "getProvenance" | "getHeight" | "getChainId">, ref: string, format: BomFormat): Promise<{ bom: ModelBom; provenance: Provenance }> {
  const provenance = await client.getProvenance(ref, { includeRevoked: true });
  // Read after the provenance: an attestation that expired meanwhile is reported expired, never the reverse.
  const [height, chainId] = await Promise.all([client.getHeight(), client.getChainId()]);
  return { bom: buildModelBom(provenance, { format, height, chainId }), provenance };
}

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("bom")
      .description("export a model's ML-BOM: CycloneDX 1.6 JSON (default) or SPDX 3.0.1 JSON-LD (AI + Dataset profiles)")
      .argument("<model>", "content root or name@version")
      .addOption(new Option("--format <format>", "BOM format").choices(BOM_FORMATS).default("cyclonedx"))
      .option("--out <file>", "write the BOM to this file instead of stdout"),
  ).action(async (model: string, opts: CommonOptions & { format: string; out?: string }) => {
    parseRef(model, "model");
    const format = parseBomFormat(opts.format);
    const { bom, provenance } = await withQuery(ctx, opts, (c) => fetchModelBom(c, model, format));
    const text = JSON.stringify(bom.document, null, 2) + "\n";
    if (opts.out === undefined) {
      ctx.io.out(text);
      return;
    }
    try {
      await writeFile(opts.out, text);
    } catch (err) {
      throw new InferchainError("io", `cannot write the BOM to ${opts.out}: ${(err as Error).message}`, { field: "out", cause: err });
    }
    const m = provenance.model;
    const attestations = Object.values(provenance.attestations).reduce((n, l) => n + l.length, 0);
    emit(
      ctx,
      opts,
      { out: opts.out, format: bom.format, mediaType: bom.mediaType, model: m.contentRoot, ancestors: provenance.ancestors.length, datasets: provenance.datasets.length, attestations },
      `wrote ${bom.format} ML-BOM of ${m.name}@${m.version} to ${opts.out}: ${provenance.ancestors.length} ancestor model(s), ${provenance.datasets.length} dataset(s), ${attestations} attestation(s)`,
    );
  });
}
