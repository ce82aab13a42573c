/**
 * The executor side of replay audits: once our result is on chain, the committee needs the committed checkpoint
 * digests (each proven against the on-chain checkpoint_root with an RFC 9162 inclusion proof) and the full training
 * state at the audited step k (weights + AdamW moments, `<training.dir>/work/<job>/checkpoints/<k>`). Routes:
 *
 *   GET /v1/training/:jobId/checkpoints/:index  -> { jobId, index, treeSize, digest, leaf, proof[], checkpointRoot }
 *   GET /v1/training/:jobId/state/:step         -> the ORT checkpoint file of the state after `step` steps (signed:
 *     x-inferchain-* headers, scope `training-state`, by a replay-committee member or the job's requester)
 *
 * Nothing is served before our result was submitted (the digests would tell a copier what to post). Withholding
 * (a 404 here) is what a verifier votes MISMATCH on: a state that cannot be replayed proves nothing.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { leafHash, MerkleLevels, toHex, verifyRequestAuth } from '@inferchain/sdk';
import type { TrainingOutput, TrainingRecord } from './store.js';

export interface CheckpointSource {
  /** Our record of a job whose result was submitted (state submitting or confirmed), else undefined. */
  submitted(jobId: string): Promise<TrainingRecord | undefined>;
  /** The training-state file after `step` steps of a job. */
  statePath(jobId: string, step: number): string;
  /** The chain id in the signed bytes of a state request (sdk stream-auth.ts, scope `training-state`). */
  chainId: string;
  /**
   * Whether `signer` (an account address that signed the request) may download the job's states: a member of its
   * replay committee on chain (the same key as the validator's operator address) or the job's requester.
   */
  mayFetchState(jobId: string, signer: string): Promise<boolean>;
}

export interface CheckpointProof {
  jobId: string;
  index: number;
  treeSize: number;
  digest: string;
  leaf: string;
  proof: string[];
  checkpointRoot: string;
}

/** Leaf i of checkpoint_root with its inclusion proof. */
export function checkpointProof(jobId: string, out: Pick<TrainingOutput, 'checkpoints' | 'checkpointRoot'>, index: number): CheckpointProof {
  const leaves = out.checkpoints.map((d) => leafHash(Buffer.from(d, 'hex')));
  const levels = MerkleLevels.fromLeaves(leaves);
  return {
    jobId,
    index,
    treeSize: leaves.length,
    digest: out.checkpoints[index]!,
    leaf: toHex(leaves[index]!),
    proof: levels.inclusionProof(index).map((p) => toHex(p)),
    checkpointRoot: out.checkpointRoot,
  };
}

/** Test-only fault (faults.training.forgeCheckpoint): digests the executor never computed, and their root. */
export function forgeCheckpoints(digests: readonly string[]): string[] {
  return digests.map((d) => createHash('sha256').update('inferchain/faults/forged-checkpoint').update(Buffer.from(d, 'hex')).digest('hex'));
}

const UINT = /^\d{1,20}$/;

export function registerTrainingRoutes(app: FastifyInstance, source: { current?: CheckpointSource }): void {
  app.get<{ Params: { jobId: string; index: string } }>('/v1/training/:jobId/checkpoints/:index', async (req, reply) => {
    const { jobId, index } = req.params;
    if (!UINT.test(jobId) || !UINT.test(index)) return reply.code(400).send({ error: 'bad_request', message: 'jobId and index must be decimal integers' });
    if (!source.current) return reply.code(503).send({ error: 'starting', message: 'the training duty is not wired yet (sidecar starting); retry' });
    const rec = await source.current.submitted(jobId);
    if (!rec?.output) return reply.code(404).send({ error: 'not_found', message: `no submitted training result of job ${jobId} on this sidecar` });
    const i = Number(index);
    if (i >= rec.output.checkpoints.length) return reply.code(404).send({ error: 'not_found', message: `job ${jobId} has ${rec.output.checkpoints.length} checkpoints, no index ${i}` });
    return checkpointProof(jobId, rec.output, i);
  });

  app.get<{ Params: { jobId: string; step: string } }>('/v1/training/:jobId/state/:step', async (req, reply) => {
    const { jobId, step } = req.params;
    if (!UINT.test(jobId) || !UINT.test(step)) return reply.code(400).send({ error: 'bad_request', message: 'jobId and step must be decimal integers' });
    const src = source.current;
    if (!src) return reply.code(503).send({ error: 'starting', message: 'the training duty is not wired yet (sidecar starting); retry' });
    // States are large (a model each) and not public until the child is: only the job's committee and requester.
    const auth = await verifyRequestAuth(req.headers, { scope: 'training-state', chainId: src.chainId, jobId });
    if (!auth.ok) return reply.code(401).send({ error: 'unauthorized', message: `training-state authentication failed (${auth.reason}): sign "inferchain-training-state/v1\\n<chain-id>\\n<job-id>\\n<expires>" with a committee member's or the requester's key` });
    const rec = await src.submitted(jobId);
    if (!rec?.output) return reply.code(404).send({ error: 'not_found', message: `no submitted training result of job ${jobId} on this sidecar` });
    if (!(await src.mayFetchState(jobId, auth.signer).catch(() => false))) return reply.code(403).send({ error: 'forbidden', message: `${auth.signer} is neither on the replay committee of training job ${jobId} nor its requester` });
    const s = Number(step);
    const K = rec.params.checkpointInterval;
    if (s <= 0 || s % K !== 0 || s > rec.params.steps) return reply.code(404).send({ error: 'not_found', message: `step ${s} is not a checkpoint of job ${jobId} (every ${K} steps up to ${rec.params.steps}; step 0 is the base model)` });
    const path = src.statePath(jobId, s);
    try {
      const st = await stat(path);
      return reply.type('application/octet-stream').header('content-length', st.size).send(createReadStream(path));
    } catch {
      return reply.code(404).send({ error: 'not_found', message: `the training state after step ${s} of job ${jobId} is not kept here` });
    }
  });
}

/** The source over the training store and `<dir>/work/<job>/checkpoints/<step>` (where the duty saves states). */
export function storeCheckpointSource(store: { get(id: string): Promise<TrainingRecord | undefined> }, dir: string, access: Pick<CheckpointSource, 'chainId' | 'mayFetchState'>): CheckpointSource {
  return {
    chainId: access.chainId,
    mayFetchState: (jobId, signer) => access.mayFetchState(jobId, signer),
    submitted: async (jobId) => {
      const rec = await store.get(jobId);
      return rec && (rec.state === 'submitting' || rec.state === 'confirmed') ? rec : undefined;
    },
    statePath: (jobId, step) => join(dir, 'work', jobId, 'checkpoints', String(step)),
  };
}
