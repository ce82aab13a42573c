import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SaltError, commitHash, commitPreimage, isSalt, newSalt } from './salt.js';

/** The chain engineer's vectors (chain/x/inference/types/testdata), read whatever their exact field naming. */
const CHAIN_VECTORS = fileURLToPath(new URL('../../../chain/x/inference/types/testdata/verdict_commit_vectors.json', import.meta.url));

interface Vector {
  jobId: string;
  verdict: number;
  salt: string;
  verifier: string;
  commitHash: string;
  preimage?: string;
}

function field(o: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

function verdictCode(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v).toUpperCase().replace(/^VERDICT_/, '');
  if (/^\d+$/.test(s)) return Number(s);
  if (s === 'VALID') return 1;
  if (s === 'FRAUD') return 2;
  if (s === 'ABSTAIN') return 3;
  if (s === 'UNSPECIFIED') return 0;
  throw new Error(`unknown verdict ${String(v)}`);
}

function chainVectors(): Vector[] {
  const raw = JSON.parse(readFileSync(CHAIN_VECTORS, 'utf8')) as unknown;
  const list = (Array.isArray(raw) ? raw : ((raw as Record<string, unknown>).vectors ?? (raw as Record<string, unknown>).cases)) as Record<string, unknown>[];
  return list.map((o) => ({
    jobId: String(field(o, 'job_id', 'jobId', 'id')),
    verdict: verdictCode(field(o, 'verdict')),
    salt: String(field(o, 'salt', 'salt_hex', 'saltHex')),
    verifier: String(field(o, 'verifier', 'valoper', 'verifier_valoper')),
    commitHash: String(field(o, 'commit_hash', 'commitHash', 'hash', 'expected')),
    ...(typeof o.preimage === 'string' ? { preimage: o.preimage } : {}),
  }));
}

describe('verdict commit hash', () => {
  it('matches vectors computed independently (python hashlib)', () => {
    expect(commitHash(42n, 'valid', '00'.repeat(32), 'infervaloper1abc')).toBe('4b1946e6be07fe758c04412fb4d6d5c447cabdb04cde60ad8b67838992b04dc8');
    expect(commitHash('18446744073709551615', 'fraud', 'ff'.repeat(32), 'infervaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzz3m9e')).toBe(
      '5b16122d0e33f8e45c5fe9d1f5d820f186fe4149e8eb4d74be1c59b6106eb90e',
    );
    expect(commitHash(7n, 2, Buffer.from([...Array(32).keys()]).toString('hex'), 'infervaloper1xyz')).toBe('0fac31a08ec0552186f97902ce25270431d42f7286ed0534602571020a8ef8c0');
  });

  it('preimage layout: domain, u64be id, u8 verdict, 32 salt bytes, verifier', () => {
    const p = commitPreimage(1n, 'fraud', 'ab'.repeat(32), 'v');
    expect(p.length).toBe(18 + 8 + 1 + 32 + 1);
    expect(p.subarray(0, 18).toString()).toBe('inferchain/verdict');
    expect(p.readBigUInt64BE(18)).toBe(1n);
    expect(p[26]).toBe(2);
    expect(p.subarray(27, 59).toString('hex')).toBe('ab'.repeat(32));
    expect(p.subarray(59).toString()).toBe('v');
    expect(commitPreimage(1n, 'abstain', 'ab'.repeat(32), 'v')[26]).toBe(3);
  });

  it('is case-insensitive in the salt and refuses bad inputs', () => {
    expect(commitHash(1n, 'valid', 'AB'.repeat(32), 'v')).toBe(commitHash(1n, 'valid', 'ab'.repeat(32), 'v'));
    expect(() => commitHash(1n, 'valid', 'ab', 'v')).toThrow(SaltError);
    expect(() => commitHash(-1n, 'valid', 'ab'.repeat(32), 'v')).toThrow(SaltError);
    expect(() => commitHash(2n ** 64n, 'valid', 'ab'.repeat(32), 'v')).toThrow(SaltError);
    expect(() => commitHash(1n, 'valid', 'ab'.repeat(32), '')).toThrow(SaltError);
  });

  it('fresh salts are 32 random bytes', () => {
    const a = newSalt();
    expect(isSalt(a)).toBe(true);
    expect(newSalt()).not.toBe(a);
  });

  it.skipIf(!existsSync(CHAIN_VECTORS))('matches the chain test vectors (verdict_commit_vectors.json)', () => {
    const vectors = chainVectors();
    expect(vectors.length).toBeGreaterThan(0);
    // the chain's ABSTAIN vector is there, and the sidecar's name for code 3 hashes the same
    const abstain = vectors.find((v) => v.verdict === 3);
    expect(abstain).toBeDefined();
    expect(commitHash(abstain!.jobId, 'abstain', abstain!.salt, abstain!.verifier)).toBe(abstain!.commitHash.toLowerCase());
    for (const v of vectors) {
      expect(commitHash(v.jobId, v.verdict, v.salt, v.verifier), JSON.stringify(v)).toBe(v.commitHash.toLowerCase());
      if (v.preimage) expect(commitPreimage(v.jobId, v.verdict, v.salt, v.verifier).toString('hex')).toBe(v.preimage.toLowerCase());
    }
  });
});
