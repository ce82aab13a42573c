import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { parseNonNegativeInt, withTx, type TxOptions } from "../options.js";
import { emit, txJson, txText, withSigning } from "../run.js";

export interface AttestOptions extends TxOptions {
  predicate: string;
  methodHash?: string;
  resultHash?: string;
  uri?: string;
  score?: string;
  expiresHeight?: bigint;
}

export function register(program: Command, ctx: CliContext): void {
  withTx(
    program
      .command("attest")
      .description("record a claim (eval, safety, license-audit, ...) about a registered model or dataset")
      .argument("<subject>", "content root or name@version of a model or dataset")
      .requiredOption("--predicate <predicate>", "what is claimed: eval, safety, license-audit, ...")
      .option("--method-hash <hex>", "digest of the method (eval harness, audit procedure)")
      .option("--result-hash <hex>", "digest of the full result")
      .option("--uri <uri>", "where the result can be read")
      .option("--score <decimal>", "optional score, e.g. 0.873")
      .option("--expires-height <height>", "block height after which the attestation expires (default never)", parseNonNegativeInt),
  ).action(async (subject: string, opts: AttestOptions) => {
    const res = await withSigning(ctx, opts, (c) =>
      c.attest({
        subject,
        predicate: opts.predicate,
        methodHash: opts.methodHash,
        resultHash: opts.resultHash,
        uri: opts.uri,
        score: opts.score,
        expiresHeight: opts.expiresHeight,
      }),
    );
    emit(ctx, opts, { id: res.id.toString(), ...txJson(res) }, () => [`attestation #${res.id} recorded`, txText(res)].join("\n"));
  });
}
