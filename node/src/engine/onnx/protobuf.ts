/**
 * Minimal protobuf wire-format encoder: just what the ONNX writer needs.
 * Hand-rolled so the output bytes are fully determined by our code (reproducible content roots)
 * and large tensors are never copied through an intermediate object model.
 */

/** An encoded message: a list of byte chunks (concatenated lazily) and their total length. */
export class Msg {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private tag(field: number, wireType: number): void {
    this.push(varint(BigInt(field * 8 + wireType)));
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.push(varint(BigInt.asUintN(64, BigInt(v))));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, v: Uint8Array): this {
    this.tag(field, 2);
    this.push(varint(BigInt(v.length)));
    this.push(v);
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, new TextEncoder().encode(v));
  }

  /** Packed repeated varints (proto3 default for repeated scalars). */
  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const parts = vs.map((v) => varint(BigInt.asUintN(64, BigInt(v))));
    const len = parts.reduce((a, p) => a + p.length, 0);
    this.tag(field, 2);
    this.push(varint(BigInt(len)));
    for (const p of parts) this.push(p);
    return this;
  }

  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(vs.length * 4);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  msg(field: number, m: Msg): this {
    this.tag(field, 2);
    this.push(varint(BigInt(m.length)));
    for (const c of m.chunks) this.push(c);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function varint(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return Uint8Array.from(out);
}
