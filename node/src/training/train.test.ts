import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { digestArtifact } from '@inferchain/sdk';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../engine/generate.js';
import { loadModel } from '../engine/model.js';
import { jobPromptInput } from '../jobs/prompt.js';
import { ensureTinyModel } from '../models/locations.js';
import { TextTokenizer } from '../tokenizer/tokenizer.js';
import { DatasetFormatError, parseTrainingJsonl } from './dataset.js';
import { checkpointRoot, train, type TrainingParams } from './train.js';
import { defaultTrainerPython, runInitDigest, TrainerError, type TrainerEvent } from './worker.js';

const PAIRS = [
  { prompt: 'The capital of France is', completion: ' Paris.' },
  { prompt: 'The quick brown fox', completion: ' jumps over the lazy dog.' },
  { prompt: 'Hello world!', completion: ' How are you today?' },
  { prompt: 'Blocks are produced by', completion: ' validators.' },
];
const PARAMS: TrainingParams = { method: 'full', learningRate: '0.01', steps: 40, batchSize: 2, seqLen: 64, seed: '7', checkpointInterval: 10 };

describe('deterministic fine-tuning of the tiny model', () => {
  let base: string;
  let tmp: string;
  let data: string;
  beforeAll(async () => {
    base = await ensureTinyModel();
    tmp = await mkdtemp(join(tmpdir(), 'inferchain-train-'));
    data = join(tmp, 'data.jsonl');
    await writeFile(data, PAIRS.map((p) => JSON.stringify(p)).join('\n') + '\n');
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  const run = (name: string, params: TrainingParams = PARAMS) =>
    train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, name, 'child'), workDir: join(tmp, name, 'work'), params });

  it('two runs give bit-identical checkpoints and child; loss drops; the child loads and answers from its data', async () => {
    const a = await run('a');
    const b = await run('b');
    expect(a.checkpoints).toHaveLength(PARAMS.steps / PARAMS.checkpointInterval);
    expect(b.checkpoints).toEqual(a.checkpoints);
    expect(b.childRoot).toBe(a.childRoot);
    expect(a.checkpointRoot).toBe(checkpointRoot(a.checkpoints));
    expect(new Set(a.checkpoints).size).toBe(a.checkpoints.length); // weights move between checkpoints
    expect(a.lossAfter).toBeLessThan(a.lossBefore / 4);
    expect(a.truncated).toBe(0);
    console.log(`tiny full fine-tune: loss ${a.lossBefore.toFixed(3)} -> ${a.lossAfter.toFixed(4)}, ${a.wallMs.toFixed(0)} ms, child ${a.childRoot}`);

    const child = await loadModel(join(tmp, 'a', 'child'), { threads: 1 });
    const baseModel = await loadModel(base, { threads: 1 });
    try {
      const out = await generate(child, { ...jobPromptInput(child, PAIRS[0]!.prompt), maxTokens: 8 }); // as a chain job renders it
      expect(out.text.startsWith(PAIRS[0]!.completion)).toBe(true);
      const before = await generate(baseModel, { ...jobPromptInput(baseModel, PAIRS[0]!.prompt), maxTokens: 8 });
      expect(before.text.startsWith(PAIRS[0]!.completion)).toBe(false); // the base did not know it: training did this
    } finally {
      await child.release();
      await baseModel.release();
    }
  }, 120_000);

  it('the seed fixes the data order: another seed gives other checkpoints', async () => {
    const a = await run('s1', { ...PARAMS, steps: 10 });
    const c = await run('s2', { ...PARAMS, steps: 10, seed: '8' });
    expect(c.checkpoints[0]).not.toBe(a.checkpoints[0]);
    expect((await run('s3', { ...PARAMS, steps: 10, seqLen: 8 })).truncated).toBe(PAIRS.length); // reported, not silent
  }, 60_000);

  it('refuses bad hyper-parameters with a typed error', async () => {
    await expect(run('bad1', { ...PARAMS, checkpointInterval: 7 })).rejects.toMatchObject({ name: 'TrainerError', code: 'bad_request' });
    await expect(run('bad2', { ...PARAMS, learningRate: '-1' })).rejects.toBeInstanceOf(TrainerError);
    await expect(run('bad3', { ...PARAMS, seqLen: 100_000 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(run('bad4', { ...PARAMS, method: 'sgd' as 'full' })).rejects.toMatchObject({ code: 'unsupported_method' });
    await expect(run('bad5', { ...PARAMS, method: 'lora' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(run('bad6', { ...PARAMS, lora: LORA.lora })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(run('bad7', { ...LORA, lora: { ...LORA.lora!, targets: ['q', 'gate' as 'q'] } })).rejects.toMatchObject({ code: 'bad_request' });
  }, 60_000);
});

const LORA: TrainingParams = { ...PARAMS, method: 'lora', learningRate: '0.02', lora: { rank: 8, alpha: '16', targets: ['q', 'k', 'v', 'o'] } };

describe('deterministic LoRA fine-tuning', () => {
  let tmp: string;
  let data: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'inferchain-lora-'));
    data = join(tmp, 'data.jsonl');
    await writeFile(data, PAIRS.map((p) => JSON.stringify(p)).join('\n') + '\n');
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  const run = async (base: string, name: string, params: TrainingParams = LORA) => {
    const ready: TrainerEvent[] = [];
    const out = await train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, name, 'child'), workDir: join(tmp, name, 'work'), params, onEvent: (e) => e.event === 'ready' && ready.push(e) });
    return { ...out, ready: ready[0] as Extract<TrainerEvent, { event: 'ready' }> };
  };

  it('only the adapters train; two runs are bit-identical; loss drops; the merged child loads and answers', async () => {
    const base = await ensureTinyModel();
    const a = await run(base, 'a');
    const b = await run(base, 'b');
    const cfg = JSON.parse(await readFile(join(base, 'config.json'), 'utf8')) as { arch: { numLayers: number; hiddenSize: number } };
    // A and B per targeted projection per layer, nothing else
    expect(a.ready).toMatchObject({ method: 'lora', trainable: 2 * 4 * cfg.arch.numLayers });
    expect(b.checkpoints).toEqual(a.checkpoints);
    expect(b.childRoot).toBe(a.childRoot);
    expect(new Set(a.checkpoints).size).toBe(a.checkpoints.length);
    expect(a.lossAfter).toBeLessThan(a.lossBefore / 2);
    console.log(`tiny LoRA fine-tune: loss ${a.lossBefore.toFixed(3)} -> ${a.lossAfter.toFixed(4)}, ${a.wallMs.toFixed(0)} ms, ${a.ready.params} trainable params, child ${a.childRoot}`);
    // the child is a plain model directory (adapters merged), the same files as an imported model
    expect(a.files.map((f) => f.path).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json']);

    const child = await loadModel(join(tmp, 'a', 'child'), { threads: 1 });
    try {
      const out = await generate(child, { ...jobPromptInput(child, PAIRS[0]!.prompt), maxTokens: 8 });
      expect(out.text.startsWith(PAIRS[0]!.completion)).toBe(true);
    } finally {
      await child.release();
    }
    // rank, alpha and targets are part of the run: each changes the adapters
    const r4 = await run(base, 'r4', { ...LORA, steps: 10, lora: { ...LORA.lora!, rank: 4 } });
    const qv = await run(base, 'qv', { ...LORA, steps: 10, lora: { ...LORA.lora!, targets: ['q', 'v'] } });
    expect(qv.ready.trainable).toBe(2 * 2 * cfg.arch.numLayers);
    expect(new Set([a.checkpoints[0], r4.checkpoints[0], qv.checkpoints[0]]).size).toBe(3);
  }, 180_000);

  it('the artifact cache reuses the training graphs across seeds (not the initial weights): bit-identical to cold runs', async () => {
    const base = await ensureTinyModel();
    const cache = { dir: join(tmp, 'cache'), baseRoot: (await digestArtifact(base)).contentRoot };
    const P = { ...LORA, steps: 10 };
    const cached = (name: string, params: TrainingParams) =>
      train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, name, 'child'), workDir: join(tmp, name, 'work'), params, artifactsCache: cache });
    const first = await cached('c7', P); // fills the cache
    expect(first.phaseMs.artifacts).toBeGreaterThan(0);
    expect((await readdir(cache.dir)).filter((f) => !f.startsWith('.'))).toHaveLength(1);
    // another seed: same graphs (hit), other seeded adapters; it must equal a run that built everything itself
    const hit = await cached('c8', { ...P, seed: '8' });
    expect(hit.phaseMs.artifactsCached).toBeGreaterThan(0);
    expect(hit.phaseMs.artifacts).toBeUndefined();
    const cold = await run(base, 'c8cold', { ...P, seed: '8' });
    expect(hit.checkpoints).toEqual(cold.checkpoints);
    expect(hit.childRoot).toBe(cold.childRoot);
    expect(hit.checkpoints).not.toEqual(first.checkpoints);
    // another adapter shape is another entry
    const r4 = await cached('c4', { ...P, lora: { ...LORA.lora!, rank: 4 } });
    expect(r4.phaseMs.artifacts).toBeGreaterThan(0);
    expect((await readdir(cache.dir)).filter((f) => !f.startsWith('.'))).toHaveLength(2);
  }, 180_000);

  it('trains a 4-bit base (dequantised in the training graph); the merged child loads and its loss dropped', async () => {
    const base = await ensureTinyModel({ q4: true });
    const a = await run(base, 'q4', { ...LORA, steps: 20 });
    expect(a.lossAfter).toBeLessThan(a.lossBefore);
    const child = await loadModel(join(tmp, 'q4', 'child'), { threads: 1 });
    try {
      const out = await generate(child, { ...jobPromptInput(child, PAIRS[0]!.prompt), maxTokens: 4 });
      expect(out.text.length).toBeGreaterThan(0);
    } finally {
      await child.release();
    }
    // full fine-tuning of quantised weights stays refused
    await expect(run(base, 'q4full', { ...PARAMS, steps: 10 })).rejects.toMatchObject({ code: 'unsupported_model' });
  }, 180_000);
});

