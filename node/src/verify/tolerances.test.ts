import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../engine/model-config.js';
import { ensureTinyModel } from '../models/locations.js';
import { DEFAULT_CHECK_OPTIONS } from './check.js';
import { ToleranceTableError, loadCalibratedTable, modelWeightVariant, parseToleranceTable, tolerancesFor, weightVariantOf } from './tolerances.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'inferchain-tol-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('provider-pair tolerance table', () => {
  it('ships cpu->cpu measured for f32, q4 and q8 (calibration/eps.json), nothing else', () => {
    const t = loadCalibratedTable();
    expect(Object.keys(t)).toEqual(['cpu->cpu']);
    expect(t['cpu->cpu']).toEqual({ f32: { eps: 0.001, topkTolerance: 0.001 }, q4: { eps: 0.001, topkTolerance: 0.003 }, q8: { eps: 0.001, topkTolerance: 0.001 } });
    // the global recommendation (DEFAULT_CHECK_OPTIONS) is never looser than needed nor tighter than any variant's row
    for (const row of Object.values(t['cpu->cpu']!)) {
      expect(row!.eps).toBeLessThanOrEqual(DEFAULT_CHECK_OPTIONS.eps);
      expect(row!.topkTolerance).toBeLessThanOrEqual(DEFAULT_CHECK_OPTIONS.topkTolerance);
    }
  });

  it('an uncalibrated pair or variant abstains, with a reason that names it', () => {
    const t = loadCalibratedTable();
    const q = (executorProvider: string, verifierProvider = 'cpu', variant: 'f32' | 'q4' | 'q8' = 'f32') => tolerancesFor(t, { executorProvider, verifierProvider, variant }, DEFAULT_CHECK_OPTIONS);
    expect(q('cpu')).toEqual({ judge: true, options: { ...DEFAULT_CHECK_OPTIONS, eps: 0.001, topkTolerance: 0.001 } });
    expect(q('CPU ').judge).toBe(true); // the chain string, normalised
    for (const d of [q('cuda'), q('cpu', 'cuda'), q('webgpu', 'webgpu'), q('')]) {
      expect(d.judge).toBe(false);
      if (!d.judge) expect(d.reason).toMatch(/no calibrated tolerance|records no execution provider/);
    }
    const partial = parseToleranceTable({ 'cuda->cuda': { f32: { eps: 0.01, topkTolerance: 0.02 } } }, 'x');
    expect(tolerancesFor(partial, { executorProvider: 'cuda', verifierProvider: 'cuda', variant: 'q4' }, DEFAULT_CHECK_OPTIONS).judge).toBe(false);
  });

  it('refuses malformed tables with the field named', () => {
    expect(() => parseToleranceTable({ cpu: {} }, 'verify.providerPairs')).toThrow(/verify.providerPairs: key "cpu"/);
    expect(() => parseToleranceTable({ 'cpu->cpu': { f16: { eps: 1, topkTolerance: 1 } } }, 'p')).toThrow(/unknown weight variant "f16"/);
    expect(() => parseToleranceTable({ 'cpu->cpu': { f32: { eps: -1, topkTolerance: 1 } } }, 'p')).toThrow(ToleranceTableError);
    expect(() => parseToleranceTable([], 'p')).toThrow(ToleranceTableError);
  });

  it('weight variant from the ONNX graph: the tiny f32 and q4 models, and a marker across a chunk boundary', async () => {
    expect(weightVariantOf(join(await ensureTinyModel(), 'model.onnx'))).toBe('f32');
    expect(weightVariantOf(join(await ensureTinyModel({ q4: true }), 'model.onnx'))).toBe('q4');
    const f = join(tmp, 'split.onnx');
    const pad = Buffer.alloc((4 << 20) - 5, 1);
    await writeFile(f, Buffer.concat([pad, Buffer.from('MatMulNBits'), pad]));
    expect(weightVariantOf(f)).toBe('q4');
  });

  it('a model directory\'s variant is its config.json weights; a legacy config (no field) falls back to the graph', async () => {
    for (const v of ['f32', 'q4', 'q8'] as const) {
      const dir = await ensureTinyModel({ weights: v });
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as ModelConfig;
      expect(modelWeightVariant(dir, cfg)).toBe(v);
      expect(modelWeightVariant(dir, { ...cfg, weights: undefined })).toBe(v === 'f32' ? 'f32' : 'q4'); // legacy: only q4 existed
    }
    const f32 = await ensureTinyModel();
    expect(() => modelWeightVariant(f32, { files: { model: 'model.onnx', tokenizer: 'tokenizer.json' }, weights: 'q8' })).toThrow(/graph has no MatMulNBits/);
  });
});
