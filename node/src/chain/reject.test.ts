import { Job, JobStatus, MsgRejectJob, createInferchainRegistry, inferenceTypeUrls } from '@inferchain/sdk';
import { describe, expect, it } from 'vitest';
import { rejectedBy } from '../jobs/ports.js';
import { spec } from '../jobs/testing.js';
import type { JobRecord } from '../jobs/types.js';
import { jobView } from './client.js';
import { ChainSubmitter, classifyRejection } from './signer.js';

const VALOPER = 'infervaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzz3m9e';
const REASON = "prompt_too_long: prompt is 2100 tokens; the model's context is 2048 with max_tokens 64";

function record(id: number): JobRecord {
  const now = new Date().toISOString();
  return { ...spec(id), state: 'rejecting', rejection: REASON, submitAttempts: 1, receivedAt: now, updatedAt: now, history: [] };
}

describe('MsgRejectJob on the sidecar side', () => {
  it('is in the sidecar registry and round-trips as Any', () => {
    const registry = createInferchainRegistry();
    const value = ChainSubmitter.rejectMessage('infer1car', record(7), REASON);
    expect(value).toEqual(MsgRejectJob.fromPartial({ sidecar: 'infer1car', jobId: 7n, reason: REASON }));
    const any = registry.encodeAsAny({ typeUrl: inferenceTypeUrls.MsgRejectJob, value });
    expect(any.typeUrl).toBe('/inferchain.inference.v1.MsgRejectJob');
    expect(registry.decode(any)).toEqual(value);
    expect(registry.lookupType('/inferchain.inference.v1.MsgRejectJobResponse')).toBeDefined();
  });

  it("the job view carries status_reason, so the processor can tell our rejection from a deadline refund", () => {
    const refunded = (statusReason: string) =>
      jobView(Job.fromPartial({ id: 7n, status: JobStatus.JOB_STATUS_REFUNDED, executor: VALOPER, attempt: 1, deadlineHeight: 30n, statusReason }));
    expect(refunded(`rejected by executor ${VALOPER}: ${REASON}`)).toMatchObject({ status: 'refunded', statusReason: `rejected by executor ${VALOPER}: ${REASON}` });
    expect(rejectedBy(refunded(`rejected by executor ${VALOPER}: ${REASON}`), VALOPER)).toBe(true);
    expect(rejectedBy(refunded(`rejected by executor infervaloper1other: ${REASON}`), VALOPER)).toBe(false);
    expect(rejectedBy(refunded('no executor answered after 3 attempts'), VALOPER)).toBe(false);
    const pending = jobView(Job.fromPartial({ id: 7n, status: JobStatus.JOB_STATUS_PENDING, executor: VALOPER, attempt: 1, deadlineHeight: 30n }));
    expect(pending.statusReason).toBeUndefined();
    expect(rejectedBy(pending, VALOPER)).toBe(false);
  });

  it("classifies the chain's refusals of a rejection like those of a result", () => {
    expect(classifyRejection('inference', 11, 'job_id: job 7 was refunded (rejected by executor x: prompt_too_long): invalid job state')).toBe('invalid');
    expect(classifyRejection('inference', 12, 'job_id: job 7: deadline passed at height 30 (now 31)')).toBe('deadline_passed');
    expect(classifyRejection('inference', 6, 'sidecar: infer1x is not the account of the assigned executor')).toBe('unauthorized');
    expect(classifyRejection('inference', 2, 'reason: must not be empty')).toBe('invalid');
    expect(classifyRejection('inference', 5, 'job_id: job 7 already has a result: duplicate')).toBe('already_has_result');
  });
});
