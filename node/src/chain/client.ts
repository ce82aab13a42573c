/**
 * Read side of the chain for the sidecar: heights, block events, jobs, executors and registry models,
 * over one CometBFT RPC connection.
 */
import { QueryClient, createProtobufRpcClient } from '@cosmjs/stargate';
import { QueryClientImpl as AuthzQueryClientImpl } from 'cosmjs-types/cosmos/authz/v1beta1/query';
import { connectComet, type CometClient } from '@cosmjs/tendermint-rpc';
import type { Event } from '@cosmjs/stargate';
import {
  InferenceQueryClientImpl,
  JobStatus,
  QueryClientImpl as RegistryQueryClientImpl,
  fromThrown,
  inferenceTypeUrls,
  isNotFound,
  jobStatusName,
  modelStatusName,
  type Executor,
  type JobStatusName,
  type Job,
  type PossessionChallenge,
} from '@inferchain/sdk';
import type { ChainAccess, ChainJobView } from '../jobs/ports.js';
import type { ModelRegistry, RegistryModelView } from '../store/registry.js';

export type { ModelRegistry, RegistryModelView } from '../store/registry.js';

export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError';
}

export function jobView(j: Job): ChainJobView {
  const view: ChainJobView = {
    id: j.id.toString(),
    status: chainStatus(jobStatusName(j.status)),
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

/** The SDK's status name; "unspecified" (a status this sidecar does not know) is "unknown" to the processor. */
function chainStatus(name: JobStatusName): ChainJobView['status'] {
  return name === 'unspecified' ? 'unknown' : name;
}

export class ChainClient implements ChainAccess, ModelRegistry {
  readonly inference: InferenceQueryClientImpl;
  readonly registry: RegistryQueryClientImpl;
  private readonly authz: AuthzQueryClientImpl;

  private constructor(readonly comet: CometClient) {
    const rpc = createProtobufRpcClient(QueryClient.withExtensions(comet));
    this.inference = new InferenceQueryClientImpl(rpc);
    this.registry = new RegistryQueryClientImpl(rpc);
    this.authz = new AuthzQueryClientImpl(rpc);
  }

  /** True when `grantee` holds an unexpired authz grant from `granter` for MsgRequestInference (agent wallets). */
  async isRequestGrantee(granter: string, grantee: string): Promise<boolean> {
    try {
      const res = await this.authz.Grants({ granter, grantee, msgTypeUrl: inferenceTypeUrls.MsgRequestInference });
      const now = BigInt(Math.floor(Date.now() / 1000));
      return res.grants.some((g) => g.expiration === undefined || g.expiration.seconds > now);
    } catch (e) {
      if (/not found|NotFound/.test((e as Error).message)) return false;
      throw e;
    }
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
  async blockEvents(height: number): Promise<Event[]> {
    const res = await this.comet.blockResults(height);
    const events: Event[] = [];
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

  /** Our open proof-of-possession challenges (possession/ reconciliation). */
  async possessionChallenges(validator: string): Promise<PossessionChallenge[]> {
    try {
      return (await this.inference.PossessionChallenges({ validator })).challenges;
    } catch (e) {
      throw fromThrown(e);
    }
  }

  async getModel(contentRoot: string): Promise<RegistryModelView | undefined> {
    try {
      const res = await this.registry.Model({ contentRoot });
      const m = res.model;
      if (!m || !m.contentRoot) return undefined;
      const name = modelStatusName(m.status);
      const status = name === 'active' || name === 'pending' || name === 'deprecated' || name === 'revoked' ? name : 'unknown';
      return { contentRoot: m.contentRoot, name: m.name, version: m.version, status, files: m.files.map((f) => ({ path: f.path, size: f.size, root: f.root })) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fromThrown(e);
    }
  }
}
