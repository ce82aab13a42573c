#!/usr/bin/env python3
"""Writes digest.json: test vectors for the Inferchain content-root scheme (DESIGN.md, "Digest scheme").

This is a third, independent implementation (Python hashlib) that the Go (chain/) and TypeScript (sdk/)
implementations are both checked against. File contents are not stored: each file is regenerated from
(size, seed) with  byte[i] = (seed + 131*i + (i >> 12)) mod 256.
Run: python3 test/vectors/gen_digest_vectors.py > test/vectors/digest.json
"""
import hashlib
import json
import struct

LEAF_SIZE = 4096


def content(size: int, seed: int) -> bytes:
    return bytes((seed + 131 * i + (i >> 12)) % 256 for i in range(size))


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash over already-hashed leaves."""
    n = len(leaves)
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def file_root(data: bytes) -> bytes:
    chunks = [data[i : i + LEAF_SIZE] for i in range(0, len(data), LEAF_SIZE)] or [b""]
    return mth([leaf_hash(c) for c in chunks])


def file_leaf(path: str, size: int, root: bytes) -> bytes:
    p = path.encode("utf-8")
    return hashlib.sha256(b"\x00" + struct.pack(">I", len(p)) + p + struct.pack(">Q", size) + root).digest()


def artifact_root(files: list[tuple[str, int, bytes]]) -> bytes:
    ordered = sorted(files, key=lambda f: f[0].encode("utf-8"))
    return mth([file_leaf(p, s, r) for p, s, r in ordered])


def main() -> None:
    sizes = [0, 1, 4095, 4096, 4097, 8192, 12288, 12289, 20480, 28673, 65537, 1_000_000]
    files = []
    for i, size in enumerate(sizes):
        seed = (i * 37) % 256
        files.append({"size": size, "seed": seed, "root": file_root(content(size, seed)).hex()})

    artifacts = []
    specs = [
        [("model.onnx", 12289, 3)],
        [("config.json", 0, 0), ("tokenizer.json", 4097, 1)],
        # sorting is by UTF-8 bytes: "A.bin" < "a.bin" < "a/z.bin" < "b.bin" < "é.txt"
        [("b.bin", 4096, 5), ("a/z.bin", 1, 6), ("é.txt", 100, 7), ("A.bin", 8192, 8), ("a.bin", 65537, 9)],
    ]
    for spec in specs:
        entries = []
        triples = []
        for path, size, seed in spec:
            root = file_root(content(size, seed))
            entries.append({"path": path, "size": size, "seed": seed, "root": root.hex()})
            triples.append((path, size, root))
        ordered = sorted(triples, key=lambda f: f[0].encode("utf-8"))
        artifacts.append({
            "files": entries,
            "sorted_paths": [p for p, _, _ in ordered],
            "file_leaves": [file_leaf(p, s, r).hex() for p, s, r in ordered],
            "content_root": artifact_root(triples).hex(),
        })

    out = {
        "scheme": "inferchain-content-root-v1",
        "leaf_size": LEAF_SIZE,
        "content": "byte[i] = (seed + 131*i + (i >> 12)) mod 256",
        "files": files,
        "artifacts": artifacts,
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
