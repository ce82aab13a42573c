import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextOverflowError } from '../engine/limits.js';
import { unrunnable } from './engine-generator.js';
import { UnrunnableJobError, rejectedBy } from './ports.js';
import { JobProcessor } from './processor.js';
import { JobQueue } from './queue.js';
import { FakeChain, FakeGenerator, FakeSubmitter, VALIDATOR, spec } from './testing.js';
import type { JobRecord } from './types.js';

const log = pino({ level: 'silent' });
const MODEL = 'a'.repeat(64);
const LONG = 'x'.repeat(40);
let dir: string;
let db: Level<string, unknown>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-reject-'));
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
});
afterEach(async () => {
  if (db.status === 'open') await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function reopen(): Promise<JobQueue> {
  await db.close();
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
  return new JobQueue(db);
}

function processor(queue: JobQueue, chain: FakeChain, gen: FakeGenerator, sub: FakeSubmitter): JobProcessor {
  return new JobProcessor({ queue, chain, generator: gen, submitter: sub, validator: VALIDATOR, log, idleMs: 10, retryBaseMs: 10 });
}

async function until(queue: JobQueue, id: string, pred: (r: JobRecord) => boolean, ms = 5000): Promise<JobRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await queue.get(id);
    if (r && pred(r)) return r;
    if (Date.now() > end) throw new Error(`job ${id} stuck in ${r?.state}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** A fake chain, a generator whose context holds 16 "tokens", and job 1 with a 40-token prompt assigned to us. */
async function setup() {
  const q = new JobQueue(db);
  const chain = new FakeChain();
  const sub = new FakeSubmitter(chain);
  const gen = new FakeGenerator(new Set([MODEL]));
  gen.context = 16;
  chain.assign(spec(1, { prompt: LONG }));
  await q.receive(spec(1, { prompt: LONG }));
  return { q, chain, sub, gen };
}

const REASON = "prompt_too_long: prompt is 40 tokens; the model's context is 16 with max_tokens 4";

describe('rejecting jobs no executor can run', () => {
  it('prompt too long: exactly one MsgRejectJob, then the job is rejected with the reason', async () => {
    const { q, chain, sub, gen } = await setup();
    const p = processor(q, chain, gen, sub);
    p.start();
    const r = await until(q, '1', (x) => x.state === 'rejected');
    await p.stop();
    expect(sub.rejections).toEqual([{ id: '1', reason: REASON }]);
    expect(sub.submissions).toHaveLength(0);
    expect(r).toMatchObject({ state: 'rejected', rejection: REASON, reason: REASON, txHash: 'RJ1', submitAttempts: 1 });
    expect(r.history.map((h) => h.state)).toEqual(['received', 'generating', 'rejecting', 'rejected']);
    expect(rejectedBy(await chain.getJob('1'), VALIDATOR)).toBe(true);
    expect((await q.countByState()).rejected).toBe(1);
    expect(await q.unfinished()).toEqual([]);
  });

  it('restart after the rejection landed but before it was recorded: no second MsgRejectJob', async () => {
    let { q, chain, sub, gen } = await setup();
    sub.mode = 'hang'; // the tx is included, then the process dies before hearing back
    const p1 = processor(q, chain, gen, sub);
    p1.start();
    await until(q, '1', (x) => x.state === 'rejecting');
    await new Promise((r) => setTimeout(r, 50));
    await p1.stop(20);
    expect(sub.rejections).toHaveLength(1);
    q = await reopen();
    expect((await q.get('1'))?.state).toBe('rejecting');
    sub.mode = 'ok';
    const p2 = processor(q, chain, gen, sub);
    p2.start();
    const r = await until(q, '1', (x) => x.state === 'rejected');
    await p2.stop();
    expect(sub.rejections).toHaveLength(1);
    expect(r.submitAttempts).toBe(1);
    expect(r.history.at(-1)).toMatchObject({ state: 'rejected', note: 'our rejection is on chain' });
    expect(gen.calls).toBe(1);
  });

  it('restart after `rejecting` was persisted but before the broadcast: rejects once, from the stored reason', async () => {
    let { q, chain, sub, gen } = await setup();
    await q.transition('1', 'generating');
    await q.transition('1', 'rejecting', { rejection: REASON }); // then the process died
    q = await reopen();
    const p = processor(q, chain, gen, sub);
    p.start();
    const r = await until(q, '1', (x) => x.state === 'rejected');
    await p.stop();
    expect(sub.rejections).toEqual([{ id: '1', reason: REASON }]);
    expect(gen.calls).toBe(0); // the reason was persisted: no need to run the engine again
    expect(r.submitAttempts).toBe(2);
  });

  it('retries a transient broadcast failure, and a timeout after inclusion counts as done', async () => {
    const { q, chain, sub, gen } = await setup();
    sub.mode = 'throw';
    const p = processor(q, chain, gen, sub);
    p.start();
    await until(q, '1', (x) => x.state === 'rejecting' && x.submitAttempts >= 2 && /connection refused/.test(x.reason ?? ''));
    sub.mode = 'throw-after-inclusion';
    const r = await until(q, '1', (x) => x.state === 'rejected');
    await p.stop();
    expect(sub.rejections).toHaveLength(1);
    expect(r.rejection).toBe(REASON);
  });

  it('a rejecting job that is no longer ours or past its deadline expires without broadcasting', async () => {
    let { q, chain, sub, gen } = await setup();
    await q.transition('1', 'generating');
    await q.transition('1', 'rejecting', { rejection: REASON });
    chain.height = 200; // deadline 100
    q = await reopen();
    const p = processor(q, chain, gen, sub);
    p.start();
    const r = await until(q, '1', (x) => x.state === 'expired');
    await p.stop();
    expect(r.reason).toMatch(/deadline passed/);
    expect(sub.rejections).toHaveLength(0);
  });

  it('other generation errors still fail the job locally (the chain reassigns it at the deadline)', async () => {
    const { q, chain, sub, gen } = await setup();
    gen.context = Infinity;
    gen.generate = async () => {
      throw new Error('onnxruntime: CUDA out of memory');
    };
    const p = processor(q, chain, gen, sub);
    p.start();
    const r = await until(q, '1', (x) => x.state === 'failed');
    await p.stop();
    expect(r.reason).toMatch(/generation failed: onnxruntime: CUDA out of memory/);
    expect(sub.rejections).toHaveLength(0);
    expect((await chain.getJob('1'))?.status).toBe('pending');
  });
});

describe('engine errors that make a job unrunnable', () => {
  it("maps a ContextOverflowError against the model's own context to prompt_too_long", () => {
    const e = unrunnable(new ContextOverflowError(2100, 2048), 2048, 64);
    expect(e).toBeInstanceOf(UnrunnableJobError);
    expect(e?.reason).toBe("prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64");
  });

  it("does not reject when only this sidecar's configured cap is exceeded, nor for other errors", () => {
    expect(unrunnable(new ContextOverflowError(3000, 2048), 8192, 64)).toBeUndefined();
    expect(unrunnable(new Error('boom'), 2048, 64)).toBeUndefined();
    expect(unrunnable(new RangeError('maxTokens must be an integer >= 1'), 2048, 64)).toBeUndefined();
  });
});
