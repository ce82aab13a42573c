/**
 * Quality and consistency checks on the real default model. Needs `make model`
 * (SmolLM2-135M-Instruct imported into the cache); skipped with a message otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../engine/generate.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import { EngineGenerator } from '../jobs/engine-generator.js';
import { spec } from '../jobs/testing.js';
import { checkClaim, DEFAULT_CHECK_OPTIONS } from '../verify/check.js';
import { loadCalibratedTable, modelWeightVariant, tolerancesFor } from '../verify/tolerances.js';
import { importGguf } from './gguf/import.js';
import { cacheDir, findSmollm2, smollm2Dir } from './locations.js';

const dir = findSmollm2();
const gguf = join(cacheDir(), 'gguf', 'SmolLM2-135M-Instruct.Q4_1.gguf');
if (!dir) {
  console.warn(`SKIP SmolLM2 tests: no model at ${smollm2Dir()}; run 'make model' (npx tsx node/scripts/fetch-model.ts) first`);
}

const PARAGRAPH =
  'The Industrial Revolution began in Great Britain in the late eighteenth century and spread to other parts of Europe and North America. ' +
  'It marked a shift from hand production to machines, new chemical manufacturing processes, and the increasing use of steam power. ' +
  'Factories grew in number, cities expanded rapidly, and the way people lived and worked changed forever.';

describe.skipIf(!dir)('SmolLM2-135M-Instruct', () => {
  let m: LoadedModel;
  beforeAll(async () => {
    m = await loadModel(dir!, { threads: 2 });
  });
  afterAll(async () => m?.release());

  const facts: [string, RegExp][] = [
    ['What is the capital of France?', /Paris/],
    ['What is the capital of Germany?', /Berlin/],
    ['What color is the sky on a clear day?', /blue/i],
    ['How many days are in a week?', /\b(7|seven)\b/i],
    ['What is the opposite of hot?', /cold/i],
    ['Who wrote Romeo and Juliet?', /Shakespeare/],
  ];
  for (const [q, want] of facts) {
    it(`answers "${q}" greedily with ${want}`, async () => {
      const r = await generate(m, { messages: [{ role: 'user', content: q }], maxTokens: 24 });
      expect(r.text).toMatch(want);
    });
  }

  it('has perplexity on English text far below a random model (uniform: vocab size)', async () => {
    const ids = m.tokenizer.encode(PARAGRAPH);
    const { logits } = await m.forward(ids);
    const V = m.vocabSize;
    let nll = 0;
    for (let i = 0; i + 1 < ids.length; i++) {
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[i * V + v]!);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[i * V + v]! - max);
      nll += -(logits[i * V + ids[i + 1]!]! - max - Math.log(sum));
    }
    const ppl = Math.exp(nll / (ids.length - 1));
    console.log(`SmolLM2 perplexity on the paragraph: ${ppl.toFixed(2)} (uniform random model: ${V})`);
    expect(ppl).toBeLessThan(40);
  });

  it('KV-cache decode logits equal full-prefill logits within 1e-4', async () => {
    const ids = m.tokenizer.encode(PARAGRAPH).slice(0, 40);
    const V = m.vocabSize;
    const full = await m.forward(ids);
    let r = await m.forward(ids.slice(0, 8));
    let maxd = 0;
    for (let i = 8; i < ids.length; i++) {
      r = await m.forward([ids[i]!], r.cache);
      for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(r.logits[v]! - full.logits[i * V + v]!));
    }
    console.log(`SmolLM2 KV-cache vs prefill max |diff|: ${maxd}`);
    expect(maxd).toBeLessThan(1e-4);
  });

  it('tokenizer round-trips text and knows the chat special tokens', () => {
    for (const s of [PARAGRAPH, 'Numbers 12345, émojis 🚀, 日本語, tabs\tand\nnewlines  ']) {
      expect(m.tokenizer.decode(m.tokenizer.encode(s))).toBe(s);
    }
    expect(m.tokenizer.encode('<|im_start|>user')[0]).toBe(1);
    expect(m.tokenizer.encode('2024')).toHaveLength(4);
    expect(m.config.tokenizer.eosTokenId).toBe(2);
  });

  it.skipIf(!existsSync(gguf))('re-importing the GGUF gives identical bytes (reproducible content root)', async () => {
    const work = await mkdtemp(join(tmpdir(), 'inferchain-smol-'));
    try {
      await importGguf(gguf, join(work, 'm'));
      for (const f of ['model.onnx', 'tokenizer.json', 'config.json']) {
        const h = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');
        expect(await h(join(work, 'm', f)), f).toBe(await h(join(dir!, f)));
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!existsSync(gguf))('SmolLM2-135M-Instruct, --weights q8 import', () => {
  let work: string;
  let m: LoadedModel;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'inferchain-smol-q8-'));
    await importGguf(gguf, join(work, 'q8'), { weights: 'q8' });
    m = await loadModel(join(work, 'q8'), { threads: 2 });
  }, 180_000);
  afterAll(async () => {
    await m?.release();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is the q8 variant, answers a fact, and decode logits equal prefill logits exactly', async () => {
    expect(modelWeightVariant(m.dir, m.config)).toBe('q8');
    // Not France: int8 activations flip that answer's first-token near tie (perplexity is unchanged: 11.71 vs 11.72)
    const r = await generate(m, { messages: [{ role: 'user', content: 'What is the capital of Germany?' }], maxTokens: 24 });
    expect(r.text).toMatch(/Berlin/);
    const ids = m.tokenizer.encode(PARAGRAPH).slice(0, 24);
    const V = m.vocabSize;
    const full = await m.forward(ids);
    let c = await m.forward(ids.slice(0, 8));
    let maxd = 0;
    for (let i = 8; i < ids.length; i++) {
      c = await m.forward([ids[i]!], c.cache);
      for (let v = 0; v < V; v++) maxd = Math.max(maxd, Math.abs(c.logits[v]! - full.logits[i * V + v]!));
    }
    expect(maxd).toBe(0);
  });

  it('an honest q8 job (sampled) is valid under the calibrated cpu->cpu q8 tolerance', async () => {
    const tol = tolerancesFor(loadCalibratedTable(), { executorProvider: 'cpu', verifierProvider: 'cpu', variant: 'q8' }, DEFAULT_CHECK_OPTIONS);
    if (!tol.judge) throw new Error(tol.reason);
    const root = 'b'.repeat(64);
    const s = spec(7, { model: root, prompt: 'Write a haiku about validators.', maxTokens: 24, temperatureMilli: 700, topK: 40, seed: '99' });
    const o = await new EngineGenerator({ models: { get: (r) => (r === root ? m : undefined) }, threads: 2, topKCommit: 8 }).generate(s);
    const claim = {
      prompt: s.prompt,
      outputTokenIds: [...o.tokenIds],
      outputText: o.text,
      maxTokens: s.maxTokens,
      temperatureMilli: s.temperatureMilli,
      topK: s.topK,
      seed: BigInt(s.seed),
      finishReason: o.finishReason,
      commitment: o.commitment,
      steps: o.steps.map((t) => ({ topk: t.map((e) => ({ ...e })) })),
    };
    const v = await checkClaim(m, claim, tol.options);
    expect(v.verdict, v.reason).toBe('valid');
  });

  const cached = `${smollm2Dir()}-q8`;
  it.skipIf(!existsSync(join(cached, 'model.onnx')))('matches the MODEL_WEIGHTS=q8 make model import byte for byte (reproducible)', async () => {
    for (const f of ['model.onnx', 'tokenizer.json', 'config.json']) {
      const h = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');
      expect(await h(join(work, 'q8', f)), f).toBe(await h(join(cached, f)));
    }
  });
});
