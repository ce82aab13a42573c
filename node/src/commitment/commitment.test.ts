import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CommitmentError, commitmentRoot, stepLeafBytes, verifyCommitment, type StepTopK } from './commitment.js';

const sha = (...parts: (string | Buffer)[]): Buffer =>
  parts.reduce((h, p) => h.update(typeof p === 'string' ? Buffer.from(p, 'hex') : p), createHash('sha256')).digest();

const ONE: StepTopK[] = [[{ id: 1, logit: 1.5 }]];
const THREE: StepTopK[] = [
  [
    { id: 1, logit: 1.5 },
    { id: 7, logit: -2.25 },
  ],
  [{ id: 3, logit: 0 }],
  [{ id: 4294967295, logit: 3.4028234663852886e38 }],
];

// Pinned: any change here is a consensus-visible change for verifiers (see COMMITMENT.md).
export const VECTORS: { steps: StepTopK[]; root: string }[] = [
  { steps: ONE, root: '09c6c548a142c33b90e2180c02370738dc4180860783e57b38ec97f3037b80ee' },
  { steps: THREE, root: '42b09f6f6da3644db94531bc6226f129e929198a7bf395c5068eed5c8ded7729' },
];

describe('commitment', () => {
  it('encodes a leaf byte for byte', () => {
    // 0x00 | step 0 | k=2 | id 1, 1.5f = 0x3fc00000 | id 7, -2.25f = 0xc0100000
    expect(stepLeafBytes(0, THREE[0]!).toString('hex')).toBe('00' + '00000000' + '00000002' + '00000001' + '3fc00000' + '00000007' + 'c0100000');
    expect(stepLeafBytes(2, THREE[2]!).toString('hex')).toBe('00' + '00000002' + '00000001' + 'ffffffff' + '7f7fffff');
  });

  it('builds the RFC 6962 tree (3 leaves: (l0,l1),l2)', () => {
    const l = THREE.map((s, i) => sha(stepLeafBytes(i, s)));
    const expected = sha('01', sha('01', l[0]!, l[1]!), l[2]!).toString('hex');
    expect(commitmentRoot(THREE)).toBe(expected);
    expect(commitmentRoot(ONE)).toBe(sha(stepLeafBytes(0, ONE[0]!)).toString('hex'));
  });

  it('matches the pinned vectors', () => {
    for (const v of VECTORS) expect(commitmentRoot(v.steps)).toBe(v.root);
    expect(verifyCommitment(THREE, VECTORS[1]!.root.toUpperCase())).toBe(true);
  });

  it('is sensitive to order, ids and logits', () => {
    const base = commitmentRoot(THREE);
    expect(commitmentRoot([THREE[1]!, THREE[0]!, THREE[2]!])).not.toBe(base);
    expect(commitmentRoot([[{ id: 1, logit: 1.5 }, { id: 7, logit: -2.25000024 }], THREE[1]!, THREE[2]!])).not.toBe(base);
  });

  it('refuses empty, NaN and out-of-range input', () => {
    expect(() => commitmentRoot([])).toThrow(CommitmentError);
    expect(() => commitmentRoot([[{ id: 1, logit: NaN }]])).toThrow(/NaN/);
    expect(() => commitmentRoot([[{ id: -1, logit: 0 }]])).toThrow(/u32/);
  });
});
