/**
 * SmolLM2-135M-Instruct on CPU, same run, same threads (default 2):
 *   - our engine (generate(): tokenizer-free ids, top-k record, sampling rule) on the imported ONNX model
 *     (default f32 weights) and on `--weights q4` and `--weights q8` imports of the same GGUF (MatMulNBits, made in
 *     a temp dir),
 *   - a bare loop of the model's own forward passes on the same model.onnx (the floor our engine layer adds to),
 *   - node-llama-cpp (prebuilt llama.cpp) on the original Q4_1 GGUF,
 * for prefill and decode tokens/s, printed as ratios; then teacher-forced scoring of a 128-token output
 * against generating it.
 *
 * Needs `make model` (SmolLM2 imported into the cache) and a built node workspace (`npm run build`).
 * Run: npx tsx bench/src/engine.bench.ts   (ENGINE_BENCH_THREADS=2 ENGINE_BENCH_RUNS=3 ENGINE_BENCH_DECODE=64)
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { cacheDir, findSmollm2, generate, importGguf, loadModel, score, smollm2Dir, type LoadedModel } from "@inferchain/node";

const threads = Number(process.env.ENGINE_BENCH_THREADS ?? 2);
const runs = Number(process.env.ENGINE_BENCH_RUNS ?? 3);
const nDecode = Number(process.env.ENGINE_BENCH_DECODE ?? 64);
const SCORE_TOKENS = 128;

const PROMPT =
  "The history of computing is a story of abstraction. Early machines were programmed by rewiring circuits; " +
  "then came stored programs, assembly languages, compilers and operating systems. Each layer hid the details " +
  "of the one below it, so that people could think about problems instead of hardware. Today a programmer can " +
  "write a few lines of code that run on thousands of machines, and a language model can turn a sentence into " +
  "a working program. The next chapter of this story";

/** Best (least disturbed) of `runs` timings of fn, in ms. */
async function best(fn: () => Promise<unknown>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

/**
 * The bare loop: our model.onnx through the model's own forward passes (in-place KV arena, one slot), greedy
 * argmax, nothing else: no sampler, no per-step top-k record, no tokenizer. The floor the engine layer adds to.
 */
async function bareOrt(model: LoadedModel) {
  const V = model.vocabSize;
  const argmax = (logits: Float32Array): number => {
    let arg = 0;
    for (let v = 1; v < V; v++) if (logits[v]! > logits[arg]!) arg = v;
    return arg;
  };
  return {
    prefill: async (ids: number[]) => {
      const arena = model.newArena(1, ids.length + 1);
      argmax(await model.prefill(arena, 0, ids));
    },
    decode: async (ids: number[], n: number) => {
      const arena = model.newArena(1, ids.length + n + 1);
      let next = argmax(await model.prefill(arena, 0, ids));
      const t = performance.now();
      for (let i = 0; i < n; i++) next = argmax(await model.decode(arena, 0, [next]));
      return performance.now() - t;
    },
    release: async () => undefined,
  };
}

async function main(): Promise<void> {
  const dir = findSmollm2();
  const gguf = join(cacheDir(), "gguf", "SmolLM2-135M-Instruct.Q4_1.gguf");
  if (!dir || !existsSync(gguf)) {
    console.log(`engine bench: SKIPPED, SmolLM2 not found at ${smollm2Dir()} / ${gguf}; run 'make model' first`);
    return;
  }
  const model = await loadModel(dir, { threads, executionProviders: ["cpu"] });
  const ids = model.tokenizer.encode(PROMPT);
  console.log(`engine bench: SmolLM2-135M-Instruct, ${threads} threads, ${cpus()[0]?.model ?? "?"}, prompt ${ids.length} tokens, decode ${nDecode} tokens, best of ${runs}`);

  const qDir = await mkdtemp(join(tmpdir(), "engine-bench-q-"));
  await importGguf(gguf, join(qDir, "q4"), { weights: "q4" });
  await importGguf(gguf, join(qDir, "q8"), { weights: "q8" });
  const q4 = await loadModel(join(qDir, "q4"), { threads, executionProviders: ["cpu"] });
  const q8 = await loadModel(join(qDir, "q8"), { threads, executionProviders: ["cpu"] });
  const bare = await bareOrt(model);
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const lmodel = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
  const ctx = await lmodel.createContext({ contextSize: 1024, batchSize: 512, threads, sequences: 1 });
  const seq = ctx.getSequence();
  const tokens = ids as unknown as Token[];

  // Round-robin so that load from other processes hits all of them alike; keep each one's best run.
  let [oursPrefill, oursDecode, q4Prefill, q4Decode, q8Prefill, q8Decode, barePrefill, bareDecode, lcPrefill, lcDecode] = Array<number>(10).fill(Infinity) as number[];
  for (let i = 0; i < runs; i++) {
    // Ours: prefill = the prompt forward pass; decode = generate() steps after it (greedy, top-8 record).
    const r = await generate(model, { promptTokenIds: ids, maxTokens: nDecode });
    oursPrefill = Math.min(oursPrefill!, r.timings.prefillMs);
    oursDecode = Math.min(oursDecode!, r.timings.decodeMs / Math.max(1, r.tokenIds.length - 1));
    const r4 = await generate(q4, { promptTokenIds: ids, maxTokens: nDecode });
    q4Prefill = Math.min(q4Prefill!, r4.timings.prefillMs);
    q4Decode = Math.min(q4Decode!, r4.timings.decodeMs / Math.max(1, r4.tokenIds.length - 1));
    const r8 = await generate(q8, { promptTokenIds: ids, maxTokens: nDecode });
    q8Prefill = Math.min(q8Prefill!, r8.timings.prefillMs);
    q8Decode = Math.min(q8Decode!, r8.timings.decodeMs / Math.max(1, r8.tokenIds.length - 1));
    let t: number;

    t = performance.now();
    await bare.prefill(ids);
    barePrefill = Math.min(barePrefill!, performance.now() - t);
    bareDecode = Math.min(bareDecode!, (await bare.decode(ids, nDecode)) / nDecode);

    await seq.clearHistory();
    t = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(0, -1));
    lcPrefill = Math.min(lcPrefill!, performance.now() - t);
    let n = 0;
    let first = 0;
    for await (const _ of seq.evaluate(tokens.slice(-1), { temperature: 0 })) {
      if (n === 0) first = performance.now();
      if (++n > nDecode) break;
    }
    lcDecode = Math.min(lcDecode!, (performance.now() - first) / nDecode);
  }
  await bare.release();
  await q4.release();
  await q8.release();
  await rm(qDir, { recursive: true, force: true });
  await ctx.dispose();
  await lmodel.dispose();
  await llama.dispose();

  const tps = (msPerTok: number) => 1000 / msPerTok;
  const rows: [string, number, number][] = [
    ["inferchain engine (ONNX f32)", tps(oursPrefill! / ids.length), tps(oursDecode!)],
    ["inferchain engine (ONNX q4)", tps(q4Prefill! / ids.length), tps(q4Decode!)],
    ["inferchain engine (ONNX q8)", tps(q8Prefill! / ids.length), tps(q8Decode!)],
    ["bare onnxruntime-node loop (f32)", tps(barePrefill! / ids.length), tps(bareDecode!)],
    ["node-llama-cpp (GGUF Q4_1)", tps(lcPrefill! / (ids.length - 1)), tps(lcDecode!)],
  ];
  console.log("\n  runtime                          prefill tok/s   decode tok/s");
  for (const [name, p, d] of rows) console.log(`  ${name.padEnd(32)} ${p.toFixed(1).padStart(13)} ${d.toFixed(1).padStart(14)}`);
  const ratio = (a: number, b: number, label: string) =>
    console.log(`  ${label.padEnd(30)} prefill ${(rows[a]![1] / rows[b]![1]).toFixed(2)}x  decode ${(rows[a]![2] / rows[b]![2]).toFixed(2)}x`);
  ratio(0, 3, "ratio engine f32 / bare ORT:");
  ratio(0, 4, "ratio engine f32 / llama.cpp:");
  ratio(1, 4, "ratio engine q4 / llama.cpp:");
  ratio(2, 4, "ratio engine q8 / llama.cpp:");

  // Verification cost: teacher-forced scoring of a 128-token output vs generating it.
  const gen = await generate(model, { promptTokenIds: ids, maxTokens: SCORE_TOKENS });
  const genMs = gen.timings.prefillMs + gen.timings.decodeMs;
  const scoreMs = await best(() => score(model, { promptTokenIds: ids, outputTokenIds: gen.tokenIds, maxTokens: SCORE_TOKENS }));
  console.log(`\n  generate ${gen.tokenIds.length} tokens: ${genMs.toFixed(0)} ms; teacher-forced score of them: ${scoreMs.toFixed(0)} ms; ratio generate/score ${(genMs / scoreMs).toFixed(1)}x`);
  await model.release();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
