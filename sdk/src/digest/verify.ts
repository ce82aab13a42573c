import type { ArtifactFileDigest } from "./content-root.js";
import type { ArtifactDigest } from "./digest.js";

export interface ArtifactMismatch {
  path: string;
  /** What is wrong with this path: absent locally, not on chain, or different size/root. */
  problem: "missing" | "extra" | "size" | "root";
  expected?: { size: bigint; root: string };
  actual?: { size: bigint; root: string };
}

export interface ArtifactVerification {
  ok: boolean;
  expectedContentRoot: string;
  actualContentRoot: string;
  mismatches: ArtifactMismatch[];
}

/**
 * Compares local bytes (a digestArtifact result) with a registered artifact's file list and content root,
 * naming every file that differs: what an auditor or a validator checks before trusting weights.
 */
export function compareArtifact(local: ArtifactDigest, expected: { contentRoot: string; files: readonly ArtifactFileDigest[] }): ArtifactVerification {
  const want = new Map(expected.files.map((f) => [f.path, f]));
  const have = new Map(local.files.map((f) => [f.path, f]));
  const mismatches: ArtifactMismatch[] = [];
  for (const [path, e] of want) {
    const a = have.get(path);
    const exp = { size: e.size, root: e.root };
    if (!a) mismatches.push({ path, problem: "missing", expected: exp });
    else if (a.size !== e.size) mismatches.push({ path, problem: "size", expected: exp, actual: { size: a.size, root: a.root } });
    else if (a.root !== e.root) mismatches.push({ path, problem: "root", expected: exp, actual: { size: a.size, root: a.root } });
  }
  for (const [path, a] of have) if (!want.has(path)) mismatches.push({ path, problem: "extra", actual: { size: a.size, root: a.root } });
  return {
    ok: mismatches.length === 0 && local.contentRoot === expected.contentRoot,
    expectedContentRoot: expected.contentRoot,
    actualContentRoot: local.contentRoot,
    mismatches,
  };
}
