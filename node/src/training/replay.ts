/**
 * Replay verification of one committed interval: from the training state saved at step k = i*K (the base for
 * i = 0), re-run steps (k, k+K] with the job's data order and check that the start state is the committed checkpoint
 * i-1 and the end state the committed checkpoint i, bit for bit (same stack, thread count and CPU ISA: TRAINING.md).
 * This is the verifier's core; the chain side (sampled committee, serving checkpoint states, slashing) is not built.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadExamples, methodRequest, type TrainingParams } from './train.js';
import { runReplay, TrainerError, type TrainingArtifactsCache } from './worker.js';

export interface ReplayCheck {
  baseDir: string;
  datasetFiles: string[];
  params: TrainingParams;
  /** The committed checkpoint digests (after K, 2K, ... steps). */
  claimed: readonly string[];
  /** Interval i: steps (i*K, (i+1)*K]. */
  interval: number;
  /** The full training state at step i*K (ignored for i = 0, which starts from the base). */
  checkpoint?: string;
  workDir: string;
  threads?: number;
  python?: string;
  artifactsCache?: TrainingArtifactsCache;
}

export interface ReplayVerdict {
  ok: boolean;
  reason?: string;
  startDigest: string;
  endDigest: string;
}

export async function verifyInterval(c: ReplayCheck): Promise<ReplayVerdict> {
  const K = c.params.checkpointInterval;
  const n = c.params.steps / K;
  if (!Number.isInteger(c.interval) || c.interval < 0 || c.interval >= n) throw new TrainerError('bad_request', `interval ${c.interval} is not in [0, ${n})`);
  if (c.claimed.length !== n) return { ok: false, reason: `${c.claimed.length} checkpoint digests committed, the job has ${n}`, startDigest: '', endDigest: '' };
  const examples = await loadExamples(c.baseDir, c.datasetFiles);
  const scratch = await mkdtemp(join(c.workDir, 'replay-'));
  try {
    const r = await runReplay(
      {
        baseDir: c.baseDir,
        outDir: join(scratch, 'unused'),
        workDir: scratch,
        examples,
        ...methodRequest(c.params),
        lr: Number(c.params.learningRate),
        steps: c.params.steps,
        batch: c.params.batchSize,
        seqLen: c.params.seqLen,
        seed: c.params.seed,
        checkpointInterval: K,
        threads: c.threads ?? 1,
        replay: { fromStep: c.interval * K, ...(c.interval > 0 ? { checkpoint: c.checkpoint } : {}) },
        ...(c.artifactsCache ? { artifactsCache: c.artifactsCache } : {}),
      },
      { python: c.python },
    );
    const base = { startDigest: r.startDigest, endDigest: r.endDigest };
    if (c.interval > 0 && r.startDigest !== c.claimed[c.interval - 1]) {
      return { ok: false, reason: `the state offered for step ${c.interval * K} is not committed checkpoint ${c.interval - 1}`, ...base };
    }
    if (r.endDigest !== c.claimed[c.interval]) {
      return { ok: false, reason: `replaying steps (${c.interval * K}, ${(c.interval + 1) * K}] does not reproduce committed checkpoint ${c.interval}`, ...base };
    }
    return { ok: true, ...base };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
