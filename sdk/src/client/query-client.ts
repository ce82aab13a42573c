import { QueryClient, StargateClient, createProtobufRpcClient, type Coin } from "@cosmjs/stargate";
import { connectComet, type CometClient } from "@cosmjs/tendermint-rpc";
import { fromThrown } from "../chain/abci-errors.js";
import { InferchainError, NotFoundError, invalidArgument } from "../errors.js";
import { QueryClientImpl, type QueryLineageResponse, type QueryDescendantsResponse } from "../generated/inferchain/registry/v1/query.js";
import { QueryClientImpl as InferenceQueryClientImpl } from "../generated/inferchain/inference/v1/query.js";
import { QueryClientImpl as FundingQueryClientImpl, type QueryMatchEstimatesResponse } from "../generated/inferchain/funding/v1/query.js";
import type { Contribution, Params as FundingParams, Project, Round } from "../generated/inferchain/funding/v1/types.js";
import { QueryClientImpl as TrainingQueryClientImpl } from "../generated/inferchain/training/v1/query.js";
import { JobStatus, type Executor, type Job, type Params as InferenceParams } from "../generated/inferchain/inference/v1/types.js";
import type { PossessionChallenge } from "../generated/inferchain/inference/v1/possession.js";
import { checkMaxTokens, minimumFeeFor, parseJobStatus } from "./inference.js";
import { newBlockWaker, waitForJob, type WaitForResultOptions } from "./wait.js";
import type { Attestation, Dataset, Model, Params } from "../generated/inferchain/registry/v1/types.js";
import { formatRef, parseRef } from "../refs.js";
import { digestArtifact, type DigestOptions } from "../digest/digest.js";
import type { ArtifactInput } from "../digest/inputs.js";
import { compareArtifact, type ArtifactVerification } from "../digest/verify.js";
import { collectAll, nextKeyOf, toPageRequest, type Page, type PageOptions } from "./pagination.js";
import { provenanceSubjects, type Provenance } from "./provenance.js";

export const DEFAULT_NODE = "http://127.0.0.1:26657";
export const DEFAULT_CHAIN_ID = "inferchain-local-1";
export const DENOM = "uinfer";
export const BECH32_PREFIX = "infer";

export interface AttestationQueryOptions extends PageOptions {
  /** Also return revoked attestations (default false). */
  includeRevoked?: boolean;
}

export interface JobFilter {
  /** Account address (infer1...). */
  requester?: string;
  /** Validator operator address (infervaloper...). */
  executor?: string;
  /** A JobStatus or its name: pending, result_submitted, auditing, settled, refunded. */
  status?: JobStatus | string;
  /** Validator operator address of an audit committee member. */
  verifier?: string;
}

/**
 * Read-only access to the chain: registry and inference queries plus the basics (height, balances, txs)
 * from stargate.
 */
export class InferchainClient {
  /** The generated registry query client, for anything not wrapped here. */
  readonly registry: QueryClientImpl;
  /** The generated x/inference query client, for anything not wrapped here. */
  readonly inference: InferenceQueryClientImpl;
  /** The generated x/funding query client, for anything not wrapped here. */
  readonly funding: FundingQueryClientImpl;
  /** The generated x/training query client (see client/training.ts for the typed helpers). */
  readonly training: TrainingQueryClientImpl;

  protected constructor(
    protected readonly comet: CometClient,
    /** The underlying cosmjs client (bank, auth, txs). */
    readonly stargate: StargateClient,
    /** The RPC endpoint connected to (waitForResult subscribes to its websocket for block wake-ups). */
    readonly endpoint?: string,
  ) {
    const rpc = createProtobufRpcClient(QueryClient.withExtensions(comet));
    this.registry = new QueryClientImpl(rpc);
    this.inference = new InferenceQueryClientImpl(rpc);
    this.funding = new FundingQueryClientImpl(rpc);
    this.training = new TrainingQueryClientImpl(rpc);
  }

