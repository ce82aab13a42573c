import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  digestArtifact,
  ModelStatus,
  recipeHash,
  requestTraining,
  TrainingMethod,
  validateHyperParams,
  waitForTraining,
  type SigningInferchainClient,
} from "@inferchain/sdk";
import { clientFor, moduleAddress, restartSidecar } from "./helpers.js";

// Issue 11, fine-tuning: a requester fine-tunes the tiny model through the chain; the assigned sidecar trains it
// deterministically, the child is registered with its lineage and then answers an inference job.
const localnet = inject("localnet");
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const PAIRS = [
  { prompt: "The capital of France is", completion: " Paris." },
  { prompt: "The quick brown fox", completion: " jumps over the lazy dog." },
  { prompt: "Hello world!", completion: " How are you today?" },
  { prompt: "Blocks are produced by", completion: " validators." },
];
// registry ParentRelation FINETUNE: a merged LoRA child is a complete model, a fine-tune of its base (not an adapter)
const PARENT_RELATION_FINETUNE = 1;
const HYPER = { learningRate: "0.01", steps: 40, batchSize: 2, seqLen: 64, seed: 7, checkpointInterval: 10 };

let alice: SigningInferchainClient; // dataset publisher
let bob: SigningInferchainClient; // requester
let datasetRoot = "";
let trainedVersion = "";

beforeAll(async () => {
  alice = await clientFor(localnet, "alice");
  bob = await clientFor(localnet, "bob");
  // the dataset: registered on chain by content root, its bytes in the sidecar's datasets dir
  const src = mkdtempSync(join(tmpdir(), "inferchain-ds-"));
  writeFileSync(join(src, "train.jsonl"), PAIRS.map((p) => JSON.stringify(p)).join("\n") + "\n");
  const d = await digestArtifact(src);
  datasetRoot = d.contentRoot;
  await alice.registerDataset({ name: "tiny-qa", version: `${Date.now()}`, files: d.files, recordCount: PAIRS.length, license: "CC0-1.0" });
  const datasetsDir = join(localnet.home, "datasets");
  mkdirSync(join(datasetsDir, datasetRoot), { recursive: true });
  cpSync(src, join(datasetsDir, datasetRoot), { recursive: true });
  const node = localnet.nodes[0]!.endpoints.rpc;
  await restartSidecar(localnet, 0, {
    extraConfig: { training: { enabled: true, datasetsDir, threads: 1 }, chain: { rpc: node, chainId: localnet.chainId, reconcileIntervalMs: 1000 } },
  });
}, 240_000);

afterAll(async () => {
  await restartSidecar(localnet, 0); // back to the shared config for the other files
}, 240_000);

