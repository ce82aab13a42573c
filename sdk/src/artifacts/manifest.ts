/** The artifact manifest served by `GET /v1/artifacts/<root>`: what the sidecar holds, file by file. */
import { invalidArgument } from "../errors.js";
import { isDigest } from "../digest/hex.js";

export interface ManifestFile {
  /** Position in the artifact (files sorted by UTF-8 path): the file leaf's index in the artifact tree. */
  index: number;
  path: string;
  size: number;
  /** Merkle root of the file's 4 KiB leaves (hex). */
  root: string;
  leafCount: number;
}

export interface ArtifactManifest {
  contentRoot: string;
  kind: "model" | "dataset";
  name?: string;
  version?: string;
  leafSize: number;
  /** Most leaves the server returns per request. */
  maxRangeLeaves: number;
  totalBytes: number;
  files: ManifestFile[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const nat = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Validates untrusted manifest JSON (from a peer); throws a typed error naming the bad field. */
export function parseManifest(v: unknown): ArtifactManifest {
  if (!isObj(v)) throw invalidArgument("manifest", "must be a JSON object");
  if (typeof v.contentRoot !== "string" || !isDigest(v.contentRoot)) throw invalidArgument("manifest.contentRoot", "must be a 64-hex content root");
  if (v.kind !== "model" && v.kind !== "dataset") throw invalidArgument("manifest.kind", "must be model or dataset");
  if (!nat(v.leafSize) || !nat(v.maxRangeLeaves) || !nat(v.totalBytes)) throw invalidArgument("manifest", "leafSize, maxRangeLeaves and totalBytes must be non-negative integers");
  if (!Array.isArray(v.files)) throw invalidArgument("manifest.files", "must be an array");
  const files = v.files.map((f: unknown, i): ManifestFile => {
    if (!isObj(f) || typeof f.path !== "string" || !nat(f.size) || typeof f.root !== "string" || !isDigest(f.root) || !nat(f.leafCount) || !nat(f.index)) {
      throw invalidArgument(`manifest.files[${i}]`, "must be {index, path, size, root, leafCount}");
    }
    return { index: f.index, path: f.path, size: f.size, root: f.root, leafCount: f.leafCount };
  });
  return {
    contentRoot: v.contentRoot,
    kind: v.kind,
    ...(typeof v.name === "string" ? { name: v.name } : {}),
    ...(typeof v.version === "string" ? { version: v.version } : {}),
    leafSize: v.leafSize,
    maxRangeLeaves: v.maxRangeLeaves,
    totalBytes: v.totalBytes,
    files,
  };
}
