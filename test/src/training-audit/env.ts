import type { LocalnetInfo } from "@inferchain/localnet";
import { E2E_PORT_SHIFT } from "../helpers.js";

/** The training-audit localnet's ports: RPC 42657 (+10 per validator), sidecars 42680 (+10). */
export const TRAINING_AUDIT_PORT_OFFSET = 16_000 + E2E_PORT_SHIFT;

/** Genesis x/training params of this localnet (the test checks the slash against slash_fraction). */
export const TRAINING_AUDIT_PARAMS = {
  audit_probability: "1.000000000000000000",
  committee_size: 2,
  quorum: 2,
  // a replay of 10 tiny-model steps takes seconds, but 4 processes share 2 cores
  commit_blocks: "40",
  reveal_blocks: "20",
  slash_fraction: "0.100000000000000000",
  verifier_reward: { denom: "uinfer", amount: "1000" },
};

declare module "vitest" {
  export interface ProvidedContext {
    localnet: LocalnetInfo;
  }
}