  /** Connects to a CometBFT RPC endpoint, e.g. http://127.0.0.1:26657. */
  static async connect(endpoint: string = DEFAULT_NODE): Promise<InferchainClient> {
    const comet = await connectOrThrow(endpoint);
    return new InferchainClient(comet, StargateClient.create(comet), endpoint);
  }

  disconnect(): void {
    this.stargate.disconnect();
  }

  getChainId(): Promise<string> {
    return wrap(() => this.stargate.getChainId());
  }

  getHeight(): Promise<number> {
    return wrap(() => this.stargate.getHeight());
  }

  getBalance(address: string, denom: string = DENOM): Promise<Coin> {
    return wrap(() => this.stargate.getBalance(address, denom));
  }

  async getParams(): Promise<Params> {
    const res = await wrap(() => this.registry.Params({}));
    if (!res.params) throw new InferchainError("unknown", "registry params missing from the response");
    return res.params;
  }

  /** A model by 64-hex content root or name@version; NotFoundError when there is none. */
  async getModel(ref: string): Promise<Model> {
    const parsed = parseRef(ref, "model");
    const res = await wrap(() =>
      "contentRoot" in parsed ? this.registry.Model({ contentRoot: parsed.contentRoot }) : this.registry.ModelByName(parsed),
    );
    if (!res.model || res.model.contentRoot === "") throw new NotFoundError(`model ${formatRef(parsed)} not found`, { field: "model" });
    return res.model;
  }

  /** A dataset by 64-hex content root or name@version; NotFoundError when there is none. */
  async getDataset(ref: string): Promise<Dataset> {
    const parsed = parseRef(ref, "dataset");
    const res = await wrap(() =>
      "contentRoot" in parsed ? this.registry.Dataset({ contentRoot: parsed.contentRoot }) : this.registry.DatasetByName(parsed),
    );
    if (!res.dataset || res.dataset.contentRoot === "") throw new NotFoundError(`dataset ${formatRef(parsed)} not found`, { field: "dataset" });
    return res.dataset;
  }

  /** Content root for a model ref; a content root is checked to exist too. */
  async resolveModel(ref: string): Promise<string> {
    return (await this.getModel(ref)).contentRoot;
  }

  async resolveDataset(ref: string): Promise<string> {
    return (await this.getDataset(ref)).contentRoot;
  }

  /** Resolves a subject that may be a model or a dataset (models are tried first). */
  async resolveSubject(ref: string): Promise<{ contentRoot: string; kind: "model" | "dataset" }> {
    try {
      return { contentRoot: await this.resolveModel(ref), kind: "model" };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    try {
      return { contentRoot: await this.resolveDataset(ref), kind: "dataset" };
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`subject ${ref}: no model or dataset with this reference`, { field: "subject" });
      throw err;
    }
  }

  async listModels(page: PageOptions = {}): Promise<Page<Model>> {
    const res = await wrap(() => this.registry.Models({ pagination: toPageRequest(page) }));
    return { items: res.models, nextKey: nextKeyOf(res.pagination) };
  }

  listAllModels(): Promise<Model[]> {
    return collectAll((p) => this.listModels(p));
  }

  async listDatasets(page: PageOptions = {}): Promise<Page<Dataset>> {
    const res = await wrap(() => this.registry.Datasets({ pagination: toPageRequest(page) }));
    return { items: res.datasets, nextKey: nextKeyOf(res.pagination) };
  }

  listAllDatasets(): Promise<Dataset[]> {
    return collectAll((p) => this.listDatasets(p));
  }

  async getAttestation(id: bigint | number | string): Promise<Attestation> {
    const res = await wrap(() => this.registry.Attestation({ id: toId(id) }));
    if (!res.attestation) throw new NotFoundError(`attestation ${id} not found`, { field: "id" });
    return res.attestation;
  }

