import { availableParallelism } from "node:os";
import { open } from "node:fs/promises";
import { InferchainError, invalidArgument } from "../errors.js";
import { DEFAULT_CHUNK_SIZE, LEAF_SIZE, WORKER_THRESHOLD_BYTES } from "./constants.js";
import { contentRootFromFiles, type ArtifactFileDigest } from "./content-root.js";
import { toHex } from "./hex.js";
import { listArtifactFiles, type ArtifactInput, type ListedFile } from "./inputs.js";
import { bytesRoot, merkleRoot } from "./merkle.js";
import { HashPool, TASKS_PER_WORKER, ioError } from "./pool.js";
import { BATCH_LEAVES, makeRangeHasher } from "./range-hasher.js";

export interface DigestProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface DigestOptions {
  onProgress?: (progress: DigestProgress) => void;
  /**
   * Worker threads. 0 hashes on the calling thread. Default: one per available core, or 0 when the input is
   * smaller than 8 MiB (starting workers would cost more than it saves).
   */
  workers?: number;
  /** Bytes per task; a power-of-two multiple of 4096. Default 4 MiB. Smaller values are for tests. */
  chunkSize?: number;
  signal?: AbortSignal;
}

export interface ArtifactDigest {
  contentRoot: string;
  /** Sorted by UTF-8 path: ready for MsgRegisterModel/Dataset.files. */
  files: ArtifactFileDigest[];
  totalBytes: bigint;
}

export interface FileDigest {
  size: bigint;
  root: string;
}

/** Hashes files and directories into an artifact content root (DESIGN.md, "Digest scheme"). */
export async function digestArtifact(
  inputs: string | readonly (string | ArtifactInput)[],
  options: DigestOptions = {},
): Promise<ArtifactDigest> {
  const listed = await listArtifactFiles(typeof inputs === "string" ? [inputs] : inputs);
  const roots = await hashListed(listed, options);
  const files = listed.map((f, i) => ({ path: f.path, size: BigInt(f.size), root: roots[i]! }));
  return { contentRoot: contentRootFromFiles(files), files, totalBytes: files.reduce((s, f) => s + f.size, 0n) };
}

/** Merkle root of one file's 4 KiB leaves. */
export async function digestFile(file: string, options: DigestOptions = {}): Promise<FileDigest> {
  const listed = await listArtifactFiles([{ path: "file", file }]);
  const [root] = await hashListed(listed, options);
  return { size: BigInt(listed[0]!.size), root: root! };
}

/** Merkle root of in-memory bytes (same as digestFile on a file with these contents). */
export function digestBytes(data: Uint8Array): string {
  return toHex(bytesRoot(data));
}

function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

function checkChunkSize(chunkSize: number): void {
  const leaves = chunkSize / LEAF_SIZE;
  if (!Number.isInteger(leaves) || leaves < 1 || (leaves & (leaves - 1)) !== 0) {
    throw invalidArgument("chunkSize", "must be 4096 × a power of two");
  }
}

/** Returns each listed file's root (hex), in order. */
async function hashListed(listed: readonly ListedFile[], options: DigestOptions): Promise<string[]> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkChunkSize(chunkSize);
  const bytesTotal = listed.reduce((s, f) => s + f.size, 0);
  const workers = options.workers ?? (bytesTotal < WORKER_THRESHOLD_BYTES ? 0 : availableParallelism());
  const progress: DigestProgress = { bytesDone: 0, bytesTotal, filesDone: 0, filesTotal: listed.length };
  const report = (bytes: number, fileDone: boolean): void => {
    progress.bytesDone += bytes;
    if (fileDone) progress.filesDone++;
    options.onProgress?.({ ...progress });
  };
  options.onProgress?.({ ...progress });
  if (workers === 0) return hashInProcess(listed, chunkSize, report, options.signal);
  const pool = new HashPool(workers, chunkSize);
  try {
    return await hashWithPool(pool, listed, chunkSize, report, options.signal);
  } finally {
    await pool.close();
  }
}

