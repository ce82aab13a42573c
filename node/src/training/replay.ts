/**
 * Replay verification of one committed interval: from the training state saved at step k = i*K (checkpoint 0 for
 * i = 0), re-run steps (k, k+K] with the job's data order and check that the start state is the committed checkpoint
 * i-1 and the end state the committed checkpoint i, bit for bit (same stack, thread count and CPU ISA: TRAINING.md).
 *
 * Checkpoint 0 is never taken from the executor: for full and lora it is the base model the verifier holds (and
 * LoRA's adapters drawn from the seed), for pretrain the weights drawn from the seed. A pretrain replay's start is
 * also checked against that init recomputed outside onnxruntime (runInitDigest): if the replay started from the
 * template's weights instead, an executor that fine-tuned the template (or any stolen weights) and sold it as
 * trained from scratch would replay to MATCH.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadExamples, methodRequest, type TrainingParams } from './train.js';
import { runInitDigest, runReplay, TrainerError, type TrainingArtifactsCache } from './worker.js';

export interface ReplayCheck {
  baseDir: string;
  datasetFiles: string[];
  params: TrainingParams;
  /** The committed checkpoint digests (after K, 2K, ... steps). */
  claimed: readonly string[];
  /** Interval i: steps (i*K, (i+1)*K]. */
  interval: number;
  /** The full training state at step i*K (ignored for i = 0, which starts from checkpoint 0: base or seeded init). */
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
    const fromInit = c.params.method === 'pretrain' && c.interval === 0;
    if (fromInit) {
      const init = await runInitDigest({ baseDir: c.baseDir, method: 'pretrain', seed: c.params.seed, threads: c.threads ?? 1 }, { python: c.python });
      // our own stack's fault, not the executor's: the caller abstains
      if (r.startDigest !== init) throw new TrainerError('init_mismatch', `the replay of interval 0 started from ${r.startDigest}, not the seeded init ${init} of seed ${c.params.seed}`);
    }
    if (c.interval > 0 && r.startDigest !== c.claimed[c.interval - 1]) {
      return { ok: false, reason: `the state offered for step ${c.interval * K} is not committed checkpoint ${c.interval - 1}`, ...base };
    }
    if (r.endDigest !== c.claimed[c.interval]) {
      const from = fromInit ? ` from the seeded init of seed ${c.params.seed} (the executor started from other weights, or did not run these steps)` : '';
      return { ok: false, reason: `replaying steps (${c.interval * K}, ${(c.interval + 1) * K}]${from} does not reproduce committed checkpoint ${c.interval}`, ...base };
    }
    return { ok: true, ...base };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
