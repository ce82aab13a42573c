/**
 * The leaf-range frame served by `GET /v1/artifacts/<root>/<path>?leaf=i..j` (FRAMING.md beside this file):
 * a fixed header, the file's audit path in the artifact tree, the range proof in the file tree, then the raw
 * leaf bytes. Everything a client needs to check the bytes against the on-chain content root is in one frame.
 */
import { InferchainError, invalidArgument } from "../errors.js";
import { LEAF_SIZE } from "../digest/constants.js";
import { fileLeaf, type ArtifactFileDigest } from "../digest/content-root.js";
import { fromHexDigest } from "../digest/hex.js";
import { leafHashesInto } from "../digest/merkle.js";
import { rootFromRangeProofOfHashes, verifyInclusion } from "../digest/proof.js";

export const FRAME_MAGIC = Buffer.from("ICLF", "ascii");
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 40;
export const FRAME_CONTENT_TYPE = "application/vnd.inferchain.leaves.v1";
/** Most leaves one request may ask for (4 MiB of data): bounds the server's memory and time per request. */
export const MAX_RANGE_LEAVES = 1024;
const HASH = 32;

export interface LeafFrame {
  /** Position of the file in the artifact (files sorted by UTF-8 path) and the artifact's file count. */
  fileIndex: number;
  fileCount: number;
  /** Leaves of the file's tree, and the range carried: [first, first+count). */
  leafCount: number;
  first: number;
  count: number;
  /** Audit path of the file leaf in the artifact tree (RFC 9162). */
  fileProof: Buffer[];
  /** Range proof of the leaves in the file tree (digest/proof.ts). */
  rangeProof: Buffer[];
  /** The leaves' bytes, concatenated. */
  data: Buffer;
}

/** Leaves of a file of `size` bytes (an empty file has one empty leaf). */
export function leafCountOf(size: number): number {
  return size === 0 ? 1 : Math.ceil(size / LEAF_SIZE);
}

/** Bytes carried by leaves [first, first+count) of a file of `size` bytes. */
export function rangeBytes(size: number, first: number, count: number): number {
  return Math.max(0, Math.min(size, (first + count) * LEAF_SIZE) - first * LEAF_SIZE);
}

/** The largest frame that can carry `dataBytes` of leaves: header, two proofs of at most 64 hashes each, the data. */
export function maxFrameBytes(dataBytes: number): number {
  return FRAME_HEADER_BYTES + 2 * 64 * HASH + dataBytes;
}

/** Parses "i..j" (inclusive, decimal) against a file of `leafCount` leaves; refuses ranges over MAX_RANGE_LEAVES. */
export function parseLeafRange(spec: string, leafCount: number, maxLeaves = MAX_RANGE_LEAVES): { first: number; count: number } {
  const m = /^(\d{1,15})\.\.(\d{1,15})$/.exec(spec);
  if (!m) throw invalidArgument("leaf", `"${spec}" must be i..j (inclusive leaf indices, e.g. 0..255)`);
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first) throw invalidArgument("leaf", `range ${spec} is empty (j < i)`);
  if (last >= leafCount) throw invalidArgument("leaf", `range ${spec} goes past the file's last leaf ${leafCount - 1}`);
  const count = last - first + 1;
  if (count > maxLeaves) throw invalidArgument("leaf", `range ${spec} has ${count} leaves; at most ${maxLeaves} per request`);
  return { first, count };
}

export function encodeLeafFrame(f: LeafFrame): Buffer {
  return Buffer.concat([encodeLeafFramePrefix(f), f.data]);
}

/** Everything of a frame before its leaf bytes (header and proofs), so a server can read the bytes in after it. */
export function encodeLeafFramePrefix(f: Omit<LeafFrame, "data">): Buffer {
  if (f.fileProof.length > 0xffff || f.rangeProof.length > 0xffff) throw invalidArgument("proof", "proof too long to frame");
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  FRAME_MAGIC.copy(head, 0);
  head[4] = FRAME_VERSION;
  head.writeUInt32BE(f.fileIndex, 8);
  head.writeUInt32BE(f.fileCount, 12);
  head.writeBigUInt64BE(BigInt(f.leafCount), 16);
  head.writeBigUInt64BE(BigInt(f.first), 24);
  head.writeUInt32BE(f.count, 32);
  head.writeUInt16BE(f.fileProof.length, 36);
  head.writeUInt16BE(f.rangeProof.length, 38);
  return Buffer.concat([head, ...f.fileProof, ...f.rangeProof]);
}

