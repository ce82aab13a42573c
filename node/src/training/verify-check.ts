/**
 * What a committee member checks for a training audit: fetch from the executor the committed digests of the
 * interval's ends with their RFC 9162 inclusion proofs against the on-chain checkpoint_root, fetch the training
 * state at step k = i*K (nothing for i = 0: checkpoint 0 is the base model we hold, or the seeded init of a
 * pretrain job, which replay.ts recomputes), replay steps (k, k+K] bit-exactly (replay.ts) and compare with
 * committed checkpoint i.
 *
 * Verdicts: MATCH (reproduced); MISMATCH (not reproduced, the state offered is not committed checkpoint i-1, a
 * digest that does not prove against the root, or the executor withheld the digests or the state: a state that
 * cannot be replayed proves nothing, so withholding is fraud); ABSTAIN (our own side failed: base model or
 * dataset not held, the trainer crashed).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leafHash, peerGet, PeerRequestError, toHex, verifyInclusion, type PeerPolicy } from '@inferchain/sdk';
import type { CheckpointProof } from './checkpoints.js';
import { verifyInterval, type ReplayCheck, type ReplayVerdict } from './replay.js';
import type { TrainingParams } from './train.js';
import type { ReplayFigures, TrainingVerdictName } from './verify-store.js';

/** The audited job, as the chain has it. */
export interface TrainingAuditJob {
  jobId: string;
  executor: string;
  baseModel: string;
  datasets: string[];
  params: TrainingParams;
  checkpointRoot: string;
  interval: number;
}

/** The executor is not serving what the audit needs (HTTP 404, unreachable after retries, malformed). */
export class WithheldError extends Error {
  override name = 'WithheldError';
}

export interface CheckpointFetcher {
  proof(executor: string, jobId: string, index: number): Promise<CheckpointProof>;
  /** Writes the training state after `step` steps to `dest`. */
  state(executor: string, jobId: string, step: number, dest: string): Promise<void>;
}

export interface ReplayInputs {
  baseDir(root: string): string | undefined;
  datasetFiles(root: string): Promise<string[]>;
}

export interface CheckOutcome {
  verdict: TrainingVerdictName;
  reason?: string;
  figures: ReplayFigures;
}

export interface ReplayCheckerOptions {
  fetcher: CheckpointFetcher;
  inputs: ReplayInputs;
  workDir: string;
  threads: number;
  python?: string;
  /** The trainer's graph cache (the training duty's: a replay of the same base and method reuses its graphs). */
  artifactsCacheDir?: string;
  /** Replaceable for tests. */
  verify?: (c: ReplayCheck) => Promise<ReplayVerdict>;
}

/** Checks a served digest against checkpoint_root; returns why not, or undefined when it proves. */
export function proofProblem(p: CheckpointProof, index: number, treeSize: number, root: string): string | undefined {
  if (p.index !== index || p.treeSize !== treeSize) return `served digest ${p.index}/${p.treeSize}, the audit needs ${index}/${treeSize}`;
  if (!/^[0-9a-f]{64}$/.test(p.digest)) return `checkpoint digest ${index} is not a 32-byte hex digest`;
  const leaf = leafHash(Buffer.from(p.digest, 'hex'));
  if (toHex(leaf) !== p.leaf) return `leaf ${index} is not SHA-256(0x00 || digest)`;
  const proof = p.proof.map((h) => Buffer.from(h, 'hex'));
  if (!verifyInclusion(leaf, index, treeSize, proof, Buffer.from(root, 'hex'))) return `checkpoint digest ${index} does not prove against the committed checkpoint_root ${root}`;
  return undefined;
}

export class ReplayChecker {
  constructor(private readonly o: ReplayCheckerOptions) {}

