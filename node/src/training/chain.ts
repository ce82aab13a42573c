/**
 * The chain side of the training duty over the sidecar's CometBFT connection: the job view the duty acts on,
 * the PENDING jobs assigned to us (reconciliation), and MsgSubmitTrainingResult through the sidecar's signer.
 */
import { QueryClient, createProtobufRpcClient } from '@cosmjs/stargate';
import type { CometClient } from '@cosmjs/tendermint-rpc';
import { MsgSubmitTrainingResult, TrainingMethod, TrainingQueryClientImpl, TrainingStatus, isNotFound, fromThrown, trainingTypeUrls, type TrainingJob } from '@inferchain/sdk';
import type { SubmitReceipt } from '../durable/broadcast.js';
import type { ChainTrainingView, TrainingChain, TrainingResultMsg, TrainingSubmitter } from './duty.js';
import type { TrainingSpec } from './store.js';
import type { LoraTarget } from './train.js';

export function trainingView(j: TrainingJob): ChainTrainingView {
  const status = j.status === TrainingStatus.TRAINING_STATUS_COMPLETED ? 'completed' : j.status === TrainingStatus.TRAINING_STATUS_REFUNDED ? 'refunded' : 'pending';
  return { status, executor: j.executor, deadlineHeight: Number(j.deadlineHeight), ...(j.result ? { childModel: j.result.childModel } : {}) };
}

export function trainingSpec(j: TrainingJob): TrainingSpec {
  const h = j.hyperParams!;
  return {
    id: j.id.toString(),
    baseModel: j.baseModel,
    datasets: [...j.datasets],
    params: {
      ...(j.method === TrainingMethod.TRAINING_METHOD_LORA
        ? { method: 'lora' as const, lora: { rank: h.loraRank, alpha: h.loraAlpha, targets: h.loraTargets.split(',') as LoraTarget[] } }
        : { method: 'full' as const }),
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
  private readonly q: TrainingQueryClientImpl;

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
