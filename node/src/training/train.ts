/**
 * One training run (fine-tune or pretrain) end to end on this machine: dataset files -> examples (base tokenizer) -> trainer.py ->
 * child model dir, its content root, and the Merkle root of the checkpoint digests (what MsgSubmitTrainingResult
 * commits to).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { digestArtifact, leafHash, merkleRoot, toHex, type ArtifactFileDigest } from '@inferchain/sdk';
import { parseModelConfig } from '../engine/model-config.js';
import { TextTokenizer } from '../tokenizer/tokenizer.js';
import { parseTrainingJsonl, type TrainingExample } from './dataset.js';
import { runTrainer, TrainerError, type PhaseMs, type TrainerEvent, type TrainerRequest, type TrainingArtifactsCache } from './worker.js';

export type LoraTarget = 'q' | 'k' | 'v' | 'o';

/** LoRA adapter hyper-parameters (the chain's hyper_params.lora_*). */
export interface LoraParams {
  rank: number;
  /** Positive decimal string (the chain keeps it as text); adapters are scaled by alpha / rank. */
  alpha: string;
  /** Adapted attention projections, canonical order q,k,v,o. */
  targets: LoraTarget[];
}

/** The hyper-parameters a job fixes (same fields as the chain's TrainingParams). */
export interface TrainingParams {
  /** pretrain: from scratch, every weight drawn from the seed; the base model supplies only graph and tokenizer. */
  method: 'full' | 'lora' | 'pretrain';
  /** Required for method 'lora', absent for 'full' and 'pretrain'. */
  lora?: LoraParams;
  /** Decimal string, e.g. "0.01" (the chain keeps it as text: no floats in state). */
  learningRate: string;
  steps: number;
  batchSize: number;
  seqLen: number;
  /** uint64 as a decimal string. */
  seed: string;
  checkpointInterval: number;
}

export interface TrainJob {
  baseDir: string;
  /** Local files holding each dataset's JSONL bytes, in the job's dataset order. */
  datasetFiles: string[];
  outDir: string;
  workDir: string;
  childName?: string;
  params: TrainingParams;
  /** Intra-op threads; part of the determinism contract (default 1). */
  threads?: number;
  python?: string;
  onEvent?: (ev: TrainerEvent) => void;
  signal?: AbortSignal;
  /** Keep the full state after every K steps here (<dir>/<step>), for replay verification (replay.ts). */
  checkpointsDir?: string;
  /** Reuse training graphs built earlier for the same base, method and adapter shape. */
  artifactsCache?: TrainingArtifactsCache;
}

export interface TrainOutcome {
  childRoot: string;
  files: ArtifactFileDigest[];
  totalBytes: bigint;
  /** RFC 9162 root over leaves SHA-256(0x00 || checkpoint digest). */
  checkpointRoot: string;
  checkpoints: string[];
  lossBefore: number;
  lossAfter: number;
  /** Checkpoint 0: digest of the weights before step 1 (for pretrain, the seeded init). */
  initDigest: string;
  examples: number;
  /** Examples longer than seq_len + 1 tokens: their tail (often the completion) is cut off and not trained. */
  truncated: number;
  wallMs: number;
  /** Where wallMs went: the trainer's phases plus this side's tokenize and (child) digest. */
  phaseMs: PhaseMs;
}

export async function loadExamples(baseDir: string, datasetFiles: readonly string[]): Promise<TrainingExample[]> {
  const cfgPath = join(baseDir, 'config.json');
  const cfg = parseModelConfig(JSON.parse(await readFile(cfgPath, 'utf8')), cfgPath);
  const tok = new TextTokenizer(JSON.parse(await readFile(join(baseDir, cfg.files.tokenizer), 'utf8')) as Record<string, unknown>, cfg.tokenizer);
  const out: TrainingExample[] = [];
  for (const f of datasetFiles) out.push(...parseTrainingJsonl(await readFile(f, 'utf8'), tok, f));
  return out;
}

/** The trainer request fields fixed by the method (full, pretrain: none; lora: the adapter). */
export function methodRequest(p: TrainingParams): Pick<TrainerRequest, 'method' | 'lora'> {
  if (p.method === 'full' || p.method === 'pretrain') {
    if (p.lora) throw new TrainerError('bad_request', `lora hyper-parameters given for method ${p.method} (it trains every weight)`);
    return { method: p.method };
  }
  if (p.method !== 'lora') throw new TrainerError('unsupported_method', `method '${String(p.method)}' is not supported (full, lora or pretrain)`);
  const l = p.lora;
  if (!l) throw new TrainerError('bad_request', 'method lora needs lora hyper-parameters (rank, alpha, targets)');
  const alpha = Number(l.alpha);
  if (!/^\d+(\.\d+)?$/.test(l.alpha) || !(alpha > 0)) throw new TrainerError('bad_request', `lora alpha '${l.alpha}' is not a positive decimal`);
  if (!Number.isSafeInteger(l.rank) || l.rank < 1) throw new TrainerError('bad_request', `lora rank ${l.rank} must be a whole number >= 1`);
  return { method: 'lora', lora: { rank: l.rank, alpha, targets: [...l.targets] } };
}

export function checkpointRoot(digests: readonly string[]): string {
  if (digests.length === 0) throw new TrainerError('no_checkpoints', 'a run records at least one checkpoint');
  return toHex(merkleRoot(digests.map((d) => leafHash(Buffer.from(d, 'hex')))));
}

export async function train(job: TrainJob): Promise<TrainOutcome> {
  const t0 = performance.now();
  const p = job.params;
  const lr = Number(p.learningRate);
  if (!/^\d+(\.\d+)?([eE]-?\d+)?$/.test(p.learningRate) || !(lr > 0)) throw new TrainerError('bad_request', `learning rate '${p.learningRate}' is not a positive decimal`);
  const examples = await loadExamples(job.baseDir, job.datasetFiles);
  const tokenizeMs = performance.now() - t0;
  await rm(job.outDir, { recursive: true, force: true });
  const done = await runTrainer(
    {
      baseDir: job.baseDir,
      outDir: job.outDir,
      workDir: job.workDir,
      childName: job.childName,
      examples,
      ...methodRequest(p),
      lr,
      steps: p.steps,
      batch: p.batchSize,
      seqLen: p.seqLen,
      seed: p.seed,
      checkpointInterval: p.checkpointInterval,
      threads: job.threads ?? 1,
      ...(job.checkpointsDir ? { saveCheckpointsDir: job.checkpointsDir } : {}),
      ...(job.artifactsCache ? { artifactsCache: job.artifactsCache } : {}),
    },
    { python: job.python, onEvent: job.onEvent, signal: job.signal },
  );
  const t1 = performance.now();
  const d = await digestArtifact(job.outDir);
  const digestMs = performance.now() - t1;
  return {
    childRoot: d.contentRoot,
    files: d.files,
    totalBytes: d.totalBytes,
    checkpointRoot: checkpointRoot(done.checkpoints),
    checkpoints: done.checkpoints,
    lossBefore: done.lossBefore,
    lossAfter: done.lossAfter,
    initDigest: done.initDigest,
    examples: examples.length,
    truncated: examples.filter((e) => e.ids.length > p.seqLen + 1).length,
    wallMs: performance.now() - t0,
    phaseMs: { tokenize: Math.round(tokenizeMs), ...done.phaseMs, digest: Math.round(digestMs) },
  };
}
