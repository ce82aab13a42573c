import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Job, JobStatus } from '@inferchain/sdk';
import { ADMISSION_DEFAULTS, JobAdmission, maxConcurrentJobs, measuredGenerator, parseAdmissionConfig, rejectionsFirst, type AdmissionConfig } from './admission.js';
import { jobEventHandler } from './events.js';
import { JobProcessor } from './processor.js';
import { JobQueue } from './queue.js';
import { FakeChain, FakeGenerator, FakeSubmitter, SIDECAR, VALIDATOR, spec } from './testing.js';
import type { JobRecord, JobSpec, JobState } from './types.js';

const MODEL = 'a'.repeat(64);
const log = pino({ level: 'silent' });
const cfg = (over: Partial<AdmissionConfig> = {}): AdmissionConfig => ({ ...ADMISSION_DEFAULTS, blockTimeMs: 1000, initialTokensPerSecond: 10, safetyFactor: 1, reserveBlocks: 2, ...over });
const queued = (n: number, maxTokens = 10, state: JobState = 'received') => Array.from({ length: n }, () => ({ model: MODEL, maxTokens, state }));

describe('admission estimate', () => {
  it('admits what fits before the deadline and rejects the rest as overloaded, naming the numbers', () => {
    const a = new JobAdmission({ config: cfg(), concurrency: 1 });
    // deadline 22 at height 10: (22 - 10 - 2) blocks x 1 s = 10 s; each job 10 tokens at 10 tokens/s = 1 s,
    // plus 1 s to get its result included (one block until measured)
    const job = { model: MODEL, maxTokens: 10, deadlineHeight: 22 };
    expect(a.decide(job, queued(4), 10)).toMatchObject({ admit: true, estimateS: 10, budgetS: 10 });
    const d = a.decide(job, queued(5), 10);
    expect(d.admit).toBe(false);
    if (!d.admit) expect(d.reason).toMatch(/^overloaded: 5 job\(s\) queued ahead; about 12\.0 s needed \(max_tokens 10 at 10\.0 tokens\/s \+ 1\.0 s per result, concurrency 1\), 10\.0 s left before the deadline \(block 22, 1000 ms blocks\)$/);
    // jobs past the engine (generated, submitting...) do not count
    expect(a.decide(job, [...queued(4), ...queued(20, 10, 'submitting'), ...queued(5, 10, 'rejecting')], 10).admit).toBe(true);
    // a measured submission time replaces the block-time guess
    a.observeSubmission(0.5);
    expect(a.decide(job, queued(5), 10)).toMatchObject({ admit: true, estimateS: 9 });
    // a deadline already inside the reserve never fits
    expect(a.decide({ ...job, deadlineHeight: 12 }, [], 10).admit).toBe(false);
  });

  it('uses the measured tokens/s (running estimate per model) and the observed block time', () => {
    let t = 0;
    const a = new JobAdmission({ config: cfg(), concurrency: 1, now: () => t });
    a.observeGeneration(MODEL, 100, 1); // 100 tokens/s
    expect(a.tokensPerSecond(MODEL)).toBe(100);
    a.observeGeneration(MODEL, 50, 1);
    expect(a.tokensPerSecond(MODEL)).toBeCloseTo(0.3 * 50 + 0.7 * 100);
    expect(a.tokensPerSecond('b'.repeat(64))).toBe(10); // another model: the initial value
    a.observeGeneration(MODEL, 0, 1); // nothing measured from an empty output
    expect(a.tokensPerSecond(MODEL)).toBeCloseTo(85);
    a.observeHeight(100);
    t = 4000;
    a.observeHeight(102); // 2 s blocks
    expect(a.blockTimeMs()).toBe(2000);
    t = 4500;
    a.observeHeight(102); // same height: no sample
    expect(a.blockTimeMs()).toBe(2000);
    const est = a.estimate({ model: MODEL, maxTokens: 85, deadlineHeight: 112 }, queued(1, 85), 100);
    expect(est.estimateS).toBeCloseTo(2 * (1 + 2)); // 1 s of generation + one 2 s block for the result, each
    expect(est.budgetS).toBe(20);
  });

  it('concurrency > 1 (engine.maxConcurrentJobs): only a measured batching gain raises the rate; result inclusions stay serial', () => {
    const job = { model: MODEL, maxTokens: 10, deadlineHeight: 22 };
    // 5 jobs (4 ahead): 10 tokens at 10 tokens/s each, 1 s per result; budget 10 s
    expect(new JobAdmission({ config: cfg(), concurrency: 1 }).decide(job, queued(4), 10)).toMatchObject({ admit: true, estimateS: 10 });
    // concurrency 2, nothing measured yet: the generation is not assumed 2x faster (and one result tx at a time)
    const c2 = new JobAdmission({ config: cfg(), concurrency: 2 });
    expect(c2.decide(job, queued(4), 10)).toMatchObject({ admit: true, estimateS: 10 });
    expect(c2.decide(job, queued(5), 10).admit).toBe(false);
    // a rate measured on a job that ran alone is not multiplied by the concurrency (the burst that expired)
    c2.observeGeneration(MODEL, 10, 1, 1);
    expect(c2.tokensPerSecond(MODEL)).toBe(10);
    expect(c2.decide(job, queued(5), 10).admit).toBe(false);
    // measured while 2 generated at once at 8 tokens/s each: the engine does 16 tokens/s
    const b = new JobAdmission({ config: cfg(), concurrency: 2 });
    b.observeGeneration(MODEL, 8, 1, 2);
    expect(b.tokensPerSecond(MODEL)).toBe(16);
    expect(b.decide(job, queued(5), 10)).toMatchObject({ admit: true, estimateS: 6 * (10 / 16 + 1) });
    expect(c2.decide(job, queued(5), 10).admit).toBe(false); // 6 x 2 s at the solo rate
    // sharing beyond the concurrency (a miscount) is capped
    const capped = new JobAdmission({ config: cfg(), concurrency: 2 });
    capped.observeGeneration(MODEL, 8, 1, 5);
    expect(capped.tokensPerSecond(MODEL)).toBe(16);
    expect(maxConcurrentJobs({ threads: 1 })).toBe(1);
    expect(maxConcurrentJobs({ maxConcurrentJobs: 4 })).toBe(4);
    expect(maxConcurrentJobs({ maxConcurrentJobs: 0 })).toBe(1);
  });

  it('past the free rejections of the window it admits (a rejection would cost a miss anyway); disabled admits all', () => {
    const a = new JobAdmission({ config: cfg({ maxRejectionsPerWindow: 3, rejectionWindowBlocks: 10 }), concurrency: 1 });
    const job = { model: MODEL, maxTokens: 10, deadlineHeight: 22 };
    const decideAt = (h: number) => a.decide({ ...job, deadlineHeight: h + 12 }, queued(50), h);
    expect(decideAt(10).admit).toBe(false);
    a.rejected(10);
    expect(decideAt(10).admit).toBe(false);
    a.rejected(10);
    expect(decideAt(11).admit).toBe(true); // 2 used, one kept in hand (the chain's window is not ours)
    expect(decideAt(21).admit).toBe(false); // the window slid past them
    expect(new JobAdmission({ config: cfg({ enabled: false }), concurrency: 1 }).decide(job, queued(50), 10).admit).toBe(true);
  });

  it('config section: defaults, ranges, unknown keys', () => {
    const p: string[] = [];
    expect(parseAdmissionConfig({}, p)).toEqual(ADMISSION_DEFAULTS);
    expect(parseAdmissionConfig({ safetyFactor: 0.5, reserveBlocks: 1.5, bogus: 1, enabled: 'yes' }, p)).toEqual(ADMISSION_DEFAULTS);
    expect(p.join('\n')).toMatch(/admission.bogus: unknown setting/);
    expect(p.join('\n')).toMatch(/admission.safetyFactor: must be a number in \[1, 100\]/);
    expect(p.join('\n')).toMatch(/admission.reserveBlocks: must be an integer/);
    expect(p.join('\n')).toMatch(/admission.enabled: must be true or false/);
  });

  it('measuredGenerator feeds tokens/s; rejectionsFirst orders rejections ahead', async () => {
    const a = new JobAdmission({ config: cfg(), concurrency: 1 });
    let t = 0;
    const gen = new FakeGenerator(new Set([MODEL]));
    const timed = measuredGenerator({ serves: (m) => gen.serves(m), generate: async (s) => ((t += 500), gen.generate(s)) }, a, () => t);
    await timed.generate(spec(1, { prompt: 'abcdefghij', maxTokens: 10 }));
    expect(a.tokensPerSecond(MODEL)).toBe(20); // 10 tokens in 0.5 s
    // two generations at once (the second starts while the first runs): each sample counts the other
    const a2 = new JobAdmission({ config: cfg(), concurrency: 2 });
    const seen: number[] = [];
    const spy = { observeGeneration: (m: string, tokens: number, seconds: number, sharing?: number) => (seen.push(sharing ?? 1), a2.observeGeneration(m, tokens, seconds, sharing)) };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const both = measuredGenerator({ serves: (m) => gen.serves(m), generate: async (s) => (await gate, gen.generate(s)) }, spy, () => t);
    const p1 = both.generate(spec(2, { prompt: 'abcdefghij', maxTokens: 10 }));
    const p2 = both.generate(spec(3, { prompt: 'abcdefghij', maxTokens: 10 }));
    release();
    await Promise.all([p1, p2]);
    expect(seen).toEqual([1.5, 1.5]); // (1 at start + 2 at end) / 2, then (2 + 1) / 2
    const recs = [{ state: 'received' as const, id: 1 }, { state: 'rejecting' as const, id: 2 }, { state: 'generating' as const, id: 3 }];
    expect(rejectionsFirst(recs).map((r) => r.id)).toEqual([2, 1, 3]);
  });
});

