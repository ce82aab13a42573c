/**
 * GGUF v2/v3 reader over an in-memory buffer. Every read is bounds-checked so a truncated or corrupt
 * file gives a GgufFormatError naming what was being read, never a RangeError deep inside.
 * Spec: ggml/docs/gguf.md (little-endian only).
 */
import { GgufFormatError, GgufUnsupportedError } from './errors.js';
import { BLOCK, ggmlTypeName, SUPPORTED_TYPES } from './types.js';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** GGML order: dims[0] is the fastest-varying (row length). */
  dims: number[];
  type: number;
  /** Absolute offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  /** Tensor names in file order. */
  tensorOrder: string[];
  buffer: Uint8Array;
}

const MAGIC = 0x46554747; // "GGUF" little-endian
const MAX_COUNT = 1 << 24; // sanity bound on counts so a corrupt header cannot ask for absurd allocations

class Cursor {
  pos = 0;
  private readonly dv: DataView;
  constructor(readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new GgufFormatError(`truncated GGUF: needed ${n} bytes for ${what} at offset ${this.pos}, file has ${this.buf.length}`);
    }
  }
  u8(w: string): number { this.need(1, w); return this.dv.getUint8(this.pos++); }
  i8(w: string): number { this.need(1, w); return this.dv.getInt8(this.pos++); }
  u16(w: string): number { this.need(2, w); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  i16(w: string): number { this.need(2, w); const v = this.dv.getInt16(this.pos, true); this.pos += 2; return v; }
  u32(w: string): number { this.need(4, w); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(w: string): number { this.need(4, w); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  f32(w: string): number { this.need(4, w); const v = this.dv.getFloat32(this.pos, true); this.pos += 4; return v; }
  f64(w: string): number { this.need(8, w); const v = this.dv.getFloat64(this.pos, true); this.pos += 8; return v; }
  u64(w: string): bigint { this.need(8, w); const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  i64(w: string): bigint { this.need(8, w); const v = this.dv.getBigInt64(this.pos, true); this.pos += 8; return v; }
  /** u64 that must fit a JS number and stay below `max`. */
  count(w: string, max = MAX_COUNT): number {
    const v = this.u64(w);
    if (v > BigInt(max)) throw new GgufFormatError(`corrupt GGUF: ${w} is ${v}, larger than plausible (${max})`);
    return Number(v);
  }
  str(w: string): string {
    const n = this.count(`${w} length`, this.buf.length);
    this.need(n, w);
    const s = new TextDecoder('utf-8', { fatal: false }).decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

function readValue(c: Cursor, type: number, w: string, depth = 0): GgufValue {
  switch (type) {
    case 0: return c.u8(w);
    case 1: return c.i8(w);
    case 2: return c.u16(w);
    case 3: return c.i16(w);
    case 4: return c.u32(w);
    case 5: return c.i32(w);
    case 6: return c.f32(w);
    case 7: {
      const b = c.u8(w);
      if (b > 1) throw new GgufFormatError(`corrupt GGUF: ${w} is a bool with value ${b}`);
      return b === 1;
    }
    case 8: return c.str(w);
    case 9: {
      if (depth > 2) throw new GgufFormatError(`corrupt GGUF: ${w} nests arrays too deeply`);
      const et = c.u32(`${w} element type`);
      const n = c.count(`${w} element count`);
      const out: GgufValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, et, w, depth + 1);
      return out;
    }
    case 10: return c.u64(w);
    case 11: return c.i64(w);
    case 12: return c.f64(w);
    default:
      throw new GgufFormatError(`corrupt GGUF: ${w} has unknown value type ${type}`);
  }
}

export function parseGguf(buf: Uint8Array): GgufFile {
  const c = new Cursor(buf);
  if (buf.length < 4 || c.u32('magic') !== MAGIC) throw new GgufFormatError('not a GGUF file (bad magic; expected "GGUF")');
  const version = c.u32('version');
  if (version !== 2 && version !== 3) throw new GgufUnsupportedError(`GGUF version ${version} is not supported (2 and 3 are)`);
  const nTensors = c.count('tensor count');
  const nKv = c.count('metadata count');
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = c.str(`metadata key #${i}`);
    const type = c.u32(`type of ${key}`);
    metadata.set(key, readValue(c, type, `metadata '${key}'`));
  }
  const infos: Omit<GgufTensorInfo, 'offset' | 'byteLength'>[] = [];
  const rel: number[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = c.str(`tensor #${i} name`);
    const nd = c.u32(`tensor '${name}' rank`);
    if (nd < 1 || nd > 4) throw new GgufFormatError(`corrupt GGUF: tensor '${name}' has rank ${nd}`);
    const dims: number[] = [];
    for (let d = 0; d < nd; d++) dims.push(c.count(`tensor '${name}' dim ${d}`, 2 ** 40));
    const type = c.u32(`tensor '${name}' type`);
    rel.push(c.count(`tensor '${name}' offset`, Number.MAX_SAFE_INTEGER));
    infos.push({ name, dims, type });
  }
  const alignRaw = metadata.get('general.alignment') ?? 32;
  const align = Number(alignRaw);
  if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0) throw new GgufFormatError(`corrupt GGUF: general.alignment ${String(alignRaw)} is not a power of two`);
  const dataStart = Math.ceil(c.pos / align) * align;

  const tensors = new Map<string, GgufTensorInfo>();
  const tensorOrder: string[] = [];
  infos.forEach((t, i) => {
    const blk = BLOCK[t.type];
    if (!blk) {
      throw new GgufUnsupportedError(
        `tensor '${t.name}' has type ${ggmlTypeName(t.type)}, which the importer does not support (supported: ${SUPPORTED_TYPES.join(', ')}); re-quantize the model to one of those`,
      );
    }
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.dims[0]! % blk.size !== 0) throw new GgufFormatError(`corrupt GGUF: tensor '${t.name}' row length ${t.dims[0]} is not a multiple of the ${ggmlTypeName(t.type)} block size`);
    const byteLength = (n / blk.size) * blk.bytes;
    const offset = dataStart + rel[i]!;
    if (rel[i]! % align !== 0) throw new GgufFormatError(`corrupt GGUF: tensor '${t.name}' offset ${rel[i]} is not aligned to ${align}`);
    if (offset + byteLength > buf.length) {
      throw new GgufFormatError(`truncated GGUF: tensor '${t.name}' needs bytes ${offset}..${offset + byteLength} but the file has ${buf.length}`);
    }
    if (tensors.has(t.name)) throw new GgufFormatError(`corrupt GGUF: duplicate tensor '${t.name}'`);
    tensors.set(t.name, { ...t, offset, byteLength });
    tensorOrder.push(t.name);
  });
  return { version, metadata, tensors, tensorOrder, buffer: buf };
}

export function tensorBytes(f: GgufFile, t: GgufTensorInfo): Uint8Array {
  return f.buffer.subarray(t.offset, t.offset + t.byteLength);
}
