/**
 * Config sections of the verifier duty (`verify`) and of fault injection (`faults`). Faults exist for the e2e
 * tests only: they are read from the config file alone (no INFERCHAIN_NODE_* override reaches them), are off by
 * default, and the daemon logs a loud warning at start when any is on. See config/CONFIG.md.
 */
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from './check.js';

export interface VerifyConfig {
  /** Take part in audit committees (default true). Off: duties are neither recorded nor answered (misses count). */
  enabled: boolean;
  /** Overrides of the verifier core's DEFAULT_CHECK_OPTIONS (eps, topkTolerance, topKCommit). */
  check: CheckOptions;
  /** Timeout of GET <executor endpoint>/v1/jobs/:id (the committed steps). */
  fetchTimeoutMs: number;
  /** Check attempts and commit / reveal broadcasts (each) before a duty is failed. */
  maxAttempts: number;
}

export type ForgeMode = 'wrong-tokens' | 'other-model';

export interface FaultsConfig {
  verify: {
    /** Commit verdicts but never reveal them (a silent verifier loses its reward). */
    neverReveal: boolean;
  };
  executor: {
    /** Post forged results: random token ids of the same length, or another model's output. */
    forge?: ForgeMode;
    /** The model directory used by forge "other-model". */
    forgeModelDir?: string;
  };
}

export const VERIFY_DEFAULTS: VerifyConfig = { enabled: true, check: { ...DEFAULT_CHECK_OPTIONS }, fetchTimeoutMs: 10_000, maxAttempts: 5 };
export const NO_FAULTS: FaultsConfig = { verify: { neverReveal: false }, executor: {} };

type Json = Record<string, unknown>;

function obj(v: unknown, where: string, problems: string[]): Json {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problems.push(`${where}: must be an object`);
    return {};
  }
  return v as Json;
}

function unknownKeys(o: Json, known: string[], where: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`${where}.${k}: unknown setting (known: ${known.join(', ')})`);
}

export function parseVerifyConfig(raw: unknown, problems: string[]): VerifyConfig {
  const v = obj(raw, 'verify', problems);
  unknownKeys(v, ['enabled', 'eps', 'topkTolerance', 'topKCommit', 'fetchTimeoutMs', 'maxAttempts'], 'verify', problems);
  const num = (key: string, def: number, min: number, max: number, integer: boolean): number => {
    const x = v[key] ?? def;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
      problems.push(`verify.${key}: must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(x)}`);
      return def;
    }
    return x;
  };
  const enabled = v.enabled ?? VERIFY_DEFAULTS.enabled;
  if (typeof enabled !== 'boolean') problems.push('verify.enabled: must be true or false');
  return {
    enabled: typeof enabled === 'boolean' ? enabled : true,
    check: {
      ...DEFAULT_CHECK_OPTIONS,
      eps: num('eps', DEFAULT_CHECK_OPTIONS.eps, 0, 1000, false),
      topkTolerance: num('topkTolerance', DEFAULT_CHECK_OPTIONS.topkTolerance, 0, 1000, false),
      topKCommit: num('topKCommit', DEFAULT_CHECK_OPTIONS.topKCommit, 1, 1024, true),
    },
    fetchTimeoutMs: num('fetchTimeoutMs', VERIFY_DEFAULTS.fetchTimeoutMs, 100, 600_000, true),
    maxAttempts: num('maxAttempts', VERIFY_DEFAULTS.maxAttempts, 1, 100, true),
  };
}

export function parseFaultsConfig(raw: unknown, problems: string[], resolvePath: (p: string) => string): FaultsConfig {
  const f = obj(raw, 'faults', problems);
  unknownKeys(f, ['verify', 'executor', 'comment'], 'faults', problems);
  const v = obj(f.verify, 'faults.verify', problems);
  unknownKeys(v, ['neverReveal'], 'faults.verify', problems);
  const e = obj(f.executor, 'faults.executor', problems);
  unknownKeys(e, ['forge', 'forgeModelDir'], 'faults.executor', problems);
  const neverReveal = v.neverReveal ?? false;
  if (typeof neverReveal !== 'boolean') problems.push('faults.verify.neverReveal: must be true or false');
  const out: FaultsConfig = { verify: { neverReveal: neverReveal === true }, executor: {} };
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
  if (f.executor.forge === 'wrong-tokens') out.push('faults.executor.forge=wrong-tokens: results are FORGED (random token ids)');
  if (f.executor.forge === 'other-model') out.push(`faults.executor.forge=other-model: results are FORGED (output of ${f.executor.forgeModelDir})`);
  return out;
}