  /** One page of attestations of a subject (content root). */
  async listAttestations(subject: string, options: AttestationQueryOptions = {}): Promise<Page<Attestation>> {
    const res = await wrap(() =>
      this.registry.Attestations({ subject, includeRevoked: options.includeRevoked ?? false, pagination: toPageRequest(options) }),
    );
    return { items: res.attestations, nextKey: nextKeyOf(res.pagination) };
  }

  /** Every attestation of a subject given by content root or name@version (model or dataset). */
  async getAttestations(subjectRef: string, options: { includeRevoked?: boolean } = {}): Promise<Attestation[]> {
    const subject = parseRef(subjectRef, "subject");
    const root = "contentRoot" in subject ? subject.contentRoot : (await this.resolveSubject(subjectRef)).contentRoot;
    return collectAll((p) => this.listAttestations(root, { ...p, ...options }));
  }

  /**
   * Hashes local files/directories and checks them against a registered model (by content root or
   * name@version): every file's size and root, and the content root.
   */
  async verifyArtifact(inputs: string | readonly (string | ArtifactInput)[], modelRef: string, options: DigestOptions = {}): Promise<ArtifactVerification> {
    const model = await this.getModel(modelRef);
    return compareArtifact(await digestArtifact(inputs, options), model);
  }

  /** The chain's Lineage query: ancestors, datasets (transitively) and edges. */
  async getLineage(modelRef: string): Promise<QueryLineageResponse> {
    const contentRoot = await this.resolveModel(modelRef);
    return wrap(() => this.registry.Lineage({ contentRoot }));
  }

  async getDescendants(modelRef: string): Promise<QueryDescendantsResponse> {
    const contentRoot = await this.resolveModel(modelRef);
    return wrap(() => this.registry.Descendants({ contentRoot }));
  }

  /**
   * A model's full provenance: its files, ancestors, datasets (transitively), the lineage edges, and the
   * attestations of the model, each ancestor and each dataset, grouped by subject.
   */
  async getProvenance(modelRef: string, options: { includeRevoked?: boolean } = {}): Promise<Provenance> {
    const lineage = await this.getLineage(modelRef);
    const model = lineage.model;
    if (!model) throw new NotFoundError(`model ${modelRef} not found`, { field: "model" });
    const subjects = provenanceSubjects(model, lineage.ancestors, lineage.datasets);
    const attestations: Record<string, Attestation[]> = {};
    // A few subjects at a time: lineages can be wide and every call is a round trip to the node.
    for (let i = 0; i < subjects.length; i += 8) {
      const batch = subjects.slice(i, i + 8);
      const lists = await Promise.all(batch.map((s) => collectAll((p) => this.listAttestations(s, { ...p, ...options }))));
      batch.forEach((s, k) => (attestations[s] = lists[k]!));
    }
    return {
      model,
      files: model.files,
      ancestors: lineage.ancestors,
      datasets: lineage.datasets,
      edges: lineage.edges,
      truncated: lineage.truncated,
      attestations,
    };
  }

  // ---- x/inference ----

  async getInferenceParams(): Promise<InferenceParams> {
    const res = await wrap(() => this.inference.Params({}));
    if (!res.params) throw new InferchainError("unknown", "inference params missing from the response");
    return res.params;
  }

  /** The least max_fee a request for maxTokens may escrow: base_fee + fee_per_token * maxTokens (current params). */
  async minimumFee(maxTokens: number): Promise<Coin> {
    checkMaxTokens(maxTokens); // before any query
    return minimumFeeFor(await this.getInferenceParams(), maxTokens);
  }

  /** A job by id; NotFoundError (field job_id) when there is none. */
  async getJob(id: bigint | number | string): Promise<Job> {
    const jobId = toId(id, "job_id");
    try {
      const res = await wrap(() => this.inference.Job({ id: jobId }));
      if (!res.job || res.job.id !== jobId) throw new NotFoundError(`job ${jobId} not found`, { field: "job_id" });
      return res.job;
    } catch (err) {
      if (err instanceof NotFoundError && err.field !== "job_id") throw new NotFoundError(`job ${jobId} not found`, { field: "job_id", cause: err });
      throw err;
    }
  }

