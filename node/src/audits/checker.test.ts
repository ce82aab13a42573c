/**
 * The check behind a verdict with the real tiny model and the real verifier core: an honest executor's result is
 * valid; both forged results of the fault injection (faults.executor.forge) are caught as fraud. Also the executor
 * steps fetch (timeouts, refusals, malformed answers).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobView } from '../api/server.js';
import { DEFAULTS } from '../config/config.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import { EngineGenerator } from '../jobs/engine-generator.js';
import { spec } from '../jobs/testing.js';
import type { JobOutput, JobRecord, JobSpec } from '../jobs/types.js';
import { ensureTinyModel } from '../models/locations.js';
import { makeTinyModel } from '../models/tiny.js';
import { checkClaim, DEFAULT_CHECK_OPTIONS, type CheckOptions } from '../verify/check.js';
import { loadCalibratedTable, mergeTables, parseToleranceTable } from '../verify/tolerances.js';
import { EngineAuditChecker, fetchExecutorSteps, parseSteps } from './checker.js';
import { ForgingGenerator, forgeTokenIds } from '../faults/forging-generator.js';
import { EngineLock } from '../engine/lock.js';
import { CannotCheckError, type AuditJobView } from './ports.js';

const ROOT = 'a'.repeat(64);
const log = pino({ level: 'silent' });
let tiny: LoadedModel;
let tmp: string;

beforeAll(async () => {
  tiny = await loadModel(await ensureTinyModel(), { threads: 1 });
  tmp = await mkdtemp(join(tmpdir(), 'inferchain-duty-check-'));
  await makeTinyModel(join(tmp, 'other'), { seed: 98765 });
});
afterAll(async () => {
  await tiny?.release();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const models = { get: (r: string) => (r === ROOT ? tiny : undefined) };
const honest = () => new EngineGenerator({ models, threads: 1, topKCommit: 8 });

/** The chain's job after `out` was submitted, and a fetch that serves the executor's /v1/jobs/:id. */
function posted(s: JobSpec, out: JobOutput): { view: AuditJobView; fetchFn: typeof fetch } {
  const view: AuditJobView = {
    id: s.id,
    status: 'auditing',
    model: ROOT,
    executor: 'infervaloper1exec',
    audit: { outcome: 'in_progress', committee: [], commitDeadline: 0, revealDeadline: 0, votes: [] },
    claim: {
      prompt: s.prompt,
      maxTokens: s.maxTokens,
      temperatureMilli: s.temperatureMilli,
      topK: s.topK,
      seed: BigInt(s.seed),
      outputTokenIds: out.tokenIds,
      outputText: out.text,
      finishReason: out.finishReason,
      commitment: out.commitment,
      executionProvider: out.runtime.executionProvider,
    },
  };
  const rec = { ...s, state: 'confirmed', output: out, submitAttempts: 1, receivedAt: '', updatedAt: '', history: [] } as JobRecord;
  const body = JSON.parse(JSON.stringify(jobView(rec))) as unknown;
  const fetchFn = (async (url: string | URL | Request) => {
    expect(String(url)).toBe(`http://exec.example:26690/v1/jobs/${s.id}`);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { view, fetchFn };
}

function checker(fetchFn: typeof fetch, extra: Partial<ConstructorParameters<typeof EngineAuditChecker>[0]> = {}): EngineAuditChecker {
  return new EngineAuditChecker({
    models,
    chain: { executorEndpoint: async () => 'http://exec.example:26690' },
    lock: new EngineLock(),
    options: DEFAULT_CHECK_OPTIONS,
    tolerances: loadCalibratedTable(),
    fetchTimeoutMs: 2000,
    fetchFn,
    ...extra,
  });
}

describe('tolerances by the executor\'s recorded execution provider', () => {
  it('a result from an uncalibrated provider pair is ABSTAIN, even a forged one, without running the check', async () => {
    const s = spec(11, { prompt: 'hello world', maxTokens: 8, temperatureMilli: 0, model: ROOT });
    const out = await honest().generate(s);
    const { view, fetchFn } = posted(s, out);
    let ran = false;
    const gpu: AuditJobView = { ...view, claim: { ...view.claim!, executionProvider: 'cuda' } };
    const v = await checker(fetchFn, { check: async () => ((ran = true), { verdict: 'fraud', steps: 0, forwardMs: 0, maxGap: 0, commitment: 'checked' }) }).check(gpu);
    expect(v.verdict).toBe('abstain');
    expect(v.reason).toMatch(/no calibrated tolerance for cuda->cpu with f32 weights/);
    expect(ran).toBe(false);
    // no recorded provider: abstain too
    expect((await checker(fetchFn).check({ ...view, claim: { ...view.claim!, executionProvider: '' } })).verdict).toBe('abstain');
    // same result from cpu: judged (valid)
    expect((await checker(fetchFn).check(view)).verdict).toBe('valid');
  });

  it('the pair\'s tolerances reach the check; an operator pair makes it judgeable; q4 weights use the q4 row', async () => {
    const s = spec(12, { prompt: 'hello world', maxTokens: 8, temperatureMilli: 0, model: ROOT });
    const { view, fetchFn } = posted(s, await honest().generate(s));
    const seen: CheckOptions[] = [];
    const spy = { check: async (_m: LoadedModel, _c: unknown, o: CheckOptions) => (seen.push(o), { verdict: 'valid' as const, steps: 1, forwardMs: 1, maxGap: 0, commitment: 'checked' as const }) };
    await checker(fetchFn, spy).check(view);
    await checker(fetchFn, { ...spy, variantOf: () => 'q4' }).check(view);
    const table = mergeTables(loadCalibratedTable(), parseToleranceTable({ 'cuda->cpu': { f32: { eps: 0.05, topkTolerance: 0.04 } } }, 'test'));
    await checker(fetchFn, { ...spy, tolerances: table }).check({ ...view, claim: { ...view.claim!, executionProvider: 'cuda' } });
    await checker(fetchFn, { ...spy, toleranceOverride: { eps: 0.3 } }).check(view);
    expect(seen.map((o) => [o.eps, o.topkTolerance])).toEqual([
      [0.001, 0.001],
      [0.001, 0.003],
      [0.05, 0.04],
      [0.3, 0.001],
    ]);
    // the override never makes an uncalibrated pair judgeable
    expect((await checker(fetchFn, { ...spy, toleranceOverride: { eps: 0.3 } }).check({ ...view, claim: { ...view.claim!, executionProvider: 'webgpu' } })).verdict).toBe('abstain');
  });

  it('faults.verify.alwaysFraud votes FRAUD on an honest result', async () => {
    const s = spec(13, { prompt: 'hello world', maxTokens: 8, temperatureMilli: 0, model: ROOT });
    const { view, fetchFn } = posted(s, await honest().generate(s));
    const v = await checker(fetchFn, { alwaysFraud: true }).check(view);
    expect(v.verdict).toBe('fraud');
    expect(v.reason).toMatch(/FAULT INJECTION/);
  });
});

describe('audit check with the real engine', () => {
  it('an honest result is valid, with the executor steps checked', async () => {
    const s = spec(1, { prompt: 'hello world', maxTokens: 8, temperatureMilli: 0, model: ROOT });
    const { view, fetchFn } = posted(s, await honest().generate(s));
    const v = await checker(fetchFn).check(view);
    expect(v).toMatchObject({ verdict: 'valid', commitment: 'checked', stepsSource: 'http://exec.example:26690/v1/jobs/1' });
    expect(v.steps).toBeGreaterThan(0);
  });

  it('a sampled honest result is valid', async () => {
    const s = spec(2, { prompt: 'once upon', maxTokens: 8, temperatureMilli: 800, topK: 20, seed: '12345', model: ROOT });
    const { view, fetchFn } = posted(s, await honest().generate(s));
    expect((await checker(fetchFn).check(view)).verdict).toBe('valid');
  });

  it('forge wrong-tokens is caught as fraud', async () => {
    const s = spec(3, { prompt: 'hello world', maxTokens: 8, model: ROOT });
    const forged = await new ForgingGenerator({ inner: honest(), faults: { forge: 'wrong-tokens' }, models, engine: DEFAULTS.engine, log }).generate(s);
    const h = await honest().generate(s);
    expect(forged.tokenIds).toHaveLength(h.tokenIds.length);
    expect(forged.tokenIds).not.toEqual(h.tokenIds);
    expect(forged.commitment).toBe(h.commitment);
    const { view, fetchFn } = posted(s, forged);
    const v = await checker(fetchFn).check(view);
    expect(v.verdict).toBe('fraud');
    expect(v.reason).toMatch(/step \d+/);
  });

  it('forge other-model is caught as fraud', async () => {
    const s = spec(4, { prompt: 'hello world', maxTokens: 8, model: ROOT });
    const engine = { ...DEFAULTS.engine, executionProviders: ['cpu' as const], threads: 1 };
    const forged = await new ForgingGenerator({ inner: honest(), faults: { forge: 'other-model', forgeModelDir: join(tmp, 'other') }, models, engine, log }).generate(s);
    const { view, fetchFn } = posted(s, forged);
    const v = await checker(fetchFn).check(view);
    expect(v.verdict).toBe('fraud');
  });

  it('without the executor steps the claim is judged on the forward pass alone', async () => {
    const s = spec(5, { prompt: 'hello world', maxTokens: 6, model: ROOT });
    const { view } = posted(s, await honest().generate(s));
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const v = await checker(down).check(view);
    expect(v).toMatchObject({ verdict: 'valid', commitment: 'unavailable' });
    expect(v.stepsSource).toMatch(/unreachable: fetch failed/);
  });

  it('a model not loaded here cannot be checked; an unknown finish reason is fraud', async () => {
    const s = spec(6, { prompt: 'hello world', maxTokens: 6, model: ROOT });
    const { view, fetchFn } = posted(s, await honest().generate(s));
    await expect(checker(fetchFn).check({ ...view, model: 'b'.repeat(64) })).rejects.toBeInstanceOf(CannotCheckError);
    const bad = await checker(fetchFn).check({ ...view, claim: { ...view.claim!, finishReason: 'stop' } });
    expect(bad).toMatchObject({ verdict: 'fraud', reason: expect.stringMatching(/neither eos nor length/) });
  });
});

describe('executor steps fetch', () => {
  const ok = (body: unknown, status = 200) => (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;

  it('orders steps and refuses malformed ones', () => {
    const steps = parseSteps({ output: { steps: [{ step: 1, topk: [{ id: 2, logit: 0.5 }] }, { step: 0, topk: [{ id: 1, logit: 1 }] }] } });
    expect(steps).toEqual([{ topk: [{ id: 1, logit: 1 }] }, { topk: [{ id: 2, logit: 0.5 }] }]);
    expect(parseSteps({ output: { steps: [{ step: 1, topk: [] }] } })).toBeUndefined(); // a gap
    expect(parseSteps({ output: { steps: [{ step: 0, topk: [{ id: 'x', logit: 1 }] }] } })).toBeUndefined();
    expect(parseSteps({})).toBeUndefined();
    expect(parseSteps(null)).toBeUndefined();
  });

  it('no endpoint, refusals, timeouts: no steps, and says why', async () => {
    expect(await fetchExecutorSteps(undefined, '1', 100)).toEqual({ steps: undefined, source: 'the executor registered no endpoint' });
    expect((await fetchExecutorSteps('http://e', '1', 100, ok({ error: 'not_found' }, 404))).source).toMatch(/answered 404/);
    expect((await fetchExecutorSteps('http://e', '1', 100, ok({ output: {} }))).source).toMatch(/no usable steps/);
    const hang = ((_u: unknown, init?: RequestInit) =>
      new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('timed out'))))) as typeof fetch;
    expect((await fetchExecutorSteps('http://e/', '1', 20, hang)).source).toMatch(/unreachable: timed out/);
    expect((await fetchExecutorSteps('not a url', '1', 20)).source).toMatch(/not a URL/);
  });
});

