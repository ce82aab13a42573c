import { describe, expect, it } from 'vitest';
import { TrainingMethod, TrainingStatus, type TrainingJob } from '@inferchain/sdk';
import { trainingSpec } from './chain.js';

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