  /** One page of jobs, filtered by requester, executor, audit committee member and status (the filters combine). */
  async listJobs(filter: JobFilter = {}, page: PageOptions = {}): Promise<Page<Job>> {
    const status = filter.status === undefined ? JobStatus.JOB_STATUS_UNSPECIFIED : typeof filter.status === "string" ? parseJobStatus(filter.status) : filter.status;
    const res = await wrap(() =>
      this.inference.Jobs({ requester: filter.requester ?? "", executor: filter.executor ?? "", verifier: filter.verifier ?? "", status, pagination: toPageRequest(page) }),
    );
    return { items: res.jobs, nextKey: nextKeyOf(res.pagination) };
  }

  /** The executor of a validator (infervaloper...); NotFoundError (field validator) when it has none. */
  async getExecutor(valoper: string): Promise<Executor> {
    if (typeof valoper !== "string" || valoper.trim() === "") throw invalidArgument("validator", "must be a validator operator address (infervaloper...)");
    const res = await wrap(() => this.inference.Executor({ validator: valoper.trim() }));
    if (!res.executor || res.executor.validator === "") throw new NotFoundError(`executor of validator ${valoper} not found`, { field: "validator" });
    return res.executor;
  }

  /** One page of executors (active or not). */
  async listExecutors(page: PageOptions = {}): Promise<Page<Executor>> {
    const res = await wrap(() => this.inference.Executors({ pagination: toPageRequest(page) }));
    return { items: res.executors, nextKey: nextKeyOf(res.pagination) };
  }

  listAllExecutors(): Promise<Executor[]> {
    return collectAll((p) => this.listExecutors(p));
  }

  /** The active executors serving a model (content root or name@version). */
  async getExecutorsOfModel(modelRef: string): Promise<Executor[]> {
    const model = await this.resolveModel(modelRef);
    return (await wrap(() => this.inference.ExecutorsOfModel({ model }))).executors;
  }

  /** The open proof-of-possession challenges of an executor (validator operator address). */
  async getPossessionChallenges(validator: string): Promise<PossessionChallenge[]> {
    return (await wrap(() => this.inference.PossessionChallenges({ validator }))).challenges;
  }

  // ---- x/funding ----

  async getFundingParams(): Promise<FundingParams> {
    const res = await wrap(() => this.funding.Params({}));
    if (!res.params) throw new InferchainError("unknown", "funding params missing from the response");
    return res.params;
  }

  /** A quadratic-funding round by id; NotFoundError (field round_id) when there is none. */
  async getFundingRound(id: bigint | number | string): Promise<Round> {
    const roundId = toId(id, "round_id");
    const res = await wrapNotFound(() => this.funding.Round({ roundId }), `round ${roundId} not found`, "round_id");
    if (!res.round || res.round.id !== roundId) throw new NotFoundError(`round ${roundId} not found`, { field: "round_id" });
    return res.round;
  }

  /** One page of funding rounds, by id. */
  async listFundingRounds(page: PageOptions = {}): Promise<Page<Round>> {
    const res = await wrap(() => this.funding.Rounds({ pagination: toPageRequest(page) }));
    return { items: res.rounds, nextKey: nextKeyOf(res.pagination) };
  }

  listAllFundingRounds(): Promise<Round[]> {
    return collectAll((p) => this.listFundingRounds(p));
  }

  /** A project of a round; NotFoundError when the round or the project does not exist. */
  async getFundingProject(roundId: bigint | number | string, projectId: bigint | number | string): Promise<Project> {
    const r = toId(roundId, "round_id");
    const p = toId(projectId, "project_id");
    const res = await wrapNotFound(() => this.funding.Project({ roundId: r, projectId: p }), `round ${r} has no project ${p}`, "project_id");
    if (!res.project) throw new NotFoundError(`round ${r} has no project ${p}`, { field: "project_id" });
    return res.project;
  }

