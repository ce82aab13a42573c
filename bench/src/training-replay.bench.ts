/**
 * Training verification cost: the replay of ONE committed interval (what a committee member runs for an x/training
 * audit) vs the executor's whole training run, same machine, same stack (node/trainer, onnxruntime-training CPU),
 * same thread count, measured in this run. Also checks the replay is bit-exact (the verdict must be MATCH).
 *
 * The ratio is ~1/n for n = steps/K intervals plus the fixed cost of a trainer start (graph artifacts, loading);
 * both sides pay that start once.
 *
 * Run: npm run bench:train-replay -w @inferchain/bench (TRAIN_BENCH_STEPS=80 TRAIN_BENCH_K=10 TRAIN_BENCH_SEQ=64 TRAIN_BENCH_THREADS=1)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTinyModel, train, verifyInterval, type TrainingParams } from "@inferchain/node";

const STEPS = Number(process.env.TRAIN_BENCH_STEPS ?? 80);
const K = Number(process.env.TRAIN_BENCH_K ?? 10);
const SEQ = Number(process.env.TRAIN_BENCH_SEQ ?? 64);
const THREADS = Number(process.env.TRAIN_BENCH_THREADS ?? 1);

const rows = [
  { prompt: "The capital of France is", completion: " Paris." },
  { prompt: "The quick brown fox", completion: " jumps over the lazy dog." },
  { prompt: "Hello world!", completion: " How are you today?" },
  { text: "Blocks are produced by validators." },
];

async function main(): Promise<void> {
  const base = await ensureTinyModel();
  const tmp = await mkdtemp(join(tmpdir(), "inferchain-train-bench-"));
  try {
    const data = join(tmp, "data.jsonl");
    await writeFile(data, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const params: TrainingParams = { method: "full", learningRate: "0.01", steps: STEPS, batchSize: 2, seqLen: SEQ, seed: "7", checkpointInterval: K };
    const t0 = performance.now();
    const run = await train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, "child"), workDir: join(tmp, "work"), params, threads: THREADS, checkpointsDir: join(tmp, "ckpt") });
    const trainMs = performance.now() - t0;
    const n = STEPS / K;
    const intervals = [0, Math.floor(n / 2), n - 1];
    const replayMs: number[] = [];
    for (const i of intervals) {
      const t1 = performance.now();
      const v = await verifyInterval({ baseDir: base, datasetFiles: [data], params, claimed: run.checkpoints, interval: i, checkpoint: join(tmp, "ckpt", String(i * K)), workDir: tmp, threads: THREADS });
      replayMs.push(performance.now() - t1);
      if (!v.ok) throw new Error(`interval ${i} did not replay bit-exactly: ${v.reason}`);
    }
    const mean = replayMs.reduce((a, b) => a + b, 0) / replayMs.length;
    console.log(`tiny model, ${STEPS} steps, K=${K} (${n} intervals), batch 2 x ${SEQ} tokens, ${THREADS} thread(s)`);
    console.log(`training (executor, whole run):   ${(trainMs / 1000).toFixed(2)} s`);
    console.log(`replay of one interval (verifier): ${(mean / 1000).toFixed(2)} s  (intervals ${intervals.join(", ")}: ${replayMs.map((m) => (m / 1000).toFixed(2)).join(" / ")} s, all bit-exact MATCH)`);
    console.log(`replay / training = ${(mean / trainMs).toFixed(3)}  (1/n = ${(1 / n).toFixed(3)}; the rest is the trainer's fixed start-up)`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
