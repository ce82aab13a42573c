/**
 * Merkle proofs over the content-root trees (RFC 6962 shape, RFC 9162 section 2.1.3 proofs).
 *
 * - Inclusion proof (audit path) of ONE leaf: the sibling hashes from the leaf up to the root, exactly as
 *   chain/digest/proof.go's InclusionProof and RFC 9162 PATH(m, D[n]).
 * - Range proof of the contiguous leaves [first, first+count): the hashes of the subtrees that lie wholly
 *   outside the range and are siblings of a subtree overlapping it. With them and the range's own leaves, the
 *   verifier recomputes the root with about count + 2·log2(n) hashes (instead of count·log2(n) for one audit path
 *   per leaf), and every leaf's own audit path can be rebuilt from the same data (leafAuditPath).
 *   Order: depth-first over the tree; at each node that overlaps the range, the proof of its overlapping
 *   child(ren) (left first) comes before the hash of its disjoint child. For count = 1 this is bit-for-bit the
 *   RFC 9162 audit path, so a possession challenge for one leaf can use the same code and framing.
 */
import { invalidArgument } from "../errors.js";
import { merkleRoot, merkleRootOfHashes, nodeHash } from "./merkle.js";
import { parentLevel } from "./node-level.js";

const HASH = 32;

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkRange(n: number, first: number, count: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument("treeSize", `tree size must be a positive integer, got ${n}`);
  if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(count) || count < 1 || first + count > n) {
    throw invalidArgument("range", `leaf range [${first}, ${first + count}) is not inside a tree of ${n} leaves`);
  }
}

/**
 * All levels of the tree over `leaves`, bottom-up with the odd last node carried up a level: level L node p is
 * the RFC 6962 hash of leaves [p·2^L, min((p+1)·2^L, n)). Every subtree the RFC 6962 recursion visits is one of
 * these nodes, so proofs for any range are read off in O(log n). Memory: about 2n·32 bytes.
 */
export class MerkleLevels {
  readonly levels: Buffer[];
  readonly size: number;

  constructor(leafHashes: Buffer) {
    if (leafHashes.length === 0 || leafHashes.length % HASH !== 0) throw invalidArgument("leaves", "leaf hashes must be a non-empty multiple of 32 bytes");
    this.size = leafHashes.length / HASH;
    this.levels = [leafHashes];
    let level = leafHashes;
    while (level.length > HASH) {
      level = parentLevel(level);
      this.levels.push(level);
    }
  }

  static fromLeaves(leaves: readonly Uint8Array[]): MerkleLevels {
    return new MerkleLevels(Buffer.concat(leaves.map((l) => Buffer.from(l))));
  }

  root(): Buffer {
    return Buffer.from(this.levels[this.levels.length - 1]!);
  }

  /** Hash of the RFC 6962 subtree over [lo, hi) (a node the recursion visits). */
  private subtree(lo: number, hi: number): Buffer {
    let l = 0;
    while (1 << l < hi - lo) l++;
    const off = (lo >>> l) * HASH;
    return this.levels[l]!.subarray(off, off + HASH);
  }

  /** RFC 9162 audit path of leaf `index`. */
  inclusionProof(index: number): Buffer[] {
    return this.rangeProof(index, 1);
  }

  /** Range proof of leaves [first, first+count) (see the module comment for the order). */
  rangeProof(first: number, count: number): Buffer[] {
    checkRange(this.size, first, count);
    const out: Buffer[] = [];
    const end = first + count;
    const walk = (lo: number, hi: number): void => {
      if (first <= lo && hi <= end) return;
      const k = splitPoint(hi - lo);
      const mid = lo + k;
      const leftIn = first < mid;
      const rightIn = end > mid;
      if (leftIn) walk(lo, mid);
      if (rightIn) walk(mid, hi);
      if (!leftIn) out.push(Buffer.from(this.subtree(lo, mid)));
      if (!rightIn) out.push(Buffer.from(this.subtree(mid, hi)));
    };
    if (this.size > 1) walk(0, this.size);
    return out;
  }
}

/**
 * Recomputes the root of a tree of `treeSize` leaves from the leaf hashes of [first, first+leaves.length) and
 * their range proof. Throws a typed error when the proof has the wrong length (a proof that is merely wrong
 * yields a different root: compare it with the expected one, or use verifyRange).
 */
export function rootFromRangeProof(leaves: readonly Uint8Array[], first: number, treeSize: number, proof: readonly Uint8Array[]): Buffer {
  if (leaves.some((l) => l.length !== HASH)) throw invalidArgument("leaves", "leaf hashes must be 32 bytes");
  return rootFromRangeProofOfHashes(Buffer.concat(leaves), first, treeSize, proof);
}