  /** One page of the projects of a round, by project id. */
  async listFundingProjects(roundId: bigint | number | string, page: PageOptions = {}): Promise<Page<Project>> {
    const r = toId(roundId, "round_id");
    const res = await wrapNotFound(() => this.funding.Projects({ roundId: r, pagination: toPageRequest(page) }), `round ${r} not found`, "round_id");
    return { items: res.projects, nextKey: nextKeyOf(res.pagination) };
  }

  listAllFundingProjects(roundId: bigint | number | string): Promise<Project[]> {
    return collectAll((p) => this.listFundingProjects(roundId, p));
  }

  /** One page of the contributions of a round (of one project with projectId). */
  async listFundingContributions(roundId: bigint | number | string, options: PageOptions & { projectId?: bigint | number | string } = {}): Promise<Page<Contribution>> {
    const r = toId(roundId, "round_id");
    const projectId = options.projectId === undefined ? 0n : toId(options.projectId, "project_id");
    const res = await wrapNotFound(() => this.funding.Contributions({ roundId: r, projectId, pagination: toPageRequest(options) }), `round ${r} not found`, "round_id");
    return { items: res.contributions, nextKey: nextKeyOf(res.pagination) };
  }

  listAllFundingContributions(roundId: bigint | number | string, projectId?: bigint | number | string): Promise<Contribution[]> {
    return collectAll((p) => this.listFundingContributions(roundId, { ...p, projectId }));
  }

  /** Each project's match if the round ended now (the final matches once the round is finalizing). */
  getMatchEstimates(roundId: bigint | number | string): Promise<QueryMatchEstimatesResponse> {
    const r = toId(roundId, "round_id");
    return wrapNotFound(() => this.funding.MatchEstimates({ roundId: r }), `round ${r} not found`, "round_id");
  }

  /**
   * Waits until a job has a result (until: "result") or is settled (until: "settled", the default). The job
   * is read from the chain once per block (the source of truth); the node's websocket only wakes the loop
   * up. Rejects with JobRefundedError (status_reason) or JobTimeoutError (job id; the job is not lost).
   */
  async waitForResult(jobId: bigint | number | string, options: WaitForResultOptions = {}): Promise<Job> {
    const id = toId(jobId, "job_id");
    const waker = newBlockWaker(this.endpoint ?? DEFAULT_NODE);
    try {
      return await waitForJob(id, (i) => this.getJob(i), waker, options);
    } finally {
      waker.close();
    }
  }
}

export function toId(id: bigint | number | string, field = "id"): bigint {
  try {
    if (typeof id === "string" && !/^\s*\d+\s*$/.test(id)) throw new RangeError();
    const v = BigInt(id);
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError();
    return v;
  } catch {
    throw invalidArgument(field, `"${id}" is not a non-negative integer`);
  }
}

/** wrap, with a not-found from the chain re-labelled with our message and field. */
async function wrapNotFound<T>(call: () => Promise<T>, message: string, field: string): Promise<T> {
  try {
    return await wrap(call);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(message, { field, cause: err });
    throw err;
  }
}

/** Runs a chain call, mapping whatever cosmjs throws to typed errors. */
export async function wrap<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromThrown(err);
  }
}

export async function connectOrThrow(endpoint: string): Promise<CometClient> {
  try {
    return await connectComet(endpoint);
  } catch (err) {
    const mapped = fromThrown(err);
    throw mapped.code === "connection" || mapped.code === "unknown"
      ? new InferchainError("connection", `cannot reach the node at ${endpoint} (is it running? set --node or INFERCHAIN_NODE): ${(err as Error).message}`, { field: "node", cause: err })
      : mapped;
  }
}