/** A frame that is malformed or whose bytes do not prove out against the expected roots. */
export class FrameError extends InferchainError {
  override readonly name: string = "FrameError";
  constructor(message: string) {
    super("invalid_state", message);
  }
}

/** Decodes a frame; structure only (verifyLeafFrame checks the hashes). */
export function decodeLeafFrame(buf: Buffer): LeafFrame {
  if (buf.length < FRAME_HEADER_BYTES || !buf.subarray(0, 4).equals(FRAME_MAGIC)) throw new FrameError("not a leaf frame (bad magic)");
  if (buf[4] !== FRAME_VERSION) throw new FrameError(`leaf frame version ${buf[4]} is not supported (want ${FRAME_VERSION})`);
  const leafCount = Number(buf.readBigUInt64BE(16));
  const first = Number(buf.readBigUInt64BE(24));
  const a = buf.readUInt16BE(36);
  const b = buf.readUInt16BE(38);
  const proofsEnd = FRAME_HEADER_BYTES + (a + b) * HASH;
  if (buf.length < proofsEnd) throw new FrameError("leaf frame truncated inside its proofs");
  const hashes = (from: number, n: number): Buffer[] => Array.from({ length: n }, (_, i) => buf.subarray(from + i * HASH, from + (i + 1) * HASH));
  return {
    fileIndex: buf.readUInt32BE(8),
    fileCount: buf.readUInt32BE(12),
    leafCount,
    first,
    count: buf.readUInt32BE(32),
    fileProof: hashes(FRAME_HEADER_BYTES, a),
    rangeProof: hashes(FRAME_HEADER_BYTES + a * HASH, b),
    data: buf.subarray(proofsEnd),
  };
}

export interface FrameExpectation {
  /** The file as recorded on chain. */
  file: ArtifactFileDigest;
  /** Its index in the artifact's sorted file list and the file count. */
  fileIndex: number;
  fileCount: number;
  /** The on-chain content root (hex). */
  contentRoot: string;
  /** The range that was asked for. */
  first: number;
  count: number;
}

/**
 * Checks a decoded frame against what the chain says: the range is the one requested, the byte count is what
 * the file size implies, the leaves prove out to the file root, and the file proves out to the content root.
 * Throws FrameError naming the first thing that failed. Returns the leaf hashes (count × 32 bytes, concatenated).
 */
export function verifyLeafFrame(f: LeafFrame, e: FrameExpectation): Buffer {
  const size = Number(e.file.size);
  const n = leafCountOf(size);
  if (f.leafCount !== n || f.first !== e.first || f.count !== e.count) {
    throw new FrameError(`frame is for leaves [${f.first}, +${f.count}) of ${f.leafCount}, asked for [${e.first}, +${e.count}) of ${n}`);
  }
  if (f.fileIndex !== e.fileIndex || f.fileCount !== e.fileCount) {
    throw new FrameError(`frame places the file at ${f.fileIndex}/${f.fileCount}, the chain at ${e.fileIndex}/${e.fileCount}`);
  }
  const want = rangeBytes(size, e.first, e.count);
  if (f.data.length !== want) throw new FrameError(`frame carries ${f.data.length} bytes for this range, the file size implies ${want}`);
  const hashes = Buffer.allocUnsafe(f.count * HASH);
  leafHashesInto(f.data, hashes);
  let fileRoot: Buffer;
  try {
    fileRoot = rootFromRangeProofOfHashes(hashes, f.first, n, f.rangeProof);
  } catch (err) {
    throw new FrameError(`range proof is malformed: ${(err as Error).message}`);
  }
  if (!fileRoot.equals(fromHexDigest(e.file.root, "file.root"))) throw new FrameError(`leaves [${f.first}, ${f.first + f.count}) of ${e.file.path} do not prove out to the file root`);
  if (!verifyInclusion(fileLeaf(e.file), f.fileIndex, f.fileCount, f.fileProof, fromHexDigest(e.contentRoot, "contentRoot"))) {
    throw new FrameError(`${e.file.path} does not prove out to the content root`);
  }
  return hashes;
}
