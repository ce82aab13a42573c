/**
 * Config section `verify` of the audit duty (parsed here, composed by config/config.ts; see config/CONFIG.md).
 */
import { DEFAULT_CHECK_OPTIONS, type CheckOptions } from '../verify/check.js';
import { section, unknownKeys } from '../util/config-section.js';
import { ToleranceTableError, loadCalibratedTable, mergeTables, parseToleranceTable, type PairTolerance, type ToleranceTable } from '../verify/tolerances.js';

export interface VerifyConfig {
  /** Take part in audit committees (default true). Off: duties are neither recorded nor answered (misses count). */
  enabled: boolean;
  /** Overrides of the verifier core's DEFAULT_CHECK_OPTIONS (eps, topkTolerance, topKCommit). */
  check: CheckOptions;
  /**
   * Tolerances per (executor provider -> our provider, weight variant): the shipped calibration
   * (calibration/eps.json providerPairs) plus `verify.providerPairs`. Uncalibrated: we abstain.
   */
  tolerances: ToleranceTable;
  /** `verify.eps` / `verify.topkTolerance` when set: replace the table's numbers for calibrated pairs. */
  toleranceOverride: Partial<PairTolerance>;
  /** Timeout of GET <executor endpoint>/v1/jobs/:id (the committed steps). */
  fetchTimeoutMs: number;
  /** Check attempts and commit / reveal broadcasts (each) before a duty is failed. */
  maxAttempts: number;
  /**
   * Executor endpoints come from chain state, so the fetch goes through the SDK's peer policy: private and
   * link-local targets are refused unless allowPrivatePeers, loopback unless allowLoopbackPeers (the localnet).
   */
  allowLoopbackPeers: boolean;
  allowPrivatePeers: boolean;
}

export const VERIFY_DEFAULTS: VerifyConfig = {
  enabled: true,
  check: { ...DEFAULT_CHECK_OPTIONS },
  tolerances: loadCalibratedTable(),
  toleranceOverride: {},
  fetchTimeoutMs: 10_000,
  maxAttempts: 5,
  allowLoopbackPeers: false,
  allowPrivatePeers: false,
};

export function parseVerifyConfig(raw: unknown, problems: string[]): VerifyConfig {
  const v = section(raw, 'verify', problems);
  unknownKeys(v, ['enabled', 'eps', 'topkTolerance', 'topKCommit', 'providerPairs', 'fetchTimeoutMs', 'maxAttempts', 'allowLoopbackPeers', 'allowPrivatePeers'], 'verify', problems);
  const num = (key: string, def: number, min: number, max: number, integer: boolean): number => {
    const x = v[key] ?? def;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
      problems.push(`verify.${key}: must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(x)}`);
      return def;
    }
    return x;
  };
  const flag = (key: 'enabled' | 'allowLoopbackPeers' | 'allowPrivatePeers'): boolean => {
    const x = v[key] ?? VERIFY_DEFAULTS[key];
    if (typeof x !== 'boolean') {
      problems.push(`verify.${key}: must be true or false`);
      return VERIFY_DEFAULTS[key];
    }
    return x;
  };
  const enabled = flag('enabled');
  const check = {
    ...DEFAULT_CHECK_OPTIONS,
    eps: num('eps', DEFAULT_CHECK_OPTIONS.eps, 0, 1000, false),
    topkTolerance: num('topkTolerance', DEFAULT_CHECK_OPTIONS.topkTolerance, 0, 1000, false),
    topKCommit: num('topKCommit', DEFAULT_CHECK_OPTIONS.topKCommit, 1, 1024, true),
  };
  let tolerances = VERIFY_DEFAULTS.tolerances;
  if (v.providerPairs !== undefined) {
    try {
      tolerances = mergeTables(tolerances, parseToleranceTable(v.providerPairs, 'verify.providerPairs'));
    } catch (e) {
      if (!(e instanceof ToleranceTableError)) throw e;
      problems.push(e.message);
    }
  }
  return {
    enabled,
    check,
    tolerances,
    toleranceOverride: {
      ...(v.eps !== undefined ? { eps: check.eps } : {}),
      ...(v.topkTolerance !== undefined ? { topkTolerance: check.topkTolerance } : {}),
    },
    fetchTimeoutMs: num('fetchTimeoutMs', VERIFY_DEFAULTS.fetchTimeoutMs, 100, 600_000, true),
    maxAttempts: num('maxAttempts', VERIFY_DEFAULTS.maxAttempts, 1, 100, true),
    allowLoopbackPeers: flag('allowLoopbackPeers'),
    allowPrivatePeers: flag('allowPrivatePeers'),
  };
}