  async check(j: TrainingAuditJob): Promise<CheckOutcome> {
    const p = j.params;
    const K = p.checkpointInterval;
    const n = p.steps / K;
    const i = j.interval;
    const figures: ReplayFigures = { replayMs: 0, fetchMs: 0 };
    const baseDir = this.o.inputs.baseDir(j.baseModel);
    if (!baseDir) return { verdict: 'abstain', reason: `base model ${j.baseModel} is not served (ready) by this sidecar`, figures };
    let datasetFiles: string[];
    try {
      datasetFiles = (await Promise.all(j.datasets.map((d) => this.o.inputs.datasetFiles(d)))).flat();
    } catch (e) {
      return { verdict: 'abstain', reason: `dataset unavailable here: ${(e as Error).message}`, figures };
    }
    const claimed: string[] = new Array<string>(n).fill('');
    const dir = join(this.o.workDir, `audit-${j.jobId}`);
    await mkdir(dir, { recursive: true });
    try {
      const t0 = performance.now();
      let checkpoint: string | undefined;
      try {
        for (const idx of i > 0 ? [i - 1, i] : [i]) {
          const proof = await this.o.fetcher.proof(j.executor, j.jobId, idx);
          const bad = proofProblem(proof, idx, n, j.checkpointRoot);
          if (bad) return { verdict: 'mismatch', reason: bad, figures };
          claimed[idx] = proof.digest;
        }
        if (i > 0) {
          checkpoint = join(dir, `state-${i * K}`);
          await this.o.fetcher.state(j.executor, j.jobId, i * K, checkpoint);
        }
      } catch (e) {
        if (e instanceof WithheldError) return { verdict: 'mismatch', reason: `withheld: ${e.message}`, figures };
        throw e;
      }
      figures.fetchMs = performance.now() - t0;
      const t1 = performance.now();
      let r: ReplayVerdict;
      try {
        r = await (this.o.verify ?? verifyInterval)({
          baseDir,
          datasetFiles,
          params: p,
          claimed,
          interval: i,
          ...(checkpoint ? { checkpoint } : {}),
          workDir: dir,
          threads: this.o.threads,
          ...(this.o.python ? { python: this.o.python } : {}),
          ...(this.o.artifactsCacheDir ? { artifactsCache: { dir: this.o.artifactsCacheDir, baseRoot: j.baseModel } } : {}), // baseDir serves this root
        });
      } catch (e) {
        // a state file the trainer cannot load is the executor's problem only if it is not what was committed,
        // which the start digest decides; a crash before that is ours
        return { verdict: 'abstain', reason: `replay failed here: ${(e as Error).message}`, figures };
      }
      figures.replayMs = performance.now() - t1;
      figures.startDigest = r.startDigest;
      figures.endDigest = r.endDigest;
      return r.ok ? { verdict: 'match', figures } : { verdict: 'mismatch', reason: r.reason ?? 'not reproduced', figures };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Largest checkpoint proof accepted (a digest and a log2(checkpoints)-long path: far below this). */
export const MAX_PROOF_BYTES = 1024 * 1024;
/** Largest training state accepted: weights plus optimizer moments of a full fine-tune (Node's Buffer limit). */
export const MAX_STATE_BYTES = 4 * 1024 ** 3 - 1;

export interface CheckpointFetchOptions {
  /** Tries per request (default 8, about 36 s with retryMs 1000: far inside a commit window). */
  attempts?: number;
  retryMs?: number;
  /** Per try, connect to last byte (default 60 s; a state can be large). */
  timeoutMs?: number;
  /**
   * Which endpoints may be contacted: they come from chain state (an executor registers its own), so private,
   * loopback and link-local targets are refused unless allowed (verify.allowLoopbackPeers / allowPrivatePeers).
   */
  policy?: PeerPolicy;
  /** Headers of a signed state request for a job (sdk signStreamAuth, scope `training-state`, our validator key). */
  signState?: (jobId: string) => Promise<Record<string, string>>;
}

/**
 * Fetches from the executor's API (its registered endpoint) through the SDK's peer policy, size-capped. Every
 * failure (404 included: a sidecar that restarts may not have its training records open yet) is retried with a
 * linear backoff; still failing after `attempts` tries is withholding. An endpoint the policy refuses (or a
 * response over the cap, or a 400) is withholding at once: retrying cannot change it, and an executor cannot
 * escape its audit by registering an address verifiers will not contact.
 */
export function httpCheckpointFetcher(endpointOf: (validator: string) => Promise<string | undefined>, opts: CheckpointFetchOptions = {}): CheckpointFetcher {
  const attempts = opts.attempts ?? 8;
  const get = async (executor: string, path: string, maxBytes: number, headers?: () => Promise<Record<string, string>>): Promise<Buffer> => {
    const base = await endpointOf(executor);
    if (!base) throw new WithheldError(`executor ${executor} has no API endpoint registered`);
    let url: string;
    try {
      url = new URL(path, base).toString();
    } catch {
      throw new WithheldError(`executor ${executor} registered the endpoint ${JSON.stringify(base)}, which is not a URL`);
    }
    let last = '';
    for (let a = 1; a <= attempts; a++) {
      try {
        return (await peerGet(url, { policy: { ...opts.policy, timeoutMs: opts.timeoutMs ?? 60_000, maxBytes }, ...(headers ? { headers: await headers() } : {}) })).body;
      } catch (e) {
        last = (e as Error).message;
        if (e instanceof PeerRequestError && (FINAL_REASONS.has(e.reason) || e.status === 400)) break;
      }
      if (a < attempts) await new Promise((r) => setTimeout(r, (opts.retryMs ?? 1000) * a));
    }
    throw new WithheldError(`GET ${path} from executor ${executor} (${base}): ${last}`);
  };
  return {
    proof: async (executor, jobId, index) => {
      const raw = await get(executor, `/v1/training/${jobId}/checkpoints/${index}`, MAX_PROOF_BYTES);
      let body: Partial<CheckpointProof>;
      try {
        body = JSON.parse(raw.toString('utf8')) as Partial<CheckpointProof>;
      } catch {
        throw new WithheldError(`checkpoint proof from executor ${executor} is not JSON`);
      }
      if (typeof body.digest !== 'string' || typeof body.leaf !== 'string' || !Array.isArray(body.proof) || typeof body.index !== 'number' || typeof body.treeSize !== 'number') {
        throw new WithheldError(`malformed checkpoint proof from executor ${executor}`);
      }
      return body as CheckpointProof;
    },
    state: async (executor, jobId, step, dest) => {
      // States are served to the committee only: each attempt signs afresh (a signature lives minutes, a retry may not).
      const sign = opts.signState ? () => opts.signState!(jobId) : undefined;
      await writeFile(dest, await get(executor, `/v1/training/${jobId}/state/${step}`, MAX_STATE_BYTES, sign));
    },
  };
}

/** Peer refusals that another try cannot change. */
const FINAL_REASONS: ReadonlySet<PeerRequestError['reason']> = new Set(['bad_url', 'refused_address', 'too_large']);