describe('admission at intake, through the processor', () => {
  let dir: string;
  let db: Level<string, unknown>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inferchain-admission-'));
    db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
    await db.open();
  });
  afterEach(async () => {
    if (db.status === 'open') await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function burst(batched: boolean, failBatch = false, running = false) {
    const queue = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new FakeGenerator(new Set([MODEL]));
    const admission = new JobAdmission({ config: cfg(), concurrency: 1 });
    // running: the processor is live during intake, its first generation held until the block was taken in
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const held = { serves: (m: string) => gen.serves(m), generate: async (s: JobSpec) => (await gate, gen.generate(s)) };
    if (!running) open();
    const processor = new JobProcessor({ queue, chain, generator: held, submitter: sub, validator: VALIDATOR, log, idleMs: 1, retryBaseMs: 10, skip: (id) => admission.inFlight.has(id) });
    if (running) processor.start();
    const chainJobs = new Map<string, Job>();
    const handler = jobEventHandler({
      queue,
      admission,
      ...(batched ? { rejectMany: (jobs: readonly { job: JobRecord; reason: string }[]) => (failBatch ? Promise.reject(new Error('tx too large')) : sub.rejectMany(jobs)) } : {}),
      chain: { getChainJob: async (id) => chainJobs.get(id), pendingJobs: async () => [] },
      processor,
      sidecar: SIDECAR,
      validator: VALIDATOR,
      log,
    });
    // 12 jobs of 10 tokens at 10 tokens/s (1 s each) + 1 s per result, 10 s before the deadline: 5 fit
    const events = [];
    for (let i = 1; i <= 12; i++) {
      const s = spec(i, { prompt: 'abcdefghij', maxTokens: 10, deadlineHeight: 22, model: MODEL });
      chain.assign(s);
      chainJobs.set(s.id, Job.fromPartial({ id: BigInt(i), model: MODEL, requester: s.requester, prompt: s.prompt, maxTokens: 10, seed: 1n, attempt: 1, deadlineHeight: 22n, executor: VALIDATOR, status: JobStatus.JOB_STATUS_PENDING }));
      events.push({ type: 'EventJobAssigned' as const, value: { jobId: BigInt(i), model: MODEL, requester: s.requester, executor: VALIDATOR, sidecar: SIDECAR, attempt: 1, deadlineHeight: 22n } });
    }
    await handler.onBlockEvents(events as never, 10);
    const afterIntake = await queue.list();
    if (!running) processor.start();
    open();
    const end = Date.now() + 5000;
    while ((await queue.unfinished()).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await processor.stop();
    return { afterIntake, sub, counts: await queue.countByState() };
  }

  it('a burst beyond capacity: the block\'s overloaded jobs are rejected in one transaction at intake, the rest generated, nothing expires', async () => {
    const { afterIntake, sub, counts } = await burst(true);
    expect(afterIntake.filter((r) => r.state === 'rejected').map((r) => r.id)).toEqual(['6', '7', '8', '9', '10', '11', '12']); // before any generation
    expect(sub.batches).toEqual([['6', '7', '8', '9', '10', '11', '12']]);
    expect(sub.rejections[0]!.reason).toMatch(/^overloaded: 5 job\(s\) queued ahead/);
    expect(sub.submissions).toHaveLength(5);
    expect(counts).toMatchObject({ confirmed: 5, rejected: 7, expired: 0, failed: 0 });
  });

  it('a processor already running leaves the batch alone: each overloaded job is rejected exactly once, in the batch', async () => {
    const { sub, counts } = await burst(true, false, true);
    expect(sub.batches).toEqual([['6', '7', '8', '9', '10', '11', '12']]);
    expect(sub.rejections.map((r) => r.id)).toEqual(['6', '7', '8', '9', '10', '11', '12']);
    expect(counts).toMatchObject({ confirmed: 5, rejected: 7, expired: 0, failed: 0 });
  });

  it('without batching, or when the batch fails, the processor rejects them one by one (rejections first)', async () => {
    for (const [batched, fail] of [[false, false], [true, true]] as const) {
      const { afterIntake, sub, counts } = await burst(batched, fail);
      expect(afterIntake.filter((r) => r.state === 'rejecting').map((r) => r.id)).toEqual(['6', '7', '8', '9', '10', '11', '12']);
      expect(sub.batches).toEqual([]);
      expect(sub.rejections.map((r) => r.id)).toEqual(['6', '7', '8', '9', '10', '11', '12']);
      expect(counts).toMatchObject({ confirmed: 5, rejected: 7, expired: 0, failed: 0 });
      await db.clear();
    }
  });
});
