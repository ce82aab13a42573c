import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { parseNonNegativeInt, withTx, type TxOptions } from "../options.js";
import { emit, txJson, txText, withSigning } from "../run.js";

export function register(program: Command, ctx: CliContext): void {
  withTx(
    program
      .command("revoke-attestation")
      .description("withdraw one of your attestations")
      .argument("<id>", "attestation id", parseNonNegativeInt),
  ).action(async (id: bigint, opts: TxOptions) => {
    const res = await withSigning(ctx, opts, (c) => c.revokeAttestation(id));
    emit(ctx, opts, { id: id.toString(), ...txJson(res) }, () => [`attestation #${id} revoked`, txText(res)].join("\n"));
  });
}
