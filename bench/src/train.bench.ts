/**
 * Fine-tuning cost on this machine, one run, through the sidecar's trainer (node/src/training/train.ts ->
 * node/trainer/trainer.py), the same code path a training job takes:
 *   1. SmolLM2-135M (`make model`: the Q4_1 GGUF imported with f32 weights, the default) LoRA on a generated dataset of TRAIN_BENCH_EXAMPLES (default 256)
 *      {"prompt","completion"} rows (two-number additions, "What is 17 plus 25?" -> "17 plus 25 is 42."), one epoch:
 *      loss before/after (mean over the whole set), wall time, seconds per step;
 *   2. the peer: full fine-tuning steps of the same shape on an f32 copy of SmolLM2 (identical for the default f32
 *      import; a `--weights q4` import has its 4-bit weights dequantised exactly as the LoRA training graph does, since
 *      full fine-tuning of 4-bit weights is refused), then LoRA steps on that same copy, back to back, so the ratio
 *      LoRA step / full step compares the same f32 arithmetic with and without weight gradients + AdamW on 135M;
 *   3. the same ratio on the tiny test model;
 *   4. through the chain (TRAIN_BENCH_CHAIN_EXAMPLES rows, default 64, 0 skips): a private 1-validator localnet
 *      serving SmolLM2, a LoRA MsgRequestTraining, the sidecar's training duty, the merged child registered with its
 *      lineage and answering an inference job: request -> child registered wall time, losses from the chain.
 *
 * Run: make bench-train  (TRAIN_BENCH_EXAMPLES=256 TRAIN_BENCH_FULL_STEPS=4 TRAIN_BENCH_THREADS=2 TRAIN_BENCH_BATCH=4
 *      TRAIN_BENCH_CHAIN_EXAMPLES=64 TRAIN_BENCH_PORT_OFFSET=31000 TRAIN_BENCH_PHASES=trainer,chain)
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { DEFAULT_MODEL_NAME, defaultModelDir, devAccount, startLocalnet, startSidecar, stopLocalnet, stopSidecar, waitForSidecar, type LocalnetInfo } from "@inferchain/localnet";
import { digestArtifact, requestTraining, signerFromMnemonic, SigningInferchainClient, waitForTraining } from "@inferchain/sdk";
import { defaultTrainerPython, ensureTinyModel, findSmollm2, smollm2Dir, splitmix32, train, type TrainerEvent, type TrainingParams, type TrainOutcome } from "@inferchain/node";

const N = Number(process.env.TRAIN_BENCH_EXAMPLES ?? 256);
const FULL_STEPS = Number(process.env.TRAIN_BENCH_FULL_STEPS ?? 4);
const THREADS = Number(process.env.TRAIN_BENCH_THREADS ?? 2);
const BATCH = Number(process.env.TRAIN_BENCH_BATCH ?? 4);
const SEQ = 64;
const CHAIN_N = Number(process.env.TRAIN_BENCH_CHAIN_EXAMPLES ?? 64);
const PHASES = new Set((process.env.TRAIN_BENCH_PHASES ?? "trainer,chain").split(","));
const PORT_OFFSET = Number(process.env.TRAIN_BENCH_PORT_OFFSET ?? 31_000);
const TRAINER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../node/trainer");

interface Timed {
  out: TrainOutcome;
  /** Median seconds between consecutive step-loss events (the first step, which warms up ORT, excluded). */
  stepS: number;
  steps: number;
}

async function timedTrain(baseDir: string, data: string, tmp: string, name: string, params: TrainingParams): Promise<Timed> {
  const at: number[] = [];
  const out = await train({
    baseDir,
    datasetFiles: [data],
    outDir: join(tmp, name, "child"),
    workDir: join(tmp, name, "work"),
    params,
    threads: THREADS,
    onEvent: (e: TrainerEvent) => {
      if (e.event !== "loss") return;
      at.push(performance.now());
      if (e.step % 8 === 0 || e.step === params.steps) console.error(`  [${name}] step ${e.step}/${params.steps} loss ${e.loss.toFixed(3)}`);
    },
  });
  const gaps = at.slice(1).map((t, i) => (t - at[i]!) / 1000).slice(1).sort((a, b) => a - b);
  const stepS = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : NaN;
  return { out, stepS, steps: at.length };
}

