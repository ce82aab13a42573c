import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyModel } from '../models/locations.js';
import { generate } from './generate.js';
import { ContextOverflowError } from './limits.js';
import { loadModel, type LoadedModel } from './model.js';
import { score } from './score.js';
import type { EngineLogger } from './log.js';

/** Max |a - b| between decode-step logits and the matching rows of a full prefill. */
async function kvCacheMaxDiff(m: LoadedModel, ids: number[], split: number): Promise<number> {
  const V = m.vocabSize;
  const full = await m.forward(ids);
  let r = await m.forward(ids.slice(0, split));
  let maxd = 0;
  for (let i = 0; i < split; i++) for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(r.logits[i * V + v]! - full.logits[i * V + v]!));
  for (let i = split; i < ids.length; i++) {
    r = await m.forward([ids[i]!], r.cache);
    for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(r.logits[v]! - full.logits[i * V + v]!));
  }
  return maxd;
}

describe('engine on the tiny model', () => {
  let m: LoadedModel;
  beforeAll(async () => {
    m = await loadModel(await ensureTinyModel(), { threads: 1 });
  });
  afterAll(async () => m?.release());

  const text = 'The quick brown fox jumps over the lazy dog. The capital of France is Paris.';

  it('KV-cache decode logits equal full-prefill logits (within 1e-4)', async () => {
    const ids = m.tokenizer.encode(text);
    expect(ids.length).toBeGreaterThan(20);
    const d = await kvCacheMaxDiff(m, ids, 4);
    expect(d).toBeLessThan(1e-4);
  });

  it('greedy generation is deterministic, streams its text, and records top-k per step', async () => {
    const seen: string[] = [];
    const a = await generate(m, { prompt: text, maxTokens: 12, topKCommit: 5, onToken: (e) => seen.push(e.text) });
    const b = await generate(m, { prompt: text, maxTokens: 12, topKCommit: 5 });
    expect(a.tokenIds).toEqual(b.tokenIds);
    expect(seen.join('')).toBe(a.text);
    expect(a.steps.length).toBe(a.tokenIds.length);
    a.steps.forEach((s, i) => {
      expect(s.topk.length).toBe(5);
      expect(s.topk[0]!.id).toBe(a.tokenIds[i]);
    });
    expect(a.tokenIds.length).toBeLessThanOrEqual(12);
  });

  it('seeded sampling is reproducible and depends on the seed', async () => {
    const req = { messages: [{ role: 'user', content: 'Hello world' }], maxTokens: 16, temperature: 1.0, topK: 40 };
    const a = await generate(m, { ...req, seed: 7n });
    const b = await generate(m, { ...req, seed: '7' });
    const c = await generate(m, { ...req, seed: 8 });
    expect(a.tokenIds).toEqual(b.tokenIds);
    expect(c.tokenIds).not.toEqual(a.tokenIds);
  });

  it('teacher-forced scoring agrees with greedy generation in one forward pass', async () => {
    const g = await generate(m, { prompt: text, maxTokens: 10 });
    const s = await score(m, { promptTokenIds: g.promptTokenIds, outputTokenIds: g.tokenIds, maxTokens: 10 });
    expect(s.steps.length).toBe(g.tokenIds.length);
    for (const [i, st] of s.steps.entries()) {
      expect(st.gap).toBeLessThanOrEqual(1e-4);
      expect(st.rank).toBe(0);
      st.topk.forEach((e, j) => {
        expect(e.id).toBe(g.steps[i]!.topk[j]!.id);
        expect(Math.abs(e.logit - g.steps[i]!.topk[j]!.logit)).toBeLessThan(1e-4);
      });
    }
    expect(s.termination.ok).toBe(true);
    // A tampered token shows up as a positive gap.
    const bad = [...g.tokenIds];
    bad[2] = s.steps[2]!.topk[3]!.id;
    const s2 = await score(m, { promptTokenIds: g.promptTokenIds, outputTokenIds: bad, maxTokens: 10 });
    expect(s2.steps[2]!.gap).toBeGreaterThan(0);
  });

  for (const k of [20, 0]) {
    it(`scoring recomputes seeded sampling choices (top-k ${k}) and flags forgeries`, async () => {
      const p = { temperature: 0.8, topK: k, seed: '18446744073709551557' };
      const g = await generate(m, { prompt: text, maxTokens: 12, ...p });
      const s = await score(m, { promptTokenIds: g.promptTokenIds, outputTokenIds: g.tokenIds, maxTokens: 12, ...p });
      for (const st of s.steps) expect(st.samplingMargin!).toBeGreaterThan(0);
      const forged = [...g.tokenIds];
      forged[1] = s.steps[1]!.topk.find((e) => e.id !== g.tokenIds[1])!.id;
      const s2 = await score(m, { promptTokenIds: g.promptTokenIds, outputTokenIds: forged, maxTokens: 12, ...p });
      expect(s2.steps[1]!.samplingMargin!).toBeLessThan(0);
    });
  }

  it('checks the termination rule', async () => {
    const prompt = m.tokenizer.encode(text);
    const eos = m.config.tokenizer.eosTokenId;
    const ok = await score(m, { promptTokenIds: prompt, outputTokenIds: [10, 11, eos], maxTokens: 8 });
    expect(ok.termination).toEqual({ ok: true, reason: 'eos' });
    const short = await score(m, { promptTokenIds: prompt, outputTokenIds: [10, 11], maxTokens: 8 });
    expect(short.termination.ok).toBe(false);
    const early = await score(m, { promptTokenIds: prompt, outputTokenIds: [10, eos, 11], maxTokens: 8 });
    expect(early.termination.ok).toBe(false);
    const full = await score(m, { promptTokenIds: prompt, outputTokenIds: [10, 11], maxTokens: 2 });
    expect(full.termination).toEqual({ ok: true, reason: 'length' });
  });

  it('refuses a prompt longer than the context before running', async () => {
    const small = await loadModel(m.dir, { threads: 1, maxContext: 16 });
    try {
      const long = m.tokenizer.encode(text);
      await expect(generate(small, { promptTokenIds: long, maxTokens: 4 })).rejects.toThrow(ContextOverflowError);
      await expect(generate(small, { promptTokenIds: long, maxTokens: 4 })).rejects.toThrow(/shorten the prompt/);
      // Room for only 2 more tokens: generation stops at the context edge.
      const r = await generate(small, { promptTokenIds: long.slice(0, 14), maxTokens: 10 });
      expect(r.tokenIds.length).toBeLessThanOrEqual(2);
    } finally {
      await small.release();
    }
  });

  it('falls back to cpu with a log line when a provider is missing', async () => {
    const lines: string[] = [];
    const logger: EngineLogger = { info: (_o, msg) => lines.push(msg), warn: (_o, msg) => lines.push(msg) };
    const fb = await loadModel(m.dir, { executionProviders: ['cuda', 'webgpu', 'cpu'], threads: 1, logger });
    try {
      expect(fb.provider).toBe('cpu');
      expect(lines.some((l) => /execution provider 'cuda' unavailable, falling back/.test(l))).toBe(true);
      const r = await generate(fb, { prompt: 'Hello', maxTokens: 3 });
      expect(r.tokenIds.length).toBeGreaterThan(0);
    } finally {
      await fb.release();
    }
  });
});

