/**
 * Result commitment: an RFC 6962 Merkle root over the per-step top-k (token id, logit) records of a
 * generation. Encoding pinned in COMMITMENT.md and by the vectors in commitment.test.ts; verifiers
 * recompute it from the records served at /v1/jobs/:id.
 */
import { createHash } from 'node:crypto';
import { merkleRoot } from '@inferchain/sdk';

export interface TopKEntry {
  id: number;
  logit: number;
}

/** One generation step: the k candidates with the largest logits, in the order the engine ranked them. */
export type StepTopK = readonly TopKEntry[];

export class CommitmentError extends Error {
  override name = 'CommitmentError';
}

/** leaf = SHA-256(0x00 ‖ u32be(step) ‖ u32be(k) ‖ k × (u32be(id) ‖ f32be(logit))). */
export function stepLeafBytes(step: number, entries: StepTopK): Buffer {
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new CommitmentError(`step ${step} is not a u32`);
  const buf = Buffer.alloc(1 + 4 + 4 + entries.length * 8);
  buf.writeUInt8(0x00, 0);
  buf.writeUInt32BE(step, 1);
  buf.writeUInt32BE(entries.length, 5);
  entries.forEach((e, i) => {
    if (!Number.isInteger(e.id) || e.id < 0 || e.id > 0xffffffff) throw new CommitmentError(`step ${step}: token id ${e.id} is not a u32`);
    if (Number.isNaN(e.logit)) throw new CommitmentError(`step ${step}: logit of token ${e.id} is NaN`);
    buf.writeUInt32BE(e.id, 9 + i * 8);
    // writeFloatBE rounds to the nearest f32: the engine's logits are f32 already, so this is exact.
    buf.writeFloatBE(e.logit, 13 + i * 8);
  });
  return buf;
}

export function stepLeaf(step: number, entries: StepTopK): Buffer {
  return createHash('sha256').update(stepLeafBytes(step, entries)).digest();
}

/** Hex commitment over all steps (step i = the i-th output token); at least one step. */
export function commitmentRoot(steps: readonly StepTopK[]): string {
  if (steps.length === 0) throw new CommitmentError('a commitment needs at least one step');
  return merkleRoot(steps.map((s, i) => stepLeaf(i, s))).toString('hex');
}

/** Recomputes and compares (for self-checks and verifiers). */
export function verifyCommitment(steps: readonly StepTopK[], commitment: string): boolean {
  return commitmentRoot(steps) === commitment.toLowerCase();
}
