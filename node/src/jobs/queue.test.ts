import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobProcessor } from './processor.js';
import { JobQueue, TransitionError } from './queue.js';
import { FakeChain, FakeGenerator, FakeSubmitter, VALIDATOR, spec } from './testing.js';
import type { JobRecord } from './types.js';

const log = pino({ level: 'silent' });
let dir: string;
let db: Level<string, unknown>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-queue-'));
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

const MODEL = 'a'.repeat(64);

describe('JobQueue state machine', () => {
  it('records assignments idempotently and enforces transitions', async () => {
    const q = new JobQueue(db);
    expect((await q.receive(spec(1))).isNew).toBe(true);
    expect((await q.receive(spec(1))).isNew).toBe(false);
    await expect(q.transition('1', 'submitted')).rejects.toThrow(TransitionError);
    await q.transition('1', 'generating');
    await q.transition('1', 'expired', { reason: 'deadline passed' });
    await expect(q.transition('1', 'generating')).rejects.toThrow(/expired -> generating/);
    // Same attempt again: still expired. A later attempt assigned to us: fresh start.
    expect((await q.receive(spec(1))).record.state).toBe('expired');
    const again = await q.receive(spec(1, { attempt: 2, deadlineHeight: 200 }));
    expect(again.isNew).toBe(true);
    expect(again.record).toMatchObject({ state: 'received', attempt: 2, deadlineHeight: 200 });
    expect(again.record.reason).toBeUndefined();
  });

  it('lists unfinished jobs in numeric id order and persists across reopen', async () => {
    const q = new JobQueue(db);
    for (const id of [10, 9, 100, 2]) await q.receive(spec(id));
    await q.transition('9', 'failed', { reason: 'x' });
    const q2 = await reopen();
    expect((await q2.unfinished()).map((r) => r.id)).toEqual(['2', '10', '100']);
    expect((await q2.get('9'))?.reason).toBe('x');
    expect((await q2.countByState()).failed).toBe(1);
  });
});

describe('JobProcessor', () => {
  it('runs a job to confirmed and submits once', async () => {
    const q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const p = processor(q, chain, new FakeGenerator(new Set([MODEL])), sub);
    chain.assign(spec(1));
    await q.receive(spec(1));
    p.start();
    const r = await until(q, '1', (x) => x.state === 'confirmed');
    await p.stop();
    expect(sub.submissions).toHaveLength(1);
    expect(r.txHash).toBe('TX1');
    expect(r.output?.commitment).toBe('c-1-42');
    expect(r.history.map((h) => h.state)).toEqual(['received', 'generating', 'generated', 'submitting', 'submitted', 'confirmed']);
  });

  it('resumes a generation interrupted by a crash', async () => {
    let q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new FakeGenerator(new Set([MODEL]));
    gen.hang = true;
    chain.assign(spec(1));
    await q.receive(spec(1));
    const p1 = processor(q, chain, gen, sub);
    p1.start();
    await until(q, '1', (x) => x.state === 'generating');
    await p1.stop(20); // "killed" mid-generation
    q = await reopen();
    expect((await q.get('1'))?.state).toBe('generating');
    gen.hang = false;
    const p2 = processor(q, chain, gen, sub);
    p2.start();
    await until(q, '1', (x) => x.state === 'confirmed');
    await p2.stop();
    expect(gen.calls).toBe(2);
    expect(sub.submissions).toHaveLength(1);
  });

  it('never re-submits after a crash between broadcast and bookkeeping', async () => {
    let q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new FakeGenerator(new Set([MODEL]));
    sub.mode = 'hang';
    chain.assign(spec(1));
    await q.receive(spec(1));
    const p1 = processor(q, chain, gen, sub);
    p1.start();
    await until(q, '1', (x) => x.state === 'submitting');
    await p1.stop(20);
    q = await reopen();
    sub.mode = 'ok';
    const p2 = processor(q, chain, gen, sub);
    p2.start();
    const r = await until(q, '1', (x) => x.state === 'confirmed');
    await p2.stop();
    expect(sub.submissions).toHaveLength(1);
    expect(r.submitAttempts).toBe(1);
  });

  it('treats a timeout after inclusion as done, and retries transient failures', async () => {
    const q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    sub.mode = 'throw-after-inclusion';
    chain.assign(spec(1));
    await q.receive(spec(1));
    const p = processor(q, chain, new FakeGenerator(new Set([MODEL])), sub);
    p.start();
    await until(q, '1', (x) => x.state === 'confirmed');
    sub.mode = 'throw';
    chain.assign(spec(2));
    await q.receive(spec(2));
    p.kick();
    await until(q, '2', (x) => x.submitAttempts >= 2 && /connection refused/.test(x.reason ?? ''));
    sub.mode = 'ok';
    await until(q, '2', (x) => x.state === 'confirmed');
    await p.stop();
    expect(sub.submissions.map((s) => s.id)).toEqual(['1', '2']);
  });

  it('expires jobs past their deadline or reassigned, and fails unknown models', async () => {
    const q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new FakeGenerator(new Set([MODEL]));
    chain.height = 150;
    chain.assign(spec(1, { deadlineHeight: 120 }));
    chain.assign(spec(2, { deadlineHeight: 300 }), 'infervaloper1someoneelse');
    chain.assign(spec(3, { deadlineHeight: 300, model: 'b'.repeat(64) }));
    for (const s of [spec(1, { deadlineHeight: 120 }), spec(2, { deadlineHeight: 300 }), spec(3, { deadlineHeight: 300, model: 'b'.repeat(64) })]) await q.receive(s);
    const p = processor(q, chain, gen, sub);
    p.start();
    const r1 = await until(q, '1', (x) => x.state === 'expired');
    const r2 = await until(q, '2', (x) => x.state === 'expired');
    const r3 = await until(q, '3', (x) => x.state === 'failed');
    await p.stop();
    expect(r1.reason).toMatch(/deadline passed/);
    expect(r2.reason).toMatch(/no longer ours/);
    expect(r3.reason).toMatch(/not served/);
    expect(gen.calls).toBe(0);
    expect(sub.submissions).toHaveLength(0);
  });
});
