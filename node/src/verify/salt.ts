/**
 * Commit-reveal of audit verdicts (DESIGN.md "Verification"): a committee member first commits
 * commit_hash = hex(sha256("inferchain/verdict" ‖ u64be(job_id) ‖ u8(verdict) ‖ salt (32 bytes) ‖ utf8(verifier valoper)))
 * and reveals verdict + salt after the commit phase. The salt is 32 random bytes, generated and persisted before
 * the commit is sent (a restart must reveal with the same salt). Vectors: chain/x/inference/types/testdata/
 * verdict_commit_vectors.json (salt.test.ts checks them).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { VerdictName } from '@inferchain/sdk';

export const VERDICT_DOMAIN = 'inferchain/verdict';

/** The proto enum values (inferchain.inference.v1.Verdict). */
export const VERDICT_CODES: Readonly<Record<VerdictName, number>> = Object.freeze({ valid: 1, fraud: 2, abstain: 3 });

export class SaltError extends Error {
  override name = 'SaltError';
}

const HEX64 = /^[0-9a-f]{64}$/;

/** 32 fresh random bytes as 64 lowercase hex characters. */
export function newSalt(): string {
  return randomBytes(32).toString('hex');
}

export function isSalt(s: string): boolean {
  return HEX64.test(s);
}

/** The bytes hashed by commitHash (exposed for the vector test). */
export function commitPreimage(jobId: string | bigint, verdict: VerdictName | number, salt: string, verifier: string, domain: string = VERDICT_DOMAIN): Buffer {
  const id = BigInt(jobId);
  if (id < 0n || id > 0xffff_ffff_ffff_ffffn) throw new SaltError(`job id ${jobId} is not a uint64`);
  const code = typeof verdict === 'number' ? verdict : VERDICT_CODES[verdict];
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new SaltError(`verdict ${verdict} is not a u8`);
  const s = salt.toLowerCase();
  if (!HEX64.test(s)) throw new SaltError('salt must be 32 bytes as 64 hex characters');
  if (verifier === '') throw new SaltError('verifier (validator operator address) is empty');
  const idBuf = Buffer.alloc(8);
  idBuf.writeBigUInt64BE(id);
  return Buffer.concat([Buffer.from(domain, 'utf8'), idBuf, Buffer.from([code]), Buffer.from(s, 'hex'), Buffer.from(verifier, 'utf8')]);
}

/** hex(sha256(preimage)), lowercase. `domain` separates modules (x/training: TRAINING_VERDICT_DOMAIN). */
export function commitHash(jobId: string | bigint, verdict: VerdictName | number, salt: string, verifier: string, domain: string = VERDICT_DOMAIN): string {
  return createHash('sha256').update(commitPreimage(jobId, verdict, salt, verifier, domain)).digest('hex');
}

/** x/training's verdict commitments: the same layout under its own domain (chain/x/training/types/audit.go). */
export const TRAINING_VERDICT_DOMAIN = 'inferchain/training/verdict';
