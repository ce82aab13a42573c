import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trainingCommitHash, TrainingVerifierDuty, type TrainingAuditView } from './verify-duty.js';
import { TrainingVerifyStore } from './verify-store.js';
import type { CheckOutcome, TrainingAuditJob } from './verify-check.js';

const log = pino({ level: 'silent' });
const ME = 'infervaloper1me';
const OTHER = 'infervaloper1other';
const R = (c: string) => c.repeat(64);
const JOB: TrainingAuditJob = {
  jobId: '5',
  executor: 'infervaloper1exec',
  baseModel: R('a'),
  datasets: [R('d')],
  params: { method: 'full', learningRate: '0.01', steps: 40, batchSize: 2, seqLen: 32, seed: '7', checkpointInterval: 10 },
  checkpointRoot: R('e'),
  interval: 2,
};

describe('trainingCommitHash', () => {
  it('matches the chain (chain/x/training/types/audit_test.go vector)', () => {
    expect(trainingCommitHash('42', 'mismatch', 'ab'.repeat(32), 'infervaloper1abc')).toBe('e31e7d475b39ed2cc589ffbacb59fd534e320a9cf3812e256d0a097f84c21bc5');
  });
});

describe('TrainingVerifierDuty', () => {
  let dir: string;
  let db: Level<string, unknown>;
  let store: TrainingVerifyStore;
  let height: number;
  let view: TrainingAuditView;
  let commits: string[];
  let reveals: { verdict: string; salt: string }[];
  let checks: number;
  let outcome: CheckOutcome;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inferchain-tv-'));
    db = new Level(join(dir, 'db'));
    store = new TrainingVerifyStore(db);
    height = 10;
    view = {
      job: JOB,
      outcome: 'in_progress',
      committee: [ME, OTHER],
      votes: [
        { verifier: ME, commitHash: '', revealed: false },
        { verifier: OTHER, commitHash: '', revealed: false },
      ],
      commitDeadline: 20,
      revealDeadline: 30,
    };
    commits = [];
    reveals = [];
    checks = 0;
    outcome = { verdict: 'mismatch', reason: 'replaying steps (20, 30] does not reproduce committed checkpoint 2', figures: { replayMs: 5, fetchMs: 1 } };
    await store.receive({ jobId: '5', executor: JOB.executor, verifier: ME, interval: 2, commitDeadline: 20, revealDeadline: 30 });
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const duty = () =>
    new TrainingVerifierDuty({
      store,
      chain: { latestHeight: async () => height, getAudit: async () => structuredClone(view) },
      checker: {
        check: async (j) => {
          checks++;
          expect(j.interval).toBe(2);
          return outcome;
        },
      },
      submitter: {
        commit: async (_id, hash) => {
          commits.push(hash);
          view.votes[0]!.commitHash = hash;
          return { txHash: 'C', height };
        },
        reveal: async (_id, verdict, salt) => {
          reveals.push({ verdict, salt });
          view.votes[0]!.revealed = true;
          return { txHash: 'R', height };
        },
      },
      validator: ME,
      log,
      idleMs: 1,
    });

  it('replays once, stores verdict + salt before committing, waits for the reveal phase, reveals once with that salt', async () => {
    const d = duty();
    expect(await d.advance((await store.get('5'))!)).toBe('wait');
    const rec = (await store.get('5'))!;
    expect(rec.state).toBe('committed');
    expect(rec.verdict).toBe('mismatch');
    expect(commits).toEqual([trainingCommitHash('5', 'mismatch', rec.salt!, ME)]);
    expect(reveals).toEqual([]); // the other member has not committed, commit phase open
    expect(rec.history.map((h) => h.state)).toEqual(['received', 'replaying', 'decided', 'committing', 'committed']);

    height = 21; // commit phase over
    expect(await d.advance((await store.get('5'))!)).toBe('done');
    expect(reveals).toEqual([{ verdict: 'mismatch', salt: rec.salt }]);
    expect((await store.get('5'))!.state).toBe('revealed');
    expect(checks).toBe(1);
    expect(commits).toHaveLength(1);
  });

  it('a restart after the commit landed (broadcast answer lost) does not commit again', async () => {
    const d = duty();
    // crash between the broadcast and the transition: simulate a record left in committing with the commit on chain
    const salt = 'cd'.repeat(32);
    const hash = trainingCommitHash('5', 'match', salt, ME);
    await store.transition('5', 'replaying');
    await store.transition('5', 'decided', { verdict: 'match', salt, commitHash: hash });
    await store.transition('5', 'committing');
    view.votes[0]!.commitHash = hash;
    view.votes[1]!.commitHash = R('f'); // everyone committed: reveal phase open
    expect(await d.advance((await store.get('5'))!)).toBe('done');
    expect(commits).toEqual([]);
    expect(reveals).toEqual([{ verdict: 'match', salt }]);
    expect(checks).toBe(0);
  });

  it('misses when the commit deadline passed before our commit', async () => {
    height = 20;
    expect(await duty().advance((await store.get('5'))!)).toBe('done');
    expect((await store.get('5'))!.state).toBe('missed');
    expect(commits).toEqual([]);
  });

  it('ends when the audit concluded without us', async () => {
    view.outcome = 'fraud';
    expect(await duty().advance((await store.get('5'))!)).toBe('done');
    expect((await store.get('5'))!.state).toBe('missed');
  });

  it('a salt once decided is never replaced', async () => {
    await store.transition('5', 'replaying');
    await store.transition('5', 'decided', { verdict: 'match', salt: 'ab'.repeat(32), commitHash: R('1') });
    await expect(store.transition('5', 'committing', { salt: 'cd'.repeat(32) })).rejects.toThrow(/salt is already decided/);
  });
});
