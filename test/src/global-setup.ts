import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { existsSync } from "node:fs";
import { startLocalnet, stopLocalnet, TINY_MODEL_DIR, type LocalnetInfo } from "@inferchain/localnet";

declare module "vitest" {
  export interface ProvidedContext {
    localnet: LocalnetInfo;
  }
}

/** Port offset for e2e runs: RPC 36657, gRPC 19090, REST 11317, never the developer's localnet ports. */
export const E2E_PORT_OFFSET = 10_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = process.env.INFERCHAIN_E2E_HOME ?? mkdtempSync(join(tmpdir(), "inferchain-e2e-"));
  if (!existsSync(`${TINY_MODEL_DIR}/model.onnx`)) throw new Error(`no tiny model at ${TINY_MODEL_DIR}: run 'make tiny-model' (make test-e2e does)`);
  const info = await startLocalnet({
    home,
    validators: Number(process.env.INFERCHAIN_E2E_VALIDATORS ?? "1"),
    portOffset: E2E_PORT_OFFSET,
    log: (line) => console.error(`[e2e localnet] ${line}`),
    // Every validator's sidecar serves the tiny model; one thread each leaves room for the chain on 2 cores.
    models: [{ dir: TINY_MODEL_DIR }],
    sidecarThreads: 1,
  });
  project.provide("localnet", info);
  return async () => {
    await stopLocalnet(home);
    if (process.env.INFERCHAIN_E2E_HOME === undefined) rmSync(home, { recursive: true, force: true });
  };
}
