import { cp, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestArtifact } from '@inferchain/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRegistry, RegistryModelView } from './registry.js';
import { verifyCommitment } from '../commitment/commitment.js';
import { EngineGenerator } from '../jobs/engine-generator.js';
import { makeTinyModel } from '../models/tiny.js';
import { ModelStore } from './model-store.js';
import { verifyModelDir } from './verify.js';

const log = pino({ level: 'silent' });
let dir: string;
let good: string;
let tampered: string;
let record: RegistryModelView;

function registry(over: Partial<RegistryModelView> = {}): ModelRegistry {
  return { getModel: async (root) => (root === record.contentRoot ? { ...record, ...over } : undefined) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-store-'));
  good = join(dir, 'tiny');
  tampered = join(dir, 'tiny-tampered');
  await makeTinyModel(good);
  const d = await digestArtifact(good);
  record = { contentRoot: d.contentRoot, name: 'tiny', version: '1', status: 'active', files: d.files };
  await cp(good, tampered, { recursive: true });
  // Flip one byte in the middle of the weights.
  const fh = await open(join(tampered, 'model.onnx'), 'r+');
  const { size } = await fh.stat();
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, Math.floor(size / 2));
  b[0] = b[0]! ^ 0xff;
  await fh.write(b, 0, 1, Math.floor(size / 2));
  await fh.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('verifyModelDir', () => {
  it('accepts the registered bytes', async () => {
    const v = await verifyModelDir({ contentRoot: record.contentRoot, dir: good }, { registry: registry() });
    expect(v).toMatchObject({ ok: true, localRoot: record.contentRoot, problems: [], registry: { status: 'active' } });
  });

  it('loads a trained child pending its training audit (the chain assigns it no job until it settles)', async () => {
    const v = await verifyModelDir({ contentRoot: record.contentRoot, dir: good }, { registry: registry({ status: 'pending' }) });
    expect(v).toMatchObject({ ok: true, problems: [], registry: { status: 'pending' } });
  });

  it('names the tampered file', async () => {
    const v = await verifyModelDir({ contentRoot: record.contentRoot, dir: tampered }, { registry: registry() });
    expect(v.ok).toBe(false);
    expect(v.localRoot).not.toBe(record.contentRoot);
    expect(v.fileDiffs).toEqual([expect.objectContaining({ path: 'model.onnx', problem: 'root_differs' })]);
    expect(v.problems.join('\n')).toMatch(/file model\.onnx: content differs/);
  });

  it('reports extra and missing files, status and unregistered models', async () => {
    const extra = join(dir, 'tiny-extra');
    await cp(good, extra, { recursive: true });
    await writeFile(join(extra, 'notes.txt'), 'hi');
    await rm(join(extra, 'tokenizer.json'));
    const v = await verifyModelDir({ contentRoot: record.contentRoot, dir: extra }, { registry: registry() });
    expect(v.fileDiffs.map((d) => `${d.path}:${d.problem}`).sort()).toEqual(['notes.txt:not_in_registry', 'tokenizer.json:missing_on_disk']);
    const revoked = await verifyModelDir({ contentRoot: record.contentRoot, dir: good }, { registry: registry({ status: 'revoked' }) });
    expect(revoked.problems).toEqual([expect.stringMatching(/revoked on chain/)]);
    const deprecated = await verifyModelDir({ contentRoot: record.contentRoot, dir: good }, { registry: registry({ status: 'deprecated' }) });
    expect(deprecated.problems).toEqual([expect.stringMatching(/deprecated on chain/)]);
    const other = 'f'.repeat(64);
    const unreg = await verifyModelDir({ contentRoot: other, dir: good }, { registry: registry() });
    expect(unreg.problems.join('\n')).toMatch(/not registered on chain[\s\S]*configured f{64}/);
    const offline = await verifyModelDir({ contentRoot: record.contentRoot, dir: tampered });
    expect(offline.problems).toEqual([expect.stringMatching(/content root of .* is [0-9a-f]{64}, configured/)]);
  });
});

describe('ModelStore + EngineGenerator', () => {
  it('refuses tampered bytes, loads and runs the verified model', async () => {
    const bad = 'e'.repeat(64);
    const reg: ModelRegistry = { getModel: async (root) => (root === bad ? { ...record, contentRoot: bad } : registry().getModel(root)) };
    const store = new ModelStore({
      models: [
        { contentRoot: record.contentRoot, dir: good },
        { contentRoot: bad, dir: tampered },
      ],
      registry: reg,
      engine: { executionProviders: ['cpu'], threads: 1, topKCommit: 4 },
      log,
    });
    await store.loadAll();
    const st = store.list();
    expect(st.find((s) => s.contentRoot === record.contentRoot)?.state).toBe('ready');
    expect(st.find((s) => s.contentRoot === bad)).toMatchObject({ state: 'refused' });
    expect(store.allReady()).toBe(false);
    const gen = new EngineGenerator({ models: store, threads: 1, topKCommit: 4 });
    expect(gen.serves(bad)).toBe(false);
    const job = { id: '1', model: record.contentRoot, requester: 'x', prompt: 'Hello world', maxTokens: 5, temperatureMilli: 700, topK: 20, seed: '12345', attempt: 1, deadlineHeight: 10 };
    const a = await gen.generate(job);
    const b = await gen.generate(job);
    expect(a.tokenIds).toEqual(b.tokenIds); // seeded: deterministic
    expect(a.commitment).toBe(b.commitment);
    expect(a.steps).toHaveLength(a.tokenIds.length);
    expect(a.steps[0]).toHaveLength(4);
    expect(verifyCommitment(a.steps, a.commitment)).toBe(true);
    await store.close();
  });
});
