/**
 * Read side of the chain for the sidecar: heights, block events, jobs, executors and registry models,
 * over one CometBFT RPC connection.
 */
import { QueryClient, createProtobufRpcClient } from '@cosmjs/stargate';
import { connectComet, type CometClient } from '@cosmjs/tendermint-rpc';
import {
  InferenceQueryClientImpl,
  JobStatus,
  ModelStatus,
  QueryClientImpl as RegistryQueryClientImpl,
  fromThrown,
  type Executor,
  type Job,
} from '@inferchain/sdk';
import type { ChainAccess, ChainJobStatus, ChainJobView } from '../jobs/ports.js';
import type { JobSpec } from '../jobs/types.js';
import type { AbciEvent } from './events.js';

export interface RegistryModelView {
  contentRoot: string;
  name: string;
  version: string;
  status: 'active' | 'deprecated' | 'revoked' | 'unknown';
  files: { path: string; size: bigint; root: string }[];
}

export interface ModelRegistry {
  /** undefined when the chain has no such model. */
  getModel(contentRoot: string): Promise<RegistryModelView | undefined>;
}

export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError';
}

const STATUS: Partial<Record<JobStatus, ChainJobStatus>> = {
  [JobStatus.JOB_STATUS_PENDING]: 'pending',
  [JobStatus.JOB_STATUS_RESULT_SUBMITTED]: 'result_submitted',
  [JobStatus.JOB_STATUS_AUDITING]: 'auditing',
  [JobStatus.JOB_STATUS_SETTLED]: 'settled',
  [JobStatus.JOB_STATUS_REFUNDED]: 'refunded',
};

export function jobView(j: Job): ChainJobView {
  const view: ChainJobView = {
    id: j.id.toString(),
    status: STATUS[j.status] ?? 'unknown',
    executor: j.executor,
    attempt: j.attempt,
    deadlineHeight: Number(j.deadlineHeight),
  };
  if (j.result && j.result.submittedBy) {
    view.resultBy = j.result.submittedBy;
    view.resultCommitment = j.result.commitment;
  }
  if (j.statusReason) view.statusReason = j.statusReason;
  return view;
}

/** The queue's JobSpec for a chain job; attempt/deadline come from the assignment we saw when given. */
export function jobSpec(j: Job, assignment?: { attempt: number; deadlineHeight: number }): JobSpec {
  return {
    id: j.id.toString(),
    model: j.model,
    requester: j.requester,
    prompt: j.prompt,
    maxTokens: j.maxTokens,
    temperatureMilli: j.temperatureMilli,
    topK: j.topK,
    seed: j.seed.toString(),
    attempt: assignment?.attempt ?? j.attempt,
    deadlineHeight: assignment?.deadlineHeight ?? Number(j.deadlineHeight),
  };
}

function isNotFound(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /not found|NotFound|does not exist/i.test(msg);
}

export class ChainClient implements ChainAccess, ModelRegistry {
  readonly inference: InferenceQueryClientImpl;
  readonly registry: RegistryQueryClientImpl;

  private constructor(readonly comet: CometClient) {
    const rpc = createProtobufRpcClient(QueryClient.withExtensions(comet));
    this.inference = new InferenceQueryClientImpl(rpc);
    this.registry = new RegistryQueryClientImpl(rpc);
  }

  static async connect(rpc: string): Promise<ChainClient> {
    try {
      return new ChainClient(await connectComet(rpc));
    } catch (e) {
      throw new ChainUnavailableError(`cannot reach the chain RPC at ${rpc}: ${(e as Error).message} (is inferchaind running? check chain.rpc)`);
    }
  }

  disconnect(): void {
    this.comet.disconnect();
  }

  async chainId(): Promise<string> {
    return (await this.comet.status()).nodeInfo.network;
  }

  async latestHeight(): Promise<number> {
    return (await this.comet.status()).syncInfo.latestBlockHeight;
  }

  /** Events of a block that changed state: finalize-block events and those of successful txs. */
  async blockEvents(height: number): Promise<AbciEvent[]> {
    const res = await this.comet.blockResults(height);
    const events: AbciEvent[] = [];
    for (const tx of res.results) if (tx.code === 0) events.push(...tx.events);
    // CometBFT 0.38+: finalize-block events; Tendermint 0.37: begin/end-block events.
    if ('finalizeBlockEvents' in res) events.push(...res.finalizeBlockEvents);
    else events.push(...res.beginBlockEvents, ...res.endBlockEvents);
    return events;
  }

  async getChainJob(id: string): Promise<Job | undefined> {
    try {
      const res = await this.inference.Job({ id: BigInt(id) });
      return res.job && res.job.id === BigInt(id) ? res.job : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fromThrown(e);
    }
  }

  async getJob(id: string): Promise<ChainJobView | undefined> {
    const j = await this.getChainJob(id);
    return j && jobView(j);
  }

  /** Every PENDING job assigned to `executor` (all pages). */
  pendingJobs(executor: string): Promise<Job[]> {
    return this.allJobs({ executor, verifier: '', status: JobStatus.JOB_STATUS_PENDING });
  }

  /** Every AUDITING job whose committee includes `verifier` (a validator operator address; all pages). */
  auditingJobs(verifier: string): Promise<Job[]> {
    return this.allJobs({ executor: '', verifier, status: JobStatus.JOB_STATUS_AUDITING });
  }

  private async allJobs(filter: { executor: string; verifier: string; status: JobStatus }): Promise<Job[]> {
    const out: Job[] = [];
    let key: Uint8Array = new Uint8Array();
    for (let page = 0; page < 1000; page++) {
      const res = await this.inference.Jobs({
        requester: '',
        ...filter,
        pagination: { key, offset: 0n, limit: 200n, countTotal: false, reverse: false },
      });
      out.push(...res.jobs);
      const next = res.pagination?.nextKey;
      if (!next || next.length === 0) break;
      key = next;
    }
    return out;
  }

  async getExecutor(validator: string): Promise<Executor | undefined> {
    try {
      const res = await this.inference.Executor({ validator });
      return res.executor && res.executor.validator ? res.executor : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fromThrown(e);
    }
  }

  async getModel(contentRoot: string): Promise<RegistryModelView | undefined> {
    try {
      const res = await this.registry.Model({ contentRoot });
      const m = res.model;
      if (!m || !m.contentRoot) return undefined;
      const status =
        m.status === ModelStatus.MODEL_STATUS_ACTIVE ? 'active' : m.status === ModelStatus.MODEL_STATUS_DEPRECATED ? 'deprecated' : m.status === ModelStatus.MODEL_STATUS_REVOKED ? 'revoked' : 'unknown';
      return { contentRoot: m.contentRoot, name: m.name, version: m.version, status, files: m.files.map((f) => ({ path: f.path, size: f.size, root: f.root })) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fromThrown(e);
    }
  }
}