/** An f32 copy of a model dir: every 4-bit MatMulNBits replaced by a float32 MatMul (trainer.py dequantize_nbits). */
function dequantizedCopy(src: string, dst: string): void {
  const code = `
import sys, os, shutil, onnx
sys.path.insert(0, ${JSON.stringify(TRAINER_DIR)})
import trainer
from onnx import helper, numpy_helper
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
m = onnx.load(os.path.join(src, "model.onnx"))
drop, nodes, new = set(), [], []
for n in m.graph.node:
    if n.op_type == "MatMulNBits":
        w = numpy_helper.from_array(trainer.dequantize_nbits(m, n), n.input[1].removesuffix(".qweight") + ".weight")
        new.append(w); drop.update(x for x in n.input[1:] if x)
        n = helper.make_node("MatMul", [n.input[0], w.name], list(n.output), name=n.name)
    nodes.append(n)
keep = [i for i in m.graph.initializer if i.name not in drop]
del m.graph.initializer[:]; m.graph.initializer.extend(keep + new)
del m.graph.node[:]; m.graph.node.extend(nodes)
onnx.save(m, os.path.join(dst, "model.onnx"))
for f in ("config.json", "tokenizer.json"):
    shutil.copyfile(os.path.join(src, f), os.path.join(dst, f))
`;
  const r = spawnSync(defaultTrainerPython(), ["-c", code, src, dst], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`dequantising ${src} failed (exit ${r.status})`);
}

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

const fmt = (x: number, d = 3): string => x.toFixed(d);

async function clientFor(info: LocalnetInfo, account: string): Promise<SigningInferchainClient> {
  const wallet = await signerFromMnemonic(devAccount(account).mnemonic);
  return SigningInferchainClient.connectWithSigner(info.nodes[0]!.endpoints.rpc, wallet, { chainId: info.chainId });
}

