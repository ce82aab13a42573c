import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startLocalnet, stopLocalnet, TINY_MODEL_DIR } from "@inferchain/localnet";
import { makeTinyModel } from "@inferchain/node";
import { AUDIT_PORT_OFFSET } from "./env.js";

/**
 * Four validators, each with a sidecar serving the tiny model, and every result audited (p = 1) by a committee
 * of the three other executors (quorum 2) with short commit and reveal windows. Four, not three: a lazy FRAUD
 * voter is only *outvoted* when two honest members reach quorum without it (with a committee of two it makes
 * the audit inconclusive). Jail and tombstone cooldown are short so a caught cheater can be restored (unjail,
 * re-register) for the next case. A second tiny model with other weights (same tokenizer) is there for the
 * "tokens from a different model" forgery.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = process.env.INFERCHAIN_E2E_AUDIT_HOME ?? mkdtempSync(join(tmpdir(), "inferchain-e2e-audit-"));
  if (!existsSync(`${TINY_MODEL_DIR}/model.onnx`)) throw new Error(`no tiny model at ${TINY_MODEL_DIR}: run 'make tiny-model' (make test-e2e does)`);
  const tiny = join(home, "models", "tiny");
  if (!existsSync(tiny)) cpSync(TINY_MODEL_DIR, tiny, { recursive: true });
  const other = join(home, "models", "tiny-other");
  if (!existsSync(other)) await makeTinyModel(other, { seed: 4321 });

  const info = await startLocalnet({
    home,
    validators: 4,
    portOffset: AUDIT_PORT_OFFSET,
    log: (line) => console.error(`[e2e-audit localnet] ${line}`),
    models: [{ dir: tiny }],
    sidecarThreads: 1,
    inferenceParams: {
      audit_probability: "1.000000000000000000",
      committee_size: 3,
      quorum: 2,
      // a caught cheater is restored between cases: unjail after 5 s, back on the model after 5 blocks
      jail_duration_seconds: 5,
      tombstone_cooldown_blocks: 5,
      // Windows long enough for 6 processes on 2 cores; honest audits still conclude early (every member
      // committed → reveal at once; every member revealed → conclude).
      commit_blocks: 8,
      reveal_blocks: 8,
      slash_fraction: "0.050000000000000000",
      // three paid verdicts per honest job must fit in the verifier pool's share of the cheapest job here
      // (10% of 1000 + 10 x 8 = 108 uinfer), or the first jobs' verifiers find the pool empty
      verifier_reward: { denom: "uinfer", amount: "30" },
      // The silent-verifier case must not jail anyone mid-suite (jailing is covered by the keeper tests).
      max_verifier_misses: 10,
      // Possession challenges off: cheaters' sidecars are stopped and restored for longer than a window
      // (src/possession covers possession on its own localnet).
      possession_epoch_blocks: "0",
    },
  });
  project.provide("localnet", info);
  project.provide("otherModelDir", other);
  return async () => {
    await stopLocalnet(home);
    if (process.env.INFERCHAIN_E2E_AUDIT_HOME === undefined) rmSync(home, { recursive: true, force: true });
  };
}
