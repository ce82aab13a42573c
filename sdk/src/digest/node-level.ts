/**
 * RFC 6962 levels in bulk: the parent level of a level of hashes, from the wasm kernel in sha256-nodes.wat (one
 * call per 32768 nodes). Node's crypto.hash costs ~1-2 us per call on a 65-byte input, which made interior nodes
 * as expensive as the leaves' hashing when a file's tree is built or a pulled range is checked.
 */
import { SHA256_NODES_WASM_BASE64 } from "./sha256-wasm.js";

const HASH = 32;
const IN = 1024; // the kernel's own scratch lies below
const BATCH = 32768; // nodes per call: 2 MiB in, 1 MiB out
const PAGE = 65536;

/** The few WebAssembly JS API members used here (the TS lib of this project has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
interface Kernel {
  nodes: (inPtr: number, n: number, outPtr: number) => void;
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
}

let kernel: Kernel | undefined;
function wasmKernel(): Kernel {
  if (!kernel) {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const exp = new wasm.Instance(new wasm.Module(Buffer.from(SHA256_NODES_WASM_BASE64, "base64"))).exports;
    kernel = { nodes: exp.nodes as Kernel["nodes"], memory: exp.memory as Kernel["memory"] };
  }
  return kernel;
}

/**
 * The level above `level` (n hashes of 32 bytes, concatenated): SHA-256(0x01 ‖ left ‖ right) of each adjacent
 * pair, and an odd last hash carried up unchanged, which is how RFC 6962's tree shape comes out bottom-up.
 */
export function parentLevel(level: Uint8Array): Buffer {
  if (level.length === 0 || level.length % HASH !== 0) throw new RangeError("parentLevel: a level is a non-empty multiple of 32 bytes");
  const n = level.length / HASH;
  const pairs = n >>> 1;
  const out = Buffer.allocUnsafe(Math.ceil(n / 2) * HASH);
  const k = wasmKernel();
  for (let p = 0; p < pairs; p += BATCH) {
    const m = Math.min(BATCH, pairs - p);
    const need = IN + m * 3 * HASH;
    if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / PAGE));
    const mem = new Uint8Array(k.memory.buffer);
    mem.set(level.subarray(p * 2 * HASH, (p + m) * 2 * HASH), IN);
    k.nodes(IN, m, IN + m * 2 * HASH);
    out.set(mem.subarray(IN + m * 2 * HASH, IN + m * 3 * HASH), p * HASH);
  }
  if (n % 2 === 1) out.set(level.subarray((n - 1) * HASH), pairs * HASH);
  return out;
}
