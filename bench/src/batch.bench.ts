/**
 * Batched decoding on SmolLM2-135M-Instruct (CPU, same run, same threads, default 2): aggregate decode tokens/s of
 * N concurrent sequences sharing decode steps (BatchEngine, default N = 8) against one stream alone, plus the
 * per-step latency at each batch size. Each sequence samples with its own seed, so all N run to the length limit
 * unless one hits a stop token (counted tokens are the ones actually produced).
 *
 * The two are measured alternately (BATCH_BENCH_ROUNDS rounds of one single stream then one batch), and the best
 * round of each is compared, so a load change on a shared machine does not favour one side.
 *
 * Needs `make model` and a built node workspace. Run: npx tsx bench/src/batch.bench.ts
 *   (BATCH_BENCH_THREADS=2 BATCH_BENCH_SEQS=8 BATCH_BENCH_DECODE=64 BATCH_BENCH_ROUNDS=2)
 */
import { cpus } from "node:os";
import { BatchEngine, findSmollm2, loadModel, smollm2Dir, type GenerateRequest, type LoadedModel } from "@inferchain/node";

const threads = Number(process.env.BATCH_BENCH_THREADS ?? 2);
const nSeqs = Number(process.env.BATCH_BENCH_SEQS ?? 8);
const nDecode = Number(process.env.BATCH_BENCH_DECODE ?? 64);
const rounds = Number(process.env.BATCH_BENCH_ROUNDS ?? 2);

const PROMPTS = [
  "The history of computing is a story of abstraction.",
  "Write a short story about a lighthouse keeper who finds a message in a bottle.",
  "Explain how a compiler turns source code into machine code, step by step.",
  "List ten facts about the ocean and why each one matters.",
  "Describe a walk through a busy market in the morning.",
  "What are the main ideas behind public key cryptography?",
  "Once upon a time, in a village at the edge of a forest,",
  "Give advice to someone learning to play the piano as an adult.",
];

interface Run {
  tokens: number;
  decodeMs: number;
  steps: Map<number, number[]>;
}

/** Generates `reqs` through one BatchEngine; decode time runs from the first decode step to the last one. */
async function run(model: LoadedModel, reqs: GenerateRequest[], maxBatch: number): Promise<Run> {
  const steps = new Map<number, number[]>();
  let first = 0;
  let last = 0;
  const engine = new BatchEngine(model, {
    maxBatch,
    onStep: (n, ms) => {
      const now = performance.now();
      if (first === 0) first = now - ms;
      last = now;
      (steps.get(n) ?? steps.set(n, []).get(n)!).push(ms);
    },
  });
  const results = await Promise.all(reqs.map((r) => engine.generate(r)));
  // The first token of each sequence comes from its prefill; the rest from decode steps.
  const tokens = results.reduce((s, r) => s + r.tokenIds.length - 1, 0);
  return { tokens, decodeMs: last - first, steps };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = findSmollm2();
  if (!dir) {
    console.log(`batch bench: SKIPPED, SmolLM2 not found at ${smollm2Dir()}; run 'make model' first`);
    return;
  }
  const model = await loadModel(dir, { threads });
  const req = (i: number): GenerateRequest => ({
    messages: [{ role: "user", content: PROMPTS[i % PROMPTS.length]! }],
    maxTokens: nDecode + 1,
    temperature: 0.8,
    topK: 40,
    seed: 1000 + i,
  });
  // Warm-up (first-run allocations, thread pool start).
  await run(model, [req(0), req(1)], 2);

  const rate = (r: Run): number => (r.tokens / r.decodeMs) * 1000;
  let single: Run | undefined;
  let batched: Run | undefined;
  for (let i = 0; i < rounds; i++) {
    const s = await run(model, [req(i)], 1);
    if (!single || rate(s) > rate(single)) single = s;
    const b = await run(model, Array.from({ length: nSeqs }, (_, j) => req(i * nSeqs + j)), nSeqs);
    if (!batched || rate(b) > rate(batched)) batched = b;
  }
  const singleRate = rate(single!);
  const batchRate = rate(batched!);
  const step1 = median(single!.steps.get(1) ?? [NaN]);

  console.log(`batched decoding, SmolLM2-135M-Instruct (${model.config.arch.numLayers} layers), cpu, ${threads} threads of ${cpus().length} cores`);
  console.log(`  single stream      ${singleRate.toFixed(2)} tok/s decode (best of ${rounds}: ${single!.tokens} tokens, median step ${step1.toFixed(1)} ms)`);
  console.log(`  ${nSeqs} concurrent       ${batchRate.toFixed(2)} tok/s aggregate decode (best of ${rounds}: ${batched!.tokens} tokens in ${(batched!.decodeMs / 1000).toFixed(2)} s)`);
  console.log(`  ratio              ${(batchRate / singleRate).toFixed(2)}x aggregate vs single stream (goal >= 4x)`);
  const sizes = [...batched!.steps.keys()].sort((a, b) => b - a);
  for (const n of sizes) {
    const ms = batched!.steps.get(n)!;
    console.log(`  step latency b=${String(n).padEnd(2)} median ${median(ms).toFixed(1)} ms over ${ms.length} steps = ${(median(ms) / step1).toFixed(2)}x the single-stream step for ${n} tokens`);
  }
  await model.release();
}

await main();
