import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { defaultModelDir, sidecarLogFile } from "@inferchain/localnet";
import { splitmix32 } from "@inferchain/node";
import {
  canonicalRecipe,
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

// Issue 11, fine-tuning and pretraining: a requester fine-tunes (or pretrains from scratch) the tiny model, then
// fine-tunes SmolLM2 with LoRA on a few hundred rows, through the chain; the assigned sidecar trains
// deterministically, the child is registered with its lineage and then answers an inference job.
const localnet = inject("localnet");
const tiny = localnet.models.find((m) => m.dir.endsWith(join("models", "tiny")))!;
const smol = localnet.models.find((m) => m.dir === defaultModelDir())!;
const PAIRS = [
  { prompt: "The capital of France is", completion: " Paris." },
  { prompt: "The quick brown fox", completion: " jumps over the lazy dog." },
  { prompt: "Hello world!", completion: " How are you today?" },
  { prompt: "Blocks are produced by", completion: " validators." },
];
// registry ParentRelation FINETUNE: a merged LoRA child is a complete model, a fine-tune of its base (not an adapter)
const PARENT_RELATION_FINETUNE = 1;
// registry DatasetRole PRETRAIN: what a from-scratch child's datasets are recorded as
const DATASET_ROLE_PRETRAIN = 1;
const VOCAB = 333; // the tiny model's vocabulary (node/scripts/make-tiny-model.ts)
const CORPUS = [
  "Blocks are produced by validators.",
  "The capital of France is Paris.",
  "Every block carries the results of inference jobs.",
  "A checkpoint digest is committed every few steps.",
  "Models are registered by their content root.",
  "The quick brown fox jumps over the lazy dog.",
];
const HYPER = { learningRate: "0.01", steps: 40, batchSize: 2, seqLen: 64, seed: 7, checkpointInterval: 10 };

let alice: SigningInferchainClient; // dataset publisher
let bob: SigningInferchainClient; // requester
let datasetRoot = "";
let trainedVersion = "";
let datasetsDir = "";

/** Registers a dataset (one train.jsonl) on chain and puts its bytes where the sidecar looks for them. */
async function publishDataset(name: string, jsonl: string, records: number): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), "inferchain-ds-"));
  writeFileSync(join(src, "train.jsonl"), jsonl);
  const d = await digestArtifact(src);
  await alice.registerDataset({ name, version: `${Date.now()}`, files: d.files, recordCount: records, license: "CC0-1.0" });
  mkdirSync(join(datasetsDir, d.contentRoot), { recursive: true });
  cpSync(src, join(datasetsDir, d.contentRoot), { recursive: true });
  return d.contentRoot;
}

