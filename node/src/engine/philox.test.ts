import { describe, expect, it } from 'vitest';
import { gumbel, philox4x32, seedKey, uniform, uniformRow } from './philox.js';

const hex = (w: number[]): string[] => w.map((x) => x.toString(16).padStart(8, '0'));

describe('Philox4x32-10', () => {
  // Known-answer vectors from Random123 (kat_vectors: philox4x32 10 rounds).
  it('matches the Random123 known-answer vectors', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('parses uint64 seeds from bigint, decimal string and number', () => {
    expect(seedKey(0)).toEqual([0, 0]);
    expect(seedKey('18446744073709551615')).toEqual([0xffffffff, 0xffffffff]);
    expect(seedKey(0x1234567890abcdefn)).toEqual([0x90abcdef, 0x12345678]);
    expect(() => seedKey(-1)).toThrow(/uint64/);
    expect(() => seedKey('1' + '0'.repeat(20))).toThrow(/uint64/);
    expect(() => seedKey('abc')).toThrow(/uint64/);
  });

  it('pins the sampling noise: u(seed, step, token) and its Gumbel transform', () => {
    // Pinned so any change to the counter layout or bit extraction is caught (see SAMPLING.md).
    const key = seedKey(42n);
    const u = [uniform(key, 0, 0), uniform(key, 0, 1), uniform(key, 1, 0), uniform(key, 7, 49151)];
    expect(u.map((x) => x.toFixed(15))).toMatchInlineSnapshot(`
      [
        "0.188371273837275",
        "0.493498743141196",
        "0.317783199707975",
        "0.401836368970567",
      ]
    `);
    expect(gumbel(key, 3, 5)).toBeCloseTo(-Math.log(-Math.log(uniform(key, 3, 5))), 15);
  });

  it('gives uniforms in (0,1) with a plausible mean', () => {
    const key = seedKey(7);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = uniform(key, i >> 8, i & 255);
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      sum += u;
    }
    expect(sum / 20000).toBeGreaterThan(0.49);
    expect(sum / 20000).toBeLessThan(0.51);
  });
});

describe('uniformRow (wasm kernel)', () => {
  it('gives uniform() and gumbel() bit for bit for whole rows, across keys and steps', () => {
    for (const seed of [0n, 1n, 42n, 0xffffffffffffffffn, 0x123456789abcdefn]) {
      const key = seedKey(seed);
      for (const step of [0, 1, 7, 0xffffffff]) {
        const n = 49152;
        const u = Float64Array.from(uniformRow(key, step, n));
        for (let i = 0; i < n; i += 1 + (i % 7)) {
          if (!Object.is(u[i], uniform(key, step, i))) throw new Error(`u mismatch at seed ${seed} step ${step} id ${i}`);
          if (!Object.is(-Math.log(-Math.log(u[i]!)), gumbel(key, step, i))) throw new Error(`G mismatch at seed ${seed} step ${step} id ${i}`);
        }
      }
    }
    expect(() => uniformRow(seedKey(1), -1, 4)).toThrow(/step/);
  });

  it('the committed kernel (philox-wasm.ts) is what philox.wat assembles to', async () => {
    const { assemblePhilox, renderWasmTs, WASM_TS_FILE } = await import('../../scripts/philox-wasm.js');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(WASM_TS_FILE, 'utf8')).toBe(renderWasmTs(await assemblePhilox()));
  });
});
