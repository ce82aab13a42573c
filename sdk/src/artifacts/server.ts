/**
 * The serving side of artifact sharing, independent of any HTTP framework: given the artifacts a process holds
 * (content root + local files), builds the manifest and the leaf-range frames (framing.ts). The sidecar mounts
 * it under /v1/artifacts; a possession-challenge answer is `frame(root, path, leaf, 1)` (its range proof is the
 * RFC 9162 audit path, and the frame carries the file's audit path in the artifact tree).
 *
 * Each file's tree (all levels, ~64 bytes per 4 KiB) is built on first use from the bytes on disk and checked
 * against the registered file root; bytes that no longer match are refused (HeldBytesError), never served.
 */
import { open, stat } from "node:fs/promises";
import { InferchainError, NotFoundError, invalidArgument } from "../errors.js";
import { LEAF_SIZE } from "../digest/constants.js";
import { fileLeaf, sortFiles } from "../digest/content-root.js";
import { fromHexDigest } from "../digest/hex.js";
import { leafHash, leafHashesInto } from "../digest/merkle.js";
import { MerkleLevels } from "../digest/proof.js";
import { encodeLeafFramePrefix, leafCountOf, MAX_RANGE_LEAVES, rangeBytes } from "./framing.js";
import type { ArtifactManifest } from "./manifest.js";

export interface HeldFile {
  path: string;
  size: bigint;
  /** Registered file root (hex). */
  root: string;
  /** Where the bytes are on disk. */
  file: string;
}

export interface HeldArtifact {
  contentRoot: string;
  kind: "model" | "dataset";
  name?: string;
  version?: string;
  files: HeldFile[];
}

/** The bytes on disk no longer hash to the registered root (changed or truncated since they were verified). */
export class HeldBytesError extends InferchainError {
  override readonly name: string = "HeldBytesError";
  constructor(message: string) {
    super("invalid_state", message);
  }
}

interface CachedTree {
  size: number;
  mtimeMs: number;
  levels: Promise<MerkleLevels>;
}

export interface ArtifactHoldingsOptions {
  /** Current holdings (called per request, so models that finish verifying appear without a restart). */
  list(): readonly HeldArtifact[];
  /** File trees kept in memory (default 64). */
  cachedTrees?: number;
  maxRangeLeaves?: number;
}

export class ArtifactHoldings {
  private readonly trees = new Map<string, CachedTree>();
  private readonly artifactTrees = new Map<string, MerkleLevels>();
  readonly maxRangeLeaves: number;

  constructor(private readonly o: ArtifactHoldingsOptions) {
    this.maxRangeLeaves = o.maxRangeLeaves ?? MAX_RANGE_LEAVES;
  }

  private find(root: string): HeldArtifact | undefined {
    return this.o.list().find((a) => a.contentRoot === root);
  }