const PRETRAIN: TrainingParams = { ...PARAMS, method: 'pretrain', learningRate: '0.01', steps: 60 };

describe('pretraining the tiny architecture from scratch', () => {
  let tmp: string;
  let data: string;
  let base: string;
  beforeAll(async () => {
    base = await ensureTinyModel();
    tmp = await mkdtemp(join(tmpdir(), 'inferchain-pretrain-'));
    data = join(tmp, 'data.jsonl');
    await writeFile(data, PAIRS.map((p) => JSON.stringify(p)).join('\n') + '\n');
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  const run = (name: string, params: TrainingParams = PRETRAIN) =>
    train({ baseDir: base, datasetFiles: [data], outDir: join(tmp, name, 'child'), workDir: join(tmp, name, 'work'), params });
  const init = (seed: string) => runInitDigest({ baseDir: base, method: 'pretrain', seed, threads: 1 });

  it('the init rule: norm scales 1, matrices ~normal(0, 0.02) bounded by 6 std, drawn per name and seed', async () => {
    // the trainer's own functions on the tiny graph, statistics only (the bits are pinned by the digests below)
    const script = [
      'import json, sys, onnx, numpy as np',
      `sys.path.insert(0, ${JSON.stringify(fileURLToPath(new URL('../../trainer', import.meta.url)))})`,
      'import trainer',
      `m = onnx.load(${JSON.stringify(join(base, 'model.onnx'))})`,
      'names = trainer.trainable_names(m)',
      'w = trainer.pretrain_weights(m, names, 7)',
      'w8 = trainer.pretrain_weights(m, names, 8)',
      'norms = [n for n in names if n.endswith("norm.weight")]',
      'mats = np.concatenate([w[n].ravel() for n in names if n not in norms])',
      'q, k = w["model.layers.0.self_attn.q_proj.weight"], w["model.layers.1.self_attn.q_proj.weight"]',
      'print(json.dumps({"norms": len(norms), "normsOne": all(bool((w[n] == 1).all()) for n in norms), "mean": float(mats.mean()), "std": float(mats.std()), "max": float(abs(mats).max()),',
      '  "perName": bool((q != k).any()), "perSeed": bool((w8["model.embed_tokens.weight"] != w["model.embed_tokens.weight"]).any()), "again": bool((trainer.pretrain_weights(m, names, 7)["model.embed_tokens.weight"] == w["model.embed_tokens.weight"]).all())}))',
    ].join('\n');
    const { stdout } = await promisify(execFile)(defaultTrainerPython(), ['-c', script]);
    const st = JSON.parse(stdout) as { norms: number; normsOne: boolean; mean: number; std: number; max: number; perName: boolean; perSeed: boolean; again: boolean };
    expect(st.norms).toBe(5); // 2 per layer + the final norm of the tiny model
    expect(st).toMatchObject({ normsOne: true, perName: true, perSeed: true, again: true });
    expect(Math.abs(st.mean)).toBeLessThan(0.001);
    expect(Math.abs(st.std - 0.02)).toBeLessThan(0.0005);
    expect(st.max).toBeLessThanOrEqual(0.12);
  }, 60_000);

  it('checkpoint 0 is the seeded init (not the template); loss drops from ~ln(vocab); runs are bit-identical; the child serves', async () => {
    const d7 = await init('7');
    expect(await init('7')).toBe(d7);
    expect(await init('8')).not.toBe(d7);
    const a = await run('a');
    const b = await run('b');
    const ft = await run('ft', { ...PARAMS, steps: 10 });
    expect(a.initDigest).toBe(d7); // onnxruntime's training state at step 0 is the numpy recomputation
    expect(ft.initDigest).not.toBe(d7); // a fine-tune starts from the template's weights, a pretrain never does
    expect(b.checkpoints).toEqual(a.checkpoints);
    expect(b.childRoot).toBe(a.childRoot);
    expect(a.childRoot).not.toBe(ft.childRoot);
    const cfg = JSON.parse(await readFile(join(base, 'config.json'), 'utf8')) as { arch: { vocabSize: number } };
    const uniform = Math.log(cfg.arch.vocabSize);
    expect(Math.abs(a.lossBefore - uniform)).toBeLessThan(0.1); // a 0.02-std init predicts ~uniformly
    expect(a.lossAfter).toBeLessThan(a.lossBefore / 2);
    console.log(`tiny pretrain from scratch: loss ${a.lossBefore.toFixed(3)} (ln vocab ${uniform.toFixed(3)}) -> ${a.lossAfter.toFixed(4)}, ${a.wallMs.toFixed(0)} ms, child ${a.childRoot}`);
    expect(a.files.map((f) => f.path).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json']);
    const child = await loadModel(join(tmp, 'a', 'child'), { threads: 1 });
    try {
      const out = await generate(child, { ...jobPromptInput(child, PAIRS[0]!.prompt), maxTokens: 8 });
      expect(out.text.length).toBeGreaterThan(0);
    } finally {
      await child.release();
    }
    await expect(run('bad', { ...PRETRAIN, lora: LORA.lora })).rejects.toMatchObject({ code: 'bad_request' });
  }, 180_000);
});

describe('parseTrainingJsonl', () => {
  const tok = new TextTokenizer(
    { version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1, '<e>': 2 }, merges: [] }, added_tokens: [], pre_tokenizer: null, normalizer: null, decoder: null, post_processor: null },
    { bosTokenId: null, eosTokenId: 2, stopTokenIds: [2], addBos: false, chatTemplate: null },
  );
  it('masks the prompt, trains the completion and eos; plain text trains every token', () => {
    const ex = parseTrainingJsonl('{"prompt":"ab","completion":"ba"}\n\n{"text":"aa"}\n', tok, 'd');
    expect(ex).toEqual([
      { ids: [0, 1, 1, 0, 2], mask: [0, 0, 1, 1, 1] },
      { ids: [0, 0, 2], mask: [1, 1, 1] },
    ]);
  });
  it('renders the prompt through the chat template when the model has one', () => {
    const chat = new TextTokenizer(
      { version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1, '<e>': 2, U: 3 }, merges: [] }, added_tokens: [], pre_tokenizer: null, normalizer: null, decoder: null, post_processor: null },
      { bosTokenId: null, eosTokenId: 2, stopTokenIds: [2], addBos: false, chatTemplate: "{% for m in messages %}U{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}b{% endif %}" },
    );
    expect(parseTrainingJsonl('{"prompt":"a","completion":"a"}', chat, 'd')).toEqual([{ ids: [3, 0, 1, 0, 2], mask: [0, 0, 0, 1, 1] }]);
  });
  it('names the line of a bad row', () => {
    expect(() => parseTrainingJsonl('{"text":"a"}\n{"prompt":1}\n', tok, 'd.jsonl')).toThrow(DatasetFormatError);
    expect(() => parseTrainingJsonl('{"text":"a"}\nnope\n', tok, 'd.jsonl')).toThrow(/d\.jsonl:2/);
    expect(() => parseTrainingJsonl('\n', tok, 'd.jsonl')).toThrow(/no examples/);
  });
});
