import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../engine/model.js';
import { dequantize, quantizeQ8, toLinear } from './dequant.js';
import { GgufFormatError, GgufUnsupportedError } from './errors.js';
import { ImportError, importGguf } from './import.js';
import { parseGguf, tensorBytes } from './reader.js';
import { GgmlType } from './types.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
/**
 * q8 imports vs the f32 numpy reference: 8-bit MatMulNBits runs on int8-quantized activations, and q8 re-quantizes
 * the non-Q8_0 tensors (measured max logit diff 0.269 tied / 0.390 untied). The exact block layouts are checked op
 * by op in engine/graph/linear.test.ts.
 */
const Q8_TOL = 0.6;

interface QuantExpected {
  [name: string]: { dims: number[]; type: number; values: number[] };
}

/** Minimal GGUF v3 writer for malformed-input tests. */
function miniGguf(opts: { arch?: string; tensorType?: number; dims?: number[]; dataBytes?: number }): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number): void => void parts.push(Buffer.from(new Uint32Array([v]).buffer));
  const u64 = (v: number): void => void parts.push(Buffer.from(new BigUint64Array([BigInt(v)]).buffer));
  const str = (s: string): void => {
    u64(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  u32(0x46554747);
  u32(3);
  u64(1); // tensors
  u64(1); // kv
  str('general.architecture');
  u32(8);
  str(opts.arch ?? 'llama');
  const dims = opts.dims ?? [32, 2];
  str('token_embd.weight');
  u32(dims.length);
  for (const d of dims) u64(d);
  u32(opts.tensorType ?? GgmlType.F32);
  u64(0);
  let head = Buffer.concat(parts);
  head = Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32)]);
  return Buffer.concat([head, Buffer.alloc(opts.dataBytes ?? 256)]);
}