type Report = (bytes: number, fileDone: boolean) => void;

/** Same work as a hash worker, on the calling thread (one small buffer, reused). */
async function hashInProcess(listed: readonly ListedFile[], chunkSize: number, report: Report, signal?: AbortSignal): Promise<string[]> {
  const hasher = makeRangeHasher(LEAF_SIZE, BATCH_LEAVES);
  const out: string[] = [];
  for (const f of listed) {
    const handle = await open(f.file, "r").catch((err: NodeJS.ErrnoException) => {
      throw ioError(f.file, err.message, err.code);
    });
    try {
      const roots: Buffer[] = [];
      const n = chunkCount(f.size, chunkSize);
      for (let c = 0; c < n; c++) {
        signal?.throwIfAborted();
        const offset = c * chunkSize;
        const length = Math.min(chunkSize, f.size - offset);
        for (let done = 0; done < length; ) {
          const bytes = Math.min(BATCH_LEAVES * LEAF_SIZE, length - done);
          const leaves = Math.ceil(bytes / LEAF_SIZE);
          for (let got = 0; got < bytes; ) {
            const first = Math.floor(got / LEAF_SIZE);
            const iov: Buffer[] = [];
            for (let i = first; i < leaves; i++) {
              const end = i === leaves - 1 ? bytes - i * LEAF_SIZE : LEAF_SIZE;
              iov.push(hasher.dataViews[i]!.subarray(i === first ? got % LEAF_SIZE : 0, end));
            }
            const { bytesRead } = await handle.readv(iov, offset + done + got);
            if (bytesRead === 0) {
              hasher.reset();
              throw ioError(f.file, "file is shorter than when it was listed (changed while hashing?)", "ESHORT");
            }
            got += bytesRead;
          }
          hasher.addLeaves(leaves, bytes - (leaves - 1) * LEAF_SIZE);
          done += bytes;
        }
        roots.push(hasher.finish());
        report(length, c === n - 1);
      }
      out.push(toHex(merkleRoot(roots)));
    } finally {
      await handle.close();
    }
  }
  return out;
}

/**
 * Feeds every chunk of every file to the pool with a bounded number in flight (so small files hash in
 * parallel too), and keeps only 32 bytes per finished chunk.
 */
async function hashWithPool(pool: HashPool, listed: readonly ListedFile[], chunkSize: number, report: Report, signal?: AbortSignal): Promise<string[]> {
  const chunkRoots = listed.map((f) => new Array<Buffer>(chunkCount(f.size, chunkSize)));
  const remaining = chunkRoots.map((r) => r.length);
  const fileRoots = new Array<string>(listed.length);
  const maxInFlight = pool.size * TASKS_PER_WORKER;

  function* tasks(): Generator<[number, number]> {
    for (let i = 0; i < listed.length; i++) for (let c = 0; c < chunkRoots[i]!.length; c++) yield [i, c];
  }
  const it = tasks();
  let failure: unknown;

  async function lane(): Promise<void> {
    for (let next = it.next(); !next.done && failure === undefined; next = it.next()) {
      signal?.throwIfAborted();
      const [i, c] = next.value;
      const f = listed[i]!;
      const offset = c * chunkSize;
      const length = Math.min(chunkSize, f.size - offset);
      chunkRoots[i]![c] = await pool.hashRange(f.file, offset, length);
      const fileDone = --remaining[i]! === 0;
      if (fileDone) {
        fileRoots[i] = toHex(merkleRoot(chunkRoots[i]!));
        chunkRoots[i] = [];
      }
      report(length, fileDone);
    }
  }
  const lanes = Array.from({ length: maxInFlight }, () =>
    lane().catch((err: unknown) => {
      failure ??= err;
    }),
  );
  await Promise.all(lanes);
  if (failure !== undefined) throw failure instanceof Error ? failure : new InferchainError("io", String(failure), { cause: failure });
  return fileRoots;
}
