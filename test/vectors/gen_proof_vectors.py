#!/usr/bin/env python3
"""Writes proofs.json: Merkle proof vectors for the content-root trees (sdk/src/digest/proof.ts,
chain/digest/proof.go), from this independent Python implementation.

- inclusion: RFC 9162 audit path PATH(m, D[n]) of one leaf, leaf to root.
- range: proof of the leaves [first, first+count): depth-first, at each node overlapping the range the proof
  of its overlapping child(ren) (left first), then the hash of its disjoint child. For count = 1 it equals the
  inclusion proof.
- artifact file proofs: each file leaf's audit path in the artifact tree.
Leaves are the 4 KiB leaf hashes of files generated as in gen_digest_vectors.py.
Run: python3 test/vectors/gen_proof_vectors.py > test/vectors/proofs.json
"""
import json

from gen_digest_vectors import LEAF_SIZE, content, file_leaf, file_root, leaf_hash, mth


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def leaves_of(data: bytes) -> list[bytes]:
    return [leaf_hash(data[i : i + LEAF_SIZE]) for i in range(0, len(data), LEAF_SIZE)] or [leaf_hash(b"")]


def audit_path(leaves: list[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return audit_path(leaves[:k], m) + [mth(leaves[k:])]
    return audit_path(leaves[k:], m - k) + [mth(leaves[:k])]


def range_proof(leaves: list[bytes], first: int, end: int, lo: int, hi: int) -> list[bytes]:
    if first <= lo and hi <= end:
        return []
    mid = lo + split(hi - lo)
    out = []
    left_in, right_in = first < mid, end > mid
    if left_in:
        out += range_proof(leaves, first, end, lo, mid)
    if right_in:
        out += range_proof(leaves, first, end, mid, hi)
    if not left_in:
        out.append(mth(leaves[lo:mid]))
    if not right_in:
        out.append(mth(leaves[mid:hi]))
    return out


def main() -> None:
    trees = []
    # leaf counts 1, 2, 3, 5, 7, 8, 13, 33
    for i, size in enumerate([100, 8192, 12288, 20000, 28672, 32768, 53000, 135168]):
        seed = (i * 53 + 11) % 256
        data = content(size, seed)
        leaves = leaves_of(data)
        n = len(leaves)
        assert mth(leaves) == file_root(data)
        inclusion = [{"index": m, "proof": [h.hex() for h in audit_path(leaves, m)]} for m in range(n)]
        ranges = []
        for first, count in sorted({(0, n), (0, 1), (n - 1, 1), (n // 3, max(1, n // 2)), (1 % n, max(1, n - 1 - (1 % n))), (n // 2, (n + 1) // 2)}):
            if count < 1 or first + count > n:
                continue
            ranges.append({"first": first, "count": count, "proof": [h.hex() for h in range_proof(leaves, first, first + count, 0, n) if n > 1]})
        trees.append({"size": size, "seed": seed, "leaf_count": n, "root": mth(leaves).hex(), "inclusion": inclusion, "ranges": ranges})

    spec = [("b.bin", 4096, 5), ("a/z.bin", 1, 6), ("é.txt", 100, 7), ("A.bin", 8192, 8), ("a.bin", 65537, 9)]
    files = sorted(((p, s, file_root(content(s, seed))) for p, s, seed in spec), key=lambda f: f[0].encode("utf-8"))
    fleaves = [file_leaf(p, s, r) for p, s, r in files]
    artifact = {
        "content_root": mth(fleaves).hex(),
        "files": [
            {"index": i, "path": p, "size": s, "root": r.hex(), "proof": [h.hex() for h in audit_path(fleaves, i)]}
            for i, (p, s, r) in enumerate(files)
        ],
    }
    out = {"scheme": "inferchain-content-root-v1", "leaf_size": LEAF_SIZE, "trees": trees, "artifact": artifact}
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
