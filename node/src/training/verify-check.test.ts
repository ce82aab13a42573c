import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointProof, forgeCheckpoints } from './checkpoints.js';
import { checkpointRoot } from './train.js';
import { httpCheckpointFetcher, proofProblem, ReplayChecker, WithheldError, type CheckpointFetcher, type TrainingAuditJob } from './verify-check.js';
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

describe('httpCheckpointFetcher: executor endpoints come from chain state', () => {
  const proofBody = JSON.stringify(checkpointProof('9', { checkpoints: D, checkpointRoot: ROOT }, 1));
  let server: Server;
  let base: string;
  let hits = 0;
  beforeEach(async () => {
    hits = 0;
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/v1/training/9/checkpoints/1') return void res.end(proofBody);
      if (req.url === '/v1/training/9/state/10') return void res.end(Buffer.from('state-bytes'));
      if (req.url === '/v1/training/9/checkpoints/2') return void res.end('x'.repeat(2 * 1024 * 1024));
      res.statusCode = 404;
      res.end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
  });

  it('fetches proofs and state from an allowed endpoint', async () => {
    const f = httpCheckpointFetcher(async () => base, { policy: { allowLoopback: true }, attempts: 1 });
    expect((await f.proof('v', '9', 1)).digest).toBe(D[1]);
    const dir = await mkdtemp(join(tmpdir(), 'fetch-'));
    try {
      await f.state('v', '9', 10, join(dir, 's'));
      expect(await readFile(join(dir, 's'), 'utf8')).toBe('state-bytes');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a loopback endpoint unless allowed: withholding at once, nothing requested, no retries', async () => {
    const f = httpCheckpointFetcher(async () => base, { attempts: 5, retryMs: 10_000 });
    const t0 = Date.now();
    await expect(f.proof('v', '9', 1)).rejects.toThrow(WithheldError);
    await expect(f.proof('v', '9', 1)).rejects.toThrow(/loopback address; refused/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(hits).toBe(0);
  });

  it('caps a proof body, and retries a 404 before calling it withheld', async () => {
    const f = httpCheckpointFetcher(async () => base, { policy: { allowLoopback: true }, attempts: 3, retryMs: 1 });
    await expect(f.proof('v', '9', 2)).rejects.toThrow(/over the 1048576-byte limit/);
    hits = 0;
    await expect(f.proof('v', '9', 3)).rejects.toThrow(/HTTP 404/);
    expect(hits).toBe(3);
    await expect(httpCheckpointFetcher(async () => 'not a url').proof('v', '9', 1)).rejects.toThrow(/not a URL/);
    await expect(httpCheckpointFetcher(async () => undefined).proof('v', '9', 1)).rejects.toThrow(/no API endpoint/);
  });
});
