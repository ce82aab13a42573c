import * as crypto from "node:crypto";
import { LEAF_SIZE } from "./constants.js";
import { parentLevel } from "./node-level.js";

// One native call per hash where Node has crypto.hash (>= 20.12); per-call overhead dominates at 4 KiB.
const oneShot: ((data: Uint8Array) => Buffer) | undefined =
  typeof crypto.hash === "function" ? (data) => crypto.hash("sha256", data, "buffer") : undefined;
const leafScratch = Buffer.alloc(1 + LEAF_SIZE); // [0x00][leaf bytes]
const nodeScratch = Buffer.alloc(65); // [0x01][left][right]
nodeScratch[0] = 0x01;

/** leaf = SHA-256(0x00 ‖ bytes). */
export function leafHash(data: Uint8Array): Buffer {
  if (oneShot && data.length <= LEAF_SIZE) {
    leafScratch.set(data, 1);
    return oneShot(leafScratch.subarray(0, 1 + data.length));
  }
  return crypto.createHash("sha256").update(leafScratch.subarray(0, 1).fill(0)).update(data).digest();
}

/**
 * The leaf hashes of `data`'s 4 KiB leaves (the last may be short; an empty `data` is one empty leaf), written
 * into `out` from `outOffset`, 32 bytes each; returns the leaf count. For bulk hashing (a pull's ranges, a
 * holder's file): a latin1 string result costs no ArrayBuffer per hash, which with `leafHash` is about a third
 * of the time per 4 KiB leaf and most of the garbage.
 */
export function leafHashesInto(data: Buffer, out: Buffer, outOffset = 0): number {
  const leaves = data.length === 0 ? 1 : Math.ceil(data.length / LEAF_SIZE);
  if (outOffset < 0 || out.length < outOffset + leaves * 32) throw new RangeError(`leafHashesInto: out holds ${out.length - outOffset} bytes from ${outOffset}, ${leaves * 32} needed`);
  for (let i = 0; i < leaves; i++) {
    const start = i * LEAF_SIZE;
    const n = Math.min(LEAF_SIZE, data.length - start);
    if (oneShot) {
      // copy with offsets and the whole scratch for a full leaf: no view object per leaf
      data.copy(leafScratch, 1, start, start + n);
      out.write(crypto.hash("sha256", n === LEAF_SIZE ? leafScratch : leafScratch.subarray(0, 1 + n), "binary"), outOffset + i * 32, 32, "binary");
    } else leafHash(data.subarray(start, start + n)).copy(out, outOffset + i * 32);
  }
  return leaves;
}

/** node = SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== 32 || right.length !== 32) throw new RangeError("nodeHash: children must be 32-byte digests");
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return oneShot ? oneShot(nodeScratch) : crypto.createHash("sha256").update(nodeScratch).digest();
}

/**
 * RFC 6962 Merkle tree hash over already-hashed leaves. Built bottom-up, carrying an odd last node up a level:
 * this gives exactly the RFC 6962 shape (split at the largest power of two below n) without recursion. Levels are
 * hashed in bulk (node-level.ts).
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) throw new Error("merkleRoot: no leaves");
  if (leaves.length === 1) return Buffer.from(leaves[0]!);
  if (leaves.some((l) => l.length !== 32)) throw new RangeError("merkleRoot: leaves must be 32-byte digests");
  return merkleRootOfHashes(Buffer.concat(leaves));
}

/** merkleRoot over leaf hashes already in one buffer (n × 32 bytes, n >= 1): levels hashed in place, no copy. */
export function merkleRootOfHashes(hashes: Buffer): Buffer {
  if (hashes.length === 0 || hashes.length % 32 !== 0) throw new RangeError("merkleRootOfHashes: a non-empty multiple of 32 bytes");
  let level = hashes;
  while (level.length > 32) level = parentLevel(level);
  return level;
}

/** Merkle root of the 4 KiB leaves of `data` (an empty input has one empty leaf). */
export function bytesRoot(data: Uint8Array): Buffer {
  if (data.length === 0) return leafHash(data);
  const leaves: Buffer[] = [];
  for (let off = 0; off < data.length; off += LEAF_SIZE) {
    leaves.push(leafHash(data.subarray(off, Math.min(off + LEAF_SIZE, data.length))));
  }
  return merkleRoot(leaves);
}
