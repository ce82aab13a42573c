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
import { importGguf } from './gguf/import.js';
import { cacheDir, findSmollm2, smollm2Dir } from './locations.js';

const dir = findSmollm2();
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

  const gguf = join(cacheDir(), 'gguf', 'SmolLM2-135M-Instruct.Q4_1.gguf');
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
