import { describe, expect, it } from 'vitest';
import { G_MAX, G_TIERS, gumbelTop2, provablyBelow } from './gumbel-max.js';
import { gumbel, seedKey } from './philox.js';
import { choose, samplingMargin } from './sampler.js';

/** The plain scan the pruned one must equal: every token's exact score, ascending ids, lowest id wins ties. */
function scan(logits: Float32Array, T: number, key: [number, number], step: number): { bestId: number; best: number; second: number } {
  let bestId = -1;
  let best = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const sc = logits[i]! / T + gumbel(key, step, i);
    if (sc > best) {
      second = best;
      best = sc;
      bestId = i;
    } else if (sc > second) second = sc;
  }
  return { bestId, best, second };
}

/** Deterministic pseudo-random rows (xorshift), so a failure reproduces. */
function rows(): { name: string; logits: Float32Array }[] {
  let x = 0x2545f491;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const V = 4096;
  const lm = new Float32Array(V).map(() => (rnd() - 0.5) * 8 + (rnd() < 0.01 ? 12 : 0));
  const flat = new Float32Array(V).fill(1.5);
  const fewTies = new Float32Array(V).map(() => Math.round(rnd() * 4));
  const masked = new Float32Array(V).map((_, i) => (i % 3 === 0 ? -Infinity : rnd() * 3));
  const spiky = new Float32Array(V).map((_, i) => (i === 77 ? 40 : rnd()));
  return [
    { name: 'lm-like', logits: lm },
    { name: 'all equal', logits: flat },
    { name: 'integer ties', logits: fewTies },
    { name: 'masked', logits: masked },
    { name: 'one spike', logits: spiky },
    { name: 'one token', logits: Float32Array.from([0.25]) },
    { name: 'two tokens', logits: Float32Array.from([3, 3]) },
  ];
}

describe('whole-vocabulary Gumbel-max with pruning', () => {
  it('each tier bound is above G at its edge (G grows with u), G_MAX above G at the largest u below 1; u = 1 is never skipped', () => {
    for (const [u, bound] of G_TIERS) expect(-Math.log(-Math.log(u))).toBeLessThan(bound);
    // uniform()'s formula for the two largest Philox integers: 2^53 - 2 gives the largest u below 1, 2^53 - 1 gives 1.
    const uBelow1 = (2 ** 53 - 2 + 0.5) / 2 ** 53;
    expect(uBelow1).toBeLessThan(1);
    expect(-Math.log(-Math.log(uBelow1))).toBeLessThan(G_MAX);
    expect((2 ** 53 - 1 + 0.5) / 2 ** 53).toBe(1);
    expect(-Math.log(-Math.log(1))).toBe(Infinity);
    expect(provablyBelow(-1000, 1, 0)).toBe(false);
    expect(provablyBelow(-1000, uBelow1, 0)).toBe(true);
    expect(provablyBelow(-1, 0.4, 0)).toBe(true);
    expect(provablyBelow(-1, 0.95, 0)).toBe(false);
  });

  it('equals the plain scan (best id, best score, second score, bit for bit) over rows, temperatures, seeds and steps', () => {
    let n = 0;
    for (const { name, logits } of rows()) {
      for (const T of [0.05, 0.3, 0.7, 1, 2, 50]) {
        for (const seed of [0n, 42n, 0xffffffffffffffffn]) {
          for (const step of [0, 1, 31]) {
            const key = seedKey(seed);
            const want = scan(logits, T, key, step);
            const got = gumbelTop2(logits, 0, logits.length, T, key, step);
            expect(got, `${name} T=${T} seed=${seed} step=${step}`).toEqual(want);
            n++;
          }
        }
      }
    }
    expect(n).toBe(7 * 6 * 3 * 3);
  });

  it('choose() and samplingMargin() over the whole vocabulary follow the scan, also at an offset in a batch', () => {
    const { logits } = rows()[0]!;
    const V = logits.length;
    const batch = new Float32Array(3 * V);
    batch.set(logits, V);
    const p = { temperature: 0.8, topK: 0, seed: 9n };
    for (const step of [0, 5]) {
      const want = scan(logits, 0.8, seedKey(9n), step);
      const c = choose(batch, p, step, V, V);
      expect(c).toEqual({ id: want.bestId, score: want.best, margin: want.best - want.second });
      expect(samplingMargin(batch, p, step, want.bestId, V, V)).toBe(want.best - want.second);
      // Another token: its score minus the best (which another token holds).
      const other = (want.bestId + 1) % V;
      expect(samplingMargin(batch, p, step, other, V, V)).toBe(logits[other]! / 0.8 + gumbel(seedKey(9n), step, other) - want.best);
      expect(samplingMargin(batch, p, step, V + 3, V, V)).toBe(-Infinity);
    }
  });
});
