import { cp, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactHoldings, FRAME_CONTENT_TYPE, decodeLeafFrame, digestArtifact, verifyLeafFrame } from '@inferchain/sdk';
import { makeTinyModel } from '../models/tiny.js';
import { ModelStore } from '../store/model-store.js';
import type { RegistryModelView } from '../store/registry.js';
import { registerArtifactRoutes } from './artifacts.js';

const log = pino({ level: 'silent' });
let dir: string;
let good: string;
let bad: string;
let record: RegistryModelView;
let app: FastifyInstance;
let store: ModelStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-artifacts-api-'));
  good = join(dir, 'tiny');
  bad = join(dir, 'tiny-bad');
  await makeTinyModel(good);
  await cp(good, bad, { recursive: true });
  const fh = await open(join(bad, 'model.onnx'), 'r+');
  await fh.write(Buffer.from([0x42]), 0, 1, 1000);
  await fh.close();
  const d = await digestArtifact(good);
  record = { contentRoot: d.contentRoot, name: 'tiny', version: '1', status: 'active', files: d.files };
  // The tampered copy is configured under the same root: verification refuses it, so it is never served.
  store = new ModelStore({
    models: [{ contentRoot: record.contentRoot, dir: good }],
    registry: { getModel: async (r) => (r === record.contentRoot ? record : undefined) },
    engine: { executionProviders: ['cpu'], threads: 1 } as never,
    log,
    load: async () => ({ release: async () => undefined, provider: 'cpu', config: { name: 'tiny' } }) as never,
  });
  await store.loadAll();
  app = Fastify();
  registerArtifactRoutes(app, new ArtifactHoldings({ list: () => store.held(), maxRangeLeaves: 64 }));
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('/v1/artifacts', () => {
  it('serves the manifest of a verified model and 404s roots it does not hold, 400s malformed ones', async () => {
    const m = await app.inject({ url: `/v1/artifacts/${record.contentRoot}` });
    expect(m.statusCode).toBe(200);
    expect(m.json()).toMatchObject({ contentRoot: record.contentRoot, kind: 'model', name: 'tiny', leafSize: 4096, maxRangeLeaves: 64 });
    expect((m.json() as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(record.files.map((f) => f.path));
    expect((await app.inject({ url: `/v1/artifacts/${'0'.repeat(64)}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/v1/artifacts/${'0'.repeat(64)}/model.onnx?leaf=0..0` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/artifacts/NOTHEX' })).statusCode).toBe(400);
  });

  it('serves a leaf range as a frame that verifies against the registered roots', async () => {
    const res = await app.inject({ url: `/v1/artifacts/${record.contentRoot}/model.onnx?leaf=2..9` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(FRAME_CONTENT_TYPE);
    const files = record.files;
    const i = files.findIndex((f) => f.path === 'model.onnx');
    verifyLeafFrame(decodeLeafFrame(res.rawPayload), { file: files[i]!, fileIndex: i, fileCount: files.length, contentRoot: record.contentRoot, first: 2, count: 8 });
  });

  it('bounds the range and refuses missing, malformed and out-of-file ranges and unknown paths', async () => {
    const base = `/v1/artifacts/${record.contentRoot}`;
    expect((await app.inject({ url: `${base}/model.onnx` })).json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/leaf=i..j is required/) });
    expect((await app.inject({ url: `${base}/model.onnx?leaf=0..64` })).json()).toMatchObject({ message: expect.stringMatching(/at most 64 per request/) });
    expect((await app.inject({ url: `${base}/model.onnx?leaf=9..2` })).statusCode).toBe(400);
    expect((await app.inject({ url: `${base}/model.onnx?leaf=0..99999999` })).statusCode).toBe(400);
    expect((await app.inject({ url: `${base}/config.json?leaf=a..b` })).statusCode).toBe(400);
    expect((await app.inject({ url: `${base}/nope.bin?leaf=0..0` })).statusCode).toBe(404);
  });

  it('a model whose bytes fail verification is not held (404), and bytes changed after verification answer 503', async () => {
    const refused = new ModelStore({
      models: [{ contentRoot: record.contentRoot, dir: bad }],
      registry: { getModel: async () => record },
      engine: { executionProviders: ['cpu'], threads: 1 } as never,
      log,
    });
    await refused.loadAll();
    expect(refused.held()).toEqual([]);
    const changed = await mkdtemp(join(tmpdir(), 'inferchain-artifacts-changed-'));
    try {
      await cp(good, changed, { recursive: true });
      const s = new ModelStore({ models: [{ contentRoot: record.contentRoot, dir: changed }], registry: { getModel: async () => record }, engine: { executionProviders: ['cpu'], threads: 1 } as never, log, load: async () => ({ release: async () => undefined, provider: 'cpu', config: { name: 'tiny' } }) as never });
      await s.loadAll();
      const a = Fastify();
      registerArtifactRoutes(a, new ArtifactHoldings({ list: () => s.held() }));
      await cp(join(bad, 'model.onnx'), join(changed, 'model.onnx'));
      const res = await a.inject({ url: `/v1/artifacts/${record.contentRoot}/model.onnx?leaf=0..0` });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: 'held_bytes_changed' });
      await a.close();
    } finally {
      await rm(changed, { recursive: true, force: true });
    }
  });
});
