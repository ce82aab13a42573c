import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SubmitRejectedError } from '../durable/broadcast.js';
import { ensureTinyModel } from '../models/locations.js';
import { TrainingDuty, type ChainTrainingView, type TrainingResultMsg } from './duty.js';
import { TrainingStore, type TrainingSpec } from './store.js';
import { checkpointRoot, type TrainJob, type TrainOutcome } from './train.js';
import { forgeCheckpoints } from './checkpoints.js';

const log = pino({ level: 'silent' });
const ME = 'infervaloper1me';
const R = (c: string) => c.repeat(64);
const SPEC: TrainingSpec = {
  id: '3',
  baseModel: R('a'),
  datasets: [R('d')],
  params: { method: 'full', learningRate: '0.01', steps: 20, batchSize: 2, seqLen: 32, seed: '7', checkpointInterval: 10 },
  childName: 'tiny-ft',
  childVersion: '1',
  deadlineHeight: 100,
};

function fakeOutcome(): TrainOutcome {
  return { childRoot: R('c'), files: [{ path: 'model.onnx', size: 10n, root: R('f') }], totalBytes: 10n, checkpointRoot: R('e'), checkpoints: [R('1'), R('2')], lossBefore: 5, lossAfter: 0.5, examples: 4, truncated: 0, wallMs: 3, phaseMs: {} };
}

