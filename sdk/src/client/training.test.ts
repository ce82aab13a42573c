import { describe, expect, it } from "vitest";
import { TrainingMethod } from "../generated/inferchain/training/v1/types.js";
import { canonicalRecipe, recipeHash, validateHyperParams } from "./training.js";

const H = { learningRate: "0.01", steps: 40, batchSize: 2, seqLen: 32, seed: 7, checkpointInterval: 10 };

describe("training recipe", () => {
  it("matches the Go vector (chain/x/training/keeper TestCanonicalRecipe_Vector)", () => {
    const h = validateHyperParams(H);
    expect(canonicalRecipe("aa", ["bb", "cc"], TrainingMethod.TRAINING_METHOD_FULL, h)).toBe(
      "inferchain/training/recipe/v1\nbase_model=aa\ndatasets=bb,cc\nmethod=full\nlearning_rate=0.01\nsteps=40\nbatch_size=2\nseq_len=32\nseed=7\ncheckpoint_interval=10\n",
    );
    expect(recipeHash("aa", ["bb"], TrainingMethod.TRAINING_METHOD_FULL, h)).toMatch(/^[0-9a-f]{64}$/);
    expect(recipeHash("aa", ["bb", "cc"], 1, h)).not.toBe(recipeHash("aa", ["cc", "bb"], 1, h));
  });

  it("refuses bad hyper-parameters naming the field", () => {
    expect(() => validateHyperParams({ ...H, learningRate: "1e-3" })).toThrow(expect.objectContaining({ field: "learning_rate" }));
    expect(() => validateHyperParams({ ...H, learningRate: "0" })).toThrow(expect.objectContaining({ field: "learning_rate" }));
    expect(() => validateHyperParams({ ...H, checkpointInterval: 7 })).toThrow(expect.objectContaining({ field: "checkpoint_interval" }));
    expect(() => validateHyperParams({ ...H, steps: 0 })).toThrow(expect.objectContaining({ field: "steps" }));
    expect(() => validateHyperParams({ ...H, seqLen: 1 })).toThrow(expect.objectContaining({ field: "seq_len" }));
    expect(() => validateHyperParams({ ...H, seed: (2n ** 64n).toString() })).toThrow(expect.objectContaining({ field: "seed" }));
  });
});
