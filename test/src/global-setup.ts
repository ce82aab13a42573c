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


export interface E2eLocalnetOptions {
  /** Log prefix and temp dir name. */
  label: string;
  /** INFERCHAIN_E2E_HOME-style variable naming a kept home (else a temp dir, removed at the end). */
  homeEnv: string;
  portOffset: number;
  /** x/inference genesis param overrides (localnet/src/genesis.ts). */
  inferenceParams?: Record<string, string | number | boolean>;
}

/** A 1-validator localnet whose sidecar serves the tiny model (a private copy) and SmolLM2. */
export async function startE2eLocalnet(project: TestProject, o: E2eLocalnetOptions): Promise<() => Promise<void>> {
  const home = process.env[o.homeEnv] ?? mkdtempSync(join(tmpdir(), `inferchain-${o.label}-`));
  if (!existsSync(`${TINY_MODEL_DIR}/model.onnx`)) throw new Error(`no tiny model at ${TINY_MODEL_DIR}: run 'make tiny-model' (make test-e2e does)`);
  if (!existsSync(`${defaultModelDir()}/model.onnx`)) throw new Error(`no SmolLM2 at ${defaultModelDir()}: run 'make model' (make test-e2e does)`);
  // A private copy of the tiny model: the tamper and possession tests edit or move its bytes.
  const tiny = join(home, "models", "tiny");
  if (!existsSync(tiny)) cpSync(TINY_MODEL_DIR, tiny, { recursive: true });
  const info = await startLocalnet({
    home,
    validators: Number(process.env.INFERCHAIN_E2E_VALIDATORS ?? "1"),
    portOffset: o.portOffset,
    log: (line) => console.error(`[${o.label} localnet] ${line}`),
    // Every validator's sidecar serves the tiny model; one thread each leaves room for the chain on 2 cores.
    // SmolLM2 is there for generations long enough to interrupt (the tiny model answers in milliseconds).
    models: [{ dir: tiny }, { dir: defaultModelDir(), name: DEFAULT_MODEL_NAME }],
    sidecarThreads: 1,
    ...(o.inferenceParams ? { inferenceParams: o.inferenceParams } : {}),
  });
  project.provide("localnet", info);
  return async () => {
    await stopLocalnet(home);
    if (process.env[o.homeEnv] === undefined) rmSync(home, { recursive: true, force: true });
  };
}

// Proof-of-possession challenges are off here: several files stop the sidecar for longer than a challenge
// window, which would drop its models mid-suite. src/possession runs on its own localnet with them on.
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startE2eLocalnet(project, { label: "e2e", homeEnv: "INFERCHAIN_E2E_HOME", portOffset: E2E_PORT_OFFSET, inferenceParams: { possession_epoch_blocks: "0" } });
}
