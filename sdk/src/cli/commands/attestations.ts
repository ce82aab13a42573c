import type { Command } from "commander";
import { attestationToJson } from "../../client/json.js";
import { parseRef } from "../../refs.js";
import type { CliContext } from "../context.js";
import { withCommon, type CommonOptions } from "../options.js";
import { renderAttestation } from "../render.js";
import { emit, withQuery } from "../run.js";

export function register(program: Command, ctx: CliContext): void {
  withCommon(
    program
      .command("attestations")
      .description("list the attestations of a model or dataset")
      .argument("<subject>", "content root or name@version")
      .option("--include-revoked", "also list revoked attestations", false),
  ).action(async (subject: string, opts: CommonOptions & { includeRevoked: boolean }) => {
    parseRef(subject, "subject");
    await withQuery(ctx, opts, async (c) => {
      const atts = await c.getAttestations(subject, { includeRevoked: opts.includeRevoked });
      emit(ctx, opts, atts.map(attestationToJson), () => (atts.length ? atts.map(renderAttestation).join("\n") : "no attestations"));
    });
  });
}