describe("fine-tuning as a transaction", () => {
  it("trains the tiny model on chain: child registered with base + dataset + recipe, served, answering from its data", async () => {
    const t0 = Date.now();
    const childVersion = (trainedVersion = `${Date.now()}`);
    const bobBefore = BigInt((await bob.getBalance(bob.senderAddress)).amount);
    const req = await requestTraining(bob, {
      baseModel: tiny.contentRoot,
      datasets: [datasetRoot],
      ...HYPER,
      maxFee: "100000uinfer",
      childName: "tiny-ft",
      childVersion,
      childLicense: "apache-2.0",
    });
    expect(req.recipeHash).toBe(recipeHash(tiny.contentRoot, [datasetRoot], TrainingMethod.TRAINING_METHOD_FULL, validateHyperParams(HYPER)));
    expect(BigInt((await bob.getBalance(moduleAddress("training"))).amount)).toBeGreaterThanOrEqual(100000n); // escrowed

    const job = await waitForTraining(bob, req.jobId, { timeoutMs: 180_000, pollIntervalMs: 500 });
    const wallS = (Date.now() - t0) / 1000;
    const child = job.result!.childModel;
    expect(child).toMatch(/^[0-9a-f]{64}$/);
    expect(job.result!.checkpointRoot).toMatch(/^[0-9a-f]{64}$/);
    console.log(`e2e fine-tune of the tiny model: loss ${job.result!.initialLoss} -> ${job.result!.finalLoss}, request -> child registered in ${wallS.toFixed(1)} s`);
    expect(Number(job.result!.finalLoss)).toBeLessThan(Number(job.result!.initialLoss) / 4);

    // lineage: base (finetune) + dataset (finetune) + recipe, publisher = requester
    const prov = await bob.getProvenance(child);
    // settled (COMPLETED): the child left PENDING in the block its job settled, so it can be requested below
    expect(prov.model.status).toBe(ModelStatus.MODEL_STATUS_ACTIVE);
    expect(prov.model.statusReason).toMatch(new RegExp(`^training job ${req.jobId} settled \\(audit `));
    expect(prov.model.publisher).toBe(bob.senderAddress);
    expect(prov.model.name).toBe("tiny-ft");
    expect(prov.model.recipeHash).toBe(req.recipeHash);
    expect(prov.model.parents.map((p) => p.model)).toEqual([tiny.contentRoot]);
    expect(prov.model.datasets.map((d) => d.dataset)).toEqual([datasetRoot]);
    expect(prov.ancestors.map((m) => m.contentRoot)).toContain(tiny.contentRoot);
    // the fee went to the executor, nothing left in escrow
    expect(BigInt((await bob.getBalance(moduleAddress("training"))).amount)).toBe(0n);
    expect(BigInt((await bob.getBalance(bob.senderAddress)).amount)).toBeLessThan(bobBefore - 100000n + 1n);

    // the executor serves the child (chain lists it; the sidecar loaded it) and it answers from its data
    const ex = await bob.getExecutor(localnet.sidecars[0]!.validator);
    expect(ex?.models).toContain(child);
    let res: Awaited<ReturnType<typeof bob.infer>> | undefined;
    for (let i = 0; ; i++) {
      try {
        res = await bob.infer({ model: child, prompt: PAIRS[0]!.prompt, maxTokens: 12, temperature: 0, timeoutMs: 90_000 });
        break;
      } catch (e) {
        if (i >= 20) throw e; // the sidecar may still be loading the child
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    expect(res!.receipt.model).toBe(child);
    expect(res!.text, `the child's answer to "${PAIRS[0]!.prompt}"`).toMatch(new RegExp(`^${PAIRS[0]!.completion.replace(".", "\\.")}`));
  }, 400_000);

  it("LoRA fine-tunes the tiny model on chain: adapters merged into a served child with base + dataset + LoRA recipe", async () => {
    const t0 = Date.now();
    const LORA = { ...HYPER, learningRate: "0.02", method: "lora" as const, loraRank: 8, loraAlpha: "16", loraTargets: ["q", "k", "v", "o"] };
    const req = await requestTraining(bob, { baseModel: tiny.contentRoot, datasets: [datasetRoot], ...LORA, maxFee: "100000uinfer", childName: "tiny-lora", childVersion: `${Date.now()}`, childLicense: "apache-2.0" });
    // the recipe names the method and the adapter: rank, alpha, targets
    expect(req.recipeHash).toBe(recipeHash(tiny.contentRoot, [datasetRoot], TrainingMethod.TRAINING_METHOD_LORA, validateHyperParams(LORA)));
    expect(req.recipeHash).not.toBe(recipeHash(tiny.contentRoot, [datasetRoot], TrainingMethod.TRAINING_METHOD_LORA, validateHyperParams({ ...LORA, loraRank: 4 })));

    const job = await waitForTraining(bob, req.jobId, { timeoutMs: 180_000, pollIntervalMs: 500 });
    const wallS = (Date.now() - t0) / 1000;
    expect(job.method).toBe(TrainingMethod.TRAINING_METHOD_LORA);
    expect(job.hyperParams).toMatchObject({ loraRank: 8, loraAlpha: "16", loraTargets: "q,k,v,o" });
    const child = job.result!.childModel;
    console.log(`e2e LoRA fine-tune of the tiny model (rank 8, q,k,v,o): loss ${job.result!.initialLoss} -> ${job.result!.finalLoss}, request -> child registered in ${wallS.toFixed(1)} s`);
    expect(Number(job.result!.finalLoss)).toBeLessThan(Number(job.result!.initialLoss));

    const prov = await bob.getProvenance(child);
    expect(prov.model.recipeHash).toBe(req.recipeHash);
    expect(prov.model.parents.map((p) => [p.model, p.relation])).toEqual([[tiny.contentRoot, PARENT_RELATION_FINETUNE]]);
    expect(prov.model.datasets.map((d) => d.dataset)).toEqual([datasetRoot]);

    // the merged child is a normal model: the engine serves it and it answers an inference job from its data
    let res: Awaited<ReturnType<typeof bob.infer>> | undefined;
    for (let i = 0; ; i++) {
      try {
        res = await bob.infer({ model: child, prompt: PAIRS[0]!.prompt, maxTokens: 12, temperature: 0, timeoutMs: 90_000 });
        break;
      } catch (e) {
        if (i >= 20) throw e; // the sidecar may still be loading the child
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    expect(res!.receipt.model).toBe(child);
    expect(res!.text, `the LoRA child's answer to "${PAIRS[0]!.prompt}"`).toMatch(new RegExp(`^${PAIRS[0]!.completion.replace(".", "\\.")}`));
  }, 400_000);

  it("refuses an unknown dataset and a child name that is taken, escrowing nothing", async () => {
    const escrowBefore = BigInt((await bob.getBalance(moduleAddress("training"))).amount);
    await expect(
      requestTraining(bob, { baseModel: tiny.contentRoot, datasets: ["ab".repeat(32)], ...HYPER, maxFee: "1000uinfer", childName: "x", childVersion: "1" }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/dataset/) });
    await expect(
      requestTraining(bob, { baseModel: tiny.contentRoot, datasets: [datasetRoot], ...HYPER, maxFee: "1000uinfer", childName: "tiny-ft", childVersion: trainedVersion }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/already registered/) });
    expect(BigInt((await bob.getBalance(moduleAddress("training"))).amount)).toBe(escrowBefore);
  }, 120_000);
});