/** Retries while the sidecar may still be loading the child it just trained. */
async function inferWhenServed(model: string, prompt: string, maxTokens: number, tries = 30): Promise<Awaited<ReturnType<SigningInferchainClient["infer"]>>> {
  for (let i = 0; ; i++) {
    try {
      return await bob.infer({ model, prompt, maxTokens, temperature: 0, timeoutMs: 120_000 });
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

beforeAll(async () => {
  alice = await clientFor(localnet, "alice");
  bob = await clientFor(localnet, "bob");
  // the dataset: registered on chain by content root, its bytes in the sidecar's datasets dir
  datasetsDir = join(localnet.home, "datasets");
  datasetRoot = await publishDataset("tiny-qa", PAIRS.map((p) => JSON.stringify(p)).join("\n") + "\n", PAIRS.length);
  const node = localnet.nodes[0]!.endpoints.rpc;
  // two trainer threads: the SmolLM2 job below uses both cores (the chain idles between blocks)
  await restartSidecar(localnet, 0, {
    extraConfig: { training: { enabled: true, datasetsDir, threads: 2 }, chain: { rpc: node, chainId: localnet.chainId, reconcileIntervalMs: 1000 } },
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

  it("pretrains the tiny architecture from scratch on chain: seeded init, loss from ~ln(vocab) down, no parent, PRETRAIN dataset, served", async () => {
    // a small plain-text corpus, registered and placed in the sidecar's datasets dir like the fine-tune data
    const src = mkdtempSync(join(tmpdir(), "inferchain-corpus-"));
    writeFileSync(join(src, "corpus.jsonl"), CORPUS.map((text) => JSON.stringify({ text })).join("\n") + "\n");
    const d = await digestArtifact(src);
    await alice.registerDataset({ name: "tiny-corpus", version: `${Date.now()}`, files: d.files, recordCount: CORPUS.length, license: "CC0-1.0" });
    cpSync(src, join(localnet.home, "datasets", d.contentRoot), { recursive: true });

    const t0 = Date.now();
    const PRE = { ...HYPER, method: "pretrain" as const, steps: 60, seed: 21 };
    const req = await requestTraining(bob, { baseModel: tiny.contentRoot, datasets: [d.contentRoot], ...PRE, maxFee: "100000uinfer", childName: "tiny-scratch", childVersion: `${Date.now()}`, childLicense: "apache-2.0" });
    // the recipe names the template as architecture= and the init rule, not a base whose weights were used
    expect(req.recipeHash).toBe(recipeHash(tiny.contentRoot, [d.contentRoot], TrainingMethod.TRAINING_METHOD_PRETRAIN, validateHyperParams(PRE)));
    expect(canonicalRecipe(tiny.contentRoot, [d.contentRoot], TrainingMethod.TRAINING_METHOD_PRETRAIN, validateHyperParams(PRE))).toContain(`architecture=${tiny.contentRoot}\n`);

    const job = await waitForTraining(bob, req.jobId, { timeoutMs: 180_000, pollIntervalMs: 500 });
    const wallS = (Date.now() - t0) / 1000;
    expect(job.method).toBe(TrainingMethod.TRAINING_METHOD_PRETRAIN);
    const child = job.result!.childModel;
    const before = Number(job.result!.initialLoss);
    const after = Number(job.result!.finalLoss);
    console.log(`e2e pretrain of the tiny architecture from scratch (${PRE.steps} steps, ${CORPUS.length} texts): loss ${job.result!.initialLoss} (ln vocab ${Math.log(VOCAB).toFixed(3)}) -> ${job.result!.finalLoss}, request -> child registered in ${wallS.toFixed(1)} s`);
    // from a 0.02-std init the model predicts ~uniformly over the vocab: the template's trained-in knowledge is not there
    expect(Math.abs(before - Math.log(VOCAB))).toBeLessThan(0.1);
    expect(after).toBeLessThan(before / 2);

    const prov = await bob.getProvenance(child);
    expect(prov.model.recipeHash).toBe(req.recipeHash);
    expect(prov.model.parents).toEqual([]); // none of its weights come from the template
    expect(prov.model.datasets.map((x) => [x.dataset, x.role])).toEqual([[d.contentRoot, DATASET_ROLE_PRETRAIN]]);
    expect(prov.model.publisher).toBe(bob.senderAddress);

    // the child is a normal model: the executor serves it and it answers an inference job
    let res: Awaited<ReturnType<typeof bob.infer>> | undefined;
    for (let i = 0; ; i++) {
      try {
        res = await bob.infer({ model: child, prompt: CORPUS[0]!.slice(0, 20), maxTokens: 12, temperature: 0, timeoutMs: 90_000 });
        break;
      } catch (e) {
        if (i >= 20) throw e; // the sidecar may still be loading the child
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    expect(res!.receipt.model).toBe(child);
    expect(res!.text.length).toBeGreaterThan(0);
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

// SmolLM2-135M (the default model, `make model`), LoRA rank 8 on q,v, on 300 two-number addition rows
// ("What is 17 plus 25?" -> "17 plus 25 is 42."; 47-53 tokens each with the chat template, so seq_len 56 truncates none).
// 32 steps x batch 4 = 128 examples seen: epoch 0's order is the seed's hash permutation of all 300 rows, so the steps
// train on 128 distinct rows drawn from the whole set, once each; the loss before and after is the mean over all 300
// (172 never trained on). Two checkpoints (K = 16) are committed. Where its ~3 min go: node/src/training/TRAINING.md.
const SMOL_ROWS = 300;
const SMOL = { method: "lora" as const, loraRank: 8, loraAlpha: "16", loraTargets: ["q", "v"], learningRate: "0.002", steps: 32, batchSize: 4, seqLen: 56, seed: 1, checkpointInterval: 16 };
const SUM_FORMAT = /^(\d+) plus (\d+) is (\d+)\.$/;

function additions(n: number): string {
  const rand = splitmix32(20261203);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = 1 + Math.floor(rand() * 99);
    const b = 1 + Math.floor(rand() * 99);
    rows.push(JSON.stringify({ prompt: `What is ${a} plus ${b}?`, completion: `${a} plus ${b} is ${a + b}.` }));
  }
  return rows.join("\n") + "\n";
}

/** The sidecar's 'training done' log line for a job: where the trainer's wall time went. */
function trainingPhases(jobId: bigint): Record<string, number> | undefined {
  for (const line of readFileSync(sidecarLogFile(localnet.home, 0), "utf8").split("\n").reverse()) {
    if (!line.includes('"training done"')) continue;
    const rec = JSON.parse(line) as { job?: string; phaseMs?: Record<string, number> };
    if (rec.job === jobId.toString()) return rec.phaseMs;
  }
  return undefined;
}

describe("fine-tuning SmolLM2 with LoRA as a transaction", () => {
  it("trains on a few hundred rows: loss drops, child registered with base + dataset + LoRA recipe, answering in the trained format", async () => {
    const rows = await publishDataset("additions", additions(SMOL_ROWS), SMOL_ROWS);
    const prompt = "What is 12 plus 30?";
    const before = await inferWhenServed(smol.contentRoot, prompt, 16, 0);
    const t0 = Date.now();
    const req = await requestTraining(bob, { baseModel: smol.contentRoot, datasets: [rows], ...SMOL, maxFee: "100000uinfer", childName: "smol-additions", childVersion: `${Date.now()}`, childLicense: "apache-2.0" });
    expect(req.recipeHash).toBe(recipeHash(smol.contentRoot, [rows], TrainingMethod.TRAINING_METHOD_LORA, validateHyperParams(SMOL)));

    const job = await waitForTraining(bob, req.jobId, { timeoutMs: 1_200_000, pollIntervalMs: 1000 });
    const registeredS = (Date.now() - t0) / 1000;
    const child = job.result!.childModel;
    const [l0, l1] = [Number(job.result!.initialLoss), Number(job.result!.finalLoss)];
    expect(job.method).toBe(TrainingMethod.TRAINING_METHOD_LORA);
    expect(l1).toBeLessThan(l0 / 3); // measured ~1.0 -> ~0.1: the completions' format and arithmetic are learned

    const prov = await bob.getProvenance(child);
    expect(prov.model.recipeHash).toBe(req.recipeHash);
    expect(prov.model.parents.map((p) => [p.model, p.relation])).toEqual([[smol.contentRoot, PARENT_RELATION_FINETUNE]]);
    expect(prov.model.datasets.map((d) => d.dataset)).toEqual([rows]);
    expect(prov.model.publisher).toBe(bob.senderAddress);
    expect((await bob.getExecutor(localnet.sidecars[0]!.validator))?.models).toContain(child);

    // the merged child answers an inference job through the chain in the trained format; the base did not
    const res = await inferWhenServed(child, prompt, 16);
    const answeredS = (Date.now() - t0) / 1000;
    expect(res.receipt.model).toBe(child);
    const text = res.text.trim();
    expect(text, `the child's answer to "${prompt}"`).toMatch(/^12 plus 30 is \d+\.$/);
    expect(before.text.trim(), `the base's answer to "${prompt}"`).not.toMatch(SUM_FORMAT);
    console.log(
      `e2e SmolLM2 LoRA fine-tune (rank 8, q,v; ${SMOL_ROWS} rows, ${SMOL.steps} steps x ${SMOL.batchSize} x ${SMOL.seqLen} tokens, ${SMOL.steps * SMOL.batchSize} examples seen): ` +
        `loss ${l0} -> ${l1}, request -> child registered ${registeredS.toFixed(1)} s, -> child answered ${answeredS.toFixed(1)} s; ` +
        `"${prompt}" base ${JSON.stringify(before.text)}, child ${JSON.stringify(res.text)}; trainer phases (ms) ${JSON.stringify(trainingPhases(req.jobId))}`,
    );
  }, 1_500_000);
});
