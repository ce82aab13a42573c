/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
 * counter-based generator of Random123 / cuRAND / JAX. Pure function of (key, counter): a verifier
 * can recompute any draw without replaying a stream. Spec and counter layout: ./SAMPLING.md.
 */
import { PHILOX_WASM_BASE64 } from './philox-wasm.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 values, exact in doubles via 16-bit limbs. */
function mulhi(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const hl = aH * bL;
  const cross = ((aL * bL) >>> 16) + (hl & 0xffff) + aL * bH; // < 2^32
  return (aH * bH + (hl >>> 16) + Math.floor(cross / 65536)) >>> 0;
}

export type Word4 = [number, number, number, number];

/** Philox4x32 with 10 rounds. All inputs and outputs are uint32. */
export function philox4x32(counter: Word4, key: [number, number]): Word4 {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  return [c0, c1, c2, c3];
}

/** Parses a chain seed (uint64 as bigint, decimal string or safe integer) into Philox's key words. */
export function seedKey(seed: bigint | string | number): [number, number] {
  let s: bigint;
  try {
    s = BigInt(seed);
  } catch {
    throw new RangeError(`seed must be a uint64 (bigint, decimal string or integer), got ${String(seed)}`);
  }
  if (s < 0n || s >= 1n << 64n) throw new RangeError(`seed must be a uint64, got ${s}`);
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

/** Domain tag in counter word 3 ("gumb"), so other uses of the same seed never collide with sampling. */
export const GUMBEL_DOMAIN = 0x67756d62;

/**
 * Uniform in the open interval (0, 1) for (seed, step, tokenId), 53 bits of resolution:
 * u = (floor(x0 / 2^5) * 2^26 + floor(x1 / 2^6) + 0.5) / 2^53.
 */
export function uniform(key: [number, number], step: number, tokenId: number): number {
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new RangeError(`step out of range: ${step}`);
  const [x0, x1] = philox4x32([tokenId >>> 0, step >>> 0, 0, GUMBEL_DOMAIN], key);
  return ((x0 >>> 5) * 67108864 + (x1 >>> 6) + 0.5) / 9007199254740992;
}

/** Standard Gumbel noise g = -ln(-ln(u)). */
export function gumbel(key: [number, number], step: number, tokenId: number): number {
  return -Math.log(-Math.log(uniform(key, step, tokenId)));
}

/** The few WebAssembly JS API members used here (the TS lib of this project has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** The wasm uniforms kernel (philox.wat), instantiated on first use; its memory grows to the largest row. */
let kernel: { uniforms: (k0: number, k1: number, step: number, n: number) => void; memory: WasmMemory } | undefined;

function wasmKernel(): NonNullable<typeof kernel> {
  if (!kernel) {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const exp = new wasm.Instance(new wasm.Module(Buffer.from(PHILOX_WASM_BASE64, 'base64'))).exports;
    kernel = { uniforms: exp.uniforms as NonNullable<typeof kernel>['uniforms'], memory: exp.memory as WasmMemory };
  }
  return kernel;
}

/**
 * u(seed, step, id) for ids 0..n-1, the same values as uniform() bit for bit (philox.test.ts), from a wasm kernel
 * with 64-bit products (philox.wat; JS has to build each 32x32-bit product from 16-bit limbs). Whole-vocabulary
 * sampling draws one per token per step (49152 for SmolLM2): this is the sampler's hot loop. The result is a view
 * of the kernel's memory, valid until the next call: read it, do not keep it.
 */
export function uniformRow(key: [number, number], step: number, n: number): Float64Array {
  if (!Number.isInteger(step) || step < 0 || step > 0xffffffff) throw new RangeError(`step out of range: ${step}`);
  if (!Number.isInteger(n) || n < 0 || n > 1 << 26) throw new RangeError(`bad row length ${n}`);
  const k = wasmKernel();
  const pages = Math.ceil((n * 8) / 65536);
  const have = k.memory.buffer.byteLength / 65536;
  if (pages > have) k.memory.grow(pages - have);
  k.uniforms(key[0] >>> 0, key[1] >>> 0, step >>> 0, n);
  return new Float64Array(k.memory.buffer, 0, n);
}
