import { createHash } from "node:crypto";
import { invalidArgument } from "../errors.js";
import { fromHexDigest, toHex } from "./hex.js";
import { merkleRoot } from "./merkle.js";

/** One file of an artifact, as recorded on chain (structurally the generated ArtifactFile). */
export interface ArtifactFileDigest {
  /** '/'-separated path inside the artifact, relative, UTF-8. */
  path: string;
  size: bigint;
  /** Merkle root of the file's 4 KiB leaves, lowercase hex. */
  root: string;
}

const MAX_U32 = 0xffff_ffff;
const MAX_U64 = (1n << 64n) - 1n;

/** Orders paths by their UTF-8 bytes (not UTF-16 code units, which differ above the BMP). */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function sortFiles<T extends { path: string }>(files: readonly T[]): T[] {
  return files.slice().sort((a, b) => comparePaths(a.path, b.path));
}

/** file leaf = SHA-256(0x00 ‖ u32be(len(path)) ‖ path ‖ u64be(size) ‖ file_root). */
export function fileLeaf(file: ArtifactFileDigest): Buffer {
  const path = Buffer.from(file.path, "utf8");
  if (path.length > MAX_U32) throw invalidArgument("files.path", "path too long");
  if (file.size < 0n || file.size > MAX_U64) throw invalidArgument("files.size", `size out of range: ${file.size}`);
  const header = Buffer.alloc(1 + 4);
  header.writeUInt32BE(path.length, 1);
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(file.size);
  return createHash("sha256")
    .update(header)
    .update(path)
    .update(size)
    .update(fromHexDigest(file.root, "files.root"))
    .digest();
}

/**
 * Content root of an artifact from its file list, as the chain recomputes it in MsgRegisterModel/Dataset:
 * files sorted by UTF-8 path, the RFC 6962 tree over their file leaves. Duplicate paths are refused.
 */
export function contentRootFromFiles(files: readonly ArtifactFileDigest[]): string {
  if (files.length === 0) throw invalidArgument("files", "an artifact needs at least one file");
  const ordered = sortFiles(files);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.path === ordered[i - 1]!.path) throw invalidArgument("files.path", `duplicate path "${ordered[i]!.path}"`);
  }
  return toHex(merkleRoot(ordered.map(fileLeaf)));
}

/** Sum of file sizes, as the chain's total_bytes. */
export function totalBytes(files: readonly ArtifactFileDigest[]): bigint {
  return files.reduce((sum, f) => sum + f.size, 0n);
}
