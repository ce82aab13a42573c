/**
 * GGML block formats -> f32, and -> the re-packed layouts of the ONNX builder (MatMulNBits).
 * Formats (ggml-common.h): Q4_0 {f16 d; u8 qs[16]} v = d*(q-8); Q4_1 {f16 d, m; u8 qs[16]} v = d*q + m;
 * Q8_0 {f16 d; i8 qs[32]} v = d*q. In a 4-bit block, element j < 16 is the low nibble of qs[j] and
 * element j + 16 its high nibble.
 */
import type { LinearWeight } from '../../engine/graph/types.js';
import type { WeightVariant } from '../../engine/model-config.js';
import { GgufFormatError } from './errors.js';
import { GgmlType, ggmlTypeName } from './types.js';

const f16Table = new Float32Array(65536);
{
  const dv = new DataView(new ArrayBuffer(4));
  for (let h = 0; h < 65536; h++) {
    const s = h >> 15;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    let v: number;
    if (e === 0) v = m * 2 ** -24;
    else if (e === 31) v = m ? NaN : Infinity;
    else v = (1 + m / 1024) * 2 ** (e - 15);
    dv.setFloat32(0, s ? -v : v);
    f16Table[h] = dv.getFloat32(0);
  }
}

export function f16ToF32(h: number): number {
  return f16Table[h & 0xffff]!;
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

/** Dequantizes `n` elements of a tensor of GGML `type` stored in `b`. */
export function dequantize(type: number, b: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  switch (type) {
    case GgmlType.F32: {
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    }
    case GgmlType.F16:
      for (let i = 0; i < n; i++) out[i] = f16ToF32(u16(b, i * 2));
      return out;
    case GgmlType.Q4_0:
    case GgmlType.Q4_1: {
      const q41 = type === GgmlType.Q4_1;
      const bs = q41 ? 20 : 18;
      const qo = q41 ? 4 : 2;
      for (let blk = 0; blk < n / 32; blk++) {
        const o = blk * bs;
        const d = f16ToF32(u16(b, o));
        const m = q41 ? f16ToF32(u16(b, o + 2)) : 0;
        for (let j = 0; j < 16; j++) {
          const byte = b[o + qo + j]!;
          const lo = byte & 0x0f;
          const hi = byte >> 4;
          out[blk * 32 + j] = q41 ? d * lo + m : d * (lo - 8);
          out[blk * 32 + j + 16] = q41 ? d * hi + m : d * (hi - 8);
        }
      }
      return out;
    }
    case GgmlType.Q8_0:
      for (let blk = 0; blk < n / 32; blk++) {
        const o = blk * 34;
        const d = f16ToF32(u16(b, o));
        for (let j = 0; j < 32; j++) out[blk * 32 + j] = d * ((b[o + 2 + j]! << 24) >> 24);
      }
      return out;
    default:
      throw new GgufFormatError(`cannot dequantize ${ggmlTypeName(type)}`);
  }
}

/** Which weights the importer keeps quantized: 'f32' none, 'q4' GGUF's 4-bit blocks as stored, 'q8' everything as 8-bit. */
export type WeightMode = WeightVariant;

/**
 * A [out][in] GGML matrix as a builder LinearWeight.
 * - 'f32': dequantized (exact GGUF values).
 * - 'q4': Q4_0/Q4_1 blocks stay 4-bit (exact: no re-quantisation); anything else f32. Not Q8_0 as 8-bit: the
 *   8-bit kernel rounds its inputs to int8, which turns the 4-bit kernels' ~1e-4 decode/prefill drift upstream into
 *   whole rounding steps (measured on SmolLM2 with an 8-bit head: 6.8e-2 logit drift, top-k ids changed).
 * - 'q8': Q8_0 blocks stay 8-bit (exact); anything else is dequantized and re-quantized to 8-bit blocks
 *   (`quantizeQ8`, deterministic).
 */
export function toLinear(type: number, b: Uint8Array, out: number, inn: number, mode: WeightMode = 'f32'): LinearWeight {
  if (mode === 'f32') return { kind: 'f32', out, in: inn, data: dequantize(type, b, out * inn) };
  if (mode === 'q8') return type === GgmlType.Q8_0 ? q8FromGguf(b, out, inn) : quantizeQ8(dequantize(type, b, out * inn), out, inn);
  if (type !== GgmlType.Q4_0 && type !== GgmlType.Q4_1) return { kind: 'f32', out, in: inn, data: dequantize(type, b, out * inn) };
  const nb = inn / 32;
  const q41 = type === GgmlType.Q4_1;
  const bs = q41 ? 20 : 18;
  const qo = q41 ? 4 : 2;
  const packed = new Uint8Array(out * nb * 16);
  const scales = new Float32Array(out * nb);
  const mins = q41 ? new Float32Array(out * nb) : undefined;
  for (let blk = 0; blk < out * nb; blk++) {
    const o = blk * bs;
    scales[blk] = f16ToF32(u16(b, o));
    if (mins) mins[blk] = f16ToF32(u16(b, o + 2));
    // GGML: element j (j<16) low nibble of qs[j], j+16 high nibble. MatMulNBits: element 2i low, 2i+1 high of byte i.
    for (let i = 0; i < 16; i++) {
      const e0 = 2 * i;
      const e1 = 2 * i + 1;
      const q0 = e0 < 16 ? b[o + qo + e0]! & 0x0f : b[o + qo + e0 - 16]! >> 4;
      const q1 = e1 < 16 ? b[o + qo + e1]! & 0x0f : b[o + qo + e1 - 16]! >> 4;
      packed[blk * 16 + i] = q0 | (q1 << 4);
    }
  }
  return mins ? { kind: 'q4', out, in: inn, packed, scales, zeroPoint: 0, mins } : { kind: 'q4', out, in: inn, packed, scales, zeroPoint: 8 };
}

/** GGML Q8_0 blocks {f16 d; i8 qs[32]} as-is: u = q + 128 (zero point 128), scale d. Same values as `dequantize`. */
export function q8FromGguf(b: Uint8Array, out: number, inn: number): LinearWeight {
  const n = (out * inn) / 32;
  const packed = new Uint8Array(out * inn);
  const scales = new Float32Array(n);
  for (let blk = 0; blk < n; blk++) {
    const o = blk * 34;
    scales[blk] = f16ToF32(u16(b, o));
    for (let j = 0; j < 32; j++) packed[blk * 32 + j] = (b[o + 2 + j]! + 128) & 0xff;
  }
  return { kind: 'q8', out, in: inn, packed, scales };
}

/**
 * Row-major [out][in] f32 -> symmetric 8-bit blocks of 32, llama.cpp's Q8_0 rule (quantize_row_q8_0_ref) except
 * that the scale stays f32: d = amax / 127, q = roundf(x / d) (half away from zero). Every step is IEEE f32
 * arithmetic (Math.fround), so the bytes are the same on every machine: a q8 import is reproducible.
 */
export function quantizeQ8(x: Float32Array, out: number, inn: number): LinearWeight {
  if (inn % 32 !== 0) throw new GgufFormatError(`cannot quantize to 8-bit blocks of 32: input dim ${inn} is not a multiple of 32`);
  const n = (out * inn) / 32;
  const packed = new Uint8Array(out * inn);
  const scales = new Float32Array(n);
  for (let blk = 0; blk < n; blk++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[blk * 32 + j]!));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    scales[blk] = d;
    for (let j = 0; j < 32; j++) {
      const v = Math.fround(x[blk * 32 + j]! * id);
      const q = Math.max(-127, Math.min(127, Math.sign(v) * Math.floor(Math.abs(v) + 0.5)));
      packed[blk * 32 + j] = q + 128;
    }
  }
  return { kind: 'q8', out, in: inn, packed, scales };
}
