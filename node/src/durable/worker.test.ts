import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SubmitRejectedError } from './broadcast.js';
import { DurableWorker, afterBroadcastFailure, attemptsExhausted, failureKind, isDefiniteRefusal, retryBackoff, type Step } from './worker.js';

const log = pino({ level: 'silent' });
const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

interface Rec {
  id: string;
  left: number;
}

/** A worker over an array; `flaky.fail` makes the next listing throw once. */
class ArrayWorker extends DurableWorker<Rec> {
  constructor(
    records: Rec[],
    private readonly step: (r: Rec, w: ArrayWorker) => Promise<Step>,
    idleMs = 10,
    readonly flaky = { fail: false },
  ) {
    super({
      name: 'test worker',
      what: 'rec',
      unfinished: async () => {
        if (flaky.fail) {
          flaky.fail = false;
          throw new Error('db busy');
        }
        return records.filter((r) => r.left > 0);
      },
      idOf: (r) => r.id,
      log,
      idleMs,
    });
  }
  override advance(r: Rec): Promise<Step> {
    return this.step(r, this);
  }
}

const worker = (records: Rec[], step: (r: Rec, w: ArrayWorker) => Promise<Step>, idleMs = 10): ArrayWorker => new ArrayWorker(records, step, idleMs);

describe('DurableWorker', () => {
  it('advances unfinished records oldest first until they are done, and sleeps when there is nothing to do', async () => {
    const records = [{ id: 'a', left: 2 }, { id: 'b', left: 1 }];
    const order: string[] = [];
    const w = worker(records, async (r) => {
      order.push(r.id);
      r.left--;
      return r.left > 0 ? 'wait' : 'done';
    });
    w.start();
    await until(() => records.every((r) => r.left === 0));
    expect(order).toEqual(['a', 'b', 'a']);
    // Idle (no waiting record): a new record is only seen after a kick.
    records.push({ id: 'c', left: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(order).not.toContain('c');
    w.kick();
    await until(() => order.includes('c'));
    await w.stop();
  });

  it('skips a record asked to wait (later) until its time has come', async () => {
    const records = [{ id: 'a', left: 2 }];
    const seen: number[] = [];
    const w = worker(records, async (r, self) => {
      seen.push(Date.now());
      r.left--;
      if (r.left > 0) self.later(r.id, 120);
      return 'wait';
    });
    w.start();
    await until(() => records[0]!.left === 0);
    await w.stop();
    expect(seen).toHaveLength(2);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(100);
  });

  it('survives a failing pass, and a stop during a step returns after the grace period', async () => {
    const records = [{ id: 'a', left: 1 }];
    const w = worker(
      records,
      async (r) => {
        r.left--;
        return 'done';
      },
      5,
    );
    w.flaky.fail = true;
    w.start();
    await until(() => records[0]!.left === 0);
    await w.stop();

    let release: () => void = () => undefined;
    const slow = worker([{ id: 's', left: 1 }], () => new Promise<Step>((r) => (release = () => r('done'))));
    expect(slow.stopping).toBe(false);
    slow.start();
    await until(() => slow.current === 's');
    const t0 = Date.now();
    await slow.stop(30);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(slow.stopping).toBe(true);
    release();
  });
});

describe('the broadcast-failure policy', () => {
  const rejected = (kind: ConstructorParameters<typeof SubmitRejectedError>[1]) => new SubmitRejectedError(`refused: ${kind}`, kind);

  it('tells definite refusals from what may pass later', () => {
    for (const k of ['already_has_result', 'deadline_passed', 'unauthorized', 'invalid'] as const) expect(isDefiniteRefusal(rejected(k))).toBe(true);
    for (const k of ['other', 'insufficient_funds'] as const) expect(isDefiniteRefusal(rejected(k))).toBe(false);
    expect(isDefiniteRefusal(new Error('socket hang up'))).toBe(false);
    expect(failureKind(rejected('unauthorized'))).toBe('unauthorized');
    expect(failureKind(new Error('timeout'))).toBe('transient');
  });

  it('gives up once the attempt budget is spent, naming the last problem', () => {
    expect(attemptsExhausted(4, 5, 'commit', 'timeout')).toBeUndefined();
    expect(attemptsExhausted(5, 5, 'commit', 'timeout')).toBe('gave up after 5 commit attempts: timeout');
    expect(attemptsExhausted(6, 5, 'submission', undefined)).toBe('gave up after 6 submission attempts: unknown error');
  });

  it('backs off exponentially up to 30 s', () => {
    expect([1, 2, 3, 4].map((a) => retryBackoff(a, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryBackoff(0, 1000)).toBe(1000);
    expect(retryBackoff(20, 1000)).toBe(30_000);
  });

  function failure(over: { recheck?: () => Promise<Step | undefined> } = {}) {
    const calls: string[] = [];
    const later: [string, number][] = [];
    const kinds: string[] = [];
    const run = (e: unknown) =>
      afterBroadcastFailure({ later: (id, ms) => void later.push([id, ms]) }, e, {
        id: '7',
        what: 'commit',
        attempts: 3,
        retryBaseMs: 100,
        log,
        count: (k) => void kinds.push(k),
        recheck: over.recheck ?? (async () => undefined),
        refused: async (r) => {
          calls.push(`refused ${r.kind}`);
          return 'done';
        },
        annotate: async (note) => void calls.push(note),
      });
    return { run, calls, later, kinds };
  }

  it('the chain state decides first, even over a definite refusal', async () => {
    const f = failure({ recheck: async () => 'done' });
    expect(await f.run(rejected('unauthorized'))).toBe('done');
    expect(f.calls).toEqual([]);
    expect(f.kinds).toEqual(['unauthorized']);
  });

  it('a definite refusal ends the record; anything else is noted and retried with backoff', async () => {
    const refused = failure();
    expect(await refused.run(rejected('deadline_passed'))).toBe('done');
    expect(refused.calls).toEqual(['refused deadline_passed']);
    expect(refused.later).toEqual([]);

    const transient = failure();
    expect(await transient.run(new Error('socket hang up'))).toBe('wait');
    expect(transient.calls).toEqual(['commit attempt 3 failed: socket hang up']);
    expect(transient.later).toEqual([['7', 400]]);
    expect(transient.kinds).toEqual(['transient']);

    const funds = failure();
    expect(await funds.run(rejected('insufficient_funds'))).toBe('wait');
    expect(funds.later).toEqual([['7', 400]]);
  });
});
