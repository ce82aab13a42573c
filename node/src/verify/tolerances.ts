/**
 * Which tolerances (eps, topkTolerance) a verifier may judge a result with, given the hardware that produced it.
 *
 * Honest drift depends on the executor's execution provider (recorded on chain in the result's
 * `runtime.execution_provider`), the verifier's own provider and the weight variant (f32 and 8-bit kernels are
 * bit-identical between decode and prefill on CPU; 4-bit MatMulNBits kernels are not). The variant comes from the
 * registered model itself (config.json `weights`, covered by its content root), so executor and verifier agree on
 * it by construction: both run the bytes of the same content root. The table is measured
 * (node/calibration/eps.json `providerPairs`, CALIBRATION.md): a (pair, variant) that is not in it has no known
 * honest drift, so the verifier ABSTAINS rather than risk calling honest hardware a fraud.
 */
import { closeSync, openSync, readSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { weightVariant, WEIGHT_VARIANTS, type ModelConfig, type WeightVariant } from '../engine/model-config.js';
import type { CheckOptions } from './check.js';

export { WEIGHT_VARIANTS, type WeightVariant };

export interface PairTolerance {
  eps: number;
  topkTolerance: number;
}

/** `"<executor provider>-><verifier provider>"` -> variant -> tolerances. */
export type ToleranceTable = Readonly<Record<string, Partial<Record<WeightVariant, PairTolerance>>>>;

export class ToleranceTableError extends Error {
  override name = 'ToleranceTableError';
}

export const pairKey = (executorProvider: string, verifierProvider: string): string => `${executorProvider}->${verifierProvider}`;

const PAIR = /^[a-z0-9_]+->[a-z0-9_]+$/;

/** Validates a `providerPairs` object (from eps.json or the `verify.providerPairs` config); `where` names it in errors. */
export function parseToleranceTable(raw: unknown, where: string): ToleranceTable {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ToleranceTableError(`${where}: must be an object of "<executor>-><verifier>" pairs`);
  const out: Record<string, Partial<Record<WeightVariant, PairTolerance>>> = {};
  for (const [pair, variants] of Object.entries(raw as Record<string, unknown>)) {
    if (pair === 'about') continue;
    if (!PAIR.test(pair)) throw new ToleranceTableError(`${where}: key ${JSON.stringify(pair)} is not "<executor provider>-><verifier provider>" (e.g. "cpu->cpu")`);
    if (!variants || typeof variants !== 'object' || Array.isArray(variants)) throw new ToleranceTableError(`${where}.${pair}: must be an object of weight variants (${WEIGHT_VARIANTS.join(', ')})`);
    const entry: Partial<Record<WeightVariant, PairTolerance>> = {};
    for (const [variant, t] of Object.entries(variants as Record<string, unknown>)) {
      if (!(WEIGHT_VARIANTS as readonly string[]).includes(variant)) throw new ToleranceTableError(`${where}.${pair}: unknown weight variant ${JSON.stringify(variant)} (${WEIGHT_VARIANTS.join(', ')})`);
      const { eps, topkTolerance } = (t ?? {}) as { eps?: unknown; topkTolerance?: unknown };
      for (const [k, x] of [['eps', eps], ['topkTolerance', topkTolerance]] as const) {
        if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1000) throw new ToleranceTableError(`${where}.${pair}.${variant}.${k}: must be a number in [0, 1000], got ${JSON.stringify(x)}`);
      }
      entry[variant as WeightVariant] = { eps: eps as number, topkTolerance: topkTolerance as number };
    }
    out[pair] = entry;
  }
  return Object.freeze(out);
}

export const CALIBRATION_FILE = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'calibration', 'eps.json');

/** The measured table shipped with the sidecar (eps.json `providerPairs`). */
export function loadCalibratedTable(file = CALIBRATION_FILE): ToleranceTable {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { providerPairs?: unknown };
  return parseToleranceTable(j.providerPairs, `${file} providerPairs`);
}

