/**
 * The hot loop of the digest: the Merkle subtree root of one chunk of leaves, as plain JS source so the same
 * code runs in the hashing workers (worker-source.ts embeds it) and on the calling thread (`workers: 0`,
 * instantiated below with `new Function`). Same scheme as merkle.ts; both are checked against
 * test/vectors/digest.json.
 *
 * Why it looks like this (measured on Node 20, 2-core EPYC, per 4 KiB leaf): SHA-256 of 4 KiB costs ~2.6 µs,
 * but each `crypto.hash(..., "buffer")` call adds ~1.3 µs for the result Buffer (an ArrayBuffer with its own
 * backing store) on top of ~0.6 µs of call overhead, and the old code made two such calls per leaf (the leaf
 * and one inner node). So:
 *  - leaves: `crypto.hash(..., "hex")` (a string result, no ArrayBuffer) decoded straight into Int32 words;
 *  - inner nodes: SHA-256(0x01‖l‖r) in JS on those words (two compressions, the second block's message
 *    schedule precomputed for each of its 256 possible values, rounds unrolled): ~0.6 µs, no allocation;
 *  - the tree is built as a binary counter (one pending subtree per level), so nothing is kept per leaf.
 * The chunk is read with readv straight into 4097-byte slots whose first byte is the 0x00 leaf prefix, so
 * every leaf is hashed in place (no copy, no prefix update).
 */
import * as crypto from "node:crypto";

/**
 * Leaves read and hashed per batch: a task's 4 MiB range goes through a 64 × 4097-byte buffer, small enough
 * to stay in L2 between the read's copy and the hashing (~4% less CPU than a whole-chunk buffer, measured),
 * and memory per hasher is 256 KiB whatever the chunk size.
 */
export const BATCH_LEAVES = 64;

// As signed int32 literals: an addend above 2^31 would make V8 add in float64 before the |0.
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map((h) => h | 0);

/** 64 SHA-256 rounds on locals A..H (T scratch), with K[t]+W[t] given by `kw(t)`; no variable shuffling. */
function rounds(kw: (t: number) => string): string {
  const v = ["A", "B", "C", "D", "E", "F", "G", "H"];
  let s = "";
  for (let t = 0; t < 64; t++) {
    const r = (i: number): string => v[(i - (t % 8) + 64) % 8]!;
    const [a, b, c, d, e, f, g, h] = [r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7)];
    s += `T=(${h}+(((${e}>>>6)|(${e}<<26))^((${e}>>>11)|(${e}<<21))^((${e}>>>25)|(${e}<<7)))+((${e}&${f})^(~${e}&${g}))+${kw(t)})|0;`;
    s += `${d}=(${d}+T)|0;`;
    s += `${h}=(T+((((${a}>>>2)|(${a}<<30))^((${a}>>>13)|(${a}<<19))^((${a}>>>22)|(${a}<<10)))+((${a}&${b})^(${a}&${c})^(${b}&${c}))))|0;\n`;
  }
  return s;
}

/**
 * Defines `makeRangeHasher(crypto, leafSize, maxLeaves)` returning a RangeHasher (below): fill
 * `dataViews[i]` (leaf i's bytes, after its 0x00 prefix byte in `slots`), then `addLeaves`, as many times as
 * needed, and `finish()` gives the RFC 6962 root (32-byte Buffer) of all the leaves added.
 */
