/**
 * Content-addressed check of a model directory: recompute the content root from the bytes on disk and
 * compare it with the configured root and with the registry record (file list, per-file roots, status).
 * Per-file comparison lets the log name exactly which file differs.
 */
import { digestArtifact, type ArtifactDigest } from '@inferchain/sdk';
import type { ModelRegistry, RegistryModelView } from './registry.js';

export interface FileDiff {
  path: string;
  problem: 'missing_on_disk' | 'not_in_registry' | 'size_differs' | 'root_differs';
  expected?: { size: string; root: string };
  actual?: { size: string; root: string };
}

export interface ModelVerification {
  contentRoot: string;
  dir: string;
  ok: boolean;
  /** Root recomputed from the bytes on disk (absent when the directory could not be read). */
  localRoot?: string;
  registry?: { name: string; version: string; status: string };
  fileDiffs: FileDiff[];
  /** Human-readable reasons, one per problem; empty when ok. */
  problems: string[];
}

export interface VerifyOptions {
  /** Skip the chain comparison (e.g. `models verify --offline`). */
  registry?: ModelRegistry;
  digest?: (dir: string) => Promise<ArtifactDigest>;
}

export function diffFiles(expected: RegistryModelView['files'], actual: ArtifactDigest['files']): FileDiff[] {
  const diffs: FileDiff[] = [];
  const have = new Map(actual.map((f) => [f.path, f]));
  const want = new Map(expected.map((f) => [f.path, f]));
  const fmt = (f: { size: bigint; root: string }): { size: string; root: string } => ({ size: f.size.toString(), root: f.root });
  for (const w of expected) {
    const h = have.get(w.path);
    if (!h) diffs.push({ path: w.path, problem: 'missing_on_disk', expected: fmt(w) });
    else if (h.size !== w.size) diffs.push({ path: w.path, problem: 'size_differs', expected: fmt(w), actual: fmt(h) });
    else if (h.root !== w.root) diffs.push({ path: w.path, problem: 'root_differs', expected: fmt(w), actual: fmt(h) });
  }
  for (const h of actual) if (!want.has(h.path)) diffs.push({ path: h.path, problem: 'not_in_registry', actual: fmt(h) });
  return diffs;
}

function describeDiff(d: FileDiff): string {
  switch (d.problem) {
    case 'missing_on_disk':
      return `file ${d.path}: registered but missing on disk`;
    case 'not_in_registry':
      return `file ${d.path}: on disk but not in the registered file list`;
    case 'size_differs':
      return `file ${d.path}: size ${d.actual!.size} on disk, ${d.expected!.size} registered`;
    case 'root_differs':
      return `file ${d.path}: content differs (root ${d.actual!.root} on disk, ${d.expected!.root} registered)`;
  }
}

export async function verifyModelDir(model: { contentRoot: string; dir: string }, opts: VerifyOptions = {}): Promise<ModelVerification> {
  const out: ModelVerification = { contentRoot: model.contentRoot, dir: model.dir, ok: false, fileDiffs: [], problems: [] };
  let local: ArtifactDigest;
  try {
    local = await (opts.digest ?? ((d) => digestArtifact(d)))(model.dir);
  } catch (e) {
    out.problems.push(`cannot hash ${model.dir}: ${(e as Error).message}`);
    return out;
  }
  out.localRoot = local.contentRoot;

  let record: RegistryModelView | undefined;
  if (opts.registry) {
    try {
      record = await opts.registry.getModel(model.contentRoot);
    } catch (e) {
      out.problems.push(`cannot query the registry for ${model.contentRoot}: ${(e as Error).message}`);
      return out;
    }
    if (!record) out.problems.push(`model ${model.contentRoot} is not registered on chain`);
    else {
      out.registry = { name: record.name, version: record.version, status: record.status };
      // A pending child (ours, awaiting its training audit) is loaded now: the chain assigns no job for it before it
      // settles ACTIVE, and on a fraud verdict it is revoked and never assigned.
      if (record.status !== 'active' && record.status !== 'pending') out.problems.push(`model ${record.name}@${record.version} is ${record.status} on chain (only active models, or a trained child pending its audit, are served)`);
      out.fileDiffs = diffFiles(record.files, local.files);
      out.problems.push(...out.fileDiffs.map(describeDiff));
    }
  }
  if (local.contentRoot !== model.contentRoot && out.fileDiffs.length === 0) {
    // Without a registry record to compare per file, the roots are all we can name.
    out.problems.push(`content root of ${model.dir} is ${local.contentRoot}, configured ${model.contentRoot}`);
  }
  out.ok = out.problems.length === 0;
  return out;
}
