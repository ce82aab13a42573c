/**
 * One linear layer per weight kind, run through onnxruntime and compared with a direct sum over the values the
 * weight type says it holds: catches a wrong block layout, nibble order or zero point in `linear()`.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { quantizeQ8 } from '../../models/gguf/dequant.js';
import { DType, OnnxGraph } from '../onnx/graph.js';
import { concatRows, linear } from './llama.js';
import type { LinearWeight } from './types.js';

const K = 64;
const N = 48;

/** The dequantized [N][K] matrix a LinearWeight stands for. */
function values(w: LinearWeight): Float32Array {
  const v = new Float32Array(w.out * w.in);
  const nb = w.in / 32;
  for (let r = 0; r < w.out; r++)
    for (let c = 0; c < w.in; c++) {
      const i = r * w.in + c;
      const blk = r * nb + (c >> 5);
      if (w.kind === 'f32') v[i] = w.data[i]!;
      else if (w.kind === 'q8') v[i] = w.scales[blk]! * (w.packed[i]! - 128);
      else {
        const byte = w.packed[blk * 16 + ((c & 31) >> 1)]!;
        v[i] = w.scales[blk]! * ((c & 1 ? byte >> 4 : byte & 15) - w.zeroPoint) + (w.mins ? w.mins[blk]! : 0);
      }
    }
  return v;
}

async function run(w: LinearWeight, rows: number, x: Float32Array): Promise<Float32Array> {
  const g = new OnnxGraph('linear');
  const xin = g.input('x', DType.FLOAT, [1, 'rows', K]);
  g.output(linear(g, xin, w, 'l', 'y'), DType.FLOAT, [1, 'rows', w.out]);
  const s = await ort.InferenceSession.create(g.serialize({ producer: 'test', producerVersion: '0' }), { intraOpNumThreads: 1 });
  try {
    return (await s.run({ x: new ort.Tensor('float32', x, [1, rows, K]) })).y!.data as Float32Array;
  } finally {
    await s.release();
  }
}

function reference(w: LinearWeight, rows: number, x: Float32Array): Float32Array {
  const v = values(w);
  const y = new Float32Array(rows * N);
  for (let m = 0; m < rows; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) y[m * N + n]! += x[m * K + k]! * v[n * K + k]!;
  return y;
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((d, v, i) => Math.max(d, Math.abs(v - b[i]!)), 0);
const f32 = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 0.71) * 0.2);
const rows = 5;
const x = Float32Array.from({ length: rows * K }, (_, i) => Math.cos(i * 0.13));
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);
const scales = Float32Array.from({ length: (N * K) / 32 }, (_, i) => 0.01 * (1 + (i % 5)));

describe('linear(): MatMulNBits block layouts', () => {
  it('q4 (fp32 compute): Q4_0-style and Q4_1-style blocks equal the direct sum', async () => {
    const packed = bytes((N * K) / 2);
    for (const w of [
      { kind: 'q4', out: N, in: K, packed, scales, zeroPoint: 8 },
      { kind: 'q4', out: N, in: K, packed, scales, zeroPoint: 0, mins: scales.map((s) => -7.5 * s) },
    ] as LinearWeight[]) {
      expect(maxDiff(await run(w, rows, x), reference(w, rows, x))).toBeLessThan(1e-5);
    }
  });

  it('q8 (int8 compute): the default zero point is 128; only activation rounding separates it from the direct sum', async () => {
    const w = quantizeQ8(f32, N, K);
    const ref = reference(w, rows, x);
    const scale = Math.max(...ref.map(Math.abs));
    // int8 activations: ~1% of the output scale; a wrong zero point or layout is off by the output scale itself
    expect(maxDiff(await run(w, rows, x), ref)).toBeLessThan(0.03 * scale);
    // each row is computed the same way alone as among many (decode vs prefill): bit-identical
    const many = await run(w, rows, x);
    for (let m = 0; m < rows; m++) expect([...(await run(w, 1, x.subarray(m * K, (m + 1) * K)))]).toEqual([...many.subarray(m * N, (m + 1) * N)]);
  });
});

describe('concatRows(): stacked projections (q|k|v, gate|up in quantized graphs)', () => {
  // Split rows of one weight into parts of 16, 24 and 8 outputs (like q, k, v of different widths).
  const parts = (w: LinearWeight): LinearWeight[] => {
    const cuts = [0, 16, 40, 48];
    return cuts.slice(1).map((end, i) => {
      const [a, n] = [cuts[i]!, end - cuts[i]!];
      const nb = K / 32;
      if (w.kind === 'f32') return { kind: 'f32', out: n, in: K, data: w.data.slice(a * K, end * K) };
      if (w.kind === 'q8') return { kind: 'q8', out: n, in: K, packed: w.packed.slice(a * K, end * K), scales: w.scales.slice(a * nb, end * nb) };
      return { ...w, out: n, packed: w.packed.slice((a * K) / 2, (end * K) / 2), scales: w.scales.slice(a * nb, end * nb), ...(w.mins ? { mins: w.mins.slice(a * nb, end * nb) } : {}) };
    });
  };
  const kinds: LinearWeight[] = [
    { kind: 'f32', out: N, in: K, data: f32 },
    quantizeQ8(f32, N, K),
    { kind: 'q4', out: N, in: K, packed: bytes((N * K) / 2), scales, zeroPoint: 0, mins: scales.map((s) => -7.5 * s) },
  ];
  for (const w of kinds) {
    it(`${w.kind}: one stacked call gives each part's outputs bit for bit, for 1 row and many`, async () => {
      const ps = parts(w);
      const stacked = concatRows(ps)!;
      expect(stacked.out).toBe(N);
      for (const n of [1, rows]) {
        const xs = x.subarray(0, n * K);
        const together = await run(stacked, n, xs);
        const alone = await Promise.all(ps.map((p) => run(p, n, xs)));
        for (let m = 0; m < n; m++) {
          const row = alone.flatMap((y, i) => [...y.subarray(m * ps[i]!.out, (m + 1) * ps[i]!.out)]);
          expect([...together.subarray(m * N, (m + 1) * N)]).toEqual(row);
        }
      }
    });
  }

  it('refuses parts of different kinds or 4-bit layouts (the caller keeps separate layers)', () => {
    const [q8] = parts(quantizeQ8(f32, N, K));
    const [f] = parts(kinds[0]!);
    expect(concatRows([q8!, f!])).toBeUndefined();
    const q4 = parts(kinds[2]!);
    expect(concatRows([q4[0]!, { ...(q4[1] as Extract<LinearWeight, { kind: 'q4' }>), zeroPoint: 8 }])).toBeUndefined();
  });
});
