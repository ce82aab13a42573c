import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointProof, forgeCheckpoints } from './checkpoints.js';
import { checkpointRoot } from './train.js';
import { proofProblem, ReplayChecker, WithheldError, type CheckpointFetcher, type TrainingAuditJob } from './verify-check.js';
import type { ReplayCheck } from './replay.js';

const D = ['11', '22', '33', '44'].map((c) => c.repeat(32));
const ROOT = checkpointRoot(D);
const JOB: TrainingAuditJob = {
  jobId: '9',
  executor: 'infervaloper1exec',
  baseModel: 'a'.repeat(64),
  datasets: ['d'.repeat(64)],
  params: { method: 'full', learningRate: '0.01', steps: 40, batchSize: 2, seqLen: 32, seed: '7', checkpointInterval: 10 },
  checkpointRoot: ROOT,
  interval: 2,
};

describe('checkpoint inclusion proofs', () => {
  it('every served digest proves against the root; a forged digest, index or root does not', () => {
    for (let i = 0; i < D.length; i++) expect(proofProblem(checkpointProof('9', { checkpoints: D, checkpointRoot: ROOT }, i), i, 4, ROOT)).toBeUndefined();
    const p = checkpointProof('9', { checkpoints: D, checkpointRoot: ROOT }, 2);
    expect(proofProblem({ ...p, digest: '55'.repeat(32) }, 2, 4, ROOT)).toMatch(/leaf 2/);
    const forged = checkpointProof('9', { checkpoints: forgeCheckpoints(D), checkpointRoot: ROOT }, 2);
    expect(proofProblem({ ...p, digest: forged.digest, leaf: forged.leaf }, 2, 4, ROOT)).toMatch(/does not prove/);
    expect(proofProblem(p, 1, 4, ROOT)).toMatch(/needs 1\/4/);
    expect(proofProblem(p, 2, 4, checkpointRoot(forgeCheckpoints(D)))).toMatch(/does not prove/);
  });

  it('forged digests are other digests, and prove against their own root (what the faulty executor commits)', () => {
    const f = forgeCheckpoints(D);
    expect(f.every((d, i) => d !== D[i] && /^[0-9a-f]{64}$/.test(d))).toBe(true);
    expect(proofProblem(checkpointProof('9', { checkpoints: f, checkpointRoot: checkpointRoot(f) }, 3), 3, 4, checkpointRoot(f))).toBeUndefined();
  });
});

describe('ReplayChecker', () => {
  let dir: string;
  let replays: ReplayCheck[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inferchain-rc-'));
    replays = [];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const served = (digests: string[], root: string, over: Partial<CheckpointFetcher> = {}): CheckpointFetcher => ({
    proof: async (_e, jobId, index) => checkpointProof(jobId, { checkpoints: digests, checkpointRoot: root }, index),
    state: async (_e, _j, step, dest) => writeFile(dest, `state ${step}`),
    ...over,
  });
  const checker = (fetcher: CheckpointFetcher, ok = true, baseDir: string | null = '/base') =>
    new ReplayChecker({
      fetcher,
      inputs: { baseDir: () => baseDir ?? undefined, datasetFiles: async () => ['/data/train.jsonl'] },
      workDir: dir,
      threads: 1,
      verify: async (c) => {
        replays.push(c);
        return ok ? { ok: true, startDigest: c.claimed[c.interval - 1]!, endDigest: c.claimed[c.interval]! } : { ok: false, reason: 'not reproduced', startDigest: 'x', endDigest: 'y' };
      },
    });

  it('MATCH: digests i-1 and i proven, the state at i*K fetched, the interval replayed', async () => {
    const r = await checker(served(D, ROOT)).check(JOB);
    expect(r.verdict).toBe('match');
    expect(replays).toHaveLength(1);
    expect(replays[0]!.interval).toBe(2);
    expect(replays[0]!.claimed[1]).toBe(D[1]);
    expect(replays[0]!.claimed[2]).toBe(D[2]);
    expect(replays[0]!.checkpoint).toMatch(/state-20$/);
  });

  it('MISMATCH when the replay does not reproduce the committed checkpoint', async () => {
    expect((await checker(served(D, ROOT), false).check(JOB)).verdict).toBe('mismatch');
  });

  it('MISMATCH (withheld) when the executor does not serve the state', async () => {
    const r = await checker(served(D, ROOT, { state: async () => Promise.reject(new WithheldError('404')) })).check(JOB);
    expect(r.verdict).toBe('mismatch');
    expect(r.reason).toMatch(/^withheld/);
    expect(replays).toHaveLength(0);
  });

  it('MISMATCH when the served digests are not the committed ones', async () => {
    const r = await checker(served(forgeCheckpoints(D), checkpointRoot(forgeCheckpoints(D)))).check(JOB);
    expect(r.verdict).toBe('mismatch');
    expect(r.reason).toMatch(/does not prove/);
  });

  it('interval 0 starts from the base: no state fetched', async () => {
    const r = await checker(served(D, ROOT, { state: async () => Promise.reject(new Error('must not fetch')) })).check({ ...JOB, interval: 0 });
    expect(r.verdict).toBe('match');
    expect(replays[0]!.checkpoint).toBeUndefined();
  });

  it('ABSTAIN when we do not hold the base model', async () => {
    const r = await checker(served(D, ROOT), true, null).check(JOB);
    expect(r.verdict).toBe('abstain');
    expect(replays).toHaveLength(0);
  });
});