/** Operator-measured pairs (`verify.providerPairs`) replace or add to the shipped ones, per variant. */
export function mergeTables(base: ToleranceTable, extra: ToleranceTable): ToleranceTable {
  const out: Record<string, Partial<Record<WeightVariant, PairTolerance>>> = {};
  for (const [k, v] of Object.entries(base)) out[k] = { ...v };
  for (const [k, v] of Object.entries(extra)) out[k] = { ...(out[k] ?? {}), ...v };
  return Object.freeze(out);
}

export type ToleranceDecision = { judge: true; options: CheckOptions } | { judge: false; reason: string };

export interface ToleranceQuery {
  /** The executor's `runtime.execution_provider` from the chain ('' when it recorded none). */
  executorProvider: string;
  verifierProvider: string;
  variant: WeightVariant;
}

/**
 * The check options for this (pair, variant), or why the verifier must abstain. `override` (the operator's
 * `verify.eps` / `verify.topkTolerance`) replaces the table's numbers, for calibrated pairs only: it never
 * makes an uncalibrated pair judgeable.
 */
export function tolerancesFor(table: ToleranceTable, q: ToleranceQuery, base: CheckOptions, override: Partial<PairTolerance> = {}): ToleranceDecision {
  const executor = q.executorProvider.trim().toLowerCase();
  if (executor === '') return { judge: false, reason: `the result records no execution provider: no calibrated tolerance (verifier on ${q.verifierProvider}, ${q.variant} weights)` };
  const key = pairKey(executor, q.verifierProvider);
  const t = table[key]?.[q.variant];
  if (!t) {
    const known = Object.entries(table).flatMap(([p, vs]) => Object.keys(vs).map((v) => `${p} ${v}`));
    return { judge: false, reason: `no calibrated tolerance for ${key} with ${q.variant} weights (calibrated: ${known.join(', ') || 'none'}); abstaining instead of judging` };
  }
  return { judge: true, options: { ...base, eps: override.eps ?? t.eps, topkTolerance: override.topkTolerance ?? t.topkTolerance } };
}

const NBITS = Buffer.from('MatMulNBits', 'utf8');
const variantCache = new Map<string, WeightVariant>();

/**
 * The weight variant of a model directory: its config.json `weights` (written by the importer and the tiny-model
 * builder). Configs written before that field existed have none; for them the graph decides (`weightVariantOf`),
 * so that an old q4 import is not judged with the f32 tolerance.
 */
export function modelWeightVariant(dir: string, config: Pick<ModelConfig, 'weights' | 'files'>): WeightVariant {
  const quantizedGraph = weightVariantOf(join(dir, config.files.model)) !== 'f32';
  if (config.weights === undefined) return quantizedGraph ? 'q4' : 'f32';
  // A config that claims quantized weights for a plain-MatMul graph would buy its executors the looser tolerance.
  if (!quantizedGraph) throw new ToleranceTableError(`${dir}: config.json says weights '${config.weights}' but the graph has no MatMulNBits; refusing to pick a tolerance`);
  return weightVariant(config);
}

/**
 * Legacy configs only (no `weights` field): 'q4' when the ONNX graph uses MatMulNBits (the op type is stored as plain text in the protobuf), else
 * 'f32'. Scanned once per file, in chunks (models are hundreds of MB).
 */
export function weightVariantOf(onnxFile: string): WeightVariant {
  const cached = variantCache.get(onnxFile);
  if (cached) return cached;
  const fd = openSync(onnxFile, 'r');
  const chunk = Buffer.alloc(4 << 20);
  let found = false;
  try {
    let carry = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const buf = Buffer.concat([carry, chunk.subarray(0, n)]);
      if (buf.includes(NBITS)) {
        found = true;
        break;
      }
      carry = Buffer.from(buf.subarray(Math.max(0, buf.length - NBITS.length + 1)));
    }
  } finally {
    closeSync(fd);
  }
  const v: WeightVariant = found ? 'q4' : 'f32';
  variantCache.set(onnxFile, v);
  return v;
}
