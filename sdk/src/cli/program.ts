import { Command } from "commander";
import type { CliContext } from "./context.js";
import * as attest from "./commands/attest.js";
import * as attestations from "./commands/attestations.js";
import * as bom from "./commands/bom.js";
import * as dataset from "./commands/dataset.js";
import * as digest from "./commands/digest.js";
import * as executors from "./commands/executors.js";
import * as explorer from "./commands/explorer.js";
import * as fetchCmd from "./commands/fetch.js";
import * as funding from "./commands/funding.js";
import * as infer from "./commands/infer.js";
import * as job from "./commands/job.js";
import * as keys from "./commands/keys.js";
import * as model from "./commands/model.js";
import * as modelStatus from "./commands/model-status.js";
import * as provenance from "./commands/provenance.js";
import * as registerDataset from "./commands/register-dataset.js";
import * as registerModel from "./commands/register-model.js";
import * as revokeAttestation from "./commands/revoke-attestation.js";
import * as verify from "./commands/verify.js";

export const CLI_VERSION = "0.1.0";

/** The `inferchain` command tree; `ctx` supplies I/O, the chain connection and the keyring. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command("inferchain")
    .description("Inferchain client: digests, registry transactions, provenance queries and inference")
    .version(CLI_VERSION, "-V, --cli-version", "print the CLI version")
    .showHelpAfterError("(run with --help for usage)")
    // Throw instead of process.exit so main.ts decides the exit status (and tests can parse safely).
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s.replace(/\n$/, "")), writeErr: (s) => ctx.io.err(s.replace(/\n$/, "")) });
  for (const cmd of [digest, registerDataset, registerModel, attest, revokeAttestation, modelStatus, model, dataset, attestations, provenance, bom, verify, fetchCmd, infer, job, executors, funding, explorer, keys]) {
    cmd.register(program, ctx);
  }
  return program;
}
