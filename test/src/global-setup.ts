import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startLocalnet, stopLocalnet, type LocalnetInfo } from "@inferchain/localnet";

declare module "vitest" {
  export interface ProvidedContext {
    localnet: LocalnetInfo;
  }
}

/** Port offset for e2e runs: RPC 36657, gRPC 19090, REST 11317, never the developer's localnet ports. */
export const E2E_PORT_OFFSET = 10_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = process.env.INFERCHAIN_E2E_HOME ?? mkdtempSync(join(tmpdir(), "inferchain-e2e-"));
  const info = await startLocalnet({
    home,
    validators: Number(process.env.INFERCHAIN_E2E_VALIDATORS ?? "1"),
    portOffset: E2E_PORT_OFFSET,
    log: (line) => console.error(`[e2e localnet] ${line}`),
  });
  project.provide("localnet", info);
  return async () => {
    await stopLocalnet(home);
    if (process.env.INFERCHAIN_E2E_HOME === undefined) rmSync(home, { recursive: true, force: true });
  };
}
