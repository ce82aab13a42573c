import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contentRootFromFiles,
  digestArtifact,
  digestBytes,
  digestFile,
  fileLeaf,
  sortFiles,
  toHex,
  type DigestProgress,
} from "./index.js";
import { InferchainError } from "../errors.js";

interface VectorFile {
  size: number;
  seed: number;
  root: string;
}
interface VectorArtifact {
  files: (VectorFile & { path: string })[];
  sorted_paths: string[];
  file_leaves: string[];
  content_root: string;
}
interface Vectors {
  scheme: string;
  leaf_size: number;
  files: VectorFile[];
  artifacts: VectorArtifact[];
}

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, "../../../test/vectors/digest.json"), "utf8")) as Vectors;

/** byte[i] = (seed + 131*i + (i >> 12)) mod 256, as in gen_digest_vectors.py. */
function content(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (seed + 131 * i + Math.floor(i / 4096)) % 256;
  return b;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inferchain-digest-"));
  for (const f of vectors.files) await writeFile(join(dir, `f-${f.size}-${f.seed}.bin`), content(f.size, f.seed));
  for (const [i, a] of vectors.artifacts.entries()) {
    for (const f of a.files) {
      const p = join(dir, `a${i}`, f.path);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content(f.size, f.seed));
    }
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// workers: 0 is the calling thread; the small chunk sizes force multi-chunk files through the subtree assembly.
const modes = [
  { name: "single thread", workers: 0, chunkSize: undefined },
  { name: "single thread, 8 KiB chunks", workers: 0, chunkSize: 8192 },
  { name: "2 workers", workers: 2, chunkSize: undefined },
  { name: "2 workers, 4 KiB chunks", workers: 2, chunkSize: 4096 },
  { name: "3 workers, 16 KiB chunks", workers: 3, chunkSize: 16384 },
] as const;

describe("digest vectors", () => {
  it("uses the scheme this code implements", () => {
    expect(vectors.scheme).toBe("inferchain-content-root-v1");
    expect(vectors.leaf_size).toBe(4096);
  });

  it("digestBytes matches every file vector", () => {
    for (const f of vectors.files) expect(digestBytes(content(f.size, f.seed)), `size ${f.size}`).toBe(f.root);
  });

  for (const mode of modes) {
    it(`digestFile matches every file vector (${mode.name})`, async () => {
      for (const f of vectors.files) {
        const d = await digestFile(join(dir, `f-${f.size}-${f.seed}.bin`), { workers: mode.workers, chunkSize: mode.chunkSize });
        expect(d, `size ${f.size}`).toEqual({ size: BigInt(f.size), root: f.root });
      }
    });

    it(`digestArtifact matches every artifact vector (${mode.name})`, async () => {
      for (const [i, a] of vectors.artifacts.entries()) {
        const d = await digestArtifact(join(dir, `a${i}`), { workers: mode.workers, chunkSize: mode.chunkSize });
        expect(d.contentRoot).toBe(a.content_root);
        expect(d.files.map((f) => f.path)).toEqual(a.sorted_paths);
        expect(d.totalBytes).toBe(BigInt(a.files.reduce((s, f) => s + f.size, 0)));
      }
    });
  }

  it("computes file leaves and content roots from a file list", () => {
    for (const a of vectors.artifacts) {
      const files = a.files.map((f) => ({ path: f.path, size: BigInt(f.size), root: f.root }));
      expect(sortFiles(files).map((f) => toHex(fileLeaf(f)))).toEqual(a.file_leaves);
      expect(contentRootFromFiles(files)).toBe(a.content_root);
    }
  });

  it("hashes many files at once through the pool", async () => {
    const inputs = vectors.files.map((f) => ({ path: `dir/${f.size}.bin`, file: join(dir, `f-${f.size}-${f.seed}.bin`) }));
    const a = await digestArtifact(inputs, { workers: 2, chunkSize: 4096 });
    const b = await digestArtifact(inputs, { workers: 0 });
    expect(a).toEqual(b);
    const byPath = new Map(a.files.map((f) => [f.path, f.root]));
    for (const f of vectors.files) expect(byPath.get(`dir/${f.size}.bin`)).toBe(f.root);
  });
});

describe("large chunks", () => {
  it("workers agree with the calling thread on a 9 MiB file with 8 MiB chunks (several readv calls per chunk)", async () => {
    const file = join(dir, "nine.bin");
    await writeFile(file, content(9 * 1024 * 1024 + 123, 42));
    const single = await digestFile(file, { workers: 0 });
    expect(await digestFile(file, { workers: 2, chunkSize: 8 * 1024 * 1024 })).toEqual(single);
    expect(await digestFile(file, { workers: 2 })).toEqual(single);
  });
});

describe("digest progress and errors", () => {
  it("reports progress up to the total", async () => {
    const seen: DigestProgress[] = [];
    const big = vectors.files.find((f) => f.size === 1_000_000)!;
    const file = join(dir, `f-${big.size}-${big.seed}.bin`);
    await digestArtifact([file], { workers: 2, chunkSize: 65536, onProgress: (p) => seen.push(p) });
    const last = seen[seen.length - 1]!;
    expect(seen[0]!.bytesDone).toBe(0);
    expect(last).toEqual({ bytesDone: 1_000_000, bytesTotal: 1_000_000, filesDone: 1, filesTotal: 1 });
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone);
  });

  it("refuses a missing path with a typed error", async () => {
    await expect(digestArtifact([join(dir, "nope")])).rejects.toMatchObject({ code: "not_found", field: "paths" });
  });

  it("refuses two inputs with the same artifact path", async () => {
    const f = join(dir, "f-1-37.bin");
    await expect(digestArtifact([f, f])).rejects.toBeInstanceOf(InferchainError);
  });

  it("refuses a bad chunk size and malformed roots", async () => {
    await expect(digestFile(join(dir, "f-1-37.bin"), { chunkSize: 3 * 4096 })).rejects.toMatchObject({ field: "chunkSize" });
    expect(() => contentRootFromFiles([{ path: "a", size: 1n, root: "AB" }])).toThrow(/files.root/);
    expect(() => contentRootFromFiles([])).toThrow(/files/);
  });
});
