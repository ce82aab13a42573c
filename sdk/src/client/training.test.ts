import { describe, expect, it } from "vitest";
import { TrainingJob, TrainingMethod, TrainingStatus } from "../generated/inferchain/training/v1/types.js";
import { canonicalRecipe, methodName, parseTrainingMethod, recipeHash, validateHyperParams, waitForTraining } from "./training.js";

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

  it("matches the Go LoRA vector; targets are sent in canonical order", () => {
    const h = validateHyperParams({ ...H, method: "lora", loraRank: 8, loraAlpha: "16", loraTargets: ["v", "q"] });
    expect(h).toMatchObject({ loraRank: 8, loraAlpha: "16", loraTargets: "q,v" });
    expect(canonicalRecipe("aa", ["bb", "cc"], TrainingMethod.TRAINING_METHOD_LORA, h)).toBe(
      "inferchain/training/recipe/v1\nbase_model=aa\ndatasets=bb,cc\nmethod=lora\nlearning_rate=0.01\nsteps=40\nbatch_size=2\nseq_len=32\nseed=7\ncheckpoint_interval=10\nlora_rank=8\nlora_alpha=16\nlora_targets=q,v\n",
    );
    expect(validateHyperParams({ ...H, method: "lora", loraRank: 4 })).toMatchObject({ loraRank: 4, loraAlpha: "8", loraTargets: "q,v" });
    expect(validateHyperParams(H)).toMatchObject({ loraRank: 0, loraAlpha: "", loraTargets: "" });
  });

  it("matches the Go pretrain vector: architecture= instead of base_model=, the init rule appended", () => {
    const h = validateHyperParams({ ...H, method: "pretrain" });
    expect(canonicalRecipe("aa", ["bb", "cc"], TrainingMethod.TRAINING_METHOD_PRETRAIN, h)).toBe(
      "inferchain/training/recipe/v1\narchitecture=aa\ndatasets=bb,cc\nmethod=pretrain\nlearning_rate=0.01\nsteps=40\nbatch_size=2\nseq_len=32\nseed=7\ncheckpoint_interval=10\ninit=inferchain/training/pretrain-init/v1\n",
    );
    expect(methodName(TrainingMethod.TRAINING_METHOD_PRETRAIN)).toBe("pretrain");
    expect(parseTrainingMethod("pretrain")).toBe("pretrain");
    expect(() => parseTrainingMethod("scratch")).toThrow(expect.objectContaining({ field: "method" }));
    // pretrain trains every weight: adapter settings are refused, not ignored
    expect(() => validateHyperParams({ ...H, method: "pretrain", loraRank: 8 })).toThrow(expect.objectContaining({ field: "lora_rank", message: expect.stringMatching(/method pretrain trains every weight/) }));
  });

  it("refuses bad LoRA hyper-parameters naming the field", () => {
    const L = { ...H, method: "lora" as const, loraRank: 8 };
    expect(() => validateHyperParams({ ...H, method: "lora" })).toThrow(expect.objectContaining({ field: "lora_rank" }));
    expect(() => validateHyperParams({ ...L, loraRank: 0 })).toThrow(expect.objectContaining({ field: "lora_rank" }));
    expect(() => validateHyperParams({ ...L, loraAlpha: "0" })).toThrow(expect.objectContaining({ field: "lora_alpha" }));
    expect(() => validateHyperParams({ ...L, loraTargets: ["q", "gate"] })).toThrow(expect.objectContaining({ field: "lora_targets" }));
    expect(() => validateHyperParams({ ...L, loraTargets: ["q", "q"] })).toThrow(expect.objectContaining({ field: "lora_targets" }));
    expect(() => validateHyperParams({ ...H, loraRank: 8 })).toThrow(expect.objectContaining({ field: "lora_rank" }));
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

describe("waitForTraining", () => {
  const jobs = (statuses: TrainingStatus[]) => {
    let i = 0;
    return {
      training: {
        TrainingJob: async () => ({
          job: TrainingJob.fromPartial({ id: 3n, status: statuses[Math.min(i++, statuses.length - 1)], statusReason: "fraud: forged checkpoint", ...(i > 1 ? { result: { childModel: "c".repeat(64) } } : {}) }),
        }),
      },
    } as unknown as Parameters<typeof waitForTraining>[0];
  };

  it("waits through SUBMITTED and AUDITING until the result settles", async () => {
    const j = await waitForTraining(jobs([TrainingStatus.TRAINING_STATUS_PENDING, TrainingStatus.TRAINING_STATUS_SUBMITTED, TrainingStatus.TRAINING_STATUS_AUDITING, TrainingStatus.TRAINING_STATUS_COMPLETED]), 3, { pollIntervalMs: 1 });
    expect(j.status).toBe(TrainingStatus.TRAINING_STATUS_COMPLETED);
  });

  it("throws 'refunded' when the audit caught a forged checkpoint (FRAUD)", async () => {
    await expect(waitForTraining(jobs([TrainingStatus.TRAINING_STATUS_AUDITING, TrainingStatus.TRAINING_STATUS_FRAUD]), 3, { pollIntervalMs: 1 })).rejects.toMatchObject({ code: "refunded", message: expect.stringMatching(/forged checkpoint/) });
  });
});