export const RANGE_HASHER_SOURCE = String.raw`
function makeRangeHasher(crypto, LEAF, MAX_LEAVES) {
  const K = new Int32Array([
    0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]);
  const W = new Int32Array(64);
  function expand(w) {
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15], y = w[t - 2];
      w[t] = (w[t - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + w[t - 7] +
        (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
  }
  // The node message is 65 bytes: block 2 is the right child's last byte, 0x80, zeros, and the bit length
  // 520. So its K+W depends on that one byte only: precomputed for all 256 values.
  const KW2 = new Int32Array(256 * 64);
  for (let v = 0; v < 256; v++) {
    W.fill(0);
    W[0] = (v << 24) | 0x00800000;
    W[15] = 520;
    expand(W);
    for (let t = 0; t < 64; t++) KW2[v * 64 + t] = (K[t] + W[t]) | 0;
  }
  // S[o..o+8) = SHA-256(0x01 ‖ S[a..a+8) ‖ S[b..b+8)), digests as big-endian Int32 words. o may equal a or b.
  function nodeHash(S, a, b, o) {
    W[0] = 0x01000000 | (S[a] >>> 8);
    for (let j = 1; j < 8; j++) W[j] = (S[a + j - 1] << 24) | (S[a + j] >>> 8);
    W[8] = (S[a + 7] << 24) | (S[b] >>> 8);
    for (let j = 9; j < 16; j++) W[j] = (S[b + j - 9] << 24) | (S[b + j - 8] >>> 8);
    const q = (S[b + 7] & 0xff) * 64;
    expand(W);
    let A = ${H0[0]}, B = ${H0[1]}, C = ${H0[2]}, D = ${H0[3]}, E = ${H0[4]}, F = ${H0[5]}, G = ${H0[6]}, H = ${H0[7]}, T = 0;
    ${rounds((t) => `K[${t}]+W[${t}]`)}
    const s0 = (A + ${H0[0]})|0, s1 = (B + ${H0[1]})|0, s2 = (C + ${H0[2]})|0, s3 = (D + ${H0[3]})|0;
    const s4 = (E + ${H0[4]})|0, s5 = (F + ${H0[5]})|0, s6 = (G + ${H0[6]})|0, s7 = (H + ${H0[7]})|0;
    A = s0; B = s1; C = s2; D = s3; E = s4; F = s5; G = s6; H = s7;
    ${rounds((t) => `KW2[q+${t}]`)}
    S[o] = (A + s0) | 0; S[o + 1] = (B + s1) | 0; S[o + 2] = (C + s2) | 0; S[o + 3] = (D + s3) | 0;
    S[o + 4] = (E + s4) | 0; S[o + 5] = (F + s5) | 0; S[o + 6] = (G + s6) | 0; S[o + 7] = (H + s7) | 0;
  }

  // One-shot hashing to a hex string: no result ArrayBuffer to allocate and collect (Node < 20.12 lacks it).
  const leafHex = typeof crypto.hash === "function"
    ? (b) => crypto.hash("sha256", b, "hex")
    : (b) => crypto.createHash("sha256").update(b).digest("hex");
  const HEX = new Int32Array(128);
  for (let i = 0; i < 10; i++) HEX[48 + i] = i;
  for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;
  function fromHex(s, S, o) {
    for (let k = 0; k < 8; k++) {
      const j = k * 8;
      S[o + k] = (HEX[s.charCodeAt(j)] << 28) | (HEX[s.charCodeAt(j + 1)] << 24) | (HEX[s.charCodeAt(j + 2)] << 20) |
        (HEX[s.charCodeAt(j + 3)] << 16) | (HEX[s.charCodeAt(j + 4)] << 12) | (HEX[s.charCodeAt(j + 5)] << 8) |
        (HEX[s.charCodeAt(j + 6)] << 4) | HEX[s.charCodeAt(j + 7)];
    }
  }

  const slots = Buffer.alloc((LEAF + 1) * MAX_LEAVES);
  const leafViews = [];
  const dataViews = [];
  for (let i = 0; i < MAX_LEAVES; i++) {
    leafViews.push(slots.subarray(i * (LEAF + 1), (i + 1) * (LEAF + 1)));
    dataViews.push(slots.subarray(i * (LEAF + 1) + 1, (i + 1) * (LEAF + 1)));
  }
  // Binary counter: S[8k..8k+8) holds the pending full subtree of 2^k leaves when bit k of the count is set;
  // TMP is the incoming digest.
  const TMP = 64 * 8;
  const S = new Int32Array(TMP + 8);
  let count = 0;

  // Hashes the first n leaf slots (the last one lastLen bytes long) into the tree after the leaves so far.
  function addLeaves(n, lastLen) {
    if (n > MAX_LEAVES) throw new RangeError("addLeaves: more leaves than slots");
    for (let i = 0; i < n; i++) {
      fromHex(leafHex(i < n - 1 || lastLen === LEAF ? leafViews[i] : leafViews[i].subarray(0, lastLen + 1)), S, TMP);
      let c = count++, k = 0;
      for (; c & 1; c >>>= 1, k++) nodeHash(S, k * 8, TMP, TMP);
      const o = k * 8;
      S[o] = S[TMP]; S[o + 1] = S[TMP + 1]; S[o + 2] = S[TMP + 2]; S[o + 3] = S[TMP + 3];
      S[o + 4] = S[TMP + 4]; S[o + 5] = S[TMP + 5]; S[o + 6] = S[TMP + 6]; S[o + 7] = S[TMP + 7];
    }
  }
  // Root of the leaves added since the last finish() (one empty leaf if none), as a 32-byte Buffer.
  function finish() {
    if (count === 0) addLeaves(1, 0);
    const leaves = count;
    count = 0;
    // RFC 6962 shape for a count that is not a power of two: the pending subtrees, smallest first, each
    // becoming the right child of the next larger one.
    let k = 0;
    while (((leaves >>> k) & 1) === 0) k++;
    S.copyWithin(TMP, k * 8, k * 8 + 8);
    for (k++; leaves >>> k; k++) if ((leaves >>> k) & 1) nodeHash(S, k * 8, TMP, TMP);
    const out = Buffer.allocUnsafe(32);
    for (let j = 0; j < 8; j++) out.writeInt32BE(S[TMP + j], j * 4);
    return out;
  }
  // Root of the leaves of the first length bytes of the slots (length <= MAX_LEAVES * LEAF).
  function rangeRoot(length) {
    const n = Math.ceil(length / LEAF);
    if (n > 0) addLeaves(n, length - (n - 1) * LEAF);
    return finish();
  }
  function reset() {
    count = 0;
  }
  return { slots, dataViews, addLeaves, finish, rangeRoot, reset };
}
`;

export interface RangeHasher {
  slots: Buffer;
  /** Leaf i's 4096 data bytes (after its 0x00 prefix byte in `slots`). */
  dataViews: Buffer[];
  /** Hashes the first n slots (the last one lastLen bytes long) into the tree after the leaves so far. */
  addLeaves(n: number, lastLen: number): void;
  /** Root of the leaves added since the last finish() (one empty leaf if none), then starts over. */
  finish(): Buffer;
  /** Drops the leaves added so far (after a failed read). */
  reset(): void;
  /** addLeaves + finish for the first `length` bytes written into dataViews. */
  rangeRoot(length: number): Buffer;
}

type MakeRangeHasher = (c: typeof crypto, leafSize: number, maxLeaves: number) => RangeHasher;
let make: MakeRangeHasher | undefined;

/** A range hasher on the calling thread (same code as the workers'). */
export function makeRangeHasher(leafSize: number, maxLeaves: number): RangeHasher {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  make ??= new Function(`${RANGE_HASHER_SOURCE}\nreturn makeRangeHasher;`)() as MakeRangeHasher;
  return make(crypto, leafSize, maxLeaves);
}
