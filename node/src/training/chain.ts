/**
 * The chain side of the training duty over the sidecar's CometBFT connection: the job view the duty acts on,
 * the PENDING jobs assigned to us (reconciliation), and MsgSubmitTrainingResult through the sidecar's signer.
 */
import { fromBech32, toHex } from '@cosmjs/encoding';
import { QueryClient, createProtobufRpcClient } from '@cosmjs/stargate';
import type { CometClient } from '@cosmjs/tendermint-rpc';
import {
  MsgCommitTrainingVerdict,
  MsgRevealTrainingVerdict,
  MsgSubmitTrainingResult,
  TrainingAuditOutcome,
  TrainingMethod,
  TrainingQueryClientImpl,
  TrainingStatus,
  TrainingVerdict,
  isNotFound,
  fromThrown,
  trainingTypeUrls,
  type HyperParams,
  type TrainingJob,
} from '@inferchain/sdk';
import type { SubmitReceipt } from '../durable/broadcast.js';
import type { ChainTrainingView, TrainingChain, TrainingResultMsg, TrainingSubmitter } from './duty.js';
import type { TrainingSpec } from './store.js';
import type { TrainingAuditChain, TrainingAuditView, TrainingVerdictSubmitter } from './verify-duty.js';
import type { TrainingVerdictName } from './verify-store.js';
import type { LoraTarget, TrainingParams } from './train.js';
import { TrainerError } from './worker.js';

/** Statuses in which our result is on chain (submitted, under audit, settled, or caught). */
const HAS_RESULT = new Set([TrainingStatus.TRAINING_STATUS_SUBMITTED, TrainingStatus.TRAINING_STATUS_AUDITING, TrainingStatus.TRAINING_STATUS_COMPLETED, TrainingStatus.TRAINING_STATUS_FRAUD]);

export function trainingView(j: TrainingJob): ChainTrainingView {
  const status = HAS_RESULT.has(j.status) ? 'completed' : j.status === TrainingStatus.TRAINING_STATUS_REFUNDED ? 'refunded' : 'pending';
  return { status, executor: j.executor, deadlineHeight: Number(j.deadlineHeight), ...(j.result ? { childModel: j.result.childModel } : {}) };
}

/**
 * Whether `signer` (an account address) may download a training job's states: its requester, or a member of its
 * replay committee. Committee entries are operator addresses; a member signs with its executor's sidecar account
 * (x/inference Executor.sidecar, `sidecarOf`) or with the operator's own key (the same bytes under another prefix).
 */
export async function mayFetchTrainingState(j: TrainingJob | undefined, signer: string, sidecarOf: (valoper: string) => Promise<string | undefined>): Promise<boolean> {
  if (!j) return false;
  if (j.requester === signer) return true;
  const key = (addr: string): string | undefined => {
    try {
      return toHex(fromBech32(addr, 90).data);
    } catch {
      return undefined;
    }
  };
  const want = key(signer);
  if (want === undefined) return false;
  for (const m of j.audit?.committee ?? []) {
    if (key(m) === want) return true;
    if ((await sidecarOf(m).catch(() => undefined)) === signer) return true;
  }
  return false;
}

/** A job under audit as the verifier duty sees it; undefined without an audit or a result. */
export function trainingAuditView(j: TrainingJob): TrainingAuditView | undefined {
  const a = j.audit;
  if (!a || !j.result) return undefined;
  const spec = trainingSpec(j);
  const outcome = (TrainingAuditOutcome[a.outcome] ?? 'UNSPECIFIED').replace(/^TRAINING_AUDIT_OUTCOME_/, '').toLowerCase();
  return {
    job: { jobId: spec.id, executor: j.executor, baseModel: j.baseModel, datasets: spec.datasets, params: spec.params, checkpointRoot: j.result.checkpointRoot, interval: Number(a.interval) },
    outcome,
    committee: [...a.committee],
    votes: a.votes.map((v) => ({ verifier: v.verifier, commitHash: v.commitHash, revealed: v.revealedHeight > 0n })),
    commitDeadline: Number(a.commitDeadline),
    revealDeadline: Number(a.revealDeadline),
  };
}

/** The job's method as the trainer takes it. An unknown method is refused, never trained as another one. */
export function methodParams(m: TrainingMethod, h: HyperParams): Pick<TrainingParams, 'method' | 'lora'> {
  switch (m) {
    case TrainingMethod.TRAINING_METHOD_FULL:
      return { method: 'full' };
    case TrainingMethod.TRAINING_METHOD_PRETRAIN:
      return { method: 'pretrain' };
    case TrainingMethod.TRAINING_METHOD_LORA:
      return { method: 'lora', lora: { rank: h.loraRank, alpha: h.loraAlpha, targets: h.loraTargets.split(',') as LoraTarget[] } };
    default:
      throw new TrainerError('unsupported_method', `training method ${TrainingMethod[m] ?? m} is not supported by this sidecar`);
  }
}

export function trainingSpec(j: TrainingJob): TrainingSpec {
  const h = j.hyperParams!;
  return {
    id: j.id.toString(),
    baseModel: j.baseModel,
    datasets: [...j.datasets],
    params: {
      ...methodParams(j.method, h),
      learningRate: h.learningRate,
      steps: Number(h.steps),
      batchSize: h.batchSize,
      seqLen: h.seqLen,
      seed: h.seed.toString(),
      checkpointInterval: Number(h.checkpointInterval),
    },
    childName: j.childName,
    childVersion: j.childVersion,
    deadlineHeight: Number(j.deadlineHeight),
  };
}

