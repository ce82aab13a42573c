import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DType, OnnxGraph } from './onnx/graph.js';
import { ensureTinyModel, findSmollm2 } from '../models/locations.js';
import { BatchEngine } from './batch.js';
import { generate, type GenerateRequest, type GenerateResult } from './generate.js';
import { loadModel, ModelLoadError, type LoadedModel } from './model.js';
import { score } from './score.js';

/** Decode-step logits vs the matching rows of one full prefill, compared bit for bit (count of differing rows). */
async function decodeRowsDiffering(m: LoadedModel, ids: number[], split: number, grow = false): Promise<number> {
  const V = m.vocabSize;
  const full = await m.forward(ids);
  // grow: the cache starts at the prefix's size and is re-allocated while decoding.
  let r = await m.forward(ids.slice(0, split), undefined, undefined, grow ? split : ids.length);
  let bad = 0;
  const same = (a: Float32Array, off: number): boolean => a.every((x, v) => Object.is(x, full.logits[off + v]));
  for (let i = 0; i < split; i++) if (!same(r.logits.subarray(i * V, (i + 1) * V), i * V)) bad++;
  for (let i = split; i < ids.length; i++) {
    r = await m.forward([ids[i]!], r.cache);
    if (!same(r.logits, i * V)) bad++;
  }
  return bad;
}

/** score() of a generation: every committed top-k entry (id and logit float) must be exactly the scored one. */
async function expectScoreIdentical(m: LoadedModel, req: GenerateRequest, g: GenerateResult): Promise<void> {
  const s = await score(m, { promptTokenIds: g.promptTokenIds, outputTokenIds: g.tokenIds, maxTokens: req.maxTokens, temperature: req.temperature ?? 0, topK: req.topK ?? 0, seed: req.seed, topKCommit: req.topKCommit ?? 8 });
  expect(s.termination.ok).toBe(true);
  expect(s.steps.map((st) => st.topk)).toEqual(g.steps.map((st) => st.topk));
}

/**
 * Runs `reqs` through one BatchEngine; request i > 0 joins when request i-1 has produced `joinAfter[i]`
 * tokens (so sequences join at different steps), or at once when absent.
 */
async function runBatched(m: LoadedModel, reqs: GenerateRequest[], maxBatch: number, joinAfter: number[] = []): Promise<{ results: GenerateResult[]; maxSeen: number }> {
  let maxSeen = 0;
  const engine = new BatchEngine(m, { maxBatch, onStep: (n) => (maxSeen = Math.max(maxSeen, n)) });
  const results: Promise<GenerateResult>[] = new Array(reqs.length);
  const started = new Set<number>();
  const start = (i: number): void => {
    if (i >= reqs.length || started.has(i)) return;
    started.add(i);
    const after = joinAfter[i + 1];
    const onToken = after === undefined ? undefined : (ev: { step: number }) => ev.step === after - 1 && start(i + 1);
    results[i] = engine.generate({ ...reqs[i]!, ...(onToken ? { onToken } : {}) });
    // A sequence that ends before `after` tokens lets the next one in when it ends.
    if (after === undefined) start(i + 1);
    else void results[i]!.finally(() => start(i + 1)).catch(() => undefined);
  };
  start(0);
  // Later joins are only created while earlier ones run: wait until all have been started.
  const all: GenerateResult[] = [];
  for (let i = 0; i < reqs.length; i++) {
    while (!results[i]) await new Promise((r) => setTimeout(r, 1));
    all.push(await results[i]!);
  }
  return { results: all, maxSeen };
}

const text = 'The quick brown fox jumps over the lazy dog. The capital of France is Paris.';

const reqs: GenerateRequest[] = [
  { prompt: text, maxTokens: 14 },
  { prompt: 'Hello', maxTokens: 9, temperature: 0.9, topK: 20, seed: 7n },
  { promptTokenIds: [5], maxTokens: 6 },
  { prompt: text.slice(0, 30), maxTokens: 20, temperature: 1.3, topK: 0, seed: '18446744073709551557' },
  { messages: [{ role: 'user', content: 'What is 2+2?' }], maxTokens: 11, temperature: 0.7, topK: 5, seed: 3 },
  { prompt: 'a b c d e f g', maxTokens: 3 },
  { prompt: text + text, maxTokens: 17, temperature: 0.5, topK: 40, seed: 99 },
  { prompt: 'x', maxTokens: 12, topKCommit: 3 },
];