  /** The manifest of a held artifact, or undefined when this process does not hold it. */
  manifest(root: string): ArtifactManifest | undefined {
    const a = this.find(root);
    if (!a) return undefined;
    const files = sortFiles(a.files);
    return {
      contentRoot: a.contentRoot,
      kind: a.kind,
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.version !== undefined ? { version: a.version } : {}),
      leafSize: LEAF_SIZE,
      maxRangeLeaves: this.maxRangeLeaves,
      totalBytes: files.reduce((s, f) => s + Number(f.size), 0),
      files: files.map((f, index) => ({ index, path: f.path, size: Number(f.size), root: f.root, leafCount: leafCountOf(Number(f.size)) })),
    };
  }

  /**
   * The frame for leaves [first, first+count) of `path` in artifact `root`. Throws NotFoundError (artifact or
   * path not held), an invalid_argument error (range outside the file or over the bound), HeldBytesError.
   */
  async frame(root: string, path: string, first: number, count: number): Promise<Buffer> {
    const a = this.find(root);
    if (!a) throw new NotFoundError(`artifact ${root} is not held here`);
    const files = sortFiles(a.files);
    const fileIndex = files.findIndex((f) => f.path === path);
    if (fileIndex < 0) throw new NotFoundError(`artifact ${root} has no file "${path}"`);
    const f = files[fileIndex]!;
    const size = Number(f.size);
    const n = leafCountOf(size);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 1 || first + count > n) throw invalidArgument("leaf", `leaves [${first}, ${first + count}) are outside ${path} (${n} leaves)`);
    if (count > this.maxRangeLeaves) throw invalidArgument("leaf", `${count} leaves asked; at most ${this.maxRangeLeaves} per request`);
    const levels = await this.fileTree(root, f);
    const artifactTree = this.artifactTree(a.contentRoot, files);
    // The bytes are read straight into the frame after its header and proofs: no second copy of a 4 MiB range.
    const prefix = encodeLeafFramePrefix({ fileIndex, fileCount: files.length, leafCount: n, first, count, fileProof: artifactTree.inclusionProof(fileIndex), rangeProof: levels.rangeProof(first, count) });
    const want = rangeBytes(size, first, count);
    const frame = Buffer.allocUnsafe(prefix.length + want);
    prefix.copy(frame, 0);
    if (want > 0) {
      const fd = await open(f.file, "r");
      try {
        const { bytesRead } = await fd.read(frame, prefix.length, want, first * LEAF_SIZE);
        if (bytesRead !== want) throw new HeldBytesError(`${f.file} is shorter than its registered ${size} bytes`);
      } finally {
        await fd.close();
      }
    }
    return frame;
  }

  /**
   * One leaf of `path` in artifact `root` with its RFC 9162 audit path to the file root: the answer to a
   * proof-of-possession challenge (MsgProvePossession). Read from the bytes on disk, checked against the
   * registered root on the way (HeldBytesError when they no longer match or are gone; NotFoundError when the
   * artifact or path is not held).
   */
  async leafProof(root: string, path: string, index: number): Promise<{ data: Buffer; auditPath: Buffer[] }> {
    const a = this.find(root);
    if (!a) throw new NotFoundError(`artifact ${root} is not held here`);
    const f = a.files.find((x) => x.path === path);
    if (!f) throw new NotFoundError(`artifact ${root} has no file "${path}"`);
    const size = Number(f.size);
    const n = leafCountOf(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= n) throw invalidArgument("leaf", `leaf ${index} is outside ${path} (${n} leaves)`);
    const levels = await this.fileTree(root, f);
    const data = Buffer.allocUnsafe(rangeBytes(size, index, 1));
    if (data.length > 0) {
      const fd = await open(f.file, "r").catch((e: Error) => {
        throw new HeldBytesError(`${f.file} cannot be read: ${e.message}`);
      });
      try {
        const { bytesRead } = await fd.read(data, 0, data.length, index * LEAF_SIZE);
        if (bytesRead !== data.length) throw new HeldBytesError(`${f.file} is shorter than its registered ${size} bytes`);
      } finally {
        await fd.close();
      }
    }
    // the cached tree says what the bytes were when it was built: the leaf read now must still be that leaf
    if (!leafHash(data).equals(levels.levels[0]!.subarray(index * 32, index * 32 + 32))) throw new HeldBytesError(`${f.file} leaf ${index} no longer matches its registered root ${f.root}`);
    return { data, auditPath: levels.inclusionProof(index) };
  }

  private artifactTree(root: string, files: readonly HeldFile[]): MerkleLevels {
    let t = this.artifactTrees.get(root);
    if (!t) {
      t = MerkleLevels.fromLeaves(files.map(fileLeaf));
      if (!t.root().equals(fromHexDigest(root, "contentRoot"))) throw new HeldBytesError(`held file list does not hash to ${root}`);
      this.artifactTrees.set(root, t);
    }
    return t;
  }

  private async fileTree(root: string, f: HeldFile): Promise<MerkleLevels> {
    const key = `${root}/${f.path}`;
    const st = await stat(f.file).catch(() => undefined);
    if (!st) throw new HeldBytesError(`${f.file} is gone`);
    let c = this.trees.get(key);
    if (!c || c.size !== st.size || c.mtimeMs !== st.mtimeMs) {
      if (st.size !== Number(f.size)) throw new HeldBytesError(`${f.file} has ${st.size} bytes, registered ${f.size}`);
      c = { size: st.size, mtimeMs: st.mtimeMs, levels: buildFileTree(f) };
      this.trees.delete(key);
      this.trees.set(key, c);
      while (this.trees.size > (this.o.cachedTrees ?? 64)) this.trees.delete(this.trees.keys().next().value!);
      c.levels.catch(() => this.trees.delete(key));
    } else {
      this.trees.delete(key); // LRU: move to the back
      this.trees.set(key, c);
    }
    return c.levels;
  }
}

async function buildFileTree(f: HeldFile): Promise<MerkleLevels> {
  const size = Number(f.size);
  const n = leafCountOf(size);
  const hashes = Buffer.allocUnsafe(n * 32);
  if (size === 0) leafHash(new Uint8Array(0)).copy(hashes, 0);
  else {
    const fd = await open(f.file, "r");
    try {
      const buf = Buffer.allocUnsafe(1024 * LEAF_SIZE);
      let leaf = 0;
      for (let off = 0; off < size; off += buf.length) {
        const want = Math.min(buf.length, size - off);
        const { bytesRead } = await fd.read(buf, 0, want, off);
        if (bytesRead !== want) throw new HeldBytesError(`${f.file} is shorter than its registered ${size} bytes`);
        leaf += leafHashesInto(buf.subarray(0, want), hashes, 32 * leaf);
      }
    } finally {
      await fd.close();
    }
  }
  const levels = new MerkleLevels(hashes);
  if (!levels.root().equals(fromHexDigest(f.root, "file.root"))) throw new HeldBytesError(`${f.file} no longer hashes to its registered root ${f.root}; refusing to serve it`);
  return levels;
}
