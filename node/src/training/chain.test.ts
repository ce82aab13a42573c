import { describe, expect, it } from 'vitest';
import { TrainingMethod, TrainingStatus, type TrainingJob } from '@inferchain/sdk';
import { toBech32 } from '@cosmjs/encoding';
import { mayFetchTrainingState, trainingSpec } from './chain.js';

const job = (method: TrainingMethod, lora: { loraRank: number; loraAlpha: string; loraTargets: string }): TrainingJob => ({
    id: 3n,
    requester: 'infer1r',
    maxFee: { denom: 'uinfer', amount: '1' },
    executor: 'infervaloper1x',
    status: TrainingStatus.TRAINING_STATUS_PENDING,
    createdHeight: 1n,
    childLicense: '',
    recipeHash: '',
    result: undefined,
    statusReason: '',
    baseModel: 'a'.repeat(64),
    datasets: ['d'.repeat(64)],
    method,
    hyperParams: { learningRate: '0.02', steps: 40n, batchSize: 2, seqLen: 64, seed: 7n, checkpointInterval: 10n, ...lora },
    childName: 'c',
    childVersion: '1',
    deadlineHeight: 99n,
});

describe('trainingSpec', () => {
  it('carries the method and the adapter hyper-parameters of a LoRA job to the trainer', () => {
    expect(trainingSpec(job(TrainingMethod.TRAINING_METHOD_LORA, { loraRank: 8, loraAlpha: '16', loraTargets: 'q,k,v,o' })).params).toEqual({
      method: 'lora',
      lora: { rank: 8, alpha: '16', targets: ['q', 'k', 'v', 'o'] },
      learningRate: '0.02',
      steps: 40,
      batchSize: 2,
      seqLen: 64,
      seed: '7',
      checkpointInterval: 10,
    });
  });
  it('a pretrain job reaches the trainer as pretrain (never as full), and an unknown method is refused', () => {
    const p = trainingSpec(job(TrainingMethod.TRAINING_METHOD_PRETRAIN, { loraRank: 0, loraAlpha: '', loraTargets: '' })).params;
    expect(p.method).toBe('pretrain');
    expect(p.lora).toBeUndefined();
    expect(() => trainingSpec(job(99 as TrainingMethod, { loraRank: 0, loraAlpha: '', loraTargets: '' }))).toThrow(expect.objectContaining({ code: 'unsupported_method' }));
  });
  it('a full job has no lora params', () => {
    const p = trainingSpec(job(TrainingMethod.TRAINING_METHOD_FULL, { loraRank: 0, loraAlpha: '', loraTargets: '' })).params;
    expect(p.method).toBe('full');
    expect(p.lora).toBeUndefined();
  });
});

describe('mayFetchTrainingState', () => {
  const bytes = (b: number) => new Uint8Array(20).fill(b);
  const audited = (committee: string[]): TrainingJob => ({ ...job(TrainingMethod.TRAINING_METHOD_FULL, { loraRank: 0, loraAlpha: '', loraTargets: '' }), requester: toBech32('infer', bytes(1)), audit: { committee } as TrainingJob['audit'] });
  it('the requester and committee members (their sidecar account, or the operator key itself) only', async () => {
    const j = audited([toBech32('infervaloper', bytes(2)), toBech32('infervaloper', bytes(3))]);
    const sidecars = new Map([[toBech32('infervaloper', bytes(2)), toBech32('infer', bytes(9))]]);
    const may = (job: TrainingJob | undefined, signer: string) => mayFetchTrainingState(job, signer, async (v) => sidecars.get(v));
    expect(await may(j, toBech32('infer', bytes(1)))).toBe(true); // requester
    expect(await may(j, toBech32('infer', bytes(9)))).toBe(true); // member 2's sidecar
    expect(await may(j, toBech32('infer', bytes(3)))).toBe(true); // member 3's operator key
    expect(await may(j, toBech32('infer', bytes(4)))).toBe(false);
    expect(await may(j, toBech32('infer', bytes(2)).replace(/.$/, 'q'))).toBe(false); // bad checksum
    expect(await may({ ...j, audit: undefined }, toBech32('infer', bytes(9)))).toBe(false);
    expect(await may(undefined, toBech32('infer', bytes(1)))).toBe(false);
    expect(await mayFetchTrainingState(j, toBech32('infer', bytes(9)), async () => Promise.reject(new Error('chain down')))).toBe(false);
  });
});