export class TrainingChainClient implements TrainingChain {
  readonly q: TrainingQueryClientImpl;

  constructor(private readonly comet: CometClient) {
    this.q = new TrainingQueryClientImpl(createProtobufRpcClient(QueryClient.withExtensions(comet)));
  }

  async getTrainingJob(id: string): Promise<ChainTrainingView | undefined> {
    try {
      const res = await this.q.TrainingJob({ id: BigInt(id) });
      return res.job ? trainingView(res.job) : undefined;
    } catch (e) {
      if (isNotFound(fromThrown(e))) return undefined;
      throw e;
    }
  }

  async getHeight(): Promise<number> {
    return (await this.comet.status()).syncInfo.latestBlockHeight;
  }

  /** Whether `signer` may download job `id`'s training states (mayFetchTrainingState on the job as the chain has it). */
  async mayFetchState(id: string, signer: string, sidecarOf: (valoper: string) => Promise<string | undefined>): Promise<boolean> {
    return mayFetchTrainingState((await this.q.TrainingJob({ id: BigInt(id) })).job, signer, sidecarOf);
  }

  /** The jobs under audit whose committee includes `verifier` (Query/TrainingAudits). */
  async auditsFor(verifier: string): Promise<TrainingJob[]> {
    return (await this.q.TrainingAudits({ verifier })).jobs;
  }

  /** Every PENDING training job assigned to `executor` (all pages). */
  async pendingFor(executor: string): Promise<TrainingJob[]> {
    const out: TrainingJob[] = [];
    let key: Uint8Array | undefined;
    do {
      const res = await this.q.TrainingJobs({ pagination: { key: key ?? new Uint8Array(), offset: 0n, limit: 200n, countTotal: false, reverse: false } });
      for (const j of res.jobs) if (j.executor === executor && j.status === TrainingStatus.TRAINING_STATUS_PENDING) out.push(j);
      key = res.pagination?.nextKey?.length ? res.pagination.nextKey : undefined;
    } while (key);
    return out;
  }
}

/** What the duty needs of the sidecar's signer (chain/signer.ts ChainSubmitter.broadcast). */
export interface Broadcaster {
  readonly address: string;
  broadcast(job: { id: string }, msg: { typeUrl: string; value: unknown }): Promise<SubmitReceipt>;
}

export class ChainTrainingSubmitter implements TrainingSubmitter {
  constructor(private readonly b: Broadcaster) {}

  static message(sidecar: string, m: TrainingResultMsg): MsgSubmitTrainingResult {
    return MsgSubmitTrainingResult.fromPartial({
      sidecar,
      jobId: BigInt(m.jobId),
      childContentRoot: m.childContentRoot,
      files: m.files.map((f) => ({ path: f.path, size: BigInt(f.size), root: f.root })),
      checkpointRoot: m.checkpointRoot,
      checkpointInterval: BigInt(m.checkpointInterval),
      finalLoss: m.finalLoss,
      initialLoss: m.initialLoss,
    });
  }

  async submitTrainingResult(m: TrainingResultMsg): Promise<{ txHash: string }> {
    const r = await this.b.broadcast({ id: m.jobId }, { typeUrl: trainingTypeUrls.MsgSubmitTrainingResult, value: ChainTrainingSubmitter.message(this.b.address, m) });
    return { txHash: r.txHash };
  }
}

export function auditChainOf(c: TrainingChainClient, q: TrainingQueryClientImpl): TrainingAuditChain {
  return {
    latestHeight: () => c.getHeight(),
    getAudit: async (id) => {
      try {
        const res = await q.TrainingJob({ id: BigInt(id) });
        return res.job ? trainingAuditView(res.job) : undefined;
      } catch (e) {
        if (isNotFound(fromThrown(e))) return undefined;
        throw e;
      }
    },
  };
}

const VERDICTS: Readonly<Record<TrainingVerdictName, TrainingVerdict>> = {
  match: TrainingVerdict.TRAINING_VERDICT_MATCH,
  mismatch: TrainingVerdict.TRAINING_VERDICT_MISMATCH,
  abstain: TrainingVerdict.TRAINING_VERDICT_ABSTAIN,
};

/** The chain bounds verdict reasons to 512 bytes; ours are far shorter but a peer's error text may not be. */
function clip(s: string): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= 500 ? s : b.subarray(0, 500).toString('utf8').replace(/\uFFFD*$/, '') + '…';
}

export class ChainTrainingVerdictSubmitter implements TrainingVerdictSubmitter {
  constructor(private readonly b: Broadcaster) {}

  commit(jobId: string, commitHash: string): Promise<SubmitReceipt> {
    return this.b.broadcast({ id: jobId }, { typeUrl: trainingTypeUrls.MsgCommitTrainingVerdict, value: MsgCommitTrainingVerdict.fromPartial({ sidecar: this.b.address, jobId: BigInt(jobId), commitHash }) });
  }

  reveal(jobId: string, verdict: TrainingVerdictName, salt: string, reason: string): Promise<SubmitReceipt> {
    return this.b.broadcast(
      { id: jobId },
      { typeUrl: trainingTypeUrls.MsgRevealTrainingVerdict, value: MsgRevealTrainingVerdict.fromPartial({ sidecar: this.b.address, jobId: BigInt(jobId), verdict: VERDICTS[verdict], salt, reason: clip(reason) }) },
    );
  }
}
