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

/** Overrides of x/inference params in genesis, e.g. { audit_probability: "1.000000000000000000" } for tests. */
export type InferenceParamOverrides = Record<string, string | number | boolean | Json>;

/** Overrides of x/training params in genesis, e.g. { audit_probability: "1.000000000000000000" } for tests. */
export type TrainingParamOverrides = InferenceParamOverrides;

export function patchGenesis(genesis: Json, inferenceParams: InferenceParamOverrides = {}, trainingParams: TrainingParamOverrides = {}): Json {
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
  if (inference !== undefined) {
    const params = obj(inference, "params");
    params.deadline_blocks = 30;
    // proof of possession (x/inference README): a challenge every 30 blocks (~30 s), 2 leaves, answerable for the
    // whole epoch, so a sidecar restarted by a test (model loading takes a while on 2 cores) still answers in time
    params.possession_epoch_blocks = "30";
    params.possession_leaves = 2;
    params.possession_window_blocks = "30";
    for (const [key, value] of Object.entries(inferenceParams)) {
      if (!(key in params)) throw new Error(`genesis: x/inference has no param "${key}" (known: ${Object.keys(params).join(", ")})`);
      params[key] = value;
    }
  }
  const training = state.training as Json | undefined;
  if (training !== undefined) {
    const params = obj(training, "params");
    for (const [key, value] of Object.entries(trainingParams)) {
      if (!(key in params)) throw new Error(`genesis: x/training has no param "${key}" (known: ${Object.keys(params).join(", ")})`);
      params[key] = value;
    }
  } else if (Object.keys(trainingParams).length > 0) {
    throw new Error("genesis: no x/training state to apply training params to");
  }
  return genesis;
}
