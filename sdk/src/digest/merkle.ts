import { createHash, type Hash } from "node:crypto";
import { LEAF_SIZE } from "./constants.js";

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);
// A hash already fed the leaf prefix; copy() is cheaper than a fresh createHash per 4 KiB leaf.
let leafBase: Hash | undefined;

/** leaf = SHA-256(0x00 ‖ bytes). */
export function leafHash(data: Uint8Array): Buffer {
  leafBase ??= createHash("sha256").update(LEAF_PREFIX);
  return leafBase.copy().update(data).digest();
}

/** node = SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * RFC 6962 Merkle tree hash over already-hashed leaves. Built bottom-up, carrying an odd last node up a level:
 * this gives exactly the RFC 6962 shape (split at the largest power of two below n) without recursion.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) throw new Error("merkleRoot: no leaves");
  let level: Uint8Array[] = leaves.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return Buffer.from(level[0]!);
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
