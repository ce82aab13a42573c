/**
 * A tiny ONNX graph construction API with a deterministic serialiser.
 * Node names and value names are generated in call order, so the same builder calls give the same bytes.
 */
import { Msg } from './protobuf.js';

/** ONNX TensorProto.DataType values used here. */
export const DType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;
export type DTypeCode = (typeof DType)[keyof typeof DType];

export type Dim = number | string;
export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

export interface TensorInit {
  name: string;
  dtype: DTypeCode;
  dims: readonly number[];
  /** Little-endian raw bytes. */
  raw: Uint8Array;
}

interface NodeDef {
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: [string, AttrValue][];
}

interface ValueInfo {
  name: string;
  dtype: DTypeCode;
  shape: readonly Dim[];
}

export const MS_DOMAIN = 'com.microsoft';

export class OnnxGraph {
  private readonly nodes: NodeDef[] = [];
  private readonly inits: TensorInit[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly usedNames = new Set<string>();
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  constructor(readonly name: string) {}

  input(name: string, dtype: DTypeCode, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  output(name: string, dtype: DTypeCode, shape: readonly Dim[]): void {
    this.outputs.push({ name, dtype, shape });
  }

  initializer(name: string, dtype: DTypeCode, dims: readonly number[], raw: Uint8Array): string {
    this.claim(name);
    this.inits.push({ name, dtype, dims, raw });
    return name;
  }

  f32(name: string, dims: readonly number[], data: Float32Array): string {
    return this.initializer(name, DType.FLOAT, dims, bytesOf(data));
  }

  /** Small shared int64 constant (shapes, axes), deduplicated by value. */
  i64(values: readonly number[], scalar = false): string {
    const key = `i64:${scalar ? 's' : 'v'}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.claim(`const_i64_${this.constCache.size}`);
    const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dtype: DType.INT64, dims: scalar ? [] : [values.length], raw: bytesOf(arr) });
    this.constCache.set(key, name);
    return name;
  }

  /** Small shared float32 constant, deduplicated by value. */
  f32const(values: readonly number[], scalar = true): string {
    const key = `f32:${scalar ? 's' : 'v'}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.claim(`const_f32_${this.constCache.size}`);
    this.inits.push({ name, dtype: DType.FLOAT, dims: scalar ? [] : [values.length], raw: bytesOf(Float32Array.from(values)) });
    this.constCache.set(key, name);
    return name;
  }

  /** Adds a node with one output; returns the output name. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, opts: { domain?: string; out?: string } = {}): string {
    return this.opN(op, inputs, 1, attrs, opts)[0]!;
  }

  opN(op: string, inputs: string[], nOut: number, attrs: Record<string, AttrValue> = {}, opts: { domain?: string; out?: string } = {}): string[] {
    const id = this.counter++;
    const outputs: string[] = [];
    for (let i = 0; i < nOut; i++) {
      outputs.push(i === 0 && opts.out ? this.claim(opts.out) : this.claim(`${op}_${id}_o${i}`));
    }
    this.nodes.push({ op, domain: opts.domain ?? '', inputs, outputs, name: `${op}_${id}`, attrs: Object.entries(attrs) });
    return outputs;
  }

  /** Serialises a ModelProto. `meta` becomes metadata_props (sorted by key for stable bytes). */
  serialize(opts: { producer: string; producerVersion: string; meta?: Record<string, string> }): Buffer {
    const g = new Msg();
    for (const n of this.nodes) g.msg(1, encodeNode(n));
    g.string(2, this.name);
    for (const t of this.inits) g.msg(5, encodeTensor(t));
    for (const v of this.inputs) g.msg(11, encodeValueInfo(v));
    for (const v of this.outputs) g.msg(12, encodeValueInfo(v));

    const m = new Msg();
    m.int(1, 8); // ir_version 8 (opset 17 era), accepted by every ORT >= 1.13
    m.string(2, opts.producer);
    m.string(3, opts.producerVersion);
    m.msg(7, g);
    m.msg(8, new Msg().string(1, '').int(2, 17));
    if (this.nodes.some((n) => n.domain === MS_DOMAIN)) m.msg(8, new Msg().string(1, MS_DOMAIN).int(2, 1));
    for (const [k, v] of Object.entries(opts.meta ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      m.msg(14, new Msg().string(1, k).string(2, v));
    }
    return m.toBuffer();
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`duplicate ONNX value name ${name}`);
    this.usedNames.add(name);
    return name;
  }
}

export function bytesOf(a: ArrayBufferView): Uint8Array {
  // ONNX raw_data is little-endian, as are all platforms Node runs on in practice.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function encodeNode(n: NodeDef): Msg {
  const m = new Msg();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name);
  m.string(4, n.op);
  for (const [k, v] of n.attrs) m.msg(5, encodeAttr(k, v));
  if (n.domain) m.string(7, n.domain);
  return m;
}

function encodeAttr(name: string, v: AttrValue): Msg {
  const m = new Msg().string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use {float} for non-integers`);
    return m.int(3, v).int(20, 2);
  }
  if (typeof v === 'string') return m.string(4, v).int(20, 3);
  if (Array.isArray(v)) return m.packedInts(8, v).int(20, 7);
  if ('float' in v) return m.float(2, v.float).int(20, 1);
  return m.packedFloats(7, v.floats).int(20, 6);
}

function encodeTensor(t: TensorInit): Msg {
  const m = new Msg();
  if (t.dims.length) m.packedInts(1, t.dims);
  m.int(2, t.dtype);
  m.string(8, t.name);
  m.bytes(9, t.raw);
  return m;
}

function encodeValueInfo(v: ValueInfo): Msg {
  const shape = new Msg();
  for (const d of v.shape) shape.msg(1, typeof d === 'number' ? new Msg().int(1, d) : new Msg().string(2, d));
  const tensorType = new Msg().int(1, v.dtype).msg(2, shape);
  return new Msg().string(1, v.name).msg(2, new Msg().msg(1, tensorType));
}
