import { describe, expect, it } from 'vitest';
import { argmaxWithMargin, candidateScores, checkSampling, choose, samplingMargin, topK } from './sampler.js';

describe('topK', () => {
  it('orders by logit then id and handles ties and k >= n', () => {
    const z = Float32Array.from([1, 3, 3, -1, 2]);
    expect(topK(z, 3).map((e) => e.id)).toEqual([1, 2, 4]);
    expect(topK(z, 0).map((e) => e.id)).toEqual([1, 2, 4, 0, 3]);
    expect(topK(z, 10).length).toBe(5);
    expect(topK(z, 2, 1, 3).map((e) => e.id)).toEqual([0, 1]); // window [3,3,-1]
  });
});

describe('choose', () => {
  const z = Float32Array.from([0.5, 2.0, 1.9, -3, 1.0]);

  it('is greedy at temperature 0 with the gap to the runner-up as margin', () => {
    const c = choose(z, { temperature: 0, topK: 0 }, 0);
    expect(c.id).toBe(1);
    expect(c.margin).toBeCloseTo(0.1, 5);
  });

  it('is reproducible from (seed, step) and varies with them', () => {
    const p = { temperature: 1, topK: 0, seed: '12345678901234567890' };
    const a = Array.from({ length: 50 }, (_, s) => choose(z, p, s).id);
    const b = Array.from({ length: 50 }, (_, s) => choose(z, p, s).id);
    expect(a).toEqual(b);
    const other = Array.from({ length: 50 }, (_, s) => choose(z, { ...p, seed: 1n }, s).id);
    expect(other).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(2);
  });

  it('never leaves the top-k candidates', () => {
    for (let s = 0; s < 200; s++) expect([1, 2]).toContain(choose(z, { temperature: 5, topK: 2, seed: 9 }, s).id);
  });

  it('draws from softmax(z/T) (Gumbel-max)', () => {
    const logits = Float32Array.from([0, Math.log(2), Math.log(3)]); // p = 1/6, 2/6, 3/6
    const n = 6000;
    const counts = [0, 0, 0];
    for (let s = 0; s < n; s++) counts[choose(logits, { temperature: 1, topK: 0, seed: 2024 }, s).id]!++;
    expect(counts[0]! / n).toBeCloseTo(1 / 6, 1);
    expect(counts[1]! / n).toBeCloseTo(2 / 6, 1);
    expect(counts[2]! / n).toBeCloseTo(3 / 6, 1);
  });

  it('breaks score ties by lower id', () => {
    expect(argmaxWithMargin([{ id: 5, logit: 1 }, { id: 2, logit: 1 }]).id).toBe(2);
  });

  it('rejects bad parameters with clear messages', () => {
    expect(() => checkSampling({ temperature: -1, topK: 0 })).toThrow(/temperature/);
    expect(() => checkSampling({ temperature: 1, topK: 1.5, seed: 1 })).toThrow(/topK/);
    expect(() => checkSampling({ temperature: 0.7, topK: 0 })).toThrow(/needs a seed/);
  });
});

describe('choose over the whole vocabulary', () => {
  it('matches the candidate-list rule (fast scan == top-k path with k = vocab)', () => {
    const z = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) * 3);
    for (let s = 0; s < 50; s++) {
      const fast = choose(z, { temperature: 0.9, topK: 0, seed: 99 }, s);
      const slow = argmaxWithMargin(candidateScores(topK(z, 0), { temperature: 0.9, topK: 0, seed: 99 }, s));
      expect(fast.id).toBe(slow.id);
      expect(fast.margin).toBeCloseTo(slow.margin, 12);
    }
  });
});

describe('samplingMargin', () => {
  it('is positive exactly for the seeded choice and -Infinity outside the candidates', () => {
    const z = Float32Array.from({ length: 200 }, (_, i) => Math.cos(i * 0.37) * 4);
    for (const topKv of [0, 10]) {
      const p = { temperature: 0.7, topK: topKv, seed: 5 };
      for (let s = 0; s < 20; s++) {
        const c = choose(z, p, s);
        expect(samplingMargin(z, p, s, c.id)).toBeCloseTo(c.margin, 12);
        const other = (c.id + 1) % 200;
        expect(samplingMargin(z, p, s, other)).toBeLessThan(0);
      }
    }
    const far = topK(z, 0).at(-1)!.id;
    expect(samplingMargin(z, { temperature: 1, topK: 10, seed: 1 }, 0, far)).toBe(-Infinity);
  });
});

describe('topK selection', () => {
  it('equals a full sort (logit descending, then id ascending) over rows with ties and infinities', () => {
    let x = 11;
    const rnd = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    for (let t = 0; t < 200; t++) {
      const V = 2 + Math.floor(rnd() * 2000);
      const row = new Float32Array(V).map(() => {
        const r = rnd();
        return r < 0.02 ? -Infinity : r < 0.03 ? Infinity : Math.round(rnd() * (t % 2 === 0 ? 3 : 500)) / 7;
      });
      const sorted = Array.from(row, (logit, id) => ({ id, logit })).sort((a, b) => b.logit - a.logit || a.id - b.id);
      for (const k of [1, 2, 8, 40, 64]) if (k < V) expect(topK(row, k), `row ${t} k ${k}`).toEqual(sorted.slice(0, k));
    }
  });
});
