import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextOverflowError } from '../engine/limits.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import { makeTinyModel } from '../models/tiny.js';
import { EngineGenerator } from './engine-generator.js';
import { UnrunnableJobError } from './ports.js';
import { spec } from './testing.js';

const ROOT = 'a'.repeat(64);
let dir: string;
let full: LoadedModel;
let capped: LoadedModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-engine-gen-'));
  await makeTinyModel(join(dir, 'tiny'), { contextLength: 32 });
  full = await loadModel(join(dir, 'tiny'), { threads: 1 });
  capped = await loadModel(join(dir, 'tiny'), { threads: 1, maxContext: 8 });
}, 60_000);
afterAll(async () => {
  await full?.release();
  await capped?.release();
  await rm(dir, { recursive: true, force: true });
});

const generator = (m: LoadedModel) => new EngineGenerator({ models: { get: (r) => (r === ROOT ? m : undefined) }, threads: 1, topKCommit: 4 });

describe('EngineGenerator on the tiny model (context 32)', () => {
  it("a prompt that does not fit the model's context (chat template applied) is unrunnable: prompt_too_long", async () => {
    const err = await generator(full)
      .generate(spec(1, { model: ROOT, prompt: 'hello world '.repeat(20), maxTokens: 4 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrunnableJobError);
    expect((err as UnrunnableJobError).reason).toMatch(/^prompt_too_long: prompt is \d+ tokens; the model's context is 32 with max_tokens 4$/);
    expect(Buffer.byteLength((err as UnrunnableJobError).reason)).toBeLessThanOrEqual(512);
  });

  it("overflowing only this sidecar's configured cap stays a local error (another executor may run it)", async () => {
    const err = await generator(capped)
      .generate(spec(1, { model: ROOT, prompt: 'hello world hello world', maxTokens: 4 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
  });

  it('a prompt that fits generates as before', async () => {
    const out = await generator(full).generate(spec(1, { model: ROOT, prompt: 'hi', maxTokens: 2 }));
    expect(out.tokenIds.length).toBeGreaterThan(0);
    expect(out.commitment).toMatch(/^[0-9a-f]{64}$/);
  });
});
