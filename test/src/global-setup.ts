import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { E2E_PORT_OFFSET } from "./helpers.js";
import { cpSync, existsSync } from "node:fs";
import { DEFAULT_MODEL_NAME, defaultModelDir, startLocalnet, stopLocalnet, TINY_MODEL_DIR, type LocalnetInfo } from "@inferchain/localnet";

declare module "vitest" {
  export interface ProvidedContext {
    localnet: LocalnetInfo;
  }
}


export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = process.env.INFERCHAIN_E2E_HOME ?? mkdtempSync(join(tmpdir(), "inferchain-e2e-"));
  if (!existsSync(`${TINY_MODEL_DIR}/model.onnx`)) throw new Error(`no tiny model at ${TINY_MODEL_DIR}: run 'make tiny-model' (make test-e2e does)`);
  if (!existsSync(`${defaultModelDir()}/model.onnx`)) throw new Error(`no SmolLM2 at ${defaultModelDir()}: run 'make model' (make test-e2e does)`);
  // A private copy of the tiny model: the tamper test edits its bytes.
  const tiny = join(home, "models", "tiny");
  if (!existsSync(tiny)) cpSync(TINY_MODEL_DIR, tiny, { recursive: true });
  const info = await startLocalnet({
    home,
    validators: Number(process.env.INFERCHAIN_E2E_VALIDATORS ?? "1"),
    portOffset: E2E_PORT_OFFSET,
    log: (line) => console.error(`[e2e localnet] ${line}`),
    // Every validator's sidecar serves the tiny model; one thread each leaves room for the chain on 2 cores.
    // SmolLM2 is there for generations long enough to interrupt (the tiny model answers in milliseconds).
    models: [{ dir: tiny }, { dir: defaultModelDir(), name: DEFAULT_MODEL_NAME }],
    sidecarThreads: 1,
  });
  project.provide("localnet", info);
  return async () => {
    await stopLocalnet(home);
    if (process.env.INFERCHAIN_E2E_HOME === undefined) rmSync(home, { recursive: true, force: true });
  };
}