describe('engine on the tiny 4-bit (MatMulNBits) model', () => {
  it('KV-cache decode stays close to full prefill', async () => {
    const m = await loadModel(await ensureTinyModel({ q4: true }), { threads: 1 });
    try {
      const ids = m.tokenizer.encode('The quick brown fox jumps over the lazy dog. The capital of France is Paris.');
      // MatMulNBits uses different kernels for 1 row and many rows: close, not bit-identical.
      expect(await kvCacheMaxDiff(m, ids, 4)).toBeLessThan(1e-3);
    } finally {
      await m.release();
    }
  });
});

describe('engine on the tiny 8-bit (MatMulNBits, int8 compute) model', () => {
  it('KV-cache decode logits equal full-prefill logits exactly, at 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      const m = await loadModel(await ensureTinyModel({ weights: 'q8' }), { threads });
      try {
        const ids = m.tokenizer.encode('The quick brown fox jumps over the lazy dog. The capital of France is Paris.');
        // each row's activations are quantized per block alike for 1 row or many; block dot products are integer sums
        expect(await kvCacheMaxDiff(m, ids, 4)).toBe(0);
      } finally {
        await m.release();
      }
    }
  });
});

describe('graph op sets', () => {
  // Op types are stored as plain strings in the protobuf.
  const opsIn = async (dir: string): Promise<Record<string, boolean>> => {
    const b = await readFile(join(dir, 'model.onnx'));
    return Object.fromEntries(['com.microsoft', 'RotaryEmbedding', 'SkipSimplifiedLayerNormalization'].map((op) => [op, b.includes(op)]));
  };
  it('f32 and 4-bit graphs keep ops the training stack differentiates; 8-bit graphs use the fused contrib ops', async () => {
    expect(await opsIn(await ensureTinyModel())).toEqual({ 'com.microsoft': false, RotaryEmbedding: false, SkipSimplifiedLayerNormalization: false });
    expect(await opsIn(await ensureTinyModel({ weights: 'q4' }))).toEqual({ 'com.microsoft': true, RotaryEmbedding: false, SkipSimplifiedLayerNormalization: false });
    expect(await opsIn(await ensureTinyModel({ weights: 'q8' }))).toEqual({ 'com.microsoft': true, RotaryEmbedding: true, SkipSimplifiedLayerNormalization: true });
  });
});