describe('batched decoding on the tiny model (f32)', () => {
  let m: LoadedModel;
  beforeAll(async () => {
    m = await loadModel(await ensureTinyModel(), { threads: 1 });
  });
  afterAll(async () => m?.release());

  it('KV-cache decode logits are bit-identical to a full prefill (also after a one-token prompt)', async () => {
    const ids = m.tokenizer.encode(text);
    for (const split of [1, 2, 4, 17]) expect(await decodeRowsDiffering(m, ids, split), `split ${split}`).toBe(0);
    expect(await decodeRowsDiffering(m, ids, 3, true), 'growing cache').toBe(0);
  });

  it('refuses to load a graph without the in-place KV inputs (an import by another engine version)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inferchain-stale-'));
    try {
      await cp(m.dir, dir, { recursive: true });
      const g = new OnnxGraph('old');
      g.input('input_ids', DType.INT64, ['batch', 'seq']);
      g.output(g.op('Identity', ['input_ids']), DType.INT64, ['batch', 'seq']);
      await writeFile(join(dir, 'model.onnx'), g.serialize({ producer: 'test', producerVersion: '0.2.0' }));
      const err = await loadModel(dir, { threads: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message).toMatch(/another engine version .*re-import/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a stale KvCache handle (the cache is updated in place)', async () => {
    const ids = m.tokenizer.encode(text);
    const a = await m.forward(ids.slice(0, 4), undefined, 1, 16);
    await m.forward([ids[4]!], a.cache);
    await expect(m.forward([ids[5]!], a.cache)).rejects.toThrow(/stale KvCache/);
  });


  it('each sequence is bit-identical alone, batched (joining at different steps) and to score()', async () => {
    const alone: GenerateResult[] = [];
    for (const r of reqs) alone.push(await generate(m, r));
    for (const [i, r] of reqs.entries()) await expectScoreIdentical(m, r, alone[i]!);

    const together = await runBatched(m, reqs, 8);
    expect(together.maxSeen).toBeGreaterThanOrEqual(6);
    const staggered = await runBatched(m, reqs, 8, [0, 2, 1, 3, 1, 2, 4, 1]);
    const fewSlots = await runBatched(m, reqs, 3);
    expect(fewSlots.maxSeen).toBe(3);
    for (const run of [together, staggered, fewSlots]) {
      run.results.forEach((g, i) => {
        expect(g.tokenIds, `request ${i}`).toEqual(alone[i]!.tokenIds);
        expect(g.steps, `request ${i}`).toEqual(alone[i]!.steps);
        expect(g.finishReason).toBe(alone[i]!.finishReason);
      });
    }
  });

  it('a sequence whose onToken throws fails alone; the others finish unchanged', async () => {
    const engine = new BatchEngine(m, { maxBatch: 4 });
    const ok = engine.generate(reqs[0]!);
    const bad = engine.generate({ ...reqs[3]!, onToken: (ev) => {
      if (ev.step === 2) throw new Error('client went away');
    } });
    await expect(bad).rejects.toThrow('client went away');
    expect((await ok).tokenIds).toEqual((await generate(m, reqs[0]!)).tokenIds);
    expect(engine.load).toEqual({ active: 0, waiting: 0 });
  });

  it('rejects an invalid request before it joins', async () => {
    const engine = new BatchEngine(m, { maxBatch: 2 });
    await expect(engine.generate({ prompt: text, maxTokens: 4, temperature: 0.5 })).rejects.toThrow(/seed/);
    await expect(engine.generate({ prompt: text.repeat(20), maxTokens: 4 })).rejects.toThrow(/shorten the prompt/);
  });

  it('gates every model run (prefill and decode step)', async () => {
    const labels: string[] = [];
    const engine = new BatchEngine(m, { maxBatch: 2, gate: (label, fn) => (labels.push(label), fn()) });
    const [a, b] = await Promise.all([engine.generate({ prompt: text, maxTokens: 4 }), engine.generate({ prompt: 'Hi', maxTokens: 2 })]);
    expect(labels.filter((l) => l === 'prefill').length).toBe(2);
    expect(labels.filter((l) => l.startsWith('decode step')).length).toBe(Math.max(a.tokenIds.length, b.tokenIds.length) - 1);
  });
});

describe('batched decoding on the tiny 8-bit model (fused graph: RotaryEmbedding, SkipSimplifiedLayerNormalization, stacked projections)', () => {
  let m: LoadedModel;
  beforeAll(async () => {
    m = await loadModel(await ensureTinyModel({ weights: 'q8' }), { threads: 2 });
  });
  afterAll(async () => m?.release());

  it('decode logits bit-identical to a full prefill; batched (rows at different positions) = alone = score()', async () => {
    const ids = m.tokenizer.encode(text);
    for (const split of [1, 4, 17]) expect(await decodeRowsDiffering(m, ids, split), `split ${split}`).toBe(0);
    const alone: GenerateResult[] = [];
    for (const r of reqs) alone.push(await generate(m, r));
    for (const [i, r] of reqs.entries()) await expectScoreIdentical(m, r, alone[i]!);
    const staggered = await runBatched(m, reqs, 8, [0, 2, 1, 3, 1, 2, 4, 1]);
    expect(staggered.maxSeen).toBeGreaterThanOrEqual(3);
    staggered.results.forEach((g, i) => {
      expect(g.tokenIds, `request ${i}`).toEqual(alone[i]!.tokenIds);
      expect(g.steps, `request ${i}`).toEqual(alone[i]!.steps);
    });
  });
});

describe.skipIf(!findSmollm2())('batched decoding on SmolLM2 (make model)', () => {
  let m: LoadedModel;
  beforeAll(async () => {
    m = await loadModel(findSmollm2()!, { threads: 2 });
  }, 120_000);
  afterAll(async () => m?.release());

  it('decode logits bit-identical to a full prefill; batched = alone = score()', async () => {
    const ids = m.tokenizer.encode('The capital of France is Paris. The capital of Italy is');
    expect(await decodeRowsDiffering(m, ids, 5)).toBe(0);
    const reqs: GenerateRequest[] = [
      { messages: [{ role: 'user', content: 'Name a colour.' }], maxTokens: 10 },
      { prompt: 'Once upon a time', maxTokens: 8, temperature: 0.8, topK: 40, seed: 11 },
      { prompt: 'The capital of France is', maxTokens: 12, temperature: 1, topK: 0, seed: 5n },
      { promptTokenIds: [1], maxTokens: 6 },
    ];
    const alone: GenerateResult[] = [];
    for (const r of reqs) alone.push(await generate(m, r));
    for (const [i, r] of reqs.entries()) await expectScoreIdentical(m, r, alone[i]!);
    const batched = await runBatched(m, reqs, 4, [0, 1, 3, 2]);
    batched.results.forEach((g, i) => {
      expect(g.tokenIds, `request ${i}`).toEqual(alone[i]!.tokenIds);
      expect(g.steps, `request ${i}`).toEqual(alone[i]!.steps);
    });
  }, 300_000);
});