describe('GGUF reader and dequantization', () => {
  it('dequantizes F32, F16, Q8_0, Q4_0, Q4_1 like gguf-py (independent reference)', async () => {
    const f = parseGguf(await readFile(join(FIX, 'quant.gguf')));
    const expected = JSON.parse(await readFile(join(FIX, 'quant.expected.json'), 'utf8')) as QuantExpected;
    for (const [name, e] of Object.entries(expected)) {
      const t = f.tensors.get(name)!;
      expect(t.dims).toEqual(e.dims);
      expect(t.type).toBe(e.type);
      const got = dequantize(t.type, tensorBytes(f, t), e.values.length);
      got.forEach((v, i) => expect(Math.abs(v - e.values[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(e.values[i]!))));
    }
  });

  it('re-packs Q4_0/Q4_1 blocks for MatMulNBits without changing any value', async () => {
    const f = parseGguf(await readFile(join(FIX, 'quant.gguf')));
    for (const name of ['q4_0', 'q4_1']) {
      const t = f.tensors.get(name)!;
      const ref = dequantize(t.type, tensorBytes(f, t), 128);
      const w = toLinear(t.type, tensorBytes(f, t), 2, 64, 'q4');
      if (w.kind !== 'q4') throw new Error('expected q4');
      for (let r = 0; r < 2; r++)
        for (let j = 0; j < 64; j++) {
          const blk = r * 2 + (j >> 5);
          const byte = w.packed[blk * 16 + ((j & 31) >> 1)]!;
          const q = j & 1 ? byte >> 4 : byte & 15;
          const v = w.scales[blk]! * (q - w.zeroPoint) + (w.mins ? w.mins[blk]! : 0);
          expect(v).toBeCloseTo(ref[r * 64 + j]!, 6);
        }
    }
  });

  it('q8 keeps Q8_0 blocks as 8-bit (u = q + 128) without changing any value and re-quantizes other types', async () => {
    const f = parseGguf(await readFile(join(FIX, 'quant.gguf')));
    const t = f.tensors.get('q8_0')!;
    const ref = dequantize(t.type, tensorBytes(f, t), 128);
    const w = toLinear(t.type, tensorBytes(f, t), 2, 64, 'q8');
    if (w.kind !== 'q8') throw new Error('expected q8');
    ref.forEach((v, i) => expect(w.scales[i >> 5]! * (w.packed[i]! - 128)).toBe(v));
    expect(toLinear(GgmlType.Q4_1, tensorBytes(f, f.tensors.get('q4_1')!), 2, 64, 'q8').kind).toBe('q8');
    // q4 keeps only 4-bit blocks: never re-quantizes, and never mixes in the int8-compute 8-bit kernel
    expect(toLinear(GgmlType.F16, tensorBytes(f, f.tensors.get('f16')!), 2, 64, 'q4').kind).toBe('f32');
    expect(toLinear(t.type, tensorBytes(f, t), 2, 64, 'q4').kind).toBe('f32');
  });

  it('quantizeQ8: within half a step of every value, exact for a zero block, the same bytes every time', () => {
    const x = Float32Array.from({ length: 4 * 64 }, (_, i) => (i < 32 ? 0 : Math.sin(i * 0.37) * (1 + (i % 7)) * 1e-2));
    const a = quantizeQ8(x, 4, 64);
    const b = quantizeQ8(Float32Array.from(x), 4, 64);
    if (a.kind !== 'q8' || b.kind !== 'q8') throw new Error('expected q8');
    expect(Buffer.from(a.packed).equals(Buffer.from(b.packed))).toBe(true);
    expect(Buffer.from(a.scales.buffer).equals(Buffer.from(b.scales.buffer))).toBe(true);
    for (let blk = 0; blk < 8; blk++) {
      const amax = Math.max(...x.subarray(blk * 32, blk * 32 + 32).map(Math.abs));
      expect(a.scales[blk]).toBeCloseTo(amax / 127, 9);
      for (let j = 0; j < 32; j++) {
        const i = blk * 32 + j;
        expect(a.packed[i]).toBeGreaterThanOrEqual(1); // -127..127, never -128
        expect(Math.abs(a.scales[blk]! * (a.packed[i]! - 128) - x[i]!)).toBeLessThanOrEqual(a.scales[blk]! / 2 + 1e-9);
      }
    }
    expect([...a.packed.subarray(0, 32)].every((u) => u === 128)).toBe(true);
    expect(() => quantizeQ8(new Float32Array(48), 1, 48)).toThrow(/not a multiple of 32/);
  });

  it('rejects bad magic, truncation anywhere and corrupt counts with GgufFormatError', async () => {
    const good = await readFile(join(FIX, 'tiny-llama.gguf'));
    expect(() => parseGguf(Buffer.from('NOTGGUF...'))).toThrow(/not a GGUF file/);
    for (const cut of [3, 10, 30, 200, 5000, good.length - 1]) {
      expect(() => parseGguf(good.subarray(0, cut)), `cut at ${cut}`).toThrow(GgufFormatError);
    }
    expect(() => parseGguf(good.subarray(0, good.length - 1))).toThrow(/truncated GGUF: tensor/);
    const corrupt = Buffer.from(good);
    corrupt.writeBigUInt64LE(1n << 40n, 16); // metadata count
    expect(() => parseGguf(corrupt)).toThrow(/corrupt GGUF: metadata count/);
  });

  it('names unsupported tensor types and architectures', () => {
    expect(() => parseGguf(miniGguf({ tensorType: GgmlType.Q5_0 }))).toThrow(GgufUnsupportedError);
    expect(() => parseGguf(miniGguf({ tensorType: GgmlType.Q4_K, dims: [256, 1] }))).toThrow(/type Q4_K.*supported: F32, F16, Q4_0, Q4_1, Q8_0/);
    expect(() => parseGguf(miniGguf({ dataBytes: 8 }))).toThrow(/truncated GGUF: tensor 'token_embd.weight'/);
  });
});

describe('GGUF import', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'inferchain-import-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  const expected = async (name: string): Promise<{ ids: number[]; vocab: number; logits: number[][] }> =>
    JSON.parse(await readFile(join(FIX, `${name}.expected.json`), 'utf8')) as { ids: number[]; vocab: number; logits: number[][] };

  for (const [name, weights, tol] of [
    ['tiny-llama', 'f32', 1e-4],
    ['tiny-llama', 'q4', 1e-3],
    // q8 computes with int8-quantized activations (accuracy_level 4) and re-quantizes the non-Q8_0 tensors
    ['tiny-llama', 'q8', Q8_TOL],
    ['tiny-llama-untied', 'f32', 1e-4],
    ['tiny-llama-untied', 'q8', Q8_TOL],
  ] as const) {
    it(`imports ${name}.gguf (mixed F32/F16/Q8_0/Q4_0/Q4_1; ${weights}) with logits matching an independent numpy forward pass`, async () => {
      const out = join(work, `${name}-${weights}`);
      await importGguf(join(FIX, `${name}.gguf`), out, { weights });
      const m = await loadModel(out, { threads: 1 });
      try {
        const ref = await expected(name);
        const { logits } = await m.forward(ref.ids);
        let maxd = 0;
        ref.logits.forEach((row, s) => row.forEach((v, i) => (maxd = Math.max(maxd, Math.abs(v - logits[s * ref.vocab + i]!)))));
        expect(maxd).toBeLessThan(tol);
        // Tokenizer and chat template come from GGUF metadata.
        expect(m.tokenizer.encode(' the')).toEqual([m.tokenizer.tokenToId('Ġthe')]);
        const chat = m.tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }]);
        expect(chat).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
        expect(m.tokenizer.encode(chat).slice(0, 1)).toEqual([1]);
      } finally {
        await m.release();
      }
    });
  }

  for (const weights of ['f32', 'q8'] as const) {
    it(`is byte-for-byte reproducible (${weights})`, async () => {
      const a = join(work, `rep-a-${weights}`);
      const b = join(work, `rep-b-${weights}`);
      await importGguf(join(FIX, 'tiny-llama.gguf'), a, { weights });
      await importGguf(join(FIX, 'tiny-llama.gguf'), b, { weights });
      for (const f of ['model.onnx', 'tokenizer.json', 'config.json']) {
        expect((await readFile(join(a, f))).equals(await readFile(join(b, f))), f).toBe(true);
      }
    });
  }

  it('config.json records a quantized variant (weights q4/q8); an f32 import has no such field (unchanged bytes)', async () => {
    const cfg = async (weights: 'f32' | 'q4' | 'q8') => {
      const out = join(work, `cfg-${weights}`);
      const r = await importGguf(join(FIX, 'tiny-llama.gguf'), out, { weights });
      const onDisk = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(onDisk.weights).toEqual(r.config.weights);
      return onDisk;
    };
    expect('weights' in (await cfg('f32'))).toBe(false);
    expect((await cfg('q4')).weights).toBe('q4');
    expect((await cfg('q8')).weights).toBe('q8');
    await expect(importGguf(join(FIX, 'tiny-llama.gguf'), join(work, 'cfg-bad'), { weights: 'q2' as 'q8' })).rejects.toThrow(/weights mode must be one of f32, q4, q8/);
  });

  it('leaves nothing behind on bad input and refuses to overwrite without force', async () => {
    const bad = join(work, 'bad.gguf');
    const good = await readFile(join(FIX, 'tiny-llama.gguf'));
    const cases: [Buffer, RegExp][] = [
      [good.subarray(0, good.length - 100), /truncated GGUF/],
      [miniGguf({ arch: 'gpt2' }), /architecture 'gpt2' is not supported/],
      [miniGguf({ tensorType: GgmlType.Q5_1 }), /type Q5_1/],
    ];
    for (const [bytes, msg] of cases) {
      const dir = await mkdtemp(join(work, 'case-'));
      await writeFile(bad, bytes);
      await expect(importGguf(bad, join(dir, 'out'))).rejects.toThrow(msg);
      expect(await readdir(dir)).toEqual([]);
    }
    await expect(importGguf(join(work, 'missing.gguf'), join(work, 'x'))).rejects.toThrow(ImportError);
    const out = join(work, 'exists');
    await importGguf(join(FIX, 'tiny-llama.gguf'), out);
    await expect(importGguf(join(FIX, 'tiny-llama.gguf'), out)).rejects.toThrow(/already exists; pass --force/);
    await importGguf(join(FIX, 'tiny-llama.gguf'), out, { force: true });
  });
});