/**
 * rootFromRangeProof over the range's leaf hashes as one buffer (count × 32 bytes): no array of views, and each
 * subtree inside the range is hashed level by level in place (the pull path checks 64 Ki leaves per 256 MiB).
 */
export function rootFromRangeProofOfHashes(hashes: Buffer, first: number, treeSize: number, proof: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0 || hashes.length % HASH !== 0) throw invalidArgument("leaves", "leaf hashes must be a non-empty multiple of 32 bytes");
  checkRange(treeSize, first, hashes.length / HASH);
  const end = first + hashes.length / HASH;
  let next = 0;
  const take = (): Uint8Array => {
    const p = proof[next++];
    if (!p) throw invalidArgument("proof", `range proof too short (${proof.length} hashes)`);
    if (p.length !== HASH) throw invalidArgument("proof", "proof hashes must be 32 bytes");
    return p;
  };
  const walk = (lo: number, hi: number): Uint8Array => {
    if (first <= lo && hi <= end) return merkleRootOfHashes(hashes.subarray((lo - first) * HASH, (hi - first) * HASH));
    const mid = lo + splitPoint(hi - lo);
    const leftIn = first < mid;
    const rightIn = end > mid;
    const left = leftIn ? walk(lo, mid) : undefined;
    const right = rightIn ? walk(mid, hi) : undefined;
    return nodeHash(left ?? take(), right ?? take());
  };
  const root = Buffer.from(walk(0, treeSize));
  if (next !== proof.length) throw invalidArgument("proof", `range proof too long (${proof.length} hashes, ${next} used)`);
  return root;
}

/** Whether `proof` shows that `leaves` are leaves [first, first+count) of the tree of `treeSize` leaves with `root`. */
export function verifyRange(leaves: readonly Uint8Array[], first: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    return rootFromRangeProof(leaves, first, treeSize, proof).equals(root);
  } catch {
    return false;
  }
}

/** RFC 9162 section 2.1.3.2: the root from one leaf hash at `index` and its audit path. */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[]): Buffer {
  return rootFromRangeProof([leaf], index, treeSize, proof);
}

export function verifyInclusion(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  return verifyRange([leaf], index, treeSize, proof, root);
}

/**
 * The RFC 9162 audit path of leaf `index` (inside [first, first+leaves.length)), rebuilt from the range's leaf
 * hashes and its range proof: what a holder answers to a one-leaf possession challenge.
 */
export function leafAuditPath(leaves: readonly Uint8Array[], first: number, treeSize: number, proof: readonly Uint8Array[], index: number): Buffer[] {
  checkRange(treeSize, first, leaves.length);
  if (index < first || index >= first + leaves.length) throw invalidArgument("index", `leaf ${index} is not in [${first}, ${first + leaves.length})`);
  const end = first + leaves.length;
  // Hash of any subtree [lo, hi): from the range's leaves when inside it, else from proof entries consumed in the
  // same order rootFromRangeProof consumes them. Walk once, recording each visited node's hash.
  const known = new Map<string, Uint8Array>();
  let next = 0;
  const walk = (lo: number, hi: number): Uint8Array => {
    let h: Uint8Array;
    if (first <= lo && hi <= end) h = lo + 1 === hi ? leaves[lo - first]! : merkleRoot(leaves.slice(lo - first, hi - first));
    else {
      const mid = lo + splitPoint(hi - lo);
      const leftIn = first < mid;
      const rightIn = end > mid;
      const left = leftIn ? walk(lo, mid) : undefined;
      const right = rightIn ? walk(mid, hi) : undefined;
      const l = left ?? proof[next++]!;
      const r = right ?? proof[next++]!;
      if (!l || !r) throw invalidArgument("proof", "range proof too short");
      known.set(`${lo}:${mid}`, l);
      known.set(`${mid}:${hi}`, r);
      h = nodeHash(l, r);
    }
    return h;
  };
  if (treeSize > 1) walk(0, treeSize);
  // Audit path: descend from the root toward index; the sibling at each level, then reverse (leaf to root).
  const path: Buffer[] = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    const [sLo, sHi] = index < mid ? [mid, hi] : [lo, mid];
    const sib = known.get(`${sLo}:${sHi}`) ?? subtreeInside(leaves, first, sLo, sHi);
    path.push(Buffer.from(sib));
    if (index < mid) hi = mid;
    else lo = mid;
  }
  return path.reverse();
}

function subtreeInside(leaves: readonly Uint8Array[], first: number, lo: number, hi: number): Buffer {
  if (lo < first || hi > first + leaves.length) throw invalidArgument("proof", `subtree [${lo}, ${hi}) is neither in the range nor in its proof`);
  return merkleRoot(leaves.slice(lo - first, hi - first));
}
