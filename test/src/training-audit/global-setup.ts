import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalnet, stopLocalnet, TINY_MODEL_DIR } from "@inferchain/localnet";
import { TRAINING_AUDIT_PARAMS, TRAINING_AUDIT_PORT_OFFSET } from "./env.js";

/**
 * Three validators, each with a sidecar serving the tiny model; every training result is replay-audited
 * (audit_probability 1) by the two other executors (committee 2, quorum 2). Inference audits and possession
 * challenges are off: this localnet is about training.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = process.env.INFERCHAIN_E2E_TRAINING_AUDIT_HOME ?? mkdtempSync(join(tmpdir(), "inferchain-e2e-training-audit-"));
  if (!existsSync(`${TINY_MODEL_DIR}/model.onnx`)) throw new Error(`no tiny model at ${TINY_MODEL_DIR}: run 'make tiny-model'`);
  const tiny = join(home, "models", "tiny");
  if (!existsSync(tiny)) cpSync(TINY_MODEL_DIR, tiny, { recursive: true });
  const info = await startLocalnet({
    home,
    validators: 3,
    portOffset: TRAINING_AUDIT_PORT_OFFSET,
    log: (line) => console.error(`[e2e-training-audit localnet] ${line}`),
    models: [{ dir: tiny }],
    sidecarThreads: 1,
    inferenceParams: { audit_probability: "0.000000000000000000", possession_epoch_blocks: "0" },
    trainingParams: TRAINING_AUDIT_PARAMS,
  });
  project.provide("localnet", info);
  return async () => {
    await stopLocalnet(home);
    if (process.env.INFERCHAIN_E2E_TRAINING_AUDIT_HOME === undefined) rmSync(home, { recursive: true, force: true });
  };
}