describe('TrainingDuty', () => {
  let dir: string;
  let db: Level<string, unknown>;
  let store: TrainingStore;
  let view: ChainTrainingView | undefined;
  let sent: TrainingResultMsg[];
  let submit: (m: TrainingResultMsg) => Promise<{ txHash: string }>;
  let trainCalls: TrainJob[];
  let children: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inferchain-duty-'));
    db = new Level(join(dir, 'db'));
    store = new TrainingStore(db);
    view = { status: 'pending', executor: ME, deadlineHeight: 100 };
    sent = [];
    trainCalls = [];
    children = [];
    submit = async (m) => {
      sent.push(m);
      view = { status: 'completed', executor: ME, deadlineHeight: 100, childModel: m.childContentRoot };
      return { txHash: 'TX' };
    };
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const duty = (over: Partial<ConstructorParameters<typeof TrainingDuty>[0]> = {}) =>
    new TrainingDuty({
      store,
      chain: { getTrainingJob: async () => view, getHeight: async () => 50 },
      submitter: { submitTrainingResult: (m) => submit(m) },
      inputs: { baseDir: (r) => (r === R('a') ? '/base' : undefined), datasetFiles: async () => ['/data.jsonl'] },
      validator: ME,
      dir,
      threads: 1,
      log,
      retryBaseMs: 1,
      onChild: async (root) => void children.push(root),
      train: async (job) => {
        trainCalls.push(job);
        return fakeOutcome();
      },
      ...over,
    });

  it('trains, submits exactly once with the committed roots, confirms and hands the child over', async () => {
    await store.receive(SPEC);
    const d = duty();
    expect(await d.advance((await store.get('3'))!)).toBe('done');
    expect(trainCalls).toHaveLength(1);
    expect(trainCalls[0]).toMatchObject({ baseDir: '/base', datasetFiles: ['/data.jsonl'], params: SPEC.params, threads: 1, checkpointsDir: join(dir, 'work', '3', 'checkpoints') });
    // the graph cache is keyed by the job's (verified) base root, not by the path it was found at
    expect(trainCalls[0]!.artifactsCache).toEqual({ dir: join(dir, 'cache', 'artifacts'), baseRoot: SPEC.baseModel });
    expect(sent).toEqual([{ jobId: '3', childContentRoot: R('c'), files: [{ path: 'model.onnx', size: '10', root: R('f') }], checkpointRoot: R('e'), checkpointInterval: 10, finalLoss: '0.500000', initialLoss: '5.000000' }]);
    const rec = (await store.get('3'))!;
    expect(rec.state).toBe('confirmed');
    expect(rec.txHash).toBe('TX');
    expect(children).toEqual([R('c')]);
    expect(await store.receive(SPEC)).toMatchObject({ isNew: false }); // replayed event: nothing new
  });

  it('faults.training.forgeCheckpoint: posts forged digests and their root (the stored output is what it serves)', async () => {
    await store.receive(SPEC);
    expect(await duty({ forgeCheckpoint: true }).advance((await store.get('3'))!)).toBe('done');
    const forged = forgeCheckpoints(fakeOutcome().checkpoints);
    expect(sent[0]!.checkpointRoot).toBe(checkpointRoot(forged));
    expect(sent[0]!.checkpointRoot).not.toBe(R('e'));
    expect((await store.get('3'))!.output!.checkpoints).toEqual(forged);
  });

  it('resumes a crash after the broadcast landed without broadcasting again', async () => {
    await store.receive(SPEC);
    await store.transition('3', 'training');
    await store.transition('3', 'trained', { output: { childRoot: R('c'), files: [], checkpointRoot: R('e'), checkpoints: [], lossBefore: 5, lossAfter: 0.5, wallMs: 1, dir: '/x' } });
    await store.transition('3', 'submitting'); // crashed here, but the tx landed:
    view = { status: 'completed', executor: ME, deadlineHeight: 100, childModel: R('c') };
    await duty().advance((await store.get('3'))!);
    expect(sent).toHaveLength(0);
    expect((await store.get('3'))!.state).toBe('confirmed');
    expect(children).toEqual([R('c')]);
  });

  it('retries a transient broadcast failure, and a definite refusal ends the job failed', async () => {
    await store.receive(SPEC);
    let calls = 0;
    submit = async (m) => {
      if (++calls === 1) throw new Error('socket hang up');
      sent.push(m);
      return { txHash: 'TX2' };
    };
    const d = duty();
    expect(await d.advance((await store.get('3'))!)).toBe('wait');
    expect((await store.get('3'))!.state).toBe('submitting');
    await new Promise((r) => setTimeout(r, 5));
    expect(await d.advance((await store.get('3'))!)).toBe('done');
    expect(calls).toBe(2);
    expect(trainCalls).toHaveLength(1); // not trained again
    expect((await store.get('3'))!).toMatchObject({ state: 'confirmed', submitAttempts: 2 });

    await store.receive({ ...SPEC, id: '4' });
    submit = async () => {
      throw new SubmitRejectedError('invalid field', 'invalid');
    };
    await duty().advance((await store.get('4'))!);
    expect((await store.get('4'))!).toMatchObject({ state: 'failed', reason: expect.stringMatching(/chain refused/) });
  });

  it('does not train a job that is not ours, refunded, past its deadline, or whose base it does not hold', async () => {
    const cases: [string, ChainTrainingView | undefined, string, RegExp][] = [
      ['10', { status: 'pending', executor: 'infervaloper1other', deadlineHeight: 100 }, 'expired', /not to us/],
      ['11', { status: 'refunded', executor: ME, deadlineHeight: 100 }, 'expired', /refunded/],
      ['12', { status: 'pending', executor: ME, deadlineHeight: 10 }, 'expired', /deadline/],
      ['13', undefined, 'expired', /no such/],
    ];
    for (const [id, v, state, why] of cases) {
      view = v;
      await store.receive({ ...SPEC, id });
      await duty().advance((await store.get(id))!);
      expect(await store.get(id)).toMatchObject({ state, reason: expect.stringMatching(why) });
    }
    view = { status: 'pending', executor: ME, deadlineHeight: 100 };
    await store.receive({ ...SPEC, id: '14', baseModel: R('b') });
    await duty().advance((await store.get('14'))!);
    expect(await store.get('14')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/not served/) });
    expect(trainCalls).toHaveLength(0);
    expect(sent).toHaveLength(0);
  });

  it('runs the real trainer on the tiny model end to end', async () => {
    const base = await ensureTinyModel();
    const data = join(dir, 'data.jsonl');
    await writeFile(data, '{"prompt":"The capital of France is","completion":" Paris."}\n{"text":"Hello world! How are you today?"}\n');
    await store.receive(SPEC);
    const d = duty({ inputs: { baseDir: () => base, datasetFiles: async () => [data] }, train: undefined });
    const spy = vi.fn(submit);
    submit = spy;
    await d.advance((await store.get('3'))!);
    const rec = (await store.get('3'))!;
    expect(rec.state).toBe('confirmed');
    expect(rec.output!.checkpoints).toHaveLength(2);
    expect(rec.output!.lossAfter).toBeLessThan(rec.output!.lossBefore);
    expect(spy).toHaveBeenCalledTimes(1);
  }, 60_000);
});
