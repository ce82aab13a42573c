import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MsgRequestTraining, MsgRequestTrainingResponse } from "../generated/inferchain/training/v1/tx.js";
import { TrainingJob, TrainingMethod, TrainingStatus } from "../generated/inferchain/training/v1/types.js";
import { TestKeyring } from "../keys/keyring.js";
import type { CliContext, TxApi } from "./context.js";
import { createProgram } from "./program.js";

const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const R = (c: string): string => c.repeat(64);

function fakeChain() {
  const sent: MsgRequestTraining[] = [];
  let polls = 0;
  const job = (status: TrainingStatus): TrainingJob =>
    TrainingJob.fromPartial({
      id: 5n, baseModel: R("a"), datasets: [R("d")], status, executor: "infervaloper1x", childName: "tiny-ft", childVersion: "1", recipeHash: R("e"),
      ...(status === TrainingStatus.TRAINING_STATUS_COMPLETED ? { result: { childModel: R("c"), checkpointRoot: R("f"), finalLoss: "0.01" } } : {}),
    });
  return {
    sent,
    senderAddress: "infer1sender",
    resolveModel: vi.fn(async (ref: string) => (ref === "tiny@1" ? R("a") : ref)),
    resolveDataset: vi.fn(async (ref: string) => (ref === "qa@1" ? R("d") : ref)),
    signAndBroadcast: vi.fn(async (msgs: { value: MsgRequestTraining }[]) => {
      sent.push(msgs[0]!.value);
      const reply = MsgRequestTrainingResponse.encode({ jobId: 5n, executor: "infervaloper1x", deadlineHeight: 99n, recipeHash: R("e") }).finish();
      return { transactionHash: "AB", height: 7, gasUsed: 1n, msgResponses: [{ typeUrl: "/inferchain.training.v1.MsgRequestTrainingResponse", value: reply }] };
    }),
    training: {
      TrainingJob: vi.fn(async () => ({ job: job(++polls < 2 ? TrainingStatus.TRAINING_STATUS_PENDING : TrainingStatus.TRAINING_STATUS_COMPLETED) })),
    },
    disconnect: vi.fn(),
  };
}

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "inferchain-train-cli-"));
  await new TestKeyring(home).recover("alice", MNEMONIC);
});
afterAll(async () => rm(home, { recursive: true, force: true }));

async function run(args: string[]) {
  const chain = fakeChain();
  let out = "";
  let err = "";
  const ctx: CliContext = {
    io: { out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n"), stderrIsTTY: false, stderr: new PassThrough(), readStdin: async () => "" },
    connect: vi.fn(async () => chain as unknown as TxApi),
    connectSigning: vi.fn(async () => chain as unknown as TxApi),
    keyring: () => new TestKeyring(home),
  };
  let error: unknown;
  try {
    await createProgram(ctx).parseAsync(args, { from: "user" });
  } catch (e) {
    error = e;
  }
  return { out, err, error, chain, ctx };
}

describe("inferchain train", () => {
  it("resolves refs, sends the exact hyper-parameters, waits for the child and prints lineage fields", async () => {
    const r = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-ft@1", "--max-fee", "100uinfer", "--lr", "0.01", "--steps", "40", "--batch", "2", "--seq-len", "32", "--seed", "7", "--checkpoint-interval", "10", "--from", "alice", "--home", home]);
    expect(r.error).toBeUndefined();
    const m = r.chain.sent[0]!;
    expect(m).toMatchObject({ requester: "infer1sender", baseModel: R("a"), datasets: [R("d")], method: TrainingMethod.TRAINING_METHOD_FULL, childName: "tiny-ft", childVersion: "1" });
    expect(m.hyperParams).toEqual({ learningRate: "0.01", steps: 40n, batchSize: 2, seqLen: 32, seed: 7n, checkpointInterval: 10n, loraRank: 0, loraAlpha: "", loraTargets: "" });
    expect(m.maxFee).toEqual({ denom: "uinfer", amount: "100" });
    expect(r.err).toContain("training job 5 assigned to infervaloper1x");
    expect(r.out).toContain(`child model ${R("c")}`);
    expect(r.out).toContain("TRAINING_STATUS_COMPLETED");
  }, 20_000);

  it("--method lora sends the adapter hyper-parameters", async () => {
    const r = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-lora@1", "--max-fee", "100uinfer", "--method", "lora", "--lora-rank", "8", "--lora-alpha", "16", "--lora-targets", "q,k,v,o", "--steps", "40", "--from", "alice", "--home", home]);
    expect(r.error).toBeUndefined();
    const m = r.chain.sent[0]!;
    expect(m.method).toBe(TrainingMethod.TRAINING_METHOD_LORA);
    expect(m.hyperParams).toMatchObject({ loraRank: 8, loraAlpha: "16", loraTargets: "q,k,v,o" });
    const bad = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-lora@1", "--max-fee", "100uinfer", "--method", "lora", "--steps", "40", "--from", "alice", "--home", home]);
    expect(bad.error).toMatchObject({ field: "lora_rank" });
    expect(bad.ctx.connectSigning).not.toHaveBeenCalled();
  }, 20_000);

  it("--method pretrain sends PRETRAIN with no adapter fields; adapter flags and unknown methods are refused offline", async () => {
    const r = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-scratch@1", "--max-fee", "100uinfer", "--method", "pretrain", "--seed", "3", "--steps", "40", "--from", "alice", "--home", home]);
    expect(r.error).toBeUndefined();
    const m = r.chain.sent[0]!;
    expect(m).toMatchObject({ baseModel: R("a"), method: TrainingMethod.TRAINING_METHOD_PRETRAIN, childName: "tiny-scratch" });
    expect(m.hyperParams).toMatchObject({ seed: 3n, loraRank: 0, loraAlpha: "", loraTargets: "" });
    const lora = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-scratch@1", "--max-fee", "100uinfer", "--method", "pretrain", "--lora-rank", "8", "--from", "alice", "--home", home]);
    expect(lora.error).toMatchObject({ field: "lora_rank" });
    expect(lora.ctx.connectSigning).not.toHaveBeenCalled();
    const unknown = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-scratch@1", "--max-fee", "100uinfer", "--method", "scratch", "--from", "alice", "--home", home]);
    expect(unknown.error).toMatchObject({ field: "method" });
    expect(unknown.ctx.connectSigning).not.toHaveBeenCalled();
  }, 20_000);

  it("refuses bad hyper-parameters before loading a key or contacting the node", async () => {
    const r = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "tiny-ft@1", "--max-fee", "100uinfer", "--steps", "40", "--checkpoint-interval", "7", "--from", "alice", "--home", home]);
    expect(r.error).toMatchObject({ field: "checkpoint_interval" });
    expect(r.ctx.connectSigning).not.toHaveBeenCalled();
    const r2 = await run(["train", "tiny@1", "--dataset", "qa@1", "--child", "noversion", "--max-fee", "100uinfer", "--from", "alice", "--home", home]);
    expect(String(r2.error)).toMatch(/name@version/);
  });
});
