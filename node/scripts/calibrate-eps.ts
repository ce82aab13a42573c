/**
 * Measures honest drift between an executor's generation and a verifier's teacher-forced scoring, to choose the
 * verifier's eps and topkTolerance (node/src/verify/check.ts DEFAULT_CHECK_OPTIONS). For each model (tiny, and tiny
 * with q4 and q8 weights; SmolLM2 f32, q4 and q8 when imported: `make model`, `MODEL_WEIGHTS=q4,q8 make model`), every prompt is generated greedy and sampled with N intra-op threads and scored with M threads,
 * (N, M) in {1, 2}^2, on the CPU execution provider. Recorded: max gap of the claimed token (max logit minus the
 * claimed logit), min sampling margin (claimed Gumbel score minus the best other), max |committed logit - verifier
 * logit| over the committed top-k, and committed top-k id-set mismatches. Writes node/calibration/eps.json.
 *
 * Recommendation: eps = max(FLOOR, SAFETY x largest drift of the claimed token), topkTolerance = max(FLOOR, SAFETY x
 * largest committed-logit diff), each rounded up to one significant digit. --recommend-only recomputes it from an
 * existing eps.json without measuring again.
 *
 * Usage: npx tsx node/scripts/calibrate-eps.ts [--prompts 20] [--max-tokens 32] [--smol-max-tokens 32] [--out FILE]
 *          [--models tiny,tinyQ4,tinyQ8,smollm2,smollm2Q4,smollm2Q8]   (measure only these; the others are kept from --out)
 *        npx tsx node/scripts/calibrate-eps.ts --recommend-only [--out FILE]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate, score, type LoadedModel, loadModel } from '../src/engine/index.js';
import { ensureTinyModel } from '../src/models/locations.js';
import { jobPromptInput } from '../src/verify/check.js';
import { REPO_ROOT, smollm2VariantDir } from './paths.js';

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '20' },
    'max-tokens': { type: 'string', default: '32' },
    'smol-max-tokens': { type: 'string', default: '32' },
    out: { type: 'string', default: join(REPO_ROOT, 'node', 'calibration', 'eps.json') },
    'recommend-only': { type: 'boolean', default: false },
    models: { type: 'string' },
  },
});

const PROMPTS = [
  'hello world',
  'The capital of France is',
  'What is the weather like in the city?',
  'Write a haiku about validators.',
  'Explain what a blockchain is in one sentence.',
  'List three colors.',
  'How are you today?',
  'The quick brown fox',
  'Translate "good morning" into French.',
  'What is 17 times 3?',
  'Give me a name for a cat.',
  'Describe the ocean.',
  'Why is the sky blue?',
  'Summarize: a small model answers questions and a validator checks every answer.',
  'Tell me a joke about computers.',
  'What does a compiler do?',
  'Name a planet in the solar system.',
  'Continue the story: Once upon a time,',
  'Is Paris bigger than London?',
  'Write one line of Python that prints hello.',
  'What is the boiling point of water?',
  'Recommend a book.',
];

const TOPK_COMMIT = 8;
/** Sampling settings exercised (temperature, top-k); seeds vary per prompt. */
const MODES = [
  { name: 'greedy', temperature: 0, topK: 0 },
  { name: 'sampled T=0.7 k=40', temperature: 0.7, topK: 40 },
  { name: 'sampled T=1.0 k=0', temperature: 1.0, topK: 0 },
] as const;
const SAFETY = 10;
const FLOOR = 1e-3;
const RULE = `eps = max(${FLOOR}, ${SAFETY} x max(greedy gap, negative sampling margin x T)); topkTolerance = max(${FLOOR}, ${SAFETY} x max committed-logit diff); both rounded up to one significant digit`;

interface Drift {
  runs: number;
  steps: number;
  /** Greedy jobs only: max(z) - z[claimed]. */
  maxGap: number;
  minSamplingMargin: number;
  /** -min(margin, 0) * T: a negative sampling margin in logit units (0 when none was negative). */
  maxNegMarginLogits: number;
  maxCommittedLogitDiff: number;
  topkIdMismatches: number;
  /** Teacher-forced tokens whose verifier argmax differs (greedy) = gap > 0. */
  greedyFlips: number;
}

