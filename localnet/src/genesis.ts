/**
 * Localnet genesis tweaks on top of `inferchaind init` defaults: short governance periods so a param change
 * can pass inside a test, and the uinfer denom everywhere.
 */
type Json = Record<string, unknown>;

function obj(parent: Json, key: string): Json {
  const v = parent[key];
  if (typeof v !== "object" || v === null) throw new Error(`genesis: missing object "${key}"`);
  return v as Json;
}

export function patchGenesis(genesis: Json): Json {
  const state = obj(genesis, "app_state");
  const gov = obj(obj(state, "gov"), "params");
  gov.voting_period = "20s";
  gov.expedited_voting_period = "10s";
  gov.max_deposit_period = "20s";
  gov.min_deposit = [{ denom: "uinfer", amount: "10000000" }];
  gov.expedited_min_deposit = [{ denom: "uinfer", amount: "50000000" }];
  obj(obj(state, "mint"), "params").mint_denom = "uinfer";
  obj(obj(state, "staking"), "params").bond_denom = "uinfer";
  // 30 blocks (~30 s) to answer: room for a sidecar restart mid-job on a 2-core machine.
  const inference = state.inference as Json | undefined;
  if (inference !== undefined) obj(inference, "params").deadline_blocks = 30;
  return genesis;
}