/** SmolLM2 LoRA as a chain job on a private localnet: request -> trained -> child registered, served, answering. */
async function throughChain(n: number): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "inferchain-train-bench-net-"));
  const src = mkdtempSync(join(tmpdir(), "inferchain-train-bench-ds-"));
  const log = (l: string): void => console.error(`[localnet] ${l}`);
  try {
    const info = await startLocalnet({ home, validators: 1, portOffset: PORT_OFFSET, models: [{ dir: defaultModelDir(), name: DEFAULT_MODEL_NAME }], sidecarThreads: THREADS, log });
    const smol = info.models[0]!;
    const alice = await clientFor(info, "alice");
    const bob = await clientFor(info, "bob");
    writeFileSync(join(src, "train.jsonl"), additions(n));
    const d = await digestArtifact(src);
    await alice.registerDataset({ name: "additions", version: "1", files: d.files, recordCount: n, license: "CC0-1.0" });
    const datasetsDir = join(home, "datasets");
    mkdirSync(join(datasetsDir, d.contentRoot), { recursive: true });
    cpSync(src, join(datasetsDir, d.contentRoot), { recursive: true });
    const rpc = info.nodes[0]!.endpoints.rpc;
    await stopSidecar(home, 0);
    const s = startSidecar({
      home, index: 0, rpc, chainId: info.chainId, portOffset: PORT_OFFSET, models: info.models, threads: THREADS,
      extraConfig: { training: { enabled: true, datasetsDir, threads: THREADS }, chain: { rpc, chainId: info.chainId, reconcileIntervalMs: 1000 } },
    });
    await waitForSidecar(s, 300_000);
    const steps = Math.ceil(n / BATCH);
    const t0 = performance.now();
    const req = await requestTraining(bob, {
      baseModel: smol.contentRoot, datasets: [d.contentRoot], method: "lora", loraRank: 8, loraAlpha: "16", loraTargets: ["q", "v"],
      learningRate: "0.002", steps, batchSize: BATCH, seqLen: SEQ, seed: 1, checkpointInterval: steps, maxFee: "100000uinfer", childName: "smol-additions", childVersion: "1",
    });
    const job = await waitForTraining(bob, req.jobId, { timeoutMs: 3_600_000, pollIntervalMs: 2000 });
    const wallS = (performance.now() - t0) / 1000;
    const child = job.result!.childModel;
    const prov = await bob.getProvenance(child);
    console.log(`through the chain (SmolLM2 LoRA, ${n} examples, ${steps} steps): loss ${job.result!.initialLoss} -> ${job.result!.finalLoss}, request -> child registered ${fmt(wallS, 1)} s`);
    console.log(`  child ${child}: parents ${prov.model.parents.map((p) => p.model.slice(0, 12)).join(",")} datasets ${prov.model.datasets.map((x) => x.dataset.slice(0, 12)).join(",")} recipe ${prov.model.recipeHash.slice(0, 12)} (job recipe ${req.recipeHash.slice(0, 12)})`);
    for (let i = 0; ; i++) {
      try {
        const r = await bob.infer({ model: child, prompt: "What is 12 plus 30?", maxTokens: 16, temperature: 0, timeoutMs: 120_000 });
        console.log(`  child answers an inference job: "What is 12 plus 30?" -> ${JSON.stringify(r.text)} (receipt model ${r.receipt.model.slice(0, 12)})`);
        break;
      } catch (e) {
        if (i >= 30) throw e; // the sidecar may still be loading the child
        await new Promise((res) => setTimeout(res, 2000));
      }
    }
  } finally {
    await stopLocalnet(home);
    await rm(home, { recursive: true, force: true });
    await rm(src, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const smol = findSmollm2();
  if (!smol) throw new Error(`SmolLM2 is not imported at ${smollm2Dir()}: run 'make model' (INFERCHAIN_CACHE moves the cache)`);
  const tmp = await mkdtemp(join(tmpdir(), "inferchain-train-bench-"));
  try {
    if (PHASES.has("trainer")) await trainerPhases(smol, tmp);
    if (PHASES.has("chain") && CHAIN_N > 0) await throughChain(CHAIN_N);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function trainerPhases(smol: string, tmp: string): Promise<void> {
  {
    const data = join(tmp, "additions.jsonl");
    await writeFile(data, additions(N));
    const steps = Math.ceil(N / BATCH); // one epoch
    const lora: TrainingParams = {
      method: "lora",
      lora: { rank: 8, alpha: "16", targets: ["q", "v"] },
      learningRate: "0.002",
      steps,
      batchSize: BATCH,
      seqLen: SEQ,
      seed: "1",
      checkpointInterval: steps,
    };
    console.log(`SmolLM2-135M, LoRA rank 8 alpha 16 on q,v: ${N} examples, ${steps} steps x batch ${BATCH} x seq ${SEQ}, ${THREADS} threads`);
    const l = await timedTrain(smol, data, tmp, "smol-lora", lora);
    console.log(`  loss ${fmt(l.out.lossBefore)} -> ${fmt(l.out.lossAfter)} (mean over the ${l.out.examples} examples; ${l.out.truncated} truncated)`);
    console.log(`  wall ${fmt(l.out.wallMs / 1000, 1)} s (incl. training-graph build and two full-set evaluations), ${fmt(l.stepS, 2)} s/step`);
    console.log(`  child ${l.out.childRoot} (${(Number(l.out.totalBytes) / 2 ** 20).toFixed(0)} MiB, adapters merged)`);
    await rm(join(tmp, "smol-lora"), { recursive: true, force: true });

    // the peers only need the step time: a 16-row file keeps their two full-set evaluations short
    const small = join(tmp, "small.jsonl");
    await writeFile(small, additions(16));
    const f32 = join(tmp, "smol-f32");
    dequantizedCopy(smol, f32);
    const full: TrainingParams = { method: "full", learningRate: "0.0001", steps: FULL_STEPS, batchSize: BATCH, seqLen: SEQ, seed: "1", checkpointInterval: FULL_STEPS };
    const fl = await timedTrain(f32, small, tmp, "smol-full", full);
    const loraSame = await timedTrain(f32, small, tmp, "smol-f32-lora", { ...lora, steps: FULL_STEPS, checkpointInterval: FULL_STEPS });
    console.log(`SmolLM2 f32 copy, same batch shape: full ${fmt(fl.stepS, 2)} s/step, LoRA ${fmt(loraSame.stepS, 2)} s/step (phase 1: ${fmt(l.stepS, 2)})`);
    console.log(`  LoRA / full step time: ${fmt(loraSame.stepS / fl.stepS, 2)} (back to back on the same copy)`);

    const tiny = await ensureTinyModel();
    const tp = { steps: 40, batchSize: BATCH, seqLen: SEQ, seed: "1", checkpointInterval: 40 };
    const tf = await timedTrain(tiny, data, tmp, "tiny-full", { method: "full", learningRate: "0.01", ...tp });
    const tl = await timedTrain(tiny, data, tmp, "tiny-lora", { ...lora, learningRate: "0.02", ...tp });
    console.log(`tiny model: full ${fmt(tf.stepS * 1000, 1)} ms/step, LoRA ${fmt(tl.stepS * 1000, 1)} ms/step, ratio ${fmt(tl.stepS / tf.stepS, 2)}`);
  }
}

await main();
