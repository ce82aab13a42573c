import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitmentRoot } from '../commitment/commitment.js';
import { SidecarMetrics } from '../daemon/metrics.js';
import { JobQueue } from '../jobs/queue.js';
import { spec } from '../jobs/testing.js';
import type { ModelStatus } from '../store/model-store.js';
import { buildApi } from './server.js';

let dir: string;
let db: Level<string, unknown>;
let app: Awaited<ReturnType<typeof buildApi>>;
let models: ModelStatus[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-api-'));
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
  const queue = new JobQueue(db);
  const metrics = new SidecarMetrics(() => queue.countByState());
  models = [
    { contentRoot: 'a'.repeat(64), dir: '/m/a', state: 'ready', provider: 'cpu' },
    { contentRoot: 'b'.repeat(64), dir: '/m/b', state: 'refused', verification: { contentRoot: 'b'.repeat(64), dir: '/m/b', ok: false, fileDiffs: [], problems: ['file model.onnx: content differs'] } },
  ];
  app = await buildApi({
    queue,
    models: { list: () => models },
    metrics: metrics.registry,
    readiness: async () => ({ models: { ok: models.every((m) => m.state === 'ready'), detail: models.map((m) => ({ contentRoot: m.contentRoot, state: m.state })) }, chain: { ok: true } }),
    log: pino({ level: 'silent' }),
    version: 'test',
  });
  await queue.receive(spec(7));
  await queue.receive(spec(8));
  await queue.transition('7', 'generating');
  const steps = [[{ id: 5, logit: 2.5 }, { id: 1, logit: -1 }], [{ id: 2, logit: 0.5 }, { id: 5, logit: 0.25 }]];
  await queue.transition('7', 'generated', {
    output: { promptTokenIds: [1], tokenIds: [5, 2], text: 'hi', finishReason: 'eos', steps, commitment: commitmentRoot(steps), runtime: { executionProvider: 'cpu', threads: 1, prefillMs: 1, decodeMs: 2, promptTokens: 1, engine: 'x' } },
  });
  metrics.generated(2, 0.5);
  metrics.submitFailed('other');
});
afterAll(async () => {
  await app.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('api', () => {
  it('serves health and readiness (503 while a model is refused)', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const r = await app.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ ready: false, checks: { models: { ok: false }, chain: { ok: true } } });
    models[1]!.state = 'ready';
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    models[1]!.state = 'refused';
  });

  it('serves a job with its commitment data', async () => {
    const r = await app.inject('/v1/jobs/7');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ id: '7', state: 'generated', output: { text: 'hi', tokenIds: [5, 2], finishReason: 'eos' } });
    expect(body.output.steps).toEqual([
      { step: 0, topk: [{ id: 5, logit: 2.5 }, { id: 1, logit: -1 }] },
      { step: 1, topk: [{ id: 2, logit: 0.5 }, { id: 5, logit: 0.25 }] },
    ]);
    // What verifiers do: recompute the commitment from the served records.
    expect(commitmentRoot(body.output.steps.map((s: { topk: { id: number; logit: number }[] }) => s.topk))).toBe(body.output.commitment);
    expect((await app.inject('/v1/jobs/999')).statusCode).toBe(404);
    expect((await app.inject('/v1/jobs/abc')).statusCode).toBe(400);
  });

  it('lists jobs and models', async () => {
    const all = (await app.inject('/v1/jobs')).json();
    expect(all.jobs.map((j: { id: string }) => j.id)).toEqual(['8', '7']);
    expect(all.jobs[1].output.steps).toBeUndefined();
    expect((await app.inject('/v1/jobs?state=received')).json().jobs.map((j: { id: string }) => j.id)).toEqual(['8']);
    expect((await app.inject('/v1/jobs?state=nope')).statusCode).toBe(400);
    const m = (await app.inject('/v1/models')).json();
    expect(m.models.map((x: ModelStatus) => x.state)).toEqual(['ready', 'refused']);
  });

  it('exposes prometheus metrics and an OpenAPI document', async () => {
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/inferchain_node_jobs\{state="received"\} 1/);
    expect(text).toMatch(/inferchain_node_jobs\{state="generated"\} 1/);
    expect(text).toMatch(/inferchain_node_generation_tokens_per_second 4/);
    expect(text).toMatch(/inferchain_node_submit_failures_total\{kind="other"\} 1/);
    expect(text).toMatch(/inferchain_node_chain_height/);
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/v1/jobs/{id}', '/v1/models']));
  });
});
