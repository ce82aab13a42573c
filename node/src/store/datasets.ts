/**
 * Datasets this sidecar shares (config `datasets`): each directory is hashed at startup and served under
 * /v1/artifacts only when it gives the configured content root. Fetchers check every leaf against the chain's
 * record anyway; this keeps a sidecar from advertising bytes it does not have.
 */
import type { Logger } from 'pino';
import { digestArtifact, type HeldArtifact } from '@inferchain/sdk';
import { join } from 'node:path';

export interface ServedDataset {
  /** 64-hex content root as registered on chain. */
  contentRoot: string;
  dir: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses config `datasets` ([{contentRoot, dir}], optional); problems are appended, relative dirs resolved by `path`. */
export function parseDatasets(raw: unknown, problems: string[], path: (p: string) => string): ServedDataset[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push('datasets: must be an array of {contentRoot, dir}');
    return [];
  }
  const out: ServedDataset[] = [];
  raw.forEach((d: unknown, i) => {
    const o = d as { contentRoot?: unknown; dir?: unknown } | null;
    if (!o || typeof o !== 'object' || typeof o.contentRoot !== 'string' || typeof o.dir !== 'string' || o.dir === '') {
      return void problems.push(`datasets[${i}]: must be an object {contentRoot, dir}`);
    }
    const root = o.contentRoot.toLowerCase();
    if (!HEX64.test(root)) return void problems.push(`datasets[${i}].contentRoot: "${o.contentRoot}" is not a 64-hex content root`);
    if (out.some((x) => x.contentRoot === root)) return void problems.push(`datasets[${i}].contentRoot: listed twice`);
    out.push({ contentRoot: root, dir: path(o.dir) });
  });
  return out;
}

export class DatasetStore {
  private readonly verified = new Map<string, HeldArtifact>();

  constructor(
    private readonly datasets: readonly ServedDataset[],
    private readonly log: Logger,
  ) {}

  /** Hashes every configured dataset; the ones that match their root become shareable. */
  async verifyAll(): Promise<void> {
    for (const d of this.datasets) {
      try {
        const digest = await digestArtifact(d.dir);
        if (digest.contentRoot !== d.contentRoot) {
          this.log.error({ dataset: d.contentRoot, dir: d.dir, got: digest.contentRoot }, `dataset refused: ${d.dir} hashes to ${digest.contentRoot}, configured ${d.contentRoot}`);
          continue;
        }
        this.verified.set(d.contentRoot, { contentRoot: d.contentRoot, kind: 'dataset', files: digest.files.map((f) => ({ ...f, file: join(d.dir, ...f.path.split('/')) })) });
        this.log.info({ dataset: d.contentRoot, dir: d.dir }, 'dataset verified; shared under /v1/artifacts');
      } catch (e) {
        this.log.error({ dataset: d.contentRoot, dir: d.dir, err: (e as Error).message }, 'dataset refused: cannot hash it');
      }
    }
  }

  held(): HeldArtifact[] {
    return [...this.verified.values()];
  }
}
