import type { Event as AbciEvent } from '@cosmjs/stargate';
import { inferenceEventTypes, type Job } from '@inferchain/sdk';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { assignmentHandler, decodeJobAssigned, type JobAssignment } from '../jobs/events.js';
import { ChainFollower, websocketUrlOf, type BlockSource } from './follower.js';
import { classifyRejection } from './signer.js';

const ME = 'infer1me';
const VAL = 'infervaloper1me';
const EVENT_JOB_ASSIGNED = inferenceEventTypes.EventJobAssigned;
const log = pino({ level: 'silent' });

function assigned(jobId: number, sidecar: string, attempt = 1): AbciEvent {
  const j = (v: unknown): string => JSON.stringify(v);
  return {
    type: EVENT_JOB_ASSIGNED,
    attributes: [
      { key: 'job_id', value: j(String(jobId)) },
      { key: 'model', value: j('ab'.repeat(32)) },
      { key: 'requester', value: j('infer1req') },
      { key: 'executor', value: j(sidecar === ME ? VAL : 'infervaloper1other') },
      { key: 'sidecar', value: j(sidecar) },
      { key: 'attempt', value: j(attempt) },
      { key: 'deadline_height', value: j('120') },
      { key: 'msg_index', value: '0' },
    ],
  };
}

class FakeSource implements BlockSource {
  height = 5;
  blocks = new Map<number, AbciEvent[]>();
  pending: Job[] = [];
  fetched: number[] = [];
  async latestHeight(): Promise<number> {
    return this.height;
  }
  async blockEvents(h: number): Promise<AbciEvent[]> {
    this.fetched.push(h);
    return this.blocks.get(h) ?? [];
  }
  async pendingJobs(_executor?: string): Promise<Job[]> {
    return this.pending;
  }
}

function follower(source: FakeSource, cursor: { v: number | undefined }, seen: JobAssignment[], pendingCalls: Job[][]): ChainFollower {
  return new ChainFollower({
    source,
    cursor: { get: async () => cursor.v, set: async (h) => void (cursor.v = h) },
    handlers: [
      assignmentHandler({
        sidecar: ME,
        validator: VAL,
        log,
        pendingJobs: (executor) => source.pendingJobs(executor),
        onAssigned: async (a) => void seen.push(a),
        onPending: async (jobs) => void pendingCalls.push(jobs),
      }),
    ],
    log,
    pollIntervalMs: 10,
    reconcileIntervalMs: 0,
  });
}

describe('events', () => {
  it('decodes a typed EventJobAssigned (JSON attribute values)', () => {
    expect(decodeJobAssigned(assigned(7, ME, 2), 33)).toEqual({
      jobId: '7', model: 'ab'.repeat(32), requester: 'infer1req', executor: VAL, sidecar: ME, attempt: 2, deadlineHeight: 120, height: 33,
    });
    expect(decodeJobAssigned({ type: 'transfer', attributes: [] }, 1)).toBeUndefined();
    expect(() => decodeJobAssigned({ type: EVENT_JOB_ASSIGNED, attributes: [{ key: 'job_id', value: '"x"' }] }, 1)).toThrow(/job_id/);
  });
});

describe('ChainFollower', () => {
  it('walks blocks after the cursor, keeps only our assignments, persists and resumes', async () => {
    const src = new FakeSource();
    const cursor = { v: undefined as number | undefined };
    const seen: JobAssignment[] = [];
    const pending: Job[][] = [];
    const f1 = follower(src, cursor, seen, pending);
    await f1.start(); // first start: cursor = current height (5)
    await f1.stop();
    expect(cursor.v).toBe(5);
    src.blocks.set(6, [assigned(1, ME)]);
    src.blocks.set(7, [assigned(2, 'infer1someoneelse'), { type: 'transfer', attributes: [] }]);
    src.blocks.set(8, [assigned(3, ME, 2)]);
    src.height = 8;
    const f2 = follower(src, cursor, seen, pending);
    await f2.start();
    await f2.pass();
    await f2.stop();
    expect(seen.map((a) => [a.jobId, a.attempt, a.height])).toEqual([['1', 1, 6], ['3', 2, 8]]);
    expect(cursor.v).toBe(8);
    expect(pending.length).toBeGreaterThan(0);
    // Restart: nothing replayed.
    src.fetched = [];
    const f3 = follower(src, cursor, seen, pending);
    await f3.start();
    await f3.pass();
    await f3.stop();
    expect(src.fetched).toEqual([]);
    expect(seen).toHaveLength(2);
  });

  it('does not advance the cursor past a block whose handler failed', async () => {
    const src = new FakeSource();
    const cursor = { v: 5 as number | undefined };
    src.blocks.set(6, [assigned(1, ME)]);
    src.height = 6;
    let fail = true;
    const f = new ChainFollower({
      source: src,
      cursor: { get: async () => cursor.v, set: async (h) => void (cursor.v = h) },
      handlers: [
        assignmentHandler({
          sidecar: ME, validator: VAL, log,
          pendingJobs: async () => [],
          onAssigned: async () => { if (fail) throw new Error('db closed'); },
          onPending: async () => {},
        }),
      ],
      log, pollIntervalMs: 10, reconcileIntervalMs: 60_000,
    });
    await f.start();
    await expect(f.pass()).rejects.toThrow('db closed');
    expect(cursor.v).toBe(5);
    fail = false;
    await f.pass();
    await f.stop();
    expect(cursor.v).toBe(6);
  });

  it('derives the websocket URL', () => {
    expect(websocketUrlOf('http://127.0.0.1:26657')).toBe('ws://127.0.0.1:26657/websocket');
    expect(websocketUrlOf('https://rpc.example/')).toBe('wss://rpc.example/websocket');
  });
});

describe('classifyRejection', () => {
  it('maps chain refusals', () => {
    expect(classifyRejection('sdk', 32, 'account sequence mismatch, expected 5, got 4')).toBe('sequence');
    expect(classifyRejection('inference', 11, 'job 3 already has a result: invalid job state')).toBe('already_has_result');
    expect(classifyRejection('inference', 12, 'deadline passed')).toBe('deadline_passed');
    expect(classifyRejection('inference', 6, 'not the assigned sidecar: unauthorized')).toBe('unauthorized');
    expect(classifyRejection('sdk', 13, 'insufficient fee')).toBe('insufficient_funds');
    expect(classifyRejection(undefined, undefined, 'weird')).toBe('other');
  });
});
