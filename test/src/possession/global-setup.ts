import type { TestProject } from "vitest/node";
import { startE2eLocalnet } from "../global-setup.js";
import { E2E_PORT_SHIFT } from "../helpers.js";

/** The possession localnet's ports: RPC 40657, sidecar 40680. */
export const POSSESSION_PORT_OFFSET = 14_000 + E2E_PORT_SHIFT;

// Proof of possession on its own 1-validator localnet with the localnet's challenge schedule (a challenge every
// 30 blocks, 2 leaves, 30 blocks to answer: localnet/src/genesis.ts). The shared e2e localnet turns challenges
// off, because its files stop the sidecar for longer than a window.
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startE2eLocalnet(project, { label: "e2e-possession", homeEnv: "INFERCHAIN_E2E_POSSESSION_HOME", portOffset: POSSESSION_PORT_OFFSET });
}
