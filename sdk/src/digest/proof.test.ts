import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LEAF_SIZE } from "./constants.js";
import { fileLeaf } from "./content-root.js";
import { leafHash, leafHashesInto, merkleRoot } from "./merkle.js";
import { MerkleLevels, leafAuditPath, rootFromRangeProof, rootFromRangeProofOfHashes, verifyInclusion, verifyRange } from "./proof.js";

interface ProofVectors {
  trees: {
    size: number;
    seed: number;
    leaf_count: number;
    root: string;
    inclusion: { index: number; proof: string[] }[];
    ranges: { first: number; count: number; proof: string[] }[];
  }[];
  artifact: { content_root: string; files: { index: number; path: string; size: number; root: string; proof: string[] }[] };
}

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, "../../../test/vectors/proofs.json"), "utf8")) as ProofVectors;
const content = (size: number, seed: number): Buffer => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (seed + 131 * i + (i >> 12)) % 256;
  return b;
};
const leavesOf = (data: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += LEAF_SIZE) out.push(leafHash(data.subarray(off, off + LEAF_SIZE)));
  return out.length ? out : [leafHash(Buffer.alloc(0))];
};
const hex = (bs: Buffer[]): string[] => bs.map((b) => b.toString("hex"));
const unhex = (ss: string[]): Buffer[] => ss.map((s) => Buffer.from(s, "hex"));
const fakeLeaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

describe("proof vectors (test/vectors/proofs.json, Python; Go checks the same file)", () => {
  it("has vectors", () => expect(vectors.trees.length).toBeGreaterThan(4));
  for (const t of vectors.trees) {
    it(`size ${t.size} (${t.leaf_count} leaves): inclusion and range proofs equal the vectors and verify`, () => {
      const leaves = leavesOf(content(t.size, t.seed));
      const levels = MerkleLevels.fromLeaves(leaves);
      expect(levels.root().toString("hex")).toBe(t.root);
      const root = Buffer.from(t.root, "hex");
      for (const inc of t.inclusion) {
        expect(hex(levels.inclusionProof(inc.index))).toEqual(inc.proof);
        expect(verifyInclusion(leaves[inc.index]!, inc.index, t.leaf_count, unhex(inc.proof), root)).toBe(true);
      }
      for (const r of t.ranges) {
        expect(hex(levels.rangeProof(r.first, r.count))).toEqual(r.proof);
        const slice = leaves.slice(r.first, r.first + r.count);
        expect(verifyRange(slice, r.first, t.leaf_count, unhex(r.proof), root)).toBe(true);
      }
    });
  }
  it("artifact: each file's audit path proves its file leaf against the content root", () => {
    const a = vectors.artifact;
    const leaves = a.files.map((f) => fileLeaf({ path: f.path, size: BigInt(f.size), root: f.root }));
    const levels = MerkleLevels.fromLeaves(leaves);
    for (const f of a.files) {
      expect(hex(levels.inclusionProof(f.index))).toEqual(f.proof);
      expect(verifyInclusion(leaves[f.index]!, f.index, leaves.length, unhex(f.proof), Buffer.from(a.content_root, "hex"))).toBe(true);
    }
  });
});

describe("leafHashesInto", () => {
  it("writes what leafHash gives for each 4 KiB leaf (short last leaf, empty input) at the offset, and checks the room", () => {
    for (const size of [0, 1, LEAF_SIZE - 1, LEAF_SIZE, LEAF_SIZE + 1, 3 * LEAF_SIZE + 7, 5 * LEAF_SIZE]) {
      const data = content(size, size);
      const want = Buffer.concat(leavesOf(data));
      const out = Buffer.alloc(64 + want.length, 0xee);
      expect(leafHashesInto(data, out, 64)).toBe(want.length / 32);
      expect(out.subarray(64)).toEqual(want);
      expect(out.subarray(0, 64).every((b) => b === 0xee)).toBe(true);
      expect(() => leafHashesInto(data, Buffer.alloc(want.length - 1))).toThrow(RangeError);
    }
  });
});

describe("range proofs", () => {
  it("every range of trees of 1..20 leaves verifies, and a one-leaf range proof is the audit path", () => {
    for (let n = 1; n <= 20; n++) {
      const leaves = fakeLeaves(n);
      const levels = MerkleLevels.fromLeaves(leaves);
      const root = merkleRoot(leaves);
      expect(levels.root()).toEqual(root);
      for (let first = 0; first < n; first++) {
        for (let count = 1; first + count <= n; count++) {
          const proof = levels.rangeProof(first, count);
          const slice = leaves.slice(first, first + count);
          expect(rootFromRangeProof(slice, first, n, proof)).toEqual(root);
          expect(rootFromRangeProofOfHashes(Buffer.concat(slice), first, n, proof)).toEqual(root);
          for (let i = first; i < first + count; i++) expect(leafAuditPath(slice, first, n, proof, i)).toEqual(levels.inclusionProof(i));
        }
      }
    }
  });

  it("refuses a flipped leaf, a flipped proof hash, a shifted range, a short or long proof", () => {
    const n = 13;
    const leaves = fakeLeaves(n);
    const levels = MerkleLevels.fromLeaves(leaves);
    const root = levels.root();
    const proof = levels.rangeProof(3, 5);
    const slice = leaves.slice(3, 8);
    expect(verifyRange(slice, 3, n, proof, root)).toBe(true);
    const badLeaf = slice.map((l, i) => (i === 2 ? Buffer.from(l).fill(7, 0, 1) : l));
    expect(verifyRange(badLeaf, 3, n, proof, root)).toBe(false);
    const badProof = proof.map((p, i) => (i === 0 ? Buffer.from(p).fill(9, 31) : p));
    expect(verifyRange(slice, 3, n, badProof, root)).toBe(false);
    expect(verifyRange(slice, 4, n, proof, root)).toBe(false);
    expect(verifyRange(slice, 3, n, proof.slice(1), root)).toBe(false);
    expect(verifyRange(slice, 3, n, [...proof, proof[0]!], root)).toBe(false);
    expect(() => rootFromRangeProof(slice, 10, n, proof)).toThrow(/not inside a tree of 13 leaves/);
    expect(() => rootFromRangeProofOfHashes(Buffer.concat(slice).subarray(1), 3, n, proof)).toThrow(/multiple of 32 bytes/);
    expect(() => rootFromRangeProof([...slice.slice(1), Buffer.alloc(31)], 3, n, proof)).toThrow(/32 bytes/);
  });

  it("a range proof is about 2·log2(n) hashes, not one audit path per leaf", () => {
    const n = 1 << 14;
    const levels = new MerkleLevels(Buffer.concat(fakeLeaves(n)));
    expect(levels.rangeProof(1000, 256).length).toBeLessThanOrEqual(2 * 14);
  });
});
