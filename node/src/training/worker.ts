/**
 * Drives node/trainer/trainer.py: one JSON request on stdin, JSON-line events on stdout (see the script's header).
 * The Python process is the training stack (onnxruntime training API); this side owns I/O, tokenization and roots.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TrainingExample } from './dataset.js';

const TRAINER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../trainer');

/** The venv `make trainer` creates; INFERCHAIN_TRAINER_PYTHON overrides it. */
export function defaultTrainerPython(): string {
  return process.env.INFERCHAIN_TRAINER_PYTHON ?? join(TRAINER_DIR, '.venv', 'bin', 'python');
}

export type TrainerMethod = 'full' | 'lora' | 'pretrain';

export interface TrainerRequest {
  baseDir: string;
  outDir: string;
  workDir: string;
  childName?: string;
  examples: TrainingExample[];
  /** pretrain: every weight drawn from the seed (checkpoint 0), then trained as in full; the base lends its graph. */
  method: TrainerMethod;
  /** Method lora: adapters of rank r scaled by alpha / r beside the targeted attention projections. */
  lora?: { rank: number; alpha: number; targets: string[] };
  lr: number;
  steps: number;
  batch: number;
  seqLen: number;
  /** uint64 as a decimal string. */
  seed: string;
  checkpointInterval: number;
  threads: number;
  /** Save the full training state (weights + AdamW moments) after every K steps: <dir>/<step> (what a replay starts from). */
  saveCheckpointsDir?: string;
  /** Replay steps (fromStep, fromStep + K] from the state saved at fromStep (the base for 0) instead of training. */
  replay?: { fromStep: number; checkpoint?: string };
  /** Reuse the training graphs built for the same base bytes, method and adapter shape (TrainingArtifactsCache). */
  artifactsCache?: TrainingArtifactsCache;
}

/** Where the trainer keeps the ORT training graphs it built, keyed inside by the base's content root and the method. */
export interface TrainingArtifactsCache {
  dir: string;
  /** Content root of baseDir (verified by the caller): the cache key names the bytes, not the path. */
  baseRoot: string;
}

/** Wall milliseconds per phase of a trainer run (load, artifacts | artifactsCached, session, evalBefore, steps, ...). */
export type PhaseMs = Record<string, number>;

export type TrainerEvent =
  /** initDigest: checkpoint 0, the digest of the weights step 1 starts from (null in a replay). */
  | { event: 'ready'; method: TrainerMethod; trainable: number; params: number; initDigest: string | null }
  | { event: 'loss'; step: number; loss: number }
  | { event: 'checkpoint'; step: number; digest: string };

export interface TrainerDone {
  lossBefore: number;
  lossAfter: number;
  lastStepLoss: number;
  /** Hex SHA-256 digests of the trainable weights after steps K, 2K, ..., steps. */
  checkpoints: string[];
  trainable: number;
  /** Checkpoint 0: the trainable weights before step 1 (the base's, LoRA's seeded adapters, the pretrain init). */
  initDigest: string;
  phaseMs: PhaseMs;
}

export interface TrainerReplayed {
  fromStep: number;
  /** Digest of the state the replay started from (for step 0: the base's weights, or the pretrain init). */
  startDigest: string;
  endDigest: string;
  phaseMs: PhaseMs;
}

export class TrainerError extends Error {
  override name = 'TrainerError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RunTrainerOptions {
  python?: string;
  onEvent?: (ev: TrainerEvent) => void;
  signal?: AbortSignal;
}

export async function runTrainer(req: TrainerRequest, opts: RunTrainerOptions = {}): Promise<TrainerDone> {
  return (await runTrainerFor(req, 'done', opts)) as unknown as TrainerDone;
}

export async function runReplay(req: TrainerRequest & { replay: NonNullable<TrainerRequest['replay']> }, opts: RunTrainerOptions = {}): Promise<TrainerReplayed> {
  return (await runTrainerFor(req, 'replayed', opts)) as unknown as TrainerReplayed;
}

/** What {"initOnly": true} asks: checkpoint 0 of a pretrain job recomputed from the graph and seed (no training). */
export interface InitDigestRequest {
  baseDir: string;
  method: 'pretrain';
  /** uint64 as a decimal string. */
  seed: string;
  threads: number;
}

/** The digest of a pretrain job's seeded init, computed by plain numpy outside onnxruntime's training state. */
export async function runInitDigest(req: InitDigestRequest, opts: RunTrainerOptions = {}): Promise<string> {
  const ev = await runTrainerFor({ ...req, initOnly: true }, 'init', opts);
  if (typeof ev.digest !== 'string' || !/^[0-9a-f]{64}$/.test(ev.digest)) throw new TrainerError('trainer_crashed', 'trainer sent no init digest');
  return ev.digest;
}

async function runTrainerFor(req: TrainerRequest | (InitDigestRequest & { initOnly: true }), final: 'done' | 'replayed' | 'init', opts: RunTrainerOptions): Promise<Record<string, unknown>> {
  const python = opts.python ?? defaultTrainerPython();
  if (!existsSync(python)) throw new TrainerError('no_trainer', `no Python training stack at ${python} (run 'make trainer', or set INFERCHAIN_TRAINER_PYTHON)`);
  const child = spawn(python, [join(TRAINER_DIR, 'trainer.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: opts.signal,
    // One BLAS/OpenMP thread pool size regardless of the host: the thread count is part of determinism.
    env: { ...process.env, OMP_NUM_THREADS: String(req.threads), PYTHONHASHSEED: '0' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code));
  });
  child.stdin.end(JSON.stringify(req) + '\n');
  let done: Record<string, unknown> | undefined;
  let failure: TrainerError | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('{')) continue;
    const ev = JSON.parse(line) as { event: string } & Record<string, unknown>;
    if (ev.event === final) done = ev;
    else if (ev.event === 'error') failure = new TrainerError(String(ev.code), String(ev.message));
    else opts.onEvent?.(ev as unknown as TrainerEvent);
  }
  const code = await exited;
  if (failure) throw failure;
  if (code !== 0 || !done) throw new TrainerError('trainer_crashed', `trainer exited with ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return done;
}
