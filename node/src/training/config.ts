/**
 * Config section `training` of the training duty (parsed here, composed by config/config.ts; see config/CONFIG.md).
 */
import { join } from 'node:path';
import { section, unknownKeys } from '../util/config-section.js';

export interface TrainingConfig {
  /** Take training jobs assigned to this executor (default false: training needs the Python stack, `make trainer`). */
  enabled: boolean;
  /** Dataset bytes by content root: <datasetsDir>/<root>/<files as registered> (verified before training). */
  datasetsDir: string;
  /** Trained children (<dir>/work/<job>/child) and scratch space; default <dataDir>/training. */
  dir: string;
  /** Intra-op threads of the trainer: part of the determinism contract (default 1). */
  threads: number;
  /** Python of the training venv; default node/trainer/.venv/bin/python (or INFERCHAIN_TRAINER_PYTHON). */
  python?: string;
}

export function parseTrainingConfig(raw: unknown, problems: string[], path: (p: string) => string, dataDir: string): TrainingConfig {
  const t = section(raw, 'training', problems);
  unknownKeys(t, ['enabled', 'datasetsDir', 'dir', 'threads', 'python'], 'training', problems);
  const enabled = t.enabled ?? false;
  if (typeof enabled !== 'boolean') problems.push('training.enabled: must be true or false');
  const str = (k: string): string | undefined => {
    const v = t[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      problems.push(`training.${k}: must be a non-empty string`);
      return undefined;
    }
    return v;
  };
  const threads = t.threads ?? 1;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 256) problems.push(`training.threads: must be an integer in [1, 256], got ${JSON.stringify(threads)}`);
  const datasetsDir = str('datasetsDir');
  if (enabled === true && !datasetsDir) problems.push('training.datasetsDir: required when training.enabled is true (where dataset bytes are kept by content root)');
  const dir = str('dir');
  const python = str('python');
  return {
    enabled: enabled === true,
    datasetsDir: datasetsDir ? path(datasetsDir) : join(dataDir, 'datasets'),
    dir: dir ? path(dir) : join(dataDir, 'training'),
    threads: typeof threads === 'number' && Number.isInteger(threads) && threads >= 1 ? threads : 1,
    ...(python ? { python: path(python) } : {}),
  };
}
