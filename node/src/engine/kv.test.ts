import { describe, expect, it } from 'vitest';
import type { LlamaArch } from './graph/types.js';
import { KvArena } from './kv.js';

const arch: LlamaArch = { architecture: 'llama', vocabSize: 10, hiddenSize: 8, intermediateSize: 8, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 3, ropeTheta: 1e4, rmsNormEps: 1e-5, contextLength: 64 };

/** Writes value f(slot, layer, head, dim, pos) at every cached position, in the graph's layouts. */
function fill(a: KvArena, slot: number, len: number, f: (l: number, h: number, d: number, p: number) => number): void {
  const { numKvHeads: nkv, headDim: hd } = arch;
  const c = a.capacity;
  for (let l = 0; l < arch.numLayers; l++)
    for (let h = 0; h < nkv; h++)
      for (let d = 0; d < hd; d++)
        for (let p = 0; p < len; p++) {
          a.keys[l]![((slot * nkv + h) * hd + d) * c + p] = f(l, h, d, p); // [slot][h][d][cap]
          a.values[l]![((slot * nkv + h) * c + p) * hd + d] = -f(l, h, d, p); // [slot][h][cap][d]
        }
  a.lengths[slot] = len;
}

function read(a: KvArena, slot: number): number[] {
  const { numKvHeads: nkv, headDim: hd } = arch;
  const c = a.capacity;
  const out: number[] = [];
  for (let l = 0; l < arch.numLayers; l++)
    for (let h = 0; h < nkv; h++)
      for (let d = 0; d < hd; d++)
        for (let p = 0; p < a.lengths[slot]!; p++) out.push(a.keys[l]![((slot * nkv + h) * hd + d) * c + p]!, a.values[l]![((slot * nkv + h) * c + p) * hd + d]!);
  return out;
}

describe('KvArena', () => {
  it('grows (re-striding every slot) and moves slots without losing a cached row', () => {
    const a = new KvArena(arch, 3, 4);
    const f = (s: number) => (l: number, h: number, d: number, p: number) => 1000 * s + 100 * l + 10 * h + d + p / 10 + 1;
    fill(a, 0, 3, f(0));
    fill(a, 1, 4, f(1));
    fill(a, 2, 2, f(2));
    const before = [0, 1, 2].map((s) => read(a, s));
    a.ensureCapacity(5);
    expect(a.capacity).toBe(8); // doubles
    expect([0, 1, 2].map((s) => read(a, s))).toEqual(before);
    a.move(2, 0);
    expect(a.lengths).toEqual([2, 4, 0]);
    expect(read(a, 0)).toEqual(before[2]);
    expect(read(a, 1)).toEqual(before[1]);
    // Views cover exactly the slots asked for.
    expect(a.view(1, 1, 2).key.length).toBe(2 * a.slotFloats);
    expect(a.view(1, 1, 2).key.byteOffset).toBe(a.slotFloats * 4);
  });

  it('refuses nonsense sizes', () => {
    expect(() => new KvArena(arch, 0, 4)).toThrow(/slots/);
    expect(() => new KvArena(arch, 1, 0)).toThrow(/capacity/);
  });
});