const empty = (): Drift => ({ runs: 0, steps: 0, maxGap: 0, minSamplingMargin: Infinity, maxNegMarginLogits: 0, maxCommittedLogitDiff: 0, topkIdMismatches: 0, greedyFlips: 0 });

function merge(a: Drift, b: Drift): Drift {
  return {
    runs: a.runs + b.runs,
    steps: a.steps + b.steps,
    maxGap: Math.max(a.maxGap, b.maxGap),
    minSamplingMargin: Math.min(a.minSamplingMargin, b.minSamplingMargin),
    maxNegMarginLogits: Math.max(a.maxNegMarginLogits, b.maxNegMarginLogits),
    maxCommittedLogitDiff: Math.max(a.maxCommittedLogitDiff, b.maxCommittedLogitDiff),
    topkIdMismatches: a.topkIdMismatches + b.topkIdMismatches,
    greedyFlips: a.greedyFlips + b.greedyFlips,
  };
}

async function calibrate(name: string, dir: string, nPrompts: number, maxTokens: number): Promise<{ pairs: Record<string, Drift>; byMode: Record<string, Drift>; total: Drift; seconds: number }> {
  const t0 = performance.now();
  const models: Record<number, LoadedModel> = { 1: await loadModel(dir, { threads: 1 }), 2: await loadModel(dir, { threads: 2 }) };
  const pairs: Record<string, Drift> = {};
  const byMode: Record<string, Drift> = {};
  try {
    for (const gt of [1, 2]) {
      for (const [pi, prompt] of PROMPTS.slice(0, nPrompts).entries()) {
        for (const mode of MODES) {
          const m = models[gt]!;
          const seed = BigInt(1000 * pi + gt * 7 + mode.temperature * 10);
          const g = await generate(m, { ...jobPromptInput(m, prompt), maxTokens, temperature: mode.temperature, topK: mode.topK, seed, topKCommit: TOPK_COMMIT });
          for (const st of [1, 2]) {
            const s = await score(models[st]!, {
              promptTokenIds: g.promptTokenIds,
              outputTokenIds: g.tokenIds,
              maxTokens,
              temperature: mode.temperature,
              topK: mode.topK,
              seed,
              topKCommit: TOPK_COMMIT,
            });
            const d = empty();
            d.runs = 1;
            d.steps = s.steps.length;
            for (const [i, step] of s.steps.entries()) {
              if (mode.temperature === 0) {
                // Greedy: the claimed token is the executor's argmax, so any gap is drift. (Sampled tokens have real gaps.)
                d.maxGap = Math.max(d.maxGap, step.gap);
                if (step.gap > 0) d.greedyFlips++;
              }
              if (step.samplingMargin !== undefined) {
                d.minSamplingMargin = Math.min(d.minSamplingMargin, step.samplingMargin);
                if (step.samplingMargin < 0) d.maxNegMarginLogits = Math.max(d.maxNegMarginLogits, -step.samplingMargin * mode.temperature);
              }
              const committed = g.steps[i]!.topk;
              const mine = new Map(step.topk.map((e) => [e.id, e.logit]));
              for (const c of committed) {
                const v = mine.get(c.id);
                if (v === undefined) d.topkIdMismatches++;
                else d.maxCommittedLogitDiff = Math.max(d.maxCommittedLogitDiff, Math.abs(v - c.logit));
              }
            }
            const key = `generate ${gt}t -> score ${st}t`;
            pairs[key] = merge(pairs[key] ?? empty(), d);
            byMode[mode.name] = merge(byMode[mode.name] ?? empty(), d);
          }
        }
        if (process.env.CALIBRATE_VERBOSE) process.stdout.write(`    ${name}: ${gt}t prompt ${pi + 1}/${nPrompts} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
      process.stdout.write(`  ${name}: generation with ${gt} thread(s) done (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    await models[1]!.release();
    await models[2]!.release();
  }
  const total = Object.values(pairs).reduce(merge, empty());
  return { pairs, byMode, total, seconds: Math.round((performance.now() - t0) / 1000) };
}

/** JSON-safe drift (Infinity -> null: no sampled step). */
function jsonDrift(d: Drift): Record<string, number | null> {
  return { ...d, minSamplingMargin: Number.isFinite(d.minSamplingMargin) ? d.minSamplingMargin : null };
}

function table(title: string, rows: Record<string, Drift>): void {
  console.log(`\n${title}`);
  console.log('| run | jobs | steps | max greedy gap | greedy flips | min sampling margin | max committed-logit diff | top-k id mismatches |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [k, d] of Object.entries(rows)) {
    console.log(`| ${k} | ${d.runs} | ${d.steps} | ${d.maxGap.toExponential(2)} | ${d.greedyFlips} | ${Number.isFinite(d.minSamplingMargin) ? d.minSamplingMargin.toFixed(4) : '-'} | ${d.maxCommittedLogitDiff.toExponential(2)} | ${d.topkIdMismatches} |`);
  }
}

/** Rounds up to one significant digit (1.16e-3 -> 2e-3), so the defaults are readable numbers. */
function roundUp1(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return Number((Math.ceil(x / p - 1e-9) * p).toPrecision(1));
}

function recommend(total: Drift): { eps: number; topkTolerance: number; topKCommit: number } {
  return {
    eps: roundUp1(Math.max(FLOOR, Math.max(total.maxGap, total.maxNegMarginLogits) * SAFETY)),
    topkTolerance: roundUp1(Math.max(FLOOR, total.maxCommittedLogitDiff * SAFETY)),
    topKCommit: TOPK_COMMIT,
  };
}

/** Which weight variant each calibrated model is (its config.json `weights`, verify/tolerances.ts `modelWeightVariant`). */
const VARIANT_OF: Record<string, 'f32' | 'q4' | 'q8'> = { tiny: 'f32', smollm2: 'f32', tinyQ4: 'q4', smollm2Q4: 'q4', tinyQ8: 'q8', smollm2Q8: 'q8' };

/**
 * The per-(provider pair, weight variant) table the verifier reads (verify/tolerances.ts): the same rule applied
 * to each variant's drift alone. Only cpu->cpu is measured here; every other pair is absent, so verifiers abstain.
 */
function providerPairs(models: Record<string, { total?: Drift }>): Record<string, unknown> {
  const byVariant: Record<string, { drift: Drift; models: string[] }> = {};
  for (const [name, m] of Object.entries(models)) {
    const variant = VARIANT_OF[name];
    if (!variant || !m.total) continue;
    const cur = byVariant[variant] ?? { drift: empty(), models: [] };
    byVariant[variant] = { drift: merge(cur.drift, { ...m.total, minSamplingMargin: m.total.minSamplingMargin ?? Infinity }), models: [...cur.models, name] };
  }
  const variants = Object.fromEntries(
    Object.entries(byVariant).map(([v, { drift, models: names }]) => {
      const r = recommend(drift);
      return [v, { eps: r.eps, topkTolerance: r.topkTolerance, models: names, steps: drift.steps, maxDrift: Math.max(drift.maxGap, drift.maxNegMarginLogits, drift.maxCommittedLogitDiff) }];
    }),
  );
  return {
    about: "executor's runtime.execution_provider -> verifier's provider, then weight variant; a pair or variant not listed is not calibrated: the verifier abstains",
    'cpu->cpu': variants,
  };
}

if (values['recommend-only']) {
  const prev = JSON.parse(await readFile(values.out, 'utf8')) as { models: Record<string, { total?: Drift }>; recommended: unknown };
  const total = Object.values(prev.models).reduce((acc, m) => (m.total ? merge(acc, { ...m.total, minSamplingMargin: m.total.minSamplingMargin ?? Infinity }) : acc), empty());
  const recommended = recommend(total);
  await writeFile(values.out, JSON.stringify({ ...prev, rule: RULE, recommended, providerPairs: providerPairs(prev.models) }, null, 2) + '\n');
  console.log(`recomputed from ${values.out}: eps ${recommended.eps}, topkTolerance ${recommended.topkTolerance}`);
  process.exit(0);
}

const nPrompts = Number(values.prompts);
const MODEL_NAMES = Object.keys(VARIANT_OF);
const only = values.models?.split(',').map((m) => m.trim()).filter(Boolean);
const bad = only?.filter((m) => !MODEL_NAMES.includes(m)) ?? [];
if (bad.length) throw new Error(`--models: unknown ${bad.join(', ')} (known: ${MODEL_NAMES.join(', ')})`);
// With --models, the other models' measurements are kept from the existing file (e.g. to add a variant without
// re-running the f32 models).
const prev = only && existsSync(values.out) ? (JSON.parse(await readFile(values.out, 'utf8')) as { models?: Record<string, unknown> }).models ?? {} : {};
const results: Record<string, unknown> = {};
for (const name of MODEL_NAMES) if (only && !only.includes(name) && prev[name] !== undefined) results[name] = prev[name];

console.log(`calibrating eps on the CPU execution provider (${cpus().length} cores), ${nPrompts} prompts x ${MODES.length} modes, threads 1 vs 2 both ways`);
const MODELS: { name: string; title: string; dir: () => Promise<string | undefined>; maxTokens: number }[] = [
  { name: 'tiny', title: 'tiny model', dir: () => ensureTinyModel(), maxTokens: Number(values['max-tokens']) },
  // q4 weights (MatMulNBits): its 1-row decode and many-row prefill kernels differ (~1e-4, engine README).
  { name: 'tinyQ4', title: 'tiny model, q4 weights', dir: () => ensureTinyModel({ weights: 'q4' }), maxTokens: Number(values['max-tokens']) },
  { name: 'tinyQ8', title: 'tiny model, q8 weights', dir: () => ensureTinyModel({ weights: 'q8' }), maxTokens: Number(values['max-tokens']) },
  ...(['f32', 'q4', 'q8'] as const).map((w) => ({
    name: w === 'f32' ? 'smollm2' : `smollm2${w.toUpperCase()}`,
    title: `SmolLM2-135M-Instruct (${w})`,
    dir: async () => (existsSync(join(smollm2VariantDir(w), 'model.onnx')) ? smollm2VariantDir(w) : undefined),
    maxTokens: Number(values['smol-max-tokens']),
  })),
];
for (const m of MODELS) {
  if (only && !only.includes(m.name)) continue;
  const dir = await m.dir();
  if (!dir) {
    console.log(`\n${m.title}: not imported, skipped (run 'make model', or 'MODEL_WEIGHTS=q4,q8 make model' for the quantized ones)`);
    results[m.name] = { skipped: 'not imported' };
    continue;
  }
  const r = await calibrate(m.name, dir, nPrompts, m.maxTokens);
  table(m.title, { ...r.pairs, ...r.byMode });
  results[m.name] = { prompts: nPrompts, maxTokens: m.maxTokens, seconds: r.seconds, total: jsonDrift(r.total), pairs: Object.fromEntries(Object.entries(r.pairs).map(([k, v]) => [k, jsonDrift(v)])), modes: Object.fromEntries(Object.entries(r.byMode).map(([k, v]) => [k, jsonDrift(v)])) };
}
const all = Object.values(results as Record<string, { total?: Drift & { minSamplingMargin: number | null } }>).reduce(
  (acc, m) => (m.total ? merge(acc, { ...m.total, minSamplingMargin: m.total.minSamplingMargin ?? Infinity }) : acc),
  empty(),
);

const drift = Math.max(all.maxGap, all.maxNegMarginLogits, all.maxCommittedLogitDiff);
const recommended = recommend(all);
const out = {
  about: 'Honest drift between generation (KV-cache decode) and teacher-forced scoring (one prefill); see CALIBRATION.md',
  executionProvider: 'cpu',
  notMeasured: 'CUDA and WebGPU execution providers: no GPU on the calibration machine; recalibrate before mixing providers',
  threads: 'generate with N, score with M, N and M in {1, 2}',
  // --models runs may measure some models with fewer prompts than the others: each model records its own count
  prompts: only ? 'per model: models.<name>.prompts (20 where not recorded)' : nPrompts,
  modes: MODES.map((m) => m.name),
  rule: RULE,
  maxObservedDrift: drift,
  models: results,
  recommended,
  providerPairs: providerPairs(results as Record<string, { total?: Drift }>),
};
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify(out, null, 2) + '\n');
console.log(`\nmax observed drift ${drift.toExponential(2)} -> eps ${recommended.eps}, topkTolerance ${recommended.topkTolerance} (written to ${values.out})`);
