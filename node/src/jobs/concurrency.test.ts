import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerateHooks } from './ports.js';
import { JobProcessor } from './processor.js';
import { JobQueue } from './queue.js';
import { FakeChain, FakeGenerator, FakeSubmitter, VALIDATOR, spec } from './testing.js';
import type { JobOutput, JobRecord, JobSpec } from './types.js';

const log = pino({ level: 'silent' });
const MODEL = 'a'.repeat(64);
let dir: string;
let db: Level<string, unknown>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-concurrency-'));
  db = new Level<string, unknown>(join(dir, 'db'), { valueEncoding: 'json' });
  await db.open();
});
afterEach(async () => {
  if (db.status === 'open') await db.close();
  await rm(dir, { recursive: true, force: true });
});

/** A generator whose generations finish only when released; it records how many run at once. */
class GatedGenerator extends FakeGenerator {
  running = 0;
  maxRunning = 0;
  readonly started: string[] = [];
  private readonly waiters = new Map<string, () => void>();
  readonly failIds = new Set<string>();

  override async generate(s: JobSpec, hooks?: GenerateHooks): Promise<JobOutput> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.started.push(s.id);
    try {
      await new Promise<void>((r) => this.waiters.set(s.id, r));
      if (this.failIds.has(s.id)) throw new Error(`engine exploded on ${s.id}`);
      return await super.generate(s, hooks);
    } finally {
      this.running--;
    }
  }

  release(id: string): boolean {
    const w = this.waiters.get(id);
    this.waiters.delete(id);
    w?.();
    return w !== undefined;
  }

  waiting(): string[] {
    return [...this.waiters.keys()];
  }
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('JobProcessor with maxConcurrentJobs > 1', () => {
  it('runs up to maxConcurrentJobs generations at once; each job settles once, submitted once', async () => {
    const q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new GatedGenerator(new Set([MODEL]));
    for (let i = 1; i <= 5; i++) {
      chain.assign(spec(i));
      await q.receive(spec(i));
    }
    const p = new JobProcessor({ queue: q, chain, generator: gen, submitter: sub, validator: VALIDATOR, log, idleMs: 5, retryBaseMs: 5, maxConcurrentJobs: 3 });
    p.start();
    await until('3 generations in flight', () => gen.waiting().length === 3 || undefined);
    // Never more than 3, and the oldest three first.
    await new Promise((r) => setTimeout(r, 30));
    expect(gen.running).toBe(3);
    expect(gen.started).toEqual(['1', '2', '3']);
    expect(p.generating).toBe(3);
    // The second finishes first: it is submitted while 1 and 3 still generate, and job 4 takes its place.
    gen.release('2');
    await until('job 2 confirmed', async () => (await q.get('2'))?.state === 'confirmed' || undefined);
    await until('job 4 started', () => gen.started.includes('4') || undefined);
    expect((await q.get('1'))?.state).toBe('generating');
    for (const id of ['1', '3', '4']) gen.release(id);
    await until('job 5 started', () => gen.started.includes('5') || undefined);
    gen.release('5');
    const done: JobRecord[] = [];
    for (let i = 1; i <= 5; i++) done.push(await until(`job ${i} confirmed`, async () => ((await q.get(String(i)))?.state === 'confirmed' ? (await q.get(String(i)))! : undefined)));
    await p.stop();
    expect(gen.maxRunning).toBe(3);
    expect(gen.started.sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(sub.submissions.map((s) => s.id).sort()).toEqual(['1', '2', '3', '4', '5']);
    for (const r of done) expect(r.history.map((h) => h.state)).toEqual(['received', 'generating', 'generated', 'submitting', 'submitted', 'confirmed']);
  });

  it('a failing generation fails its job only; the others in flight go on', async () => {
    const q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new GatedGenerator(new Set([MODEL]));
    gen.failIds.add('2');
    for (let i = 1; i <= 3; i++) {
      chain.assign(spec(i));
      await q.receive(spec(i));
    }
    const p = new JobProcessor({ queue: q, chain, generator: gen, submitter: sub, validator: VALIDATOR, log, idleMs: 5, retryBaseMs: 5, maxConcurrentJobs: 4 });
    p.start();
    await until('3 in flight', () => gen.waiting().length === 3 || undefined);
    for (const id of ['2', '1', '3']) gen.release(id);
    const failed = await until('job 2 failed', async () => ((await q.get('2'))?.state === 'failed' ? (await q.get('2'))! : undefined));
    expect(failed.reason).toMatch(/engine exploded on 2/);
    await until('jobs 1 and 3 confirmed', async () => ((await q.get('1'))?.state === 'confirmed' && (await q.get('3'))?.state === 'confirmed') || undefined);
    await p.stop();
    expect(sub.submissions.map((s) => s.id).sort()).toEqual(['1', '3']);
    expect(gen.started.filter((id) => id === '2')).toHaveLength(1);
  });

  it('stop() waits for the generations in flight (within the grace period) and leaves them checkpointed', async () => {
    const q = new JobQueue(db);
    const chain = new FakeChain();
    const sub = new FakeSubmitter(chain);
    const gen = new GatedGenerator(new Set([MODEL]));
    for (let i = 1; i <= 2; i++) {
      chain.assign(spec(i));
      await q.receive(spec(i));
    }
    const p = new JobProcessor({ queue: q, chain, generator: gen, submitter: sub, validator: VALIDATOR, log, idleMs: 5, retryBaseMs: 5, maxConcurrentJobs: 2 });
    p.start();
    await until('2 in flight', () => gen.waiting().length === 2 || undefined);
    const stopped = p.stop(2000);
    gen.release('1');
    gen.release('2');
    await stopped;
    expect(p.generating).toBe(0);
    // Stopping: outputs are checkpointed, the broadcasts are left to the restart.
    expect((await q.get('1'))?.state).toBe('generated');
    expect((await q.get('2'))?.state).toBe('generated');
    expect(sub.submissions).toHaveLength(0);
  });
});
