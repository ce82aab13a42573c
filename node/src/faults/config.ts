/**
 * Config section `faults`: fault injection, for the e2e tests only. Read from the config file alone (no
 * INFERCHAIN_NODE_* override reaches it), off by default; the daemon logs a loud warning at start when any is on.
 * Parsed here, composed by config/config.ts (see config/CONFIG.md).
 */
import { section, unknownKeys } from '../util/config-section.js';

export type ForgeMode = 'wrong-tokens' | 'other-model';

export interface FaultsConfig {
  verify: {
    /** Commit verdicts but never reveal them (a silent verifier loses its reward). */
    neverReveal: boolean;
    /** Vote FRAUD on every audit without checking (a lazy FRAUD voter: outvoted, never paid, counts misses). */
    alwaysFraud: boolean;
  };
  executor: {
    /** Post forged results: random token ids of the same length, or another model's output. */
    forge?: ForgeMode;
    /** The model directory used by forge "other-model". */
    forgeModelDir?: string;
  };
  training: {
    /** Post forged checkpoint digests (and their root) for training results: a replay audit must catch it. */
    forgeCheckpoint: boolean;
  };
}

export const NO_FAULTS: FaultsConfig = { verify: { neverReveal: false, alwaysFraud: false }, executor: {}, training: { forgeCheckpoint: false } };

export function parseFaultsConfig(raw: unknown, problems: string[], resolvePath: (p: string) => string): FaultsConfig {
  const f = section(raw, 'faults', problems);
  unknownKeys(f, ['verify', 'executor', 'training', 'comment'], 'faults', problems);
  const v = section(f.verify, 'faults.verify', problems);
  unknownKeys(v, ['neverReveal', 'alwaysFraud'], 'faults.verify', problems);
  const e = section(f.executor, 'faults.executor', problems);
  unknownKeys(e, ['forge', 'forgeModelDir'], 'faults.executor', problems);
  const neverReveal = v.neverReveal ?? false;
  if (typeof neverReveal !== 'boolean') problems.push('faults.verify.neverReveal: must be true or false');
  const alwaysFraud = v.alwaysFraud ?? false;
  if (typeof alwaysFraud !== 'boolean') problems.push('faults.verify.alwaysFraud: must be true or false');
  const t = section(f.training, 'faults.training', problems);
  unknownKeys(t, ['forgeCheckpoint'], 'faults.training', problems);
  const forgeCheckpoint = t.forgeCheckpoint ?? false;
  if (typeof forgeCheckpoint !== 'boolean') problems.push('faults.training.forgeCheckpoint: must be true or false');
  const out: FaultsConfig = { verify: { neverReveal: neverReveal === true, alwaysFraud: alwaysFraud === true }, executor: {}, training: { forgeCheckpoint: forgeCheckpoint === true } };
  if (e.forge !== undefined) {
    if (e.forge !== 'wrong-tokens' && e.forge !== 'other-model') problems.push(`faults.executor.forge: must be "wrong-tokens" or "other-model", got ${JSON.stringify(e.forge)}`);
    else out.executor.forge = e.forge;
  }
  if (e.forgeModelDir !== undefined) {
    if (typeof e.forgeModelDir !== 'string' || e.forgeModelDir === '') problems.push('faults.executor.forgeModelDir: must be a directory path');
    else out.executor.forgeModelDir = resolvePath(e.forgeModelDir);
  }
  if (out.executor.forge === 'other-model' && !out.executor.forgeModelDir) problems.push('faults.executor.forgeModelDir: required with forge "other-model"');
  return out;
}

/** Human-readable list of the faults that are on (empty when none). */
export function activeFaults(f: FaultsConfig): string[] {
  const out: string[] = [];
  if (f.verify.neverReveal) out.push('faults.verify.neverReveal: audit verdicts are committed but never revealed');
  if (f.verify.alwaysFraud) out.push('faults.verify.alwaysFraud: every audit is voted FRAUD without checking');
  if (f.executor.forge === 'wrong-tokens') out.push('faults.executor.forge=wrong-tokens: results are FORGED (random token ids)');
  if (f.training.forgeCheckpoint) out.push('faults.training.forgeCheckpoint: training results carry FORGED checkpoint digests');
  if (f.executor.forge === 'other-model') out.push(`faults.executor.forge=other-model: results are FORGED (output of ${f.executor.forgeModelDir})`);
  return out;
}