describe('engine sharing and forged ids', () => {
  it('generation steps and audits take turns on the engine (the generator gates each model run)', async () => {
    const lock = new EngineLock();
    const order: string[] = [];
    const slow = (name: string, ms: number) => lock.run(name, async () => {
      order.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name}:end`);
    });
    const m = await loadModel(await ensureTinyModel(), { threads: 1 });
    try {
      const gen = new EngineGenerator({
        models: { get: () => m },
        threads: 1,
        topKCommit: 4,
        maxBatch: 2,
        gate: (label, fn) => lock.run(label, async () => {
          order.push(`gen:${label}`);
          return fn();
        }),
      });
      let audit2: Promise<void> | undefined;
      const job = gen.generate(spec(1, { prompt: 'hello world', maxTokens: 6 }), { onToken: (ev) => void (ev.step === 1 && (audit2 = slow('audit2', 1))) });
      await Promise.all([slow('audit', 20), job]);
      await audit2;
      // Each audit, queued while the job generates, runs between two of its model runs, never inside one.
      expect(order.slice(0, 4)).toEqual(['gen:prefill', 'audit:start', 'audit:end', 'gen:decode step (1)']);
      const a2 = order.indexOf('audit2:start');
      expect(order[a2 + 1]).toBe('audit2:end');
      expect(order.slice(a2 + 2).some((l) => l.startsWith('gen:decode step'))).toBe(true);
    } finally {
      await m.release();
    }
    await expect(lock.run('x', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await lock.run('y', async () => 1)).toBe(1);
  });

  it('forged ids: same length, never the honest id, a final stop token kept', () => {
    let i = 0;
    const seq = [5, 5, 9, 3, 7, 2];
    const ids = forgeTokenIds([5, 6, 2], 10, new Set([2]), () => seq[i++ % seq.length]!);
    expect(ids).toHaveLength(3);
    expect(ids[0]).not.toBe(5);
    expect(ids[1]).not.toBe(6);
    expect(ids[2]).toBe(2);
  });
});

describe('the weight variant comes from the registered model (config.json weights)', () => {
  let q8: LoadedModel;
  beforeAll(async () => {
    q8 = await loadModel(await ensureTinyModel({ weights: 'q8' }), { threads: 1 });
  });
  afterAll(async () => q8?.release());

  // Distinct numbers per variant, so the test sees which row was used.
  const table = parseToleranceTable({ 'cpu->cpu': { f32: { eps: 0.001, topkTolerance: 0.001 }, q8: { eps: 0.004, topkTolerance: 0.005 } } }, 'test');

  it('a q8 model is checked (honestly: valid) with the q8 row, the f32 model with the tight f32 row', async () => {
    const seen: [string, number, number][] = [];
    for (const [name, m] of [['q8', q8], ['f32', tiny]] as const) {
      const ms = { get: (r: string) => (r === ROOT ? m : undefined) };
      const s = spec(21, { prompt: 'hello world', maxTokens: 8, temperatureMilli: 700, topK: 40, model: ROOT });
      const { view, fetchFn } = posted(s, await new EngineGenerator({ models: ms, threads: 1, topKCommit: 8 }).generate(s));
      const v = await checker(fetchFn, { models: ms, tolerances: table, check: async (mm, c, o) => (seen.push([name, o.eps, o.topkTolerance]), checkClaim(mm, c, o)) }).check(view);
      expect(v.verdict, `${name}: ${v.reason ?? ''}`).toBe('valid');
    }
    expect(seen).toEqual([
      ['q8', 0.004, 0.005],
      ['f32', 0.001, 0.001],
    ]);
  });

  it('no q8 row: a q8 model abstains (not judged with the f32 row); a config that claims q8 for an f32 graph cannot be checked', async () => {
    const ms = { get: (r: string) => (r === ROOT ? q8 : undefined) };
    const s = spec(22, { prompt: 'hello world', maxTokens: 4, temperatureMilli: 0, model: ROOT });
    const { view, fetchFn } = posted(s, await new EngineGenerator({ models: ms, threads: 1, topKCommit: 8 }).generate(s));
    const f32Only = parseToleranceTable({ 'cpu->cpu': { f32: { eps: 0.001, topkTolerance: 0.001 } } }, 'test');
    const v = await checker(fetchFn, { models: ms, tolerances: f32Only }).check(view);
    expect(v.verdict).toBe('abstain');
    expect(v.reason).toMatch(/cpu->cpu with q8 weights/);
    const liar = { ...tiny, dir: tiny.dir, config: { ...tiny.config, weights: 'q8' as const } } as LoadedModel;
    await expect(checker(fetchFn, { models: { get: () => liar }, tolerances: table }).check(view)).rejects.toThrow(/says weights 'q8' but the graph has no MatMulNBits/);
  });
});
