import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyModel } from '../models/locations.js';
import { verifyInterval } from './replay.js';
import { runInitDigest } from './worker.js';
import { train, type TrainingParams, type TrainOutcome } from './train.js';

const PARAMS: TrainingParams = { method: 'full', learningRate: '0.01', steps: 30, batchSize: 2, seqLen: 64, seed: '11', checkpointInterval: 10 };

describe('replay verification of a committed interval', () => {
  let tmp: string;
  let base: string;
  let data: string;
  let run: TrainOutcome;
  beforeAll(async () => {
    base = await ensureTinyModel();
    tmp = await mkdtemp(join(tmpdir(), 'inferchain-replay-'));
    data = join(tmp, 'data.jsonl');
    await writeFile(data, '{"prompt":"The capital of France is","completion":" Paris."}\n{"text":"Blocks are produced by validators."}\n{"prompt":"Hello world!","completion":" How are you today?"}\n');
    run = await train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, 'child'), workDir: join(tmp, 'work'), params: PARAMS, checkpointsDir: join(tmp, 'ckpt') });
  }, 60_000);
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  const check = (interval: number, claimed: readonly string[], checkpoint = join(tmp, 'ckpt', String(interval * 10))) =>
    verifyInterval({ baseDir: base, datasetFiles: [data], params: PARAMS, claimed, interval, checkpoint, workDir: tmp });

  it('an honest run replays bit-exactly from the base and from a saved state', async () => {
    expect(await check(0, run.checkpoints)).toMatchObject({ ok: true, endDigest: run.checkpoints[0] });
    expect(await check(2, run.checkpoints)).toMatchObject({ ok: true, startDigest: run.checkpoints[1], endDigest: run.checkpoints[2] });
  }, 60_000);

  it('a forged checkpoint is caught, and so is a state that is not the committed one', async () => {
    const forged = [...run.checkpoints];
    forged[1] = 'ab'.repeat(32);
    expect(await check(1, forged)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not reproduce committed checkpoint 1/) });
    // the state offered for step 20 is really the one at step 10
    expect(await check(2, run.checkpoints, join(tmp, 'ckpt', '10'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not committed checkpoint 1/) });
    expect(await check(0, run.checkpoints.slice(1))).toMatchObject({ ok: false, reason: expect.stringMatching(/digests committed/) });
  }, 60_000);
});

const LORA: TrainingParams = { ...PARAMS, steps: 20, method: 'lora', learningRate: '0.02', lora: { rank: 4, alpha: '8', targets: ['q', 'v'] } };

describe('replay verification of a LoRA run', () => {
  let tmp: string;
  let base: string;
  let data: string;
  let run: TrainOutcome;
  beforeAll(async () => {
    base = await ensureTinyModel();
    tmp = await mkdtemp(join(tmpdir(), 'inferchain-replay-lora-'));
    data = join(tmp, 'data.jsonl');
    await writeFile(data, '{"prompt":"The capital of France is","completion":" Paris."}\n{"text":"Blocks are produced by validators."}\n');
    run = await train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, 'child'), workDir: join(tmp, 'work'), params: LORA, checkpointsDir: join(tmp, 'ckpt') });
  }, 60_000);
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  const check = (interval: number, params: TrainingParams = LORA) =>
    verifyInterval({ baseDir: base, datasetFiles: [data], params, claimed: run.checkpoints, interval, checkpoint: join(tmp, 'ckpt', String(interval * 10)), workDir: tmp });

  it('the adapters replay bit-exactly from their seeded init and from a saved state', async () => {
    expect(await check(0)).toMatchObject({ ok: true, endDigest: run.checkpoints[0] });
    expect(await check(1)).toMatchObject({ ok: true, startDigest: run.checkpoints[0], endDigest: run.checkpoints[1] });
  }, 60_000);

  it('a replay under other adapter hyper-parameters does not reproduce the commitment', async () => {
    expect(await check(0, { ...LORA, lora: { ...LORA.lora!, alpha: '16' } })).toMatchObject({ ok: false });
    expect(await check(0, { ...LORA, seed: '12' })).toMatchObject({ ok: false }); // the seed also draws A
  }, 60_000);
});

const PRETRAIN: TrainingParams = { ...PARAMS, method: 'pretrain', steps: 20 };

describe('replay verification of a pretrain run', () => {
  let tmp: string;
  let base: string;
  let data: string;
  let honest: TrainOutcome;
  let stolen: TrainOutcome;
  let otherSeed: TrainOutcome;
  beforeAll(async () => {
    base = await ensureTinyModel();
    tmp = await mkdtemp(join(tmpdir(), 'inferchain-replay-pretrain-'));
    data = join(tmp, 'data.jsonl');
    await writeFile(data, '{"prompt":"The capital of France is","completion":" Paris."}\n{"text":"Blocks are produced by validators."}\n');
    const go = (name: string, params: TrainingParams) =>
      train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, name, 'child'), workDir: join(tmp, name, 'work'), params, checkpointsDir: join(tmp, name, 'ckpt') });
    honest = await go('honest', PRETRAIN);
    // executors that skip the from-scratch init: one starts from the template's own weights (a fine-tune of the
    // architecture sold as a pretrain), one from another init (here: another seed's)
    stolen = await go('stolen', { ...PRETRAIN, method: 'full' });
    otherSeed = await go('other', { ...PRETRAIN, seed: '12' });
  }, 120_000);
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  const check = (claimed: readonly string[], interval: number, run = 'honest') =>
    verifyInterval({ baseDir: base, datasetFiles: [data], params: PRETRAIN, claimed, interval, checkpoint: join(tmp, run, 'ckpt', String(interval * 10)), workDir: tmp });

  it('an honest pretrain replays bit-exactly from the seeded init (checkpoint 0) and from a saved state', async () => {
    const r = await check(honest.checkpoints, 0);
    expect(r).toMatchObject({ ok: true, startDigest: honest.initDigest, endDigest: honest.checkpoints[0] });
    expect(await runInitDigest({ baseDir: base, method: 'pretrain', seed: PRETRAIN.seed, threads: 1 })).toBe(r.startDigest);
    expect(await check(honest.checkpoints, 1)).toMatchObject({ ok: true, startDigest: honest.checkpoints[0], endDigest: honest.checkpoints[1] });
  }, 60_000);

  it('an executor that started from other weights is caught at interval 0 (MISMATCH, not reproduced from the seeded init)', async () => {
    for (const r of [stolen, otherSeed]) {
      expect(await check(r.checkpoints, 0)).toMatchObject({ ok: false, startDigest: honest.initDigest, reason: expect.stringMatching(/from the seeded init of seed 11 .*does not reproduce committed checkpoint 0/) });
    }
    // a later interval only ties the run to its own committed states: interval 0 is what ties it to the init
    expect(await check(stolen.checkpoints, 1, 'stolen')).toMatchObject({ ok: true });
  }, 60_000);
});
